"""Per-source run state in data/state/<source>.json, kept in separate entries so health can tell them apart:

- `last_run`, `last_success`, `last_error`: the last scheduled-style run (fetch or replay), the last one that
  succeeded (with what it curated: incremental runs compare against it), the last failure;
- `last_fetch`, `last_fetch_success`: the last run that fetched from the source (a network request, or
  reading the local file / ingested files) and the last such run that succeeded: health is computed from these,
  so a daily offline re-curation that replays snapshots never hides a fetch that fails every day;
- `last_replay`: the last run that replayed a stored snapshot (`--offline`, `--snapshot`);
- `last_backfill`: a window re-fetch, kept apart so a backfill never moves what scheduled runs depend on.

Every change is a read-modify-write under the state file's lock (caspian_etl.core.locks), so a run, a backfill and
an ingest folding results into one state file at the same time lose nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from caspian_etl.core import storage
from caspian_etl.core.atomic import atomic_write_text
from caspian_etl.core.locks import state_lock
from caspian_etl.core.results import RunMode
from caspian_etl.core.settings import DataPaths


def state_path(paths: DataPaths, source: str) -> Path:
    return paths.state / f"{source}.json"


def load_state(paths: DataPaths, source: str) -> dict:
    path = state_path(paths, source)
    storage.refresh(path)
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def update_state(paths: DataPaths, source: str, change: Callable[[dict], None]) -> dict:
    """The one way state is written: lock, read the current file (pulled from a shared root), apply `change`,
    replace the file atomically, unlock."""
    with state_lock(paths, source):
        state = load_state(paths, source)
        change(state)
        atomic_write_text(state_path(paths, source), json.dumps(state, indent=1, sort_keys=True) + "\n",
                          staging_dir=paths.staging)
    return state


def run_mode(result: dict) -> RunMode:
    """Whether a result came from a fetch or a replay (results written before `mode` existed: `fetched`)."""
    mode = result.get("mode")
    if mode in ("fetch", "replay"):
        return mode
    return "fetch" if result.get("fetched", True) else "replay"


def fold_result(state: dict, result: dict) -> None:
    """Fold one run's result (SourceResult.to_dict()) into a state document."""
    if result.get("window"):
        state["last_backfill"] = result  # never moves what scheduled (incremental) runs rely on
        return
    state["last_run"] = result
    if result["status"] == "ok":
        state["last_success"] = result
    elif result["status"] == "failed":
        state["last_error"] = {"at": result["finished_at"], "reason": result["reason"]}
    if run_mode(result) == "replay":
        if result.get("snapshot_id"):  # skipped offline with nothing stored: nothing was replayed
            state["last_replay"] = result
        return
    state["last_fetch"] = result
    if result["status"] == "ok":
        state["last_fetch_success"] = result


def record_result(paths: DataPaths, result: dict) -> dict:
    """Fold one run's result into the source's state file (locked read-modify-write)."""
    return update_state(paths, result["source"], lambda state: fold_result(state, result))


def record_derived_build(paths: DataPaths, table: str, key: str) -> None:
    """Remember what a derived table was last built from (state/derived.json), so unchanged inputs skip it."""
    update_state(paths, "derived", lambda state: state.setdefault("built", {}).__setitem__(table, key))
