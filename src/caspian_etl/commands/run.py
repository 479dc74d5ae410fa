"""`caspian-etl run`: fetch (or replay) sources and rebuild their curated tables."""

from __future__ import annotations

import argparse
from dataclasses import replace

from caspian_etl.commands.common import (
    EXIT_OK,
    EXIT_SOURCE_FAILED,
    EXIT_USAGE,
    add_data_dir,
    iso_date,
    prefect_defaults,
    print_error,
    print_summary,
    snapshot_selector,
    writable_data_dir,
)
from caspian_etl.core.errors import CaspianError
from caspian_etl.core.settings import ALLOW_SHRINK_ENV, MAX_SHRINK_ENV, DataPaths, export_to_environment
from caspian_etl.pipeline.run import RunSummary, SourceResult, run_pipeline
from caspian_etl.sources import REGISTRY, Window

NAME = "run"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    run = sub.add_parser(
        NAME, help="fetch (or replay) sources and rebuild their curated tables",
        description="Fetch each selected source (or replay a stored raw snapshot), validate it against "
                    "schemas/, quarantine failing rows and write data/curated/<table>/<source>.parquet. "
                    "Ends with a summary table. Exit status 0 when every source succeeded or was skipped for "
                    "a stated reason, 1 when any source failed, 2 for a usage error (nothing recorded).",
        epilog="Examples: caspian-etl run --offline | caspian-etl run --source worldbank | "
               "caspian-etl run --source worldbank --snapshot 2026-11-20",
    )
    run.add_argument("--source", action="append", metavar="NAME", choices=sorted(REGISTRY),
                     help=f"source to run (repeatable; default: all of {', '.join(REGISTRY)})")
    run.add_argument("--offline", action="store_true",
                     help="no network: replay each source's stored snapshot (--snapshot, default latest); "
                          "sources without one are skipped. Local sources (claims) still read their file.")
    run.add_argument("--snapshot", metavar="WHICH", type=snapshot_selector,
                     help="replay this stored snapshot instead of fetching: 'latest', a UTC date YYYY-MM-DD "
                          "(the last snapshot of that day) or an exact id such as 20261123T040721Z")
    run.add_argument("--start", type=iso_date, metavar="YYYY-MM-DD", help="first day of the period to fetch")
    run.add_argument("--end", type=iso_date, metavar="YYYY-MM-DD", help="last day of the period to fetch")
    run.add_argument("--allow-shrink", action="store_true",
                     help="let a source replace a curated file with far fewer rows (by default a run that would "
                          f"empty a table, or drop more than {MAX_SHRINK_ENV} (default 0.5) of its rows, is refused "
                          "and the file kept)")
    run.add_argument("--without-prefect", action="store_true",
                     help="run the plain functions directly, without Prefect flows (no server needed, no UI)")
    add_data_dir(run)
    return run


def _run_with_prefect(names: list[str], paths: DataPaths, args: argparse.Namespace) -> RunSummary:
    prefect_defaults()
    from caspian_etl.flows.pipeline import pipeline

    state = pipeline(sources=names, offline=args.offline, snapshot=args.snapshot, data_dir=paths.location,
                     start=args.start, end=args.end, return_state=True)
    data = state.result(raise_on_failure=False)
    if not isinstance(data, list):
        raise CaspianError(f"pipeline flow ended {state.type.value} without a summary: {data!r}")
    return RunSummary([SourceResult.from_dict(d) for d in data])


def execute(args: argparse.Namespace) -> int:
    settings = replace(args.settings, allow_shrink=True) if args.allow_shrink else args.settings
    paths = writable_data_dir(args.data_dir, settings)
    names = args.source or list(REGISTRY)
    if args.start and args.end and args.start > args.end:
        print_error(f"--start {args.start} is after --end {args.end}")
        return EXIT_USAGE
    if args.allow_shrink:  # through the environment too, so the Prefect tasks of this process see it as well
        export_to_environment(**{ALLOW_SHRINK_ENV: "1"})
    if args.without_prefect:
        summary = run_pipeline(names, paths, offline=args.offline, snapshot=args.snapshot,
                               window=Window(args.start, args.end))
    else:
        summary = _run_with_prefect(names, paths, args)
    print_summary(summary, paths)
    return EXIT_OK if summary.ok else EXIT_SOURCE_FAILED
