"""What runs after the sources: the derived tables, then the catalog and the report.

Each step is skipped when nothing it reads has changed since it last ran (a hash of its input files, its
contract and its code: caspian_etl.pipeline.code_version), so a re-run with unchanged sources writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from caspian_etl.contracts.curated import part_files, part_path, snapshot_hashes, write_part
from caspian_etl.contracts.schema import contract_files, load_contract, table_names
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.atomic import atomic_write
from caspian_etl.core.background import ordered_map
from caspian_etl.core.errors import CaspianError
from caspian_etl.core.resources import schemas_dir
from caspian_etl.core.results import SourceResult, TableOutcome
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.snapshots import iso_utc, sha256_file, utc_now
from caspian_etl.core.state import load_state, record_derived_build
from caspian_etl.derived import DERIVED, DERIVED_SOURCE, DerivedTable
from caspian_etl.pipeline.code_version import code_digest, code_files, derived_modules
from caspian_etl.publish.catalog import CATALOG_NAME, write_catalog
from caspian_etl.publish.report import INDEX_NAME, build_report, report_dir

log = logging.getLogger(__name__)


def warm_up() -> threading.Thread:
    """Load, on a thread of its own, what the derived tables and the report will need: the plotting library
    (0.35-0.7 s to import), the contracts of the derived tables and the import graph of their code (0.05-0.1 s,
    for their code digests). `ingest-file` starts it before copying the files into the snapshot and waits for
    it before the curation streams them; join the thread before leaving. Pandera is not loaded here: a derived
    table with rows loads it when it validates them, and one without needs none (after a bulk ingest into a
    folder without claims, all are empty). A failure here is ignored: the real step meets it again and
    reports it."""

    def load() -> None:
        try:
            import caspian_etl.publish.report.charts  # noqa: F401  (matplotlib)

            for name, spec in DERIVED.items():
                load_contract(name)
                code_files(derived_modules(spec.build))
        except Exception:  # noqa: BLE001
            log.debug("warm-up of the derived tables and report failed", exc_info=True)

    thread = threading.Thread(target=load, name="warm-up", daemon=True)
    thread.start()
    return thread


def build_derived_table(name: str, paths: DataPaths) -> TableOutcome:
    """Build one derived table from the curated tables and write it like a source's file."""
    spec = DERIVED[name]
    contract = load_contract(name)
    outcome = TableOutcome(name)
    try:
        key = _derived_key(name, spec, paths)
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


DERIVED_VOCABULARIES = ("official_equivalents.yaml", "crude_conversion.yaml")


def _derived_key(name: str, spec: DerivedTable, paths: DataPaths) -> str:
    """A hash of a derived table's inputs (the bytes of every input file), its contract, the vocabularies its
    conversions read (official equivalents, crude factors) and its code."""
    vocabularies = [schemas_dir() / n for n in DERIVED_VOCABULARIES if (schemas_dir() / n).exists()]
    return _inputs_key(paths, spec.inputs, contract_files((name,)) + vocabularies, derived_modules(spec.build))


def _file_digest(path: Path) -> str:
    """sha256 of a curated file, computed once per file version: a run builds several derived tables and the
    publish step from the same (possibly large) files."""
    stat = path.stat()
    return _digest_of_version(str(path), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4096)
def _digest_of_version(path: str, size: int, mtime_ns: int) -> str:
    return sha256_file(Path(path))


def _inputs_key(paths: DataPaths, tables: tuple[str, ...], contracts: list[Path], code: tuple[str, ...]) -> str:
    digest = hashlib.sha256()
    for path in contracts:
        digest.update(path.read_bytes())
    parts = [(table, part) for table in tables for part in part_files(paths, table)]
    # two files hashed at a time (hashlib releases the GIL): the partitions of a bulk ingest are 60 MB at 5M rows
    for (table, part), file_digest in zip(parts, ordered_map(_file_digest, [p for _, p in parts]), strict=True):
        digest.update(f"{table}/{part.name}".encode() + b"\0" + file_digest.encode())
    digest.update(code_digest(code).encode())
    return digest.hexdigest()


def write_unfed_tables(paths: DataPaths) -> list[str]:
    """Write an empty file for each source table that has none yet (cited_figures before the first `citations`
    fetch: offline runs skip that source), so every table can be opened by readers from the first run on.
    The empty file carries its source's origin metadata; that source's first run replaces it."""
    from caspian_etl.sources import REGISTRY  # here: the sources import modules that import this one

    written = []
    for table in table_names():
        feeders = [s for s in REGISTRY.values() if table in s.tables]
        if table in DERIVED or not feeders or part_files(paths, table):
            continue
        contract = load_contract(table)
        write_part(paths, contract, feeders[0].name, contract.empty_frame(), feeders[0].origin_metadata())
        written.append(table)
    return written


def build_derived(paths: DataPaths, names: list[str] | None = None,
                  build_step: Callable[[str, DataPaths], TableOutcome] = build_derived_table) -> SourceResult:
    """Build every derived table (in registry order); reported in the run summary as source `derived`.

    The Prefect pipeline flow passes a task-wrapped `build_derived_table` as the step."""
    result = SourceResult(source=DERIVED_SOURCE, status="ok", started_at=iso_utc(utc_now()))
    try:
        write_unfed_tables(paths)
    except Exception as exc:  # readers miss a table; nothing curated changed: say so, build the rest
        log.exception("empty files for tables no source has written yet failed")
        result.tables.append(TableOutcome("(unfed tables)", error=f"{DERIVED_SOURCE}: {type(exc).__name__}: {exc}"))
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


PUBLISH_SOURCE = "publish"  # how the final steps (catalog, report) appear in the run summary
PUBLISH_CODE = ("caspian_etl.publish.catalog", "caspian_etl.publish.report")


def publish(paths: DataPaths, *, catalog_step: Callable[[DataPaths], object] = write_catalog,
            report_step: Callable[[DataPaths], object] = build_report) -> SourceResult:
    """The final steps of a run: rewrite the data catalog and the report from the curated tables, so a
    scheduled run leaves them current. A failure fails the run (the previous files stay, written atomically).

    The Prefect pipeline flow passes task-wrapped steps."""
    result = SourceResult(source=PUBLISH_SOURCE, status="ok", started_at=iso_utc(utc_now()))
    tables = tuple(table_names())
    key = _inputs_key(paths, tables, sorted(schemas_dir().glob("*.yaml")), PUBLISH_CODE)
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
