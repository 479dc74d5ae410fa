"""`caspian-etl serve`: run every deployment's schedule in this one process (a single machine, no workers)."""

from __future__ import annotations

import argparse

from caspian_etl.commands.common import EXIT_OK, EXIT_USAGE, add_data_dir, prefect_defaults, print_error
from caspian_etl.commands.deploy import NEEDS_SERVER, server_configured
from caspian_etl.core.data_location import deploy_location
from caspian_etl.pipeline.deployments import deployment_specs, runner_deployments

NAME = "serve"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="serve all deployments (schedules and manual runs) from this process",
        description="Register every deployment (sources on their cron schedules in UTC, the daily pipeline, "
                    f"backfills) and execute their runs in this process until stopped (Ctrl-C). {NAME} "
                    f"{NEEDS_SERVER}.",
    )
    p.add_argument("--limit", type=int, default=2, help="flow runs executed at once (default 2, for 2 cores)")
    add_data_dir(p)
    return p


def execute(args: argparse.Namespace) -> int:
    prefect_defaults()
    if not server_configured():
        print_error(f"{NAME} {NEEDS_SERVER}")
        return EXIT_USAGE
    from prefect import serve

    # Prefect pauses every served deployment when serve stops; that would also pause the deployments a
    # `deploy` + workers set-up runs under the same names. Leave them as they were.
    serve(*runner_deployments(deployment_specs(deploy_location(args.data_dir, args.settings))), limit=args.limit,
          pause_on_shutdown=False)
    return EXIT_OK
