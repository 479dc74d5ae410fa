"""One Prefect flow per registered source, built from the registry (a new source needs no code here).

Each flow: task `fetch <source>` (acquire a snapshot: fetch, or replay a stored one; retried on transient
HTTP failures) then task `curate <source>` (parse, validate, quarantine, write Parquet). Tasks pass snapshot
metadata and file paths, never DataFrames. A source that fails ends its flow run Failed with the cause.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from prefect import flow, task
from prefect.tasks import exponential_backoff

from caspian_etl.core.data_location import flow_data_dir
from caspian_etl.core.errors import CaspianError, SnapshotError, is_transient
from caspian_etl.core.settings import DataPaths, load_settings, resolve_data_dir
from caspian_etl.core.snapshots import Snapshot, load_snapshot
from caspian_etl.pipeline.run import Acquired, SourceResult, TableOutcome, acquire, curate, run_source
from caspian_etl.sources import REGISTRY, Source, Window


class SourceFailed(CaspianError):
    """Raised at the end of a source flow whose source failed, so the run shows as Failed in Prefect.

    Carries the run's result so the pipeline flow can still report it."""

    def __init__(self, result: dict) -> None:
        self.result = result
        super().__init__(result.get("reason") or "failed", source=result["source"])


def _retry_transient(task, task_run, state) -> bool:  # noqa: ANN001 - Prefect's retry_condition_fn signature
    """Retry the fetch task only for transient failures (timeouts, 429, 5xx); never for a permanent one (DNS
    failure, 401/403/404, a robots.txt refusal, a usage error, a bad body): those fail at once."""
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - the failure being classified
        return is_transient(exc)
    return False


@task(name="fetch", task_run_name="fetch {source_name}", retries=2,
      retry_delay_seconds=exponential_backoff(backoff_factor=10), retry_jitter_factor=0.5,
      retry_condition_fn=_retry_transient)
def fetch_task(source_name: str, data_dir: str, offline: bool, snapshot: str | None,
               start: date | None, end: date | None) -> Acquired:
    return acquire(REGISTRY[source_name], resolve_data_dir(data_dir), offline=offline, snapshot=snapshot,
                   window=Window(start, end))


@task(name="curate", task_run_name="curate {source_name}")
def curate_task(source_name: str, data_dir: str, snapshot_dir: str) -> list[TableOutcome]:
    snapshot = load_snapshot(Path(snapshot_dir))
    if snapshot is None:
        raise SnapshotError(f"no snapshot manifest in {snapshot_dir}", source=source_name)
    # every table write inside takes its lock (caspian_etl.core.locks), across machines too when asked
    return curate(REGISTRY[source_name], snapshot, resolve_data_dir(data_dir))


def run_source_with_tasks(source_name: str, data_dir: str | None, offline: bool, snapshot: str | None,
                          start: date | None, end: date | None) -> SourceResult:
    settings = load_settings()  # a flow is an entry point: its tasks load theirs where they run
    paths = flow_data_dir(data_dir, settings)  # never a relative folder inside a worker's temporary directory
    fetch = fetch_task.with_options(retries=settings.fetch_retries)

    def acquire_step(source: Source, paths: DataPaths, **kw) -> Acquired:  # noqa: ANN003
        window = kw.get("window") or Window()
        return fetch(source.name, paths.location, kw.get("offline", False), kw.get("snapshot"),
                     window.start, window.end)

    def curate_step(source: Source, snap: Snapshot, paths: DataPaths) -> list[TableOutcome]:
        return curate_task(source.name, paths.location, str(snap.path))

    return run_source(source_name, paths, offline=offline, snapshot=snapshot, window=Window(start, end),
                      acquire_step=acquire_step, curate_step=curate_step)


def make_source_flow(source: Source):  # noqa: ANN201 - returns a prefect Flow
    @flow(name=f"source-{source.name}", flow_run_name=f"{source.name}", log_prints=True,
          description=f"Fetch and curate {source.title}.")
    def source_flow(offline: bool = False, snapshot: str | None = None, data_dir: str | None = None,
                    start: date | None = None, end: date | None = None) -> dict:
        result = run_source_with_tasks(source.name, data_dir, offline, snapshot, start, end)
        if result.status == "failed":
            raise SourceFailed(result.to_dict())
        return result.to_dict()

    source_flow.__name__ = f"{source.name}_flow"
    return source_flow


SOURCE_FLOWS = {name: make_source_flow(source) for name, source in REGISTRY.items()}
# module attributes `<source>_flow` are the deployment entrypoints, e.g. flows/source_flows.py:worldbank_flow
globals().update({f"{name}_flow": f for name, f in SOURCE_FLOWS.items()})
