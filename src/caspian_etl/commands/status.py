"""`caspian-etl status`: per source, the last successful fetch and its age against the schedule, the last
replay, the last error, row counts. Health counts fetches only (see caspian_etl.pipeline.status).

Exit status 1 when any source is stale, failing or has never succeeded: usable by monitoring."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone

from rich.markup import escape
from rich.table import Table

from caspian_etl.commands.common import EXIT_OK, EXIT_SOURCE_FAILED, add_data_dir, print_table
from caspian_etl.core.settings import resolve_data_dir
from caspian_etl.pipeline.status import all_status, status_json

NAME = "status"
STYLE = {"ok": "green", "unscheduled": "dim", "stale": "yellow", "failing": "red", "never": "red"}


def _utc(text: str) -> datetime:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="freshness and health of every source (non-zero exit when stale or failing)",
        description="For each source: its schedule (cron, UTC), its last successful fetch and its age, whether "
                    "it is stale (no successful fetch since the scheduled time before the latest one), the last "
                    "replay of stored snapshots, the last error when its last fetch or run failed, and its rows "
                    "per curated table. Replays (--offline, the daily pipeline) never count as a fetch. Exit "
                    "status 1 when any source is stale, failing or never fetched successfully, 0 otherwise.",
    )
    p.add_argument("--json", action="store_true", help="print the same as one JSON object")
    p.add_argument("--now", type=_utc, metavar="ISO-TIME", help=argparse.SUPPRESS)  # tests and what-ifs
    add_data_dir(p)
    return p


def execute(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir, args.settings)
    statuses = all_status(paths, args.now)
    code = EXIT_SOURCE_FAILED if any(s.problem for s in statuses) else EXIT_OK
    if args.json:
        print(json.dumps({"data_dir": paths.location, **status_json(statuses)}, indent=1, sort_keys=True))
        return code
    table = Table(title=f"caspian-etl status — {paths.root}")
    for col in ("source", "health", "schedule (UTC)", "last fetch ok", "age (h)", "last replay", "last error",
                "rows"):
        table.add_column(col)
    for s in statuses:
        table.add_row(s.source, f"[{STYLE[s.health]}]{s.health}[/]", s.schedule or "-", s.last_success or "never",
                      "-" if s.age_hours is None else str(s.age_hours), s.last_replay or "-",
                      escape(s.last_error or "-"), str(sum(s.rows.values())))
    print_table(table)
    return code
