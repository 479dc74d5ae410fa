"""The `caspian-etl` command line."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from caspian_etl import __version__
from caspian_etl.curated import part_row_counts
from caspian_etl.errors import CaspianError
from caspian_etl.pipeline import RunSummary, SourceResult, run_pipeline
from caspian_etl.settings import DATA_DIR_ENV, DataPaths, resolve_data_dir
from caspian_etl.snapshots import SnapshotStore
from caspian_etl.sources import REGISTRY, Window
from caspian_etl.state import load_state

EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE = 0, 1, 2

console = Console(highlight=False)


def _prefect_defaults() -> None:
    """Settings the project needs from Prefect, unless the user set them (see FIELD-NOTES)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_EXTRA_LOGGERS", "caspian_etl")
    # the library logs outside flow runs too (plain mode, tests): no warning for each such line
    os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
    # a first start of the temporary server on a fresh PREFECT_HOME takes ~25 s on 2 cores; the default is 20 s
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def _add_data_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data-dir", metavar="DIR",
                   help=f"data root holding raw/, curated/, quarantine/, state/ (default: ${DATA_DIR_ENV} or ./data)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="caspian-etl",
        description="Fetch, snapshot, validate and curate Kazakhstan–Azerbaijan trade, energy and Middle Corridor "
                    "indicators into Parquet tables.",
        epilog="Run `caspian-etl COMMAND --help` for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"caspian-etl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    run = sub.add_parser(
        "run", help="fetch (or replay) sources and rebuild their curated tables",
        description="Fetch each selected source (or replay a stored raw snapshot), validate it against "
                    "schemas/, quarantine failing rows and write data/curated/<table>/<source>.parquet. "
                    "Ends with a summary table. Exit status 0 when every source succeeded or was skipped for "
                    "a stated reason, 1 when any source failed.",
        epilog="Examples: caspian-etl run --offline | caspian-etl run --source worldbank | "
               "caspian-etl run --source worldbank --snapshot 2026-11-20",
    )
    run.add_argument("--source", action="append", metavar="NAME", choices=sorted(REGISTRY),
                     help=f"source to run (repeatable; default: all of {', '.join(REGISTRY)})")
    run.add_argument("--offline", action="store_true",
                     help="no network: replay each source's stored snapshot (--snapshot, default latest); "
                          "sources without one are skipped. Local sources (claims) still read their file.")
    run.add_argument("--snapshot", metavar="WHICH",
                     help="replay this stored snapshot instead of fetching: 'latest', a UTC date YYYY-MM-DD "
                          "(the last snapshot of that day) or an exact id such as 20261123T040721Z")
    run.add_argument("--start", type=_date, metavar="YYYY-MM-DD", help="first day of the period to fetch")
    run.add_argument("--end", type=_date, metavar="YYYY-MM-DD", help="last day of the period to fetch")
    run.add_argument("--without-prefect", action="store_true",
                     help="run the plain functions directly, without Prefect flows (no server needed, no UI)")
    _add_data_dir(run)

    sources = sub.add_parser(
        "sources", help="list sources with their latest snapshot, last run and row counts",
        description="For each registered source: what it is, its latest complete raw snapshot, the result of "
                    "its last run, and the rows it has in each curated table.",
    )
    sources.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    _add_data_dir(sources)
    return parser


def _print_summary(summary: RunSummary, paths: DataPaths) -> None:
    table = Table(title=f"caspian-etl run — {paths.root}")
    for col in ("table", "rows written", "rows quarantined", "sources failed"):
        table.add_column(col, justify="right" if col.startswith("rows") else "left")
    for t in summary.tables():
        table.add_row(t.table, str(t.rows_written), str(t.rows_quarantined), ", ".join(t.sources_failed) or "-")
    console.print(table)
    for r in summary.results:
        if r.status == "ok":
            how = "fetched" if r.fetched else "replayed"
            if r.unchanged:
                how = "fetched (unchanged since the last snapshot)"
            console.print(f"  {r.source}: ok — {how} snapshot {r.snapshot_id}", soft_wrap=True)
        elif r.status == "skipped":
            console.print(f"  {r.source}: skipped — {escape(r.reason or '')}", soft_wrap=True)
        else:
            console.print(f"  [red]{r.source}: FAILED[/red] — {escape(r.reason or '')}", soft_wrap=True)
    quarantined = [t.quarantine_path for r in summary.results for t in r.tables if t.quarantine_path]
    for q in quarantined:
        console.print(f"  quarantined rows: {escape(q)}", soft_wrap=True)


def _run_with_prefect(names: list[str], paths: DataPaths, args: argparse.Namespace) -> RunSummary:
    _prefect_defaults()
    from caspian_etl.flows.pipeline import pipeline

    state = pipeline(sources=names, offline=args.offline, snapshot=args.snapshot, data_dir=str(paths.root),
                     start=args.start, end=args.end, return_state=True)
    data = state.result(raise_on_failure=False)
    if not isinstance(data, list):
        raise CaspianError(f"pipeline flow ended {state.type.value} without a summary: {data!r}")
    return RunSummary([SourceResult.from_dict(d) for d in data])


def cmd_run(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir)
    names = args.source or list(REGISTRY)
    if args.start and args.end and args.start > args.end:
        console.print(f"--start {args.start} is after --end {args.end}")
        return EXIT_USAGE
    if args.without_prefect:
        summary = run_pipeline(names, paths, offline=args.offline, snapshot=args.snapshot,
                               window=Window(args.start, args.end))
    else:
        summary = _run_with_prefect(names, paths, args)
    _print_summary(summary, paths)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED


def sources_overview(paths: DataPaths) -> dict:
    """What `caspian-etl sources` shows, as one JSON-ready object."""
    out = {}
    for name, source in REGISTRY.items():
        latest = SnapshotStore(paths, name).latest()
        state = load_state(paths, name)
        last = state.get("last_run") or {}
        out[name] = {
            "title": source.title,
            "producer": source.producer,
            "tables": list(source.tables),
            "network": source.network,
            "latest_snapshot": None if latest is None else {
                "id": latest.snapshot_id, "created_at": latest.created_at, "files": len(latest.entries),
                "bytes": sum(e.size for e in latest.entries)},
            "last_run": None if not last else {
                "status": last.get("status"), "finished_at": last.get("finished_at"), "reason": last.get("reason")},
            "last_success_at": (state.get("last_success") or {}).get("finished_at"),
            "rows": {t: part_row_counts(paths, t).get(name, 0) for t in source.tables},
        }
    return out


def cmd_sources(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir)
    overview = sources_overview(paths)
    if args.json:
        print(json.dumps({"data_dir": str(paths.root), "sources": overview}, indent=1, sort_keys=True))
        return EXIT_OK
    table = Table(title=f"caspian-etl sources — {paths.root}")
    for col in ("source", "latest snapshot", "last run", "rows per table"):
        table.add_column(col)
    for name, info in overview.items():
        snap = info["latest_snapshot"]
        run = info["last_run"]
        table.add_row(
            f"{name}\n[dim]{info['title']}[/dim]",
            "-" if snap is None else f"{snap['id']}\n{snap['files']} file(s), {snap['bytes']:,} bytes",
            "never" if run is None else escape(f"{run['status']} at {run['finished_at']}"
                                               + (f"\n{run['reason']}" if run["reason"] else "")),
            "\n".join(f"{t}: {n}" for t, n in info["rows"].items()),
        )
    console.print(table)
    return EXIT_OK


COMMANDS = {"run": cmd_run, "sources": cmd_sources}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except CaspianError as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
