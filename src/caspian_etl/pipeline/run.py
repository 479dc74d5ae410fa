"""The pipeline as plain functions: acquire a snapshot, parse it, validate, quarantine, write curated Parquet.

Prefect flows (flows/) call these; tests call them directly. One source failing never stops the others and
never touches a curated file it does not own.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq

from caspian_etl.contracts.curated import PartWrite, part_files, part_path, source_of_part, write_parts
from caspian_etl.contracts.schema import contract_files, load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core import storage
from caspian_etl.core.atomic import atomic_write, clean_staging
from caspian_etl.core.errors import CaspianError, ConfigError, ContractError, UsageError
from caspian_etl.core.http import HttpClient
from caspian_etl.core.redaction import redact
from caspian_etl.core.results import RunSummary, SourceResult, TableOutcome
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.snapshots import Snapshot, SnapshotStore, check_selector, iso_utc, mark_failed, utc_now
from caspian_etl.core.state import load_state, record_result
from caspian_etl.derived import DERIVED, DERIVED_SOURCE
from caspian_etl.pipeline.code_version import code_digest, source_modules
from caspian_etl.pipeline.downstream import build_derived, publish
from caspian_etl.pipeline.shrink import shrink_refusal
from caspian_etl.sources import REGISTRY, Source, Window, get_source
from caspian_etl.sources.base import FetchContext, ParseStep

log = logging.getLogger(__name__)


@dataclass
class Acquired:
    """The snapshot a run will parse, or why there is none."""

    snapshot: Snapshot | None
    fetched: bool = False  # a new fetch was made (False: replay of a stored snapshot)
    unchanged: bool = False  # fetched, and the bytes equal the latest stored snapshot's
    skip_reason: str | None = None


def fetch_snapshot(source: Source, paths: DataPaths, window: Window | None = None) -> tuple[Snapshot, bool]:
    """Fetch the source now into a new raw snapshot; returns (snapshot, unchanged).

    On an error the responses received so far are kept as an incomplete snapshot and the error propagates.
    """
    store = SnapshotStore(paths, source.name)
    previous = store.latest(full_only=True)
    window = window or Window()
    settings = paths.settings
    http = HttpClient(source.name, source.http_policy.with_overrides(settings.http),
                      secrets=source.secrets(settings))
    params = {"start": window.start.isoformat() if window.start else None,
              "end": window.end.isoformat() if window.end else None}
    with store.writer(params=params) as writer:
        source.fetch(FetchContext(source=source, paths=paths, http=http, writer=writer, previous=previous,
                                  window=window))
        snapshot = writer.commit()
    return snapshot, writer.unchanged


def acquire(source: Source, paths: DataPaths, *, offline: bool = False, snapshot: str | None = None,
            window: Window | None = None) -> Acquired:
    """Pick the snapshot to parse: replay a stored one (`snapshot` given, or offline) or fetch a new one."""
    store = SnapshotStore(paths, source.name)
    if snapshot is not None:
        chosen = store.select(snapshot)
        if chosen is not None:
            return Acquired(chosen)
        if not (snapshot == "latest" and not source.network):
            return Acquired(None, skip_reason=f"no complete snapshot matches --snapshot {snapshot}")
    elif offline and source.network:
        chosen = store.latest()
        if chosen is None:
            return Acquired(None, skip_reason="offline and no stored snapshot")
        return Acquired(chosen)
    # online, or a local source (its "fetch" reads a file and needs no network)
    fetched, unchanged = fetch_snapshot(source, paths, window)
    return Acquired(fetched, fetched=True, unchanged=unchanged)


def curation_key(source: Source, snapshot: Snapshot) -> str:
    """A hash of everything a source's curated files are built from: the snapshot's bytes (by sha256), the
    contracts and vocabularies of its tables, and the code that parses, validates and writes them (the source
    files of its modules and the caspian_etl modules they import: caspian_etl.pipeline.code_version)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(snapshot.fingerprint())).encode())
    for path in contract_files(source.tables):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(code_digest(source_modules(source)).encode())
    return digest.hexdigest()


