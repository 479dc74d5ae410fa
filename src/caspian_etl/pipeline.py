"""The pipeline as plain functions: acquire a snapshot, parse it, validate, quarantine, write curated Parquet.

Prefect flows (flows/) call these; tests call them directly. One source failing never stops the others and
never touches a curated file it does not own.
"""

from __future__ import annotations

import calendar
import hashlib
import json
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from caspian_etl import __version__
from caspian_etl.atomic import atomic_write
from caspian_etl.catalog import CATALOG_NAME, write_catalog
from caspian_etl.contracts import load_contract, table_names
from caspian_etl.curated import part_files, part_path, snapshot_hashes, source_of_part, write_part
from caspian_etl.derived import DERIVED, DERIVED_SOURCE
from caspian_etl.errors import CaspianError, ConfigError, ContractError
from caspian_etl.http import HttpClient
from caspian_etl.report import INDEX_NAME, build_report, report_dir
from caspian_etl.resources import schemas_dir
from caspian_etl.settings import DataPaths
from caspian_etl.snapshots import Snapshot, SnapshotStore, iso_utc, sha256_file, utc_now
from caspian_etl.sources import REGISTRY, Source, Window, get_source
from caspian_etl.sources.base import FetchContext
from caspian_etl.state import load_state, record_derived_build, record_result
from caspian_etl.validation import validate_table

log = logging.getLogger(__name__)


@dataclass
class Acquired:
    """The snapshot a run will parse, or why there is none."""

    snapshot: Snapshot | None
    fetched: bool = False  # a new fetch was made (False: replay of a stored snapshot)
    unchanged: bool = False  # fetched, and the bytes equal the latest stored snapshot's
    skip_reason: str | None = None


@dataclass
class TableOutcome:
    table: str
    rows_written: int = 0
    rows_quarantined: int = 0
    path: str | None = None
    quarantine_path: str | None = None
    error: str | None = None
    up_to_date: bool = False  # nothing changed since the last write: the file was left as it was


@dataclass
class SourceResult:
    source: str
    status: str  # ok | skipped | failed
    snapshot_id: str | None = None
    fetched: bool = False
    unchanged: bool = False
    reason: str | None = None  # why skipped, or the error that failed it (names source and URL)
    tables: list[TableOutcome] = field(default_factory=list)
    started_at: str = ""
    finished_at: str = ""
    window: dict | None = None  # {"start", "end"} for a backfill of a period window
    curation_key: str | None = None  # what the curated files were built from (see curation_key())
    up_to_date: bool = False  # the curated files already reflect this snapshot: no parse, no write

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, doc: dict) -> SourceResult:
        doc = dict(doc)
        doc["tables"] = [TableOutcome(**t) for t in doc.get("tables", [])]
        return cls(**doc)


def fetch_snapshot(source: Source, paths: DataPaths, window: Window | None = None) -> tuple[Snapshot, bool]:
    """Fetch the source now into a new raw snapshot; returns (snapshot, unchanged).

    On an error the responses received so far are kept as an incomplete snapshot and the error propagates.
    """
    store = SnapshotStore(paths, source.name)
    previous = store.latest(full_only=True)
    window = window or Window()
    http = HttpClient(source.name, source.http_policy.with_env_overrides(), secrets=source.secrets())
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


def _contract_files(tables: tuple[str, ...]) -> list[Path]:
    names = [f"{t}.yaml" for t in tables] + ["units.yaml", "metrics.yaml"]
    return [schemas_dir() / n for n in names if (schemas_dir() / n).exists()]


