"""Per-source run state in data/state/<source>.json: the last run, the last success, the last error, and the
last backfill (kept apart so a backfill never moves the state scheduled runs depend on)."""

from __future__ import annotations

import json
from pathlib import Path

from caspian_etl import storage
from caspian_etl.atomic import atomic_write_text
from caspian_etl.settings import DataPaths


def state_path(paths: DataPaths, source: str) -> Path:
    return paths.state / f"{source}.json"


def load_state(paths: DataPaths, source: str) -> dict:
    path = state_path(paths, source)
    storage.refresh(path)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_result(paths: DataPaths, result: dict) -> dict:
    """Fold one run's result (SourceResult.to_dict()) into the source's state file, atomically."""
    state = load_state(paths, result["source"])
    if result.get("window"):
        # a backfill is recorded apart: it never moves what scheduled (incremental) runs rely on
        state["last_backfill"] = result
    else:
        state["last_run"] = result
        if result["status"] == "ok":
            state["last_success"] = result
        elif result["status"] == "failed":
            state["last_error"] = {"at": result["finished_at"], "reason": result["reason"]}
    atomic_write_text(state_path(paths, result["source"]), json.dumps(state, indent=1, sort_keys=True) + "\n",
                      staging_dir=paths.staging)
    return state


def record_derived_build(paths: DataPaths, table: str, key: str) -> None:
    """Remember what a derived table was last built from (state/derived.json), so unchanged inputs skip it."""
    state = load_state(paths, "derived")
    state.setdefault("built", {})[table] = key
    atomic_write_text(state_path(paths, "derived"), json.dumps(state, indent=1, sort_keys=True) + "\n",
                      staging_dir=paths.staging)
