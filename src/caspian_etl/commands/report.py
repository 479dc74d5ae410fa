"""`caspian-etl report`: a static HTML page with charts (and a PNG per chart) from the curated tables."""

from __future__ import annotations

import argparse
from pathlib import Path

from caspian_etl.commands.common import EXIT_OK, EXIT_USAGE, add_data_dir, console, print_error
from caspian_etl.contracts.curated import part_files
from caspian_etl.core.settings import resolve_data_dir
from caspian_etl.publish.report import build_report

NAME = "report"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="write the HTML report with charts (and a PNG per chart) from the curated tables",
        description="Draw, from the curated tables: trade turnover by year and reporting side against the "
                    "1 billion USD target; Middle Corridor cargo against capacity and the 2030 target; BTC "
                    "throughput against capacity and Kazakh volumes; oil production; the claim checks that "
                    "differ; and the targets tracker. Writes one HTML file (charts embedded, viewable offline) "
                    "and a PNG per chart into <data root>/report/. Every chart names its sources and snapshots.",
        epilog="Run `caspian-etl run` first. Example: caspian-etl run --offline && caspian-etl report",
    )
    p.add_argument("--out", metavar="DIR", type=Path, help="write into DIR instead of <data root>/report/")
    add_data_dir(p)
    return p


def execute(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir, args.settings)
    if not part_files(paths, "claims"):
        print_error(f"no curated tables in {paths.curated}: run `caspian-etl run` first")
        return EXIT_USAGE
    written = build_report(paths, args.out)
    console.print(f"wrote {written.html}", soft_wrap=True)
    console.print(f"  and {len(written.pngs)} PNG files in {written.html.parent}: "
                  f"{', '.join(p.name for p in written.pngs)}", soft_wrap=True)
    return EXIT_OK