def curation_key(source: Source, snapshot: Snapshot) -> str:
    """A hash of everything a source's curated files are built from: the snapshot's bytes (by sha256), the
    contracts and vocabularies of its tables, and the package version (the parser code)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(snapshot.fingerprint())).encode())
    for path in _contract_files(source.tables):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    digest.update(__version__.encode())
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


def curate(source: Source, snapshot: Snapshot, paths: DataPaths) -> list[TableOutcome]:
    """Parse a snapshot and write each of the source's tables; a table that fails keeps its previous file."""
    if source.curate is not None:  # a streaming source writes its own tables in batches
        return source.curate(source, snapshot, paths)
    frames = source.parse(snapshot)
    unexpected = sorted(set(frames) - set(source.tables))
    if unexpected:
        raise ContractError(f"parser returned tables it does not declare: {unexpected}", source=source.name)
    metadata = {
        **source.origin_metadata(),
        "caspian_etl.snapshot_sha256": json.dumps(sorted(set(snapshot.sha256s))),
    }
    outcomes = []
    for table in source.tables:
        contract = load_contract(table)
        outcome = TableOutcome(table)
        frame = frames.get(table)
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
            outcome.path = str(write_part(paths, contract, source.name, result.valid, metadata,
                                          window=snapshot.window))
            outcome.rows_written = result.n_valid
        except CaspianError as exc:
            outcome.error = str(exc)
            log.error("%s", exc)
        outcomes.append(outcome)
    return outcomes


AcquireStep = Callable[..., Acquired]
CurateStep = Callable[[Source, Snapshot, DataPaths], list[TableOutcome]]


def run_source(name: str, paths: DataPaths, *, offline: bool = False, snapshot: str | None = None,
               window: Window | None = None, acquire_step: AcquireStep = acquire,
               curate_step: CurateStep = curate) -> SourceResult:
    """Acquire, parse, validate and write one source. Never raises for the source's own failures.

    The Prefect flows pass task-wrapped versions of `acquire` and `curate` as the steps (retries, UI).
    """
    started = iso_utc(utc_now())
    result = SourceResult(source=name, status="failed", started_at=started)
    try:
        source = get_source(name)
        if window is not None and (window.start or window.end) and source.supports_window:
            result.window = {"start": window.start and window.start.isoformat(),
                             "end": window.end and window.end.isoformat()}
        else:
            window = None  # a source without period parameters is always fetched whole
        acquired = acquire_step(source, paths, offline=offline, snapshot=snapshot, window=window)
        result.fetched, result.unchanged = acquired.fetched, acquired.unchanged
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
    except CaspianError as exc:
        result.reason = str(exc)
        log.error("%s", exc)
    except Exception as exc:  # a bug in one source must not take the others down; keep the type for triage
        result.reason = f"{name}: unexpected {type(exc).__name__}: {exc}"
        log.exception("%s failed unexpectedly", name)
    result.finished_at = iso_utc(utc_now())
    record_result(paths, result.to_dict())
    return result


def ingest_files(name: str, paths: DataPaths, files: list[Path]) -> SourceResult:
    """Snapshot local files as a new raw snapshot of `name` (copied, with sha256), then curate it."""
    source = get_source(name)
    if not source.accepts_files:
        raise ConfigError("this source does not take files; see `caspian-etl ingest-file --help`", source=name)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ConfigError(f"no such file: {', '.join(missing)}", source=name)

    def snapshot_files(source: Source, paths: DataPaths, **_: object) -> Acquired:
        store = SnapshotStore(paths, source.name)
        with store.writer(params={"ingested_files": [str(f) for f in files]}) as writer:
            for f in files:
                writer.add_file(f.name, f, url=f.resolve().as_uri(), requested_at=utc_now())
            snapshot = writer.commit()
        return Acquired(snapshot, fetched=True, unchanged=writer.unchanged)

    return run_source(name, paths, acquire_step=snapshot_files)


