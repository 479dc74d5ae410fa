"""How fresh and healthy each source is, measured against its schedule (for `caspian-etl status`).

Health comes from what was fetched: the last fetch and the last successful fetch (data/state/<source>.json
keeps them apart from replays). Re-curating stored snapshots (`--offline`, the daily pipeline) proves the
parser still works, not that the source can still be reached, so a replay never makes a source `ok`; a replay
that fails does make it `failing` (its curated tables are not current).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from typing import Literal

from cronsim import CronSim

from caspian_etl.contracts.curated import part_row_counts
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.state import load_state, run_mode
from caspian_etl.sources import REGISTRY

Health = Literal["ok", "stale", "failing", "never", "unscheduled"]


@dataclass
class SourceStatus:
    source: str
    schedule: str | None
    health: Health
    last_success: str | None  # the last successful fetch (replays do not count)
    age_hours: float | None
    stale_after: str | None  # a success before this time means at least one scheduled run was missed
    last_error: str | None
    last_error_at: str | None
    rows: dict[str, int]
    last_fetch: str | None = None  # when the source was last fetched, whatever the outcome
    last_fetch_status: str | None = None
    last_replay: str | None = None  # when stored snapshots were last re-curated
    @property
    def problem(self) -> bool:
        return self.health in ("stale", "failing", "never")


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def previous_fire_times(cron: str, now: datetime, n: int = 2) -> list[datetime]:
    times = CronSim(cron, now, reverse=True)
    return [next(times) for _ in range(n)]


def last_fetches(state: dict) -> tuple[dict, dict]:
    """(last fetch, last successful fetch) of a state document; state written before they were kept apart
    counts its last run/success only when it was a fetch."""
    fetch = state.get("last_fetch")
    success = state.get("last_fetch_success")
    if fetch is None and "last_replay" not in state:
        run = state.get("last_run") or {}
        fetch = run if run and run_mode(run) == "fetch" else None
        old = state.get("last_success") or {}
        success = old if old and run_mode(old) == "fetch" else None
    return fetch or {}, success or {}


def source_status(paths: DataPaths, name: str, now: datetime | None = None,
                  counts: dict[str, dict[str, int]] | None = None) -> SourceStatus:
    """Stale = no successful fetch since the scheduled time before the latest one (one late or missed run is
    tolerated); failing = the last fetch failed, or the last run (a replay too) failed; never = no successful
    fetch yet."""
    now = now or datetime.now(timezone.utc)
    source = REGISTRY[name]
    state = load_state(paths, name)
    last_fetch, fetch_success = last_fetches(state)
    last_success = _parse(fetch_success.get("finished_at"))
    last_run = state.get("last_run") or {}
    error = state.get("last_error") or {}
    stale_after = None
    if source.schedule:
        stale_after = previous_fire_times(source.schedule, now)[1]
    if last_fetch.get("status") == "failed" or last_run.get("status") == "failed":
        health: Health = "failing"
    elif last_success is None:
        health = "never" if source.schedule else "unscheduled"
    elif stale_after is not None and last_success < stale_after:
        health = "stale"
    else:
        health = "ok" if source.schedule else "unscheduled"
    return SourceStatus(
        source=name, schedule=source.schedule, health=health,
        last_success=last_success.isoformat().replace("+00:00", "Z") if last_success else None,
        age_hours=round((now - last_success).total_seconds() / 3600, 1) if last_success else None,
        stale_after=stale_after.isoformat().replace("+00:00", "Z") if stale_after else None,
        last_error=error.get("reason") if health == "failing" else None,
        last_error_at=error.get("at") if health == "failing" else None,
        rows={t: (counts[t] if counts else part_row_counts(paths, t)).get(name, 0) for t in source.tables},
        last_fetch=last_fetch.get("finished_at"), last_fetch_status=last_fetch.get("status"),
        last_replay=(state.get("last_replay") or {}).get("finished_at"),
    )


def source_row_counts(paths: DataPaths) -> dict[str, dict[str, int]]:
    """part_row_counts of every table a source writes, each table's file footers read once (several sources
    write trade_flows and the indicator tables)."""
    return {t: part_row_counts(paths, t) for t in sorted({t for s in REGISTRY.values() for t in s.tables})}


def all_status(paths: DataPaths, now: datetime | None = None) -> list[SourceStatus]:
    counts = source_row_counts(paths)
    return [source_status(paths, name, now, counts) for name in REGISTRY]


def status_json(statuses: list[SourceStatus]) -> dict:
    return {"ok": not any(s.problem for s in statuses), "sources": {s.source: asdict(s) for s in statuses}}
