"""`caspian-etl sources`: each source, its latest snapshot, last run and row counts."""

from __future__ import annotations

import argparse
import json

from rich.markup import escape
from rich.table import Table

from caspian_etl.commands.common import EXIT_OK, add_data_dir, print_table
from caspian_etl.core.settings import DataPaths, resolve_data_dir
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.core.state import load_state
from caspian_etl.pipeline.status import source_row_counts
from caspian_etl.sources import REGISTRY

NAME = "sources"


def register(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser(
        NAME, help="list sources with their latest snapshot, last run and row counts",
        description="For each registered source: what it is, its latest complete raw snapshot, the result of "
                    "its last run, and the rows it has in each curated table.",
    )
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    add_data_dir(p)
    return p


def sources_overview(paths: DataPaths) -> dict:
    """What `caspian-etl sources` shows, as one JSON-ready object."""
    out = {}
    counts = source_row_counts(paths)
    for name, source in REGISTRY.items():
        latest = SnapshotStore(paths, name).latest()
        state = load_state(paths, name)
        last = state.get("last_run") or {}
        out[name] = {
            "title": source.title,
            "producer": source.producer,
            "tables": list(source.tables),
            "network": source.network,
            "latest_snapshot": None if latest is None else {
                "id": latest.snapshot_id, "created_at": latest.created_at, "files": len(latest.entries),
                "bytes": sum(e.size for e in latest.entries)},
            "last_run": None if not last else {
                "status": last.get("status"), "finished_at": last.get("finished_at"), "reason": last.get("reason")},
            "last_success_at": (state.get("last_success") or {}).get("finished_at"),
            "rows": {t: counts[t].get(name, 0) for t in source.tables},
        }
    return out


def execute(args: argparse.Namespace) -> int:
    paths = resolve_data_dir(args.data_dir, args.settings)
    overview = sources_overview(paths)
    if args.json:
        print(json.dumps({"data_dir": paths.location, "sources": overview}, indent=1, sort_keys=True))
        return EXIT_OK
    table = Table(title=f"caspian-etl sources — {paths.root}")
    for col in ("source", "latest snapshot", "last run", "rows per table"):
        table.add_column(col)
    for name, info in overview.items():
        snap = info["latest_snapshot"]
        run = info["last_run"]
        table.add_row(
            f"{name}\n[dim]{info['title']}[/dim]",
            "-" if snap is None else f"{snap['id']}\n{snap['files']} file(s), {snap['bytes']:,} bytes",
            "never" if run is None else escape(f"{run['status']} at {run['finished_at']}"
                                               + (f"\n{run['reason']}" if run["reason"] else "")),
            "\n".join(f"{t}: {n}" for t, n in info["rows"].items()),
        )
    print_table(table)
    return EXIT_OK