def build_derived_table(name: str, paths: DataPaths) -> TableOutcome:
    """Build one derived table from the curated tables and write it like a source's file."""
    spec = DERIVED[name]
    contract = load_contract(name)
    outcome = TableOutcome(name)
    try:
        key = _derived_key(name, spec.inputs, paths)
        built = load_state(paths, DERIVED_SOURCE).get("built", {})
        if built.get(name) == key and part_path(paths, name, DERIVED_SOURCE).exists():
            outcome.up_to_date = True  # inputs and contract unchanged since the last build: no work, no write
            return outcome
        frame = spec.build(paths)
        if frame.empty and len(frame.columns) == 0:
            frame = contract.empty_frame()
        result = validate_table(contract, frame, source=DERIVED_SOURCE)
        inputs = {table: {p.name: snapshot_hashes(p) for p in part_files(paths, table)} for table in spec.inputs}
        if result.n_quarantined:
            outcome.rows_quarantined = result.n_quarantined
            target = paths.quarantine / name / f"{DERIVED_SOURCE}.csv"
            atomic_write(target, lambda tmp: result.quarantined.to_csv(tmp, index=False), staging_dir=paths.staging)
            outcome.quarantine_path = str(target)
        metadata = {"caspian_etl.source": DERIVED_SOURCE,
                    "caspian_etl.derived_from": json.dumps(inputs, sort_keys=True)}
        outcome.path = str(write_part(paths, contract, DERIVED_SOURCE, result.valid, metadata))
        outcome.rows_written = result.n_valid
        record_derived_build(paths, name, key)
    except CaspianError as exc:
        outcome.error = str(exc)
        log.error("%s", exc)
    except Exception as exc:  # like a source: a failing derived table must not take the run's summary down
        outcome.error = f"{DERIVED_SOURCE} {name}: unexpected {type(exc).__name__}: {exc}"
        log.exception("derived table %s failed unexpectedly", name)
    return outcome


def _derived_key(name: str, inputs: tuple[str, ...], paths: DataPaths) -> str:
    """A hash of a derived table's inputs (the bytes of every input file), its contract and the code version."""
    return _inputs_key(paths, inputs, _contract_files((name,)))