def already_curated(source: Source, paths: DataPaths, key: str) -> bool:
    """True when the last successful full run curated exactly `key` and its files are all still there."""
    last = load_state(paths, source.name).get("last_success") or {}
    if last.get("curation_key") != key:
        return False
    return all(any(source_of_part(p) == source.name for p in part_files(paths, t)) for t in source.tables)


def _quarantine(paths: DataPaths, table: str, source: str, snapshot: Snapshot, rows: pd.DataFrame) -> str:
    rows = rows.copy()
    rows["snapshot_id"] = snapshot.snapshot_id
    target = paths.quarantine / table / f"{source}__{snapshot.snapshot_id}.csv"
    atomic_write(target, lambda tmp: rows.to_csv(tmp, index=False), staging_dir=paths.staging)
    return str(target)


def _rows_in_file(paths: DataPaths, table: str, source: str) -> int:
    target = part_path(paths, table, source)
    storage.refresh(target)  # an s3:// root: the rows another worker wrote count too
    return pq.read_metadata(target).num_rows if target.exists() else 0


@dataclass
class _Checked:
    outcome: TableOutcome
    write: PartWrite | None = None


def _check_table(source: Source, snapshot: Snapshot, paths: DataPaths, table: str, frame: pd.DataFrame | None,
                 metadata: dict[str, str], *, share: float, allow_shrink: bool) -> _Checked:
    """Validate one table of a source and quarantine its failing rows; decide whether it may be written."""
    contract = load_contract(table)
    checked = _Checked(TableOutcome(table))
    outcome = checked.outcome
    if frame is None or (frame.empty and len(frame.columns) == 0):
        frame = contract.empty_frame()
    try:
        result = validate_table(contract, frame, source=source.name)
        if result.n_quarantined:
            outcome.quarantine_path = _quarantine(paths, table, source.name, snapshot, result.quarantined)
            outcome.rows_quarantined = result.n_quarantined
        if result.n_valid == 0 and result.n_quarantined:
            raise ContractError(f"table {table}: every one of {result.n_quarantined} rows failed validation "
                                f"(see {outcome.quarantine_path}); the previous file is kept", source=source.name)
        if snapshot.window is None:  # a backfill replaces one window's rows; the rest of the file stays
            refusal = shrink_refusal(table, _rows_in_file(paths, table, source.name), result.n_valid,
                                     share=share, allowed=allow_shrink)
            if refusal:
                raise ContractError(refusal, source=source.name)
        checked.write = PartWrite(contract, result.valid, metadata)
        outcome.rows_written = result.n_valid
    except CaspianError as exc:
        outcome.error = str(exc)
        log.error("%s", exc)
    except OSError as exc:  # the quarantine file could not be written (a full disk)
        outcome.error = f"{source.name}: cannot write the quarantine of {table}: {exc.strerror or exc}"
        log.error("%s", outcome.error)
    return checked


