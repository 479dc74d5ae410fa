"""`caspian-etl deploy`: register every deployment with a Prefect server, on a process work pool.

Then start one worker per machine: `prefect worker start --pool caspian-etl`."""

from __future__ import annotations

import argparse
from pathlib import Path

from caspian_etl.commands.common import EXIT_OK, EXIT_USAGE, add_data_dir, console, prefect_defaults, print_error
from caspian_etl.core.data_location import deploy_location
from caspian_etl.core.locks import PREFECT_LOCKS_ENV
from caspian_etl.pipeline.deployments import (
    WORK_POOL,
    deployment_specs,
    lock_limit_names,
    prefect_yaml,
    runner_deployments,
    shared_root,
)

NAME = "deploy"
NEEDS_SERVER = ("needs a running Prefect server: start one with `prefect server start` (UI and API at "
                "http://127.0.0.1:4200) and `export PREFECT_API_URL=http://127.0.0.1:4200/api`")


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="register the deployments (one per source on its cron, the pipeline, backfills) with Prefect",
        description="Create the process work pool if needed and register one deployment per source flow on "
                    "the source's cron schedule (UTC), the daily pipeline deployment and one backfill/<source> "
                    f"deployment per source that can fetch a window. {NAME} {NEEDS_SERVER}. Then run "
                    "`prefect worker start --pool caspian-etl` on every machine that should run flows.",
    )
    p.add_argument("--work-pool", default=WORK_POOL, help=f"process work pool to use (default {WORK_POOL})")
    p.add_argument("--write-prefect-yaml", metavar="PATH", type=Path,
                   help="write the equivalent prefect.yaml to PATH instead of deploying (no server needed)")
    p.add_argument("--list", action="store_true", help="print the deployments and their schedules, then stop")
    add_data_dir(p)
    return p


def server_configured() -> bool:
    from prefect.settings import PREFECT_API_URL

    return bool(PREFECT_API_URL.value())


def ensure_work_pool(name: str) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(name)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=name, type="process"))
            console.print(f"created process work pool {name}")


def ensure_lock_limits() -> None:
    """Create the Prefect global concurrency limits the locks take on a shared root (limit 1 each)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate
    from prefect.exceptions import ObjectNotFound

    with get_client(sync_client=True) as client:
        for name in lock_limit_names():
            try:
                client.read_global_concurrency_limit_by_name(name)
            except ObjectNotFound:
                client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))


def execute(args: argparse.Namespace) -> int:
    prefect_defaults()
    if args.write_prefect_yaml:  # for a checkout (CASPIAN_ETL_HOME): the data dir stays as given
        specs = deployment_specs(args.data_dir)
        args.write_prefect_yaml.write_text(prefect_yaml(specs, args.work_pool), encoding="utf-8")
        console.print(f"wrote {args.write_prefect_yaml} ({len(specs)} deployments)")
        return EXIT_OK
    # resolved now: a worker runs flows in a temporary folder, where a relative data dir would be lost
    location = deploy_location(args.data_dir, args.settings)
    specs = deployment_specs(location)
    console.print(f"data root: {location} (every deployment writes there; choose another with --data-dir)",
                  soft_wrap=True)
    if args.list:
        for spec in specs:
            console.print(f"{spec.full_name:32} {spec.cron or 'manual':14} {spec.entrypoint}", soft_wrap=True)
        return EXIT_OK
    if not server_configured():
        print_error(f"{NAME} {NEEDS_SERVER}")
        return EXIT_USAGE
    from prefect import deploy

    ensure_work_pool(args.work_pool)
    if shared_root(specs):  # several machines may share it: the Prefect locks are always on (see README)
        ensure_lock_limits()
        console.print(f"{PREFECT_LOCKS_ENV}=1 set on every deployment; {len(lock_limit_names())} Prefect "
                      "concurrency limits ensured", soft_wrap=True)
    deploy(*runner_deployments(specs, args.work_pool), work_pool_name=args.work_pool, build=False, push=False,
           print_next_steps_message=False, ignore_warnings=True)
    for spec in specs:
        console.print(f"deployed {spec.full_name:32} {spec.cron or 'manual'}", soft_wrap=True)
    console.print(f"next: `prefect worker start --pool {args.work_pool}` on each machine that runs flows; "
                  f"their runs write to {location}", soft_wrap=True)
    return EXIT_OK