def _inputs_key(paths: DataPaths, tables: tuple[str, ...], contracts: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in contracts:
        digest.update(path.read_bytes())
    for table in tables:
        for part in part_files(paths, table):
            digest.update(f"{table}/{part.name}".encode() + b"\0" + sha256_file(part).encode())
    digest.update(__version__.encode())
    return digest.hexdigest()


def build_derived(paths: DataPaths, names: list[str] | None = None,
                  build_step: Callable[[str, DataPaths], TableOutcome] = build_derived_table) -> SourceResult:
    """Build every derived table (in registry order); reported in the run summary as source `derived`.

    The Prefect pipeline flow passes a task-wrapped `build_derived_table` as the step."""
    result = SourceResult(source=DERIVED_SOURCE, status="ok", started_at=iso_utc(utc_now()))
    for name in names or list(DERIVED):
        try:
            result.tables.append(build_step(name, paths))
        except Exception as exc:  # a bug or a disk error in one derived table must not take the run down
            log.exception("derived table %s failed unexpectedly", name)
            result.tables.append(TableOutcome(name, error=f"{DERIVED_SOURCE}: {name}: unexpected "
                                                          f"{type(exc).__name__}: {exc}"))
    errors = [t.error for t in result.tables if t.error]
    if errors:
        result.status, result.reason = "failed", "; ".join(errors)
    result.finished_at = iso_utc(utc_now())
    return result


def plan_windows(start: date, end: date, step: str = "year") -> list[Window]:
    """Split [start, end] into the windows a backfill fetches one after the other (year, month or all)."""
    if start > end:
        raise ConfigError(f"backfill window starts {start} after it ends {end}")
    if step == "all":
        return [Window(start, end)]
    if step not in ("year", "month"):
        raise ConfigError(f"unknown backfill step {step!r}: year, month or all")
    windows, cursor = [], start
    while cursor <= end:
        if step == "year":
            boundary = date(cursor.year, 12, 31)
        else:
            boundary = date(cursor.year, cursor.month, calendar.monthrange(cursor.year, cursor.month)[1])
        windows.append(Window(cursor, min(boundary, end)))
        cursor = min(boundary, end) + timedelta(days=1)
    return windows


def backfill(name: str, paths: DataPaths, start: date, end: date, *, step: str = "year",
             on_window: Callable[[int, int, Window, SourceResult], None] | None = None,
             run_step: Callable[..., SourceResult] = run_source) -> list[SourceResult]:
    """Re-fetch and re-curate exactly [start, end] of one source, window by window (upserting each)."""
    source = get_source(name)
    if not source.supports_window:
        raise ConfigError("this source cannot fetch a period window; `caspian-etl run --source "
                          f"{name}` re-fetches all of it", source=name)
    windows = plan_windows(start, end, step)
    results = []
    for i, window in enumerate(windows, start=1):
        result = run_step(name, paths, window=window)
        results.append(result)
        if on_window:
            on_window(i, len(windows), window, result)
    return results


PUBLISH_SOURCE = "publish"  # how the final steps (catalog, report) appear in the run summary


def publish(paths: DataPaths, *, catalog_step: Callable[[DataPaths], object] = write_catalog,
            report_step: Callable[[DataPaths], object] = build_report) -> SourceResult:
    """The final steps of a run: rewrite the data catalog and the report from the curated tables, so a
    scheduled run leaves them current. A failure fails the run (the previous files stay, written atomically).

    The Prefect pipeline flow passes task-wrapped steps."""
    result = SourceResult(source=PUBLISH_SOURCE, status="ok", started_at=iso_utc(utc_now()))
    tables = tuple(table_names())
    key = _inputs_key(paths, tables, sorted(schemas_dir().glob("*.yaml")))
    outputs = [paths.curated / CATALOG_NAME, report_dir(paths) / INDEX_NAME]
    if load_state(paths, DERIVED_SOURCE).get("built", {}).get(PUBLISH_SOURCE) == key and all(
            p.exists() for p in outputs):
        result.up_to_date = True  # no curated file changed since they were written: nothing to redo
        result.finished_at = iso_utc(utc_now())
        return result
    errors = []
    for name, step in (("catalog", catalog_step), ("report", report_step)):
        try:
            step(paths)
        except Exception as exc:  # a broken chart must not hide the catalog, nor the other way round
            errors.append(f"{PUBLISH_SOURCE}: {name} failed: {type(exc).__name__}: {exc}")
            log.exception("%s failed", name)
    if errors:
        result.status, result.reason = "failed", "; ".join(errors)
    else:
        record_derived_build(paths, PUBLISH_SOURCE, key)
    result.finished_at = iso_utc(utc_now())
    return result


@dataclass
class TableSummary:
    table: str
    rows_written: int
    rows_quarantined: int
    sources_failed: list[str]


@dataclass
class RunSummary:
    results: list[SourceResult]

    @property
    def ok(self) -> bool:
        return all(r.status in ("ok", "skipped") for r in self.results)

    @property
    def failed(self) -> list[SourceResult]:
        return [r for r in self.results if r.status == "failed"]

    def tables(self) -> list[TableSummary]:
        rows: dict[str, TableSummary] = {}
        for result in self.results:
            declared = REGISTRY[result.source].tables if result.source in REGISTRY else ()
            if result.source == DERIVED_SOURCE:
                declared = tuple(DERIVED)
            for table in declared:
                rows.setdefault(table, TableSummary(table, 0, 0, []))
            for outcome in result.tables:
                summary = rows.setdefault(outcome.table, TableSummary(outcome.table, 0, 0, []))
                summary.rows_written += outcome.rows_written
                summary.rows_quarantined += outcome.rows_quarantined
            if result.status == "failed":
                failed_tables = {t.table for t in result.tables if t.error} or set(declared)
                for table in failed_tables:
                    rows.setdefault(table, TableSummary(table, 0, 0, [])).sources_failed.append(result.source)
        return [rows[t] for t in sorted(rows)]


def run_pipeline(names: list[str], paths: DataPaths, *, offline: bool = False, snapshot: str | None = None,
                 window: Window | None = None) -> RunSummary:
    """Run the named sources one after the other (the Prefect pipeline flow does the same with tasks)."""
    for name in names:
        get_source(name)  # unknown names are a usage error before anything runs
    if not names:
        raise ConfigError("no sources selected")
    results = [run_source(n, paths, offline=offline, snapshot=snapshot, window=window) for n in names]
    if DERIVED:
        results.append(build_derived(paths))
    results.append(publish(paths))
    return RunSummary(results)