def curate(source: Source, snapshot: Snapshot, paths: DataPaths, *, allow_shrink: bool | None = None,
           parse: ParseStep | None = None) -> list[TableOutcome]:
    """Parse a snapshot, validate every table of the source, then write them all -- or none.

    Validate everything first, publish after: a table that fails its contract, a write that would empty a
    table or shrink it by more than CASPIAN_ETL_MAX_SHRINK (unless `allow_shrink`, default from
    CASPIAN_ETL_ALLOW_SHRINK) or a write that fails (a full disk) leaves every curated file of the source as it
    was. Quarantined rows are kept in data/quarantine either way. `parse` replaces the source's parse (a
    source's own curate step hands its snapshots back this way). A source with `derive` builds its other
    tables from the rows of its parsed tables that passed validation, so a quarantined row feeds nothing.
    """
    if source.curate is not None and parse is None:  # a streaming source writes its own tables in batches
        return source.curate(source, snapshot, paths, standard=lambda own_parse: curate(
            source, snapshot, paths, allow_shrink=allow_shrink, parse=own_parse))
    settings = paths.settings
    options = {"share": settings.max_shrink,
               "allow_shrink": settings.allow_shrink if allow_shrink is None else allow_shrink}
    metadata = {
        **source.origin_metadata(),
        "caspian_etl.snapshot_sha256": json.dumps(sorted(set(snapshot.sha256s))),
    }
    frames = (parse or source.parse)(snapshot)
    _declared(source, frames)
    parsed = [t for t in source.tables if t in frames or source.derive is None]
    checked = {t: _check_table(source, snapshot, paths, t, frames.get(t), metadata, **options) for t in parsed}
    if source.derive is not None and not any(c.outcome.error for c in checked.values()):
        built = source.derive({t: c.write.frame for t, c in checked.items() if c.write is not None})
        _declared(source, built)
        for table in (t for t in source.tables if t not in checked):
            checked[table] = _check_table(source, snapshot, paths, table, built.get(table), metadata, **options)
    outcomes = [checked[t].outcome if t in checked else TableOutcome(t) for t in source.tables]
    failed = [o for o in outcomes if o.error]
    if failed:
        for o in outcomes:
            o.rows_written = 0
        failed[0].error += f" (so no table of {source.name} was written: its curated files are as they were)"
        return outcomes
    try:
        written = write_parts(paths, source.name, [checked[t].write for t in source.tables],  # type: ignore[misc]
                              window=snapshot.window)
    except CaspianError as exc:
        log.error("%s", exc)
        for o in outcomes:
            o.rows_written = 0
        outcomes[0].error = str(exc)
        return outcomes
    for outcome, path in zip(outcomes, written, strict=True):
        outcome.path = str(path)
    return outcomes


def _declared(source: Source, frames: dict[str, pd.DataFrame]) -> None:
    unexpected = sorted(set(frames) - set(source.tables))
    if unexpected:
        raise ContractError(f"parser returned tables it does not declare: {unexpected}", source=source.name)


def _type_name(exc: BaseException) -> str:
    """ValueError, but zlib.error rather than a bare 'error'."""
    kind = type(exc)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


AcquireStep = Callable[..., Acquired]
CurateRun = Callable[[Source, Snapshot, DataPaths], list[TableOutcome]]  # curate, or a Prefect task wrapping it


def run_source(name: str, paths: DataPaths, *, offline: bool = False, snapshot: str | None = None,
               window: Window | None = None, acquire_step: AcquireStep = acquire,
               curate_step: CurateRun = curate) -> SourceResult:
    """Acquire, parse, validate and write one source. Never raises for the source's own failures.

    The Prefect flows pass task-wrapped versions of `acquire` and `curate` as the steps (retries, UI).
    """
    started = iso_utc(utc_now())
    result = SourceResult(source=name, status="failed", started_at=started)
    try:
        # what a crashed or killed run left half-written (never a live writer's files; see clean_staging)
        clean_staging(paths.staging)
        source = get_source(name)
        if window is not None and (window.start or window.end) and source.supports_window:
            result.window = {"start": window.start and window.start.isoformat(),
                             "end": window.end and window.end.isoformat()}
        else:
            window = None  # a source without period parameters is always fetched whole
        # a local source "fetches" (reads its file) even offline; a failed fetch is still a fetch
        result.mode = "replay" if snapshot is not None or (offline and source.network) else "fetch"
        acquired = acquire_step(source, paths, offline=offline, snapshot=snapshot, window=window)
        result.fetched, result.unchanged = acquired.fetched, acquired.unchanged
        if acquired.snapshot is not None:
            result.mode = "fetch" if acquired.fetched else "replay"
        if acquired.snapshot is None:
            result.status, result.reason = "skipped", acquired.skip_reason
        else:
            result.snapshot_id = acquired.snapshot.snapshot_id
            result.curation_key = curation_key(source, acquired.snapshot)
            if window is None and already_curated(source, paths, result.curation_key):
                # same bytes, same contracts, same code as the last successful curation: nothing to redo
                result.status, result.up_to_date = "ok", True
            else:
                result.tables = curate_step(source, acquired.snapshot, paths)
                errors = [t.error for t in result.tables if t.error]
                result.status = "failed" if errors else "ok"
                result.reason = "; ".join(errors) or None
    except UsageError:
        raise  # a bad argument: nothing ran, so nothing is recorded (the command exits 2)
    except CaspianError as exc:
        result.reason = str(exc)
        log.error("%s", exc)
    except Exception as exc:  # a bug in one source must not take the others down; keep the type for triage
        result.reason = f"{name}: unexpected {_type_name(exc)}: {exc}"
        log.error("%s", result.reason, exc_info=paths.settings.debug)
    result.finished_at = iso_utc(utc_now())
    result.reason = result.reason and redact(result.reason)  # it goes to state, Prefect and the console
    try:
        record_result(paths, result.to_dict())
    except OSError as exc:  # a full or read-only disk: this source fails, the others still run
        result.status = "failed"
        result.reason = "; ".join(filter(None, [result.reason, f"{name}: its state could not be recorded "
                                                f"({exc.strerror or exc}: {exc.filename or paths.state})"]))
        log.error("%s", result.reason)
    return result


