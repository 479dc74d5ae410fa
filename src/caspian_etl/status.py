"""How fresh and healthy each source is, measured against its schedule (for `caspian-etl status`)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timezone

from cronsim import CronSim

from caspian_etl.curated import part_row_counts
from caspian_etl.settings import DataPaths
from caspian_etl.sources import REGISTRY
from caspian_etl.state import load_state


@dataclass
class SourceStatus:
    source: str
    schedule: str | None
    health: str  # ok | stale | failing | never | unscheduled
    last_success: str | None
    age_hours: float | None
    stale_after: str | None  # a success before this time means at least one scheduled run was missed
    last_error: str | None
    last_error_at: str | None
    rows: dict[str, int]

    @property
    def problem(self) -> bool:
        return self.health in ("stale", "failing", "never")


def _parse(ts: str | None) -> datetime | None:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")) if ts else None


def previous_fire_times(cron: str, now: datetime, n: int = 2) -> list[datetime]:
    times = CronSim(cron, now, reverse=True)
    return [next(times) for _ in range(n)]


def source_status(paths: DataPaths, name: str, now: datetime | None = None) -> SourceStatus:
    """Stale = no success since the scheduled time before the latest one (one late or missed run is tolerated);
    failing = the last scheduled run failed; never = no success yet."""
    now = now or datetime.now(timezone.utc)
    source = REGISTRY[name]
    state = load_state(paths, name)
    last_success = _parse((state.get("last_success") or {}).get("finished_at"))
    last_run = state.get("last_run") or {}
    error = state.get("last_error") or {}
    stale_after = None
    if source.schedule:
        stale_after = previous_fire_times(source.schedule, now)[1]
    if last_run.get("status") == "failed":
        health = "failing"
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
        rows={t: part_row_counts(paths, t).get(name, 0) for t in source.tables},
    )


def all_status(paths: DataPaths, now: datetime | None = None) -> list[SourceStatus]:
    return [source_status(paths, name, now) for name in REGISTRY]


def status_json(statuses: list[SourceStatus]) -> dict:
    return {"ok": not any(s.problem for s in statuses), "sources": {s.source: asdict(s) for s in statuses}}
