"""What a run reports: per table, per source, and the run summary (plain data, JSON-ready)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Literal

RunStatus = Literal["ok", "skipped", "failed"]
RunMode = Literal["fetch", "replay"]  # fetched from the source (network, local file, ingested files) or replayed


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
    status: RunStatus
    snapshot_id: str | None = None
    mode: RunMode | None = None  # what the run tried: health counts fetches only (see caspian_etl.pipeline.status)
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

    def tables(self, declared_tables: Mapping[str, Iterable[str]] | None = None) -> list[TableSummary]:
        """Rows per table; `declared_tables` (source -> its tables) lists a failed source's tables too."""
        rows: dict[str, TableSummary] = {}
        for result in self.results:
            declared = tuple((declared_tables or {}).get(result.source, ()))
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
