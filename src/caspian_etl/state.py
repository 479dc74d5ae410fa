"""Per-source run state in data/state/<source>.json: the last run, the last success and the last error."""

from __future__ import annotations

import json
from pathlib import Path

from caspian_etl.atomic import atomic_write_text
from caspian_etl.settings import DataPaths


def state_path(paths: DataPaths, source: str) -> Path:
    return paths.state / f"{source}.json"


def load_state(paths: DataPaths, source: str) -> dict:
    path = state_path(paths, source)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def record_result(paths: DataPaths, result: dict) -> dict:
    """Fold one run's result (SourceResult.to_dict()) into the source's state file, atomically."""
    state = load_state(paths, result["source"])
    state["last_run"] = result
    if result["status"] == "ok":
        state["last_success"] = result
    elif result["status"] == "failed":
        state["last_error"] = {"at": result["finished_at"], "reason": result["reason"]}
    atomic_write_text(state_path(paths, result["source"]), json.dumps(state, indent=1, sort_keys=True) + "\n",
                      staging_dir=paths.staging)
    return state
