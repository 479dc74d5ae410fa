"""Text renderings of a run summary (terminal table and markdown for the Prefect artifact)."""

from __future__ import annotations

from caspian_etl.core.results import RunSummary
from caspian_etl.pipeline.run import declared_tables


def summary_markdown(summary: RunSummary) -> str:
    lines = ["| table | rows written | rows quarantined | sources failed |", "|---|---:|---:|---|"]
    for t in summary.tables(declared_tables()):
        lines.append(f"| {t.table} | {t.rows_written} | {t.rows_quarantined} | {', '.join(t.sources_failed) or '-'} |")
    lines += ["", "| source | status | snapshot | note |", "|---|---|---|---|"]
    for r in summary.results:
        note = (r.reason or "").replace("|", "/")
        lines.append(f"| {r.source} | {r.status} | {r.snapshot_id or '-'} | {note} |")
    return "\n".join(lines) + "\n"
