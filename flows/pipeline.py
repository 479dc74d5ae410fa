"""The pipeline flow: run every selected source flow (each fetches and curates its own tables), then build the
derived tables from the curated ones, then rewrite the catalog and the report, then summarise.

A failing source does not stop the others; the pipeline run ends Failed when any source failed, and its
result (the run summary) is still returned to the caller and published as a Prefect artifact.
"""

from __future__ import annotations

from datetime import date

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact
from prefect.states import Completed, Failed, State

from caspian_etl.core.data_location import flow_data_dir
from caspian_etl.core.settings import load_settings, resolve_data_dir
from caspian_etl.core.snapshots import check_selector
from caspian_etl.derived import DERIVED
from caspian_etl.flows.source_flows import SOURCE_FLOWS, SourceFailed
from caspian_etl.pipeline.downstream import build_derived, build_derived_table, publish
from caspian_etl.pipeline.run import RunSummary, SourceResult, TableOutcome
from caspian_etl.pipeline.summary import summary_markdown
from caspian_etl.publish.catalog import write_catalog
from caspian_etl.publish.report import build_report
from caspian_etl.sources import get_source


def _result_of(name: str, state: State) -> SourceResult:
    outcome = state.result(raise_on_failure=False)
    if isinstance(outcome, SourceFailed):
        return SourceResult.from_dict(outcome.result)
    if isinstance(outcome, dict):
        return SourceResult.from_dict(outcome)
    # the flow crashed outside our code (e.g. the Prefect engine); report it as a failure of the source
    return SourceResult(source=name, status="failed", reason=f"{name}: flow run ended {state.type.value}: {outcome!r}")


@task(name="derive", task_run_name="derive {name}")
def derive_task(name: str, data_dir: str) -> TableOutcome:
    return build_derived_table(name, resolve_data_dir(data_dir))


@task(name="catalog")
def catalog_task(data_dir: str) -> list[str]:
    return [str(p) for p in write_catalog(resolve_data_dir(data_dir))]


@task(name="report")
def report_task(data_dir: str) -> str:
    return str(build_report(resolve_data_dir(data_dir)).html)


@flow(name="pipeline", flow_run_name="pipeline", description="Fetch, validate and curate every selected source.")
def pipeline(sources: list[str] | None = None, offline: bool = False, snapshot: str | None = None,
             data_dir: str | None = None, start: date | None = None, end: date | None = None) -> State:
    names = sources or list(SOURCE_FLOWS)
    for name in names:
        get_source(name)  # fail fast on a typo, before any source runs
    if snapshot is not None:
        check_selector(snapshot)  # a bad --snapshot is a usage error: no source runs, nothing is recorded
    settings = load_settings()  # the flow is an entry point: validated once here
    data_dir = flow_data_dir(data_dir, settings).location  # absolute from here on; never a worker's temporary folder
    results = []
    for name in names:
        state = SOURCE_FLOWS[name](offline=offline, snapshot=snapshot, data_dir=data_dir, start=start, end=end,
                                   return_state=True)
        results.append(_result_of(name, state))
    if DERIVED:  # tables built from the curated ones (trade mirror, claim checks, ...)
        paths = resolve_data_dir(data_dir, settings)
        results.append(build_derived(paths, build_step=lambda name, p: derive_task(name, p.location)))
    results.append(publish(resolve_data_dir(data_dir, settings), catalog_step=lambda p: catalog_task(p.location),
                           report_step=lambda p: report_task(p.location)))
    summary = RunSummary(results)
    create_markdown_artifact(key="caspian-etl-run-summary", markdown=summary_markdown(summary),
                             description="Rows written, quarantined and sources failed in this run")
    data = [r.to_dict() for r in results]
    if summary.ok:
        return Completed(message="all sources succeeded or were skipped", data=data)
    failed = ", ".join(r.source for r in summary.failed)
    return Failed(message=f"sources failed: {failed}", data=data)
