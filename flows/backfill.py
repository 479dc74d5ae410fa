"""The backfill flow: re-fetch and re-curate exactly a period window of one source, window by window.

Deployed as `backfill/<source>`; run it with
    prefect deployment run 'backfill/worldbank' -p start=2015-01-01 -p end=2019-12-31
Each window's rows replace that window's rows of the source's curated files (and nothing else); the state that
scheduled runs depend on is not moved (see caspian_etl.core.state).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from prefect import flow
from prefect.states import Completed, Failed, State

from caspian_etl.core.data_location import flow_data_dir
from caspian_etl.core.settings import DataPaths, load_settings
from caspian_etl.flows.source_flows import run_source_with_tasks
from caspian_etl.pipeline.backfills import backfill
from caspian_etl.pipeline.run import SourceResult
from caspian_etl.sources import Window

# Set by the CLI (same process) to drive its progress bar; None in deployments.
on_window: Callable[[int, int, Window, SourceResult], None] | None = None


@flow(name="backfill", flow_run_name="backfill {source} {start}..{end}",
      description="Re-fetch and re-curate one source over a period window (upserting that window only).")
def backfill_flow(source: str, start: date, end: date, step: str = "year", data_dir: str | None = None) -> State:
    paths = flow_data_dir(data_dir, load_settings())  # never a relative folder inside a worker's temporary directory

    def run_window(name: str, paths: DataPaths, *, window: Window) -> SourceResult:
        return run_source_with_tasks(name, paths.location, False, None, window.start, window.end)

    results = backfill(source, paths, start, end, step=step, on_window=on_window, run_step=run_window)
    data = [r.to_dict() for r in results]
    failed = [r for r in results if r.status == "failed"]
    if failed:
        return Failed(message=f"{len(failed)} of {len(results)} windows failed: {failed[0].reason}", data=data)
    return Completed(message=f"{len(results)} windows re-curated", data=data)
