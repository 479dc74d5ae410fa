"""Backfills: re-fetch and re-curate one source over a period window, window by window."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import date, timedelta

from caspian_etl.core.errors import ConfigError
from caspian_etl.core.results import SourceResult
from caspian_etl.core.settings import DataPaths
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import Window, get_source


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