def ingest_files(name: str, paths: DataPaths, files: list[Path], *,
                 after_copy: Callable[[], None] | None = None) -> SourceResult:
    """Snapshot local files as a new raw snapshot of `name` (copied, with sha256), then curate it;
    `after_copy` runs once the snapshot is stored, before the curation starts."""
    source = get_source(name)
    if not source.accepts_files:
        raise ConfigError("this source does not take files; see `caspian-etl ingest-file --help`", source=name)
    for f in files:
        refuse_unsafe_file(name, f)

    def snapshot_files(source: Source, paths: DataPaths, **_: object) -> Acquired:
        store = SnapshotStore(paths, source.name)
        with store.writer(params={"ingested_files": [str(f) for f in files]}) as writer:
            for f in files:
                writer.add_file(f.name, f, url=f.resolve().as_uri(), requested_at=utc_now())
            snapshot = writer.commit()
        if after_copy is not None:
            after_copy()
        return Acquired(snapshot, fetched=True, unchanged=writer.unchanged)

    result = run_source(name, paths, acquire_step=snapshot_files)
    if result.status == "failed" and result.snapshot_id and not (result.up_to_date or result.unchanged):
        # the files stay as evidence, but no later replay (`run --offline`) may pick them up
        failed = SnapshotStore(paths, name).select(result.snapshot_id)
        if failed is not None:
            mark_failed(failed, result.reason or "curation failed")
    return result


def refuse_unsafe_file(source: str, path: Path) -> None:
    """Ingest only plain files: a symlink could smuggle any readable file (/etc/passwd) into data/raw, and a
    device or FIFO could block or never end."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        raise ConfigError(f"no such file: {path}", source=source) from None
    if stat.S_ISLNK(mode):
        raise ConfigError(f"{path} is a symbolic link; ingest the file it points to, not the link", source=source)
    if not stat.S_ISREG(mode):
        raise ConfigError(f"{path} is not a regular file (a folder, device, FIFO or socket)", source=source)


def declared_tables() -> dict[str, tuple[str, ...]]:
    """Which tables each source (and the derived step) writes: the run summary lists them even when it fails."""
    return {name: source.tables for name, source in REGISTRY.items()} | {DERIVED_SOURCE: tuple(DERIVED)}


def run_pipeline(names: list[str], paths: DataPaths, *, offline: bool = False, snapshot: str | None = None,
                 window: Window | None = None) -> RunSummary:
    """Run the named sources one after the other (the Prefect pipeline flow does the same with tasks)."""
    for name in names:
        get_source(name)  # unknown names are a usage error before anything runs
    if not names:
        raise ConfigError("no sources selected")
    if snapshot is not None:
        check_selector(snapshot)
    results = [run_source(n, paths, offline=offline, snapshot=snapshot, window=window) for n in names]
    if DERIVED:
        results.append(build_derived(paths))
    results.append(publish(paths))
    return RunSummary(results)
