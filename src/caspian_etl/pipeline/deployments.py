"""Prefect deployments of caspian-etl: one per source flow on the source's own cron (UTC), the pipeline, and a
`backfill/<source>` deployment for every source that can fetch a period window.

The same list feeds `caspian-etl deploy` (to a process work pool: one `prefect worker start` per machine),
`caspian-etl serve` (everything in one process on one machine) and the generated `prefect.yaml`.
Entrypoints are module paths (caspian_etl.flows....), so a worker only needs the package installed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml

from caspian_etl.core.storage import is_remote
from caspian_etl.sources import REGISTRY

WORK_POOL = "caspian-etl"
# After the sources' own runs (03:00-05:00 UTC): re-curate from the stored snapshots (cheap when nothing
# changed) and rebuild the derived tables, so a scheduled day always ends with everything current.
PIPELINE_CRON = "30 6 * * *"


@dataclass(frozen=True)
class DeploymentSpec:
    flow_name: str  # the Prefect flow's name
    name: str  # the deployment's name: '<flow_name>/<name>' is what `prefect deployment run` takes
    entrypoint: str  # module path of the flow object
    file_entrypoint: str  # the same as a file path (for prefect.yaml)
    cron: str | None
    parameters: dict[str, Any] = field(default_factory=dict)
    description: str = ""
    tags: tuple[str, ...] = ("caspian-etl",)

    @property
    def full_name(self) -> str:
        return f"{self.flow_name}/{self.name}"


def deployment_specs(data_dir: str | None = None) -> list[DeploymentSpec]:
    common = {"data_dir": data_dir} if data_dir else {}
    specs = [
        DeploymentSpec(
            flow_name=f"source-{name}", name=name,
            entrypoint=f"caspian_etl.flows.source_flows.{name}_flow",
            file_entrypoint=f"flows/source_flows.py:{name}_flow",
            cron=source.schedule, parameters=dict(common),
            description=f"Fetch and curate {source.title} on its schedule.", tags=("caspian-etl", "source"),
        )
        for name, source in REGISTRY.items()
    ]
    specs.append(DeploymentSpec(
        flow_name="pipeline", name="daily", entrypoint="caspian_etl.flows.pipeline.pipeline",
        file_entrypoint="flows/pipeline.py:pipeline", cron=PIPELINE_CRON,
        parameters={"offline": True, **common},
        description="Re-curate every source from its latest snapshot and rebuild the derived tables.",
        tags=("caspian-etl", "pipeline"),
    ))
    specs += [
        DeploymentSpec(
            flow_name="backfill", name=name, entrypoint="caspian_etl.flows.backfill.backfill_flow",
            file_entrypoint="flows/backfill.py:backfill_flow", cron=None,
            parameters={"source": name, **common},
            description=f"Re-fetch {name} over a window: -p start=YYYY-MM-DD -p end=YYYY-MM-DD",
            tags=("caspian-etl", "backfill"),
        )
        for name, source in REGISTRY.items() if source.supports_window
    ]
    return specs


def _flow_of(spec: DeploymentSpec):  # noqa: ANN202 - a prefect Flow
    from importlib import import_module

    module, _, attr = spec.entrypoint.rpartition(".")
    return getattr(import_module(module), attr)


def shared_root(specs: list[DeploymentSpec]) -> bool:
    """True when the deployments write to an s3:// root, which workers on several machines may share."""
    return any(is_remote(str(spec.parameters.get("data_dir") or "")) for spec in specs)


def lock_limit_names() -> list[str]:
    """Every Prefect global concurrency limit the locks take when CASPIAN_ETL_PREFECT_LOCKS=1 (caspian_etl.core.locks):
    one per curated table, one per state file."""
    from caspian_etl.contracts.schema import table_names
    from caspian_etl.core.locks import prefect_limit_name
    from caspian_etl.derived import DERIVED_SOURCE

    states = [f"state-{name}" for name in (*REGISTRY, DERIVED_SOURCE)]
    return [prefect_limit_name(n) for n in [*table_names(), *states]]


def runner_deployments(specs: list[DeploymentSpec], work_pool: str | None = None) -> list:
    """Prefect RunnerDeployments for the specs (no server needed to build them). On a shared (s3://) root the
    worker processes always take the Prefect locks: there is no lock on the object store itself."""
    from prefect.deployments.runner import EntrypointType

    from caspian_etl.core.locks import PREFECT_LOCKS_ENV

    job_variables = {"env": {PREFECT_LOCKS_ENV: "1"}} if work_pool and shared_root(specs) else None
    out = []
    for spec in specs:
        kwargs: dict[str, Any] = dict(name=spec.name, parameters=spec.parameters, description=spec.description,
                                      tags=list(spec.tags), entrypoint_type=EntrypointType.MODULE_PATH)
        if job_variables:
            kwargs["job_variables"] = job_variables
        if spec.cron:
            kwargs["schedules"] = [_cron_schedule(spec.cron)]
        if work_pool:
            kwargs["work_pool_name"] = work_pool
        out.append(_flow_of(spec).to_deployment(**kwargs))
    return out


def _cron_schedule(cron: str):  # noqa: ANN202
    from prefect.schedules import Cron

    return Cron(cron, timezone="UTC")


def prefect_yaml(specs: list[DeploymentSpec], work_pool: str = WORK_POOL) -> str:
    """The prefect.yaml equivalent of the specs, for `prefect deploy --all` from a checkout."""
    deployments = []
    for spec in specs:
        entry: dict[str, Any] = {
            "name": spec.name, "entrypoint": spec.file_entrypoint, "description": spec.description,
            "tags": list(spec.tags), "parameters": spec.parameters, "work_pool": {"name": work_pool},
        }
        entry["schedules"] = [{"cron": spec.cron, "timezone": "UTC"}] if spec.cron else []
        deployments.append(entry)
    doc = {
        "name": "caspian-etl",
        "prefect-version": "3.8.8",
        # workers run from a checkout with the package installed: `pip install -e .` in it
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $CASPIAN_ETL_HOME }}"}}],
        "deployments": deployments,
    }
    header = ("# Generated by `caspian-etl deploy --write-prefect-yaml prefect.yaml` from the source registry;\n"
              "# do not edit by hand (tests/pipeline/test_deployments.py fails when it is stale).\n"
              "# Use: export CASPIAN_ETL_HOME=/path/to/checkout; prefect deploy --all\n")
    return header + yaml.safe_dump(doc, sort_keys=False, width=120)
