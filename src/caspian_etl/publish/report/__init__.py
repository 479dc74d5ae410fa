"""`caspian-etl report`: one static HTML page (charts embedded) plus a PNG and a CSV per chart, from the curated
tables.

Written to <data root>/report/ (index.html, <chart>.png and the chart's figures as <chart>.csv), each file
atomically. The page needs no network to view: images are data: URIs and there is no script. The same
curated tables and snapshots give the same bytes (no clock in the page, PNGs written without a timestamp).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from caspian_etl.core.atomic import atomic_write, atomic_write_text
from caspian_etl.core.settings import DataPaths

REPORT_DIR_NAME = "report"
INDEX_NAME = "index.html"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    pngs: tuple[Path, ...]
    csvs: tuple[Path, ...] = ()  # each chart's figures, beside its PNG


def report_dir(paths: DataPaths) -> Path:
    return paths.root / REPORT_DIR_NAME


def build_report(paths: DataPaths, out_dir: Path | None = None) -> ReportFiles:
    """Draw every chart and write the page; returns the files written."""
    # matplotlib is imported here, not at module import: the pipeline imports this module on every run
    from caspian_etl.publish.report.charts import draw_all
    from caspian_etl.publish.report.data import load
    from caspian_etl.publish.report.page import render

    target = out_dir or report_dir(paths)
    data = load(paths)
    charts = draw_all(data)
    pngs = tuple(atomic_write(target / f"{c.slug}.png", lambda tmp, c=c: tmp.write_bytes(c.png),
                              staging_dir=paths.staging) for c in charts)
    csvs = tuple(atomic_write_text(target / f"{c.slug}.csv", c.data.to_csv(index=False, lineterminator="\n"),
                                   staging_dir=paths.staging) for c in charts if c.data is not None)
    html = atomic_write_text(target / INDEX_NAME, render(data, charts), staging_dir=paths.staging)
    return ReportFiles(html, pngs, csvs)
