"""`caspian-etl backfill`: re-fetch and re-curate one source over a period window, with a progress bar."""

from __future__ import annotations

import argparse
from datetime import date

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from caspian_etl.commands.common import (
    EXIT_OK,
    EXIT_SOURCE_FAILED,
    add_data_dir,
    console,
    prefect_defaults,
    print_summary,
    writable_data_dir,
)
from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.core.errors import CaspianError, UsageError
from caspian_etl.pipeline.backfills import backfill
from caspian_etl.pipeline.run import RunSummary, SourceResult
from caspian_etl.sources import REGISTRY, Window

NAME = "backfill"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    windowed = sorted(n for n, s in REGISTRY.items() if s.supports_window)
    p = sub.add_parser(
        NAME, help="re-fetch and re-curate one source over a period window",
        description="Re-fetch SOURCE for the periods FROM..TO (one window per year by default) and replace "
                    "exactly those periods' rows in its curated files; rows of other periods and other sources "
                    "are left as they are, and the state of scheduled runs is not moved. "
                    f"Sources that can fetch a window: {', '.join(windowed) or 'none'}.",
        epilog="Example: caspian-etl backfill --source worldbank --from 2015 --to 2019",
    )
    p.add_argument("--source", required=True, metavar="NAME", choices=windowed or None, help="the source")
    p.add_argument("--from", dest="first", required=True, metavar="PERIOD",
                   help="first period: a year (2015), a month (2015-03) or a date (2015-03-01)")
    p.add_argument("--to", dest="last", required=True, metavar="PERIOD", help="last period, same forms")
    p.add_argument("--step", choices=["year", "month", "all"], default="year",
                   help="size of each fetched window (default: year)")
    p.add_argument("--without-prefect", action="store_true", help="run the plain functions, without Prefect")
    add_data_dir(p)
    return p


FIRST_YEAR = 1900  # no source the pipeline knows publishes anything older


def backfill_window(first: str, last: str, today: date | None = None) -> tuple[date, date]:
    """--from/--to -> (start, end); periods outside the grammar or the calendar, before FIRST_YEAR, starting in
    the future or ending before they start are usage errors."""
    today = today or date.today()
    try:
        start, end = parse_period(first).start, parse_period(last).end
    except (PeriodError, ValueError) as exc:  # ValueError: the grammar's year 0000 is no calendar year
        raise UsageError(f"--from {first!r} --to {last!r}: {exc}") from None
    if start.year < FIRST_YEAR:
        raise UsageError(f"--from {first!r} is before {FIRST_YEAR}")
    if start > today:
        raise UsageError(f"--from {first!r} is in the future")
    if end < start:
        raise UsageError(f"--to {last!r} ends before --from {first!r} starts")
    return start, min(end, date(today.year, 12, 31))


def execute(args: argparse.Namespace) -> int:
    start, end = backfill_window(args.first, args.last)
    paths = writable_data_dir(args.data_dir, args.settings)
    columns = (TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=False) as progress:
        task = progress.add_task(f"backfill {args.source} {start}..{end}", total=None)

        def advance(i: int, n: int, window: Window, result: SourceResult) -> None:
            progress.update(task, total=n, completed=i,
                            description=f"backfill {args.source}: {window.start}..{window.end} {result.status}")

        if args.without_prefect:
            results = backfill(args.source, paths, start, end, step=args.step, on_window=advance)
        else:
            results = _with_prefect(args, paths, start, end, advance)
    print_summary(RunSummary(results), paths)
    return EXIT_OK if all(r.status == "ok" for r in results) else EXIT_SOURCE_FAILED


def _with_prefect(args, paths, start, end, advance) -> list[SourceResult]:  # noqa: ANN001
    prefect_defaults()
    from caspian_etl.flows import backfill as backfill_module

    backfill_module.on_window = advance
    try:
        state = backfill_module.backfill_flow(source=args.source, start=start, end=end, step=args.step,
                                              data_dir=paths.location, return_state=True)
    finally:
        backfill_module.on_window = None
    data = state.result(raise_on_failure=False)
    if not isinstance(data, list):
        raise CaspianError(f"backfill flow ended {state.type.value} without results: {data!r}")
    return [SourceResult.from_dict(d) for d in data]
