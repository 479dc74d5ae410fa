"""`targets`: every target with the latest observation of its metric and the way still to go.

One row per target, however many documents state it: target claims of one metric, country pair, value and
type are one target, listed under the earliest claim that states its year (claim_ids and stated_by name every
document); the documents that give no year restate it. A scenario (what a study assumes if measures are
taken) is tracked but never met or missed; a plan is an operational plan for a year, judged only by that
year's figure. A start year ("construction begins in 2025") is met by starting no later. The latest
figure's interval counts: "more than 1.4 Mt" against a 1.5 Mt target is undetermined.

The latest observation is taken at the target's own frequency (annual for a target stated without a period,
such as "2.2 Mt a year in the short term"), for the same metric and country pair (unordered for turnover).
When several figures state that period, one is shown (official series first, then figures from the
target's reporting side, then the target's own document, then the most recently stated figure, then the
more cautious one, then the claim id) and latest_min/latest_max show the spread. The status is computed
against the data's own dates, never today's date, so the same snapshots give the same table.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.metrics import metrics
from caspian_etl.contracts.schema import load_contract
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived.base import DerivedTable
from caspian_etl.derived.equivalents import aggregate_to_periods
from caspian_etl.derived.observations import claim_observations, official_observations, pair_key, records

NAME = "targets"
Status = Literal["met", "missed", "on_course", "behind", "no_deadline", "in_progress", "no_data", "undetermined",
                 "scenario"]
# metrics whose targets are reductions (everything else is a "raise it to" target); a start or completion
# year (unit `year`) is met by being no later
LOWER_IS_BETTER = frozenset({"middle_corridor_transit_time", "china_europe_sea_transit_time"})


def lower_is_better(metric_id: str) -> bool:
    metric = metrics().get(metric_id)
    return metric_id in LOWER_IS_BETTER or (metric is not None and metric.unit == "year")


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


def years_between(start: date, end: date) -> float:
    """Whole months as twelfths plus leftover days: 2024-12-31 -> 2030-12-31 is exactly 6.0."""
    months = (end.year - start.year) * 12 + (end.month - start.month)
    return months / 12 + (end.day - start.day) / 365.25


def annual_growth_pct(start_value: float, end_value: float, years: float) -> float | None:
    if years <= 0 or start_value <= 0 or end_value <= 0:
        return None
    return ((end_value / start_value) ** (1 / years) - 1) * 100


def _preference(target: dict):
    def key(figure: dict) -> tuple:
        published = figure["published"]
        # the same reporting side as the target first: a turnover series should not jump between the two sides
        same_side = (figure["country"], figure["partner"]) == (target["country"], target["partner"])
        stated = figure.get("stated_on") or published
        # ties are broken by date (latest first), then by the more cautious figure, never by the id alone
        cautious = figure["value"] if lower_is_better(target["metric"]) else -figure["value"]
        return (figure["basis"] != "official", not same_side, figure["document_key"] != target["document_key"],
                stated is None, -(stated.toordinal() if stated is not None else 0), -cautious, figure["ref"])
    return key


Observations = dict[tuple, list[tuple[str, list[dict]]]]


def observation_index(pool: list[dict]) -> Observations:
    """Observations by (metric, frequency, country pair), grouped by period, oldest first: built once, so a
    target looks up its own figures instead of scanning the whole pool (targets x figures)."""
    index: dict[tuple, dict[str, list[dict]]] = {}
    for figure in pool:
        if figure["kind"] == "observation" and figure["period_end"] is not None:
            pair = pair_key(figure["metric"], figure["country"], figure["partner"])
            index.setdefault((figure["metric"], figure["frequency"], pair), {}).setdefault(
                figure["period"], []).append(figure)
    return {key: sorted(groups.items(), key=lambda item: (item[1][0]["period_end"], item[0]))
            for key, groups in index.items()}


def _by_period(target: dict, pool: list[dict] | Observations) -> list[tuple[str, list[dict]]]:
    """Observations for the target, grouped by period, oldest first; the groups a row uses (the last two, or
    the plan's own year) in order of preference."""
    index = pool if isinstance(pool, dict) else observation_index(pool)
    frequency = target["frequency"] or "A"
    ordered = index.get((target["metric"], frequency, pair_key(target["metric"], target["country"],
                                                                target["partner"])), [])
    if target.get("target_type") == "plan" and target["period"]:
        # a plan is for its own year: an earlier year's figure neither meets nor misses it
        ordered = [(period, figures) for period, figures in ordered if period == target["period"]]
    return [(period, sorted(figures, key=_preference(target)) if i >= len(ordered) - 2 else figures)
            for i, (period, figures) in enumerate(ordered)]


def _status(row: dict, lower: bool, interval: tuple[float, float] | None, target_type: str | None) -> Status:
    latest, target = row["latest_value"], row["target_value"]
    if latest is None:
        return "no_data"
    if target_type == "scenario":
        return "scenario"
    low, high = interval or (latest, latest)
    if (high <= target) if lower else (low >= target):
        return "met"
    if (low <= target) if lower else (high >= target):
        return "undetermined"  # a bound or range that straddles the target
    if row["deadline"] is None:
        return "no_deadline"
    if row["years_left"] is not None and row["years_left"] <= 0:
        return "missed"
    required, recent = row["required_annual_growth_pct"], row["recent_annual_growth_pct"]
    if required is None or recent is None:
        return "in_progress"
    return "on_course" if ((recent <= required) if lower else (recent >= required)) else "behind"


def track(target: dict, pool: list[dict] | Observations, metric_name: str) -> dict:
    """One targets row for a target claim (an observation-shaped dict) against the observation pool (a list
    of figures, or its observation_index)."""
    lower = lower_is_better(target["metric"])
    deadline = target["period_end"] if target["period"] else None
    row = {
        "claim_id": target["ref"], "metric": target["metric"], "metric_name": metric_name,
        "country": target["country"], "partner": target["partner"], "target_value": target["value"],
        "unit": target["unit"], "target_period": target["period"], "deadline": deadline,
        "direction": "lower" if lower else "higher", "document": target["document"],
        "publisher": target["publisher"], "source_url": target["source_url"], "note": target.get("note"),
        "snapshot_sha256": target["snapshot_sha256"], "target_type": target.get("target_type") or "goal",
        "claim_ids": target.get("claim_ids") or target["ref"], "stated_by": target.get("stated_by"),
        "first_stated": target.get("first_stated"),
    }
    empty = ["latest_value", "latest_period", "latest_date", "latest_basis", "latest_source", "latest_ref",
             "latest_publisher", "latest_source_url", "latest_count", "latest_min", "latest_max", "progress_pct",
             "years_left", "required_annual_growth_pct", "previous_value", "previous_period",
             "recent_annual_growth_pct", "latest_snapshot_sha256"]
    row.update(dict.fromkeys(empty))
    periods = _by_period(target, pool)
    interval = None
    if periods:
        period, figures = periods[-1]
        latest = figures[0]
        values = [f["value"] for f in figures]
        row.update(latest_value=latest["value"], latest_period=period, latest_date=latest["period_end"],
                   latest_basis=latest["basis"], latest_source=latest["source"], latest_ref=latest["ref"],
                   latest_publisher=latest["publisher"], latest_source_url=latest["source_url"],
                   latest_count=len(figures), latest_min=min(values), latest_max=max(values),
                   latest_snapshot_sha256=latest["snapshot_sha256"])
        interval = (latest.get("low", latest["value"]), latest.get("high", latest["value"]))
        if latest["value"] and target["value"]:
            ratio = target["value"] / latest["value"] if lower else latest["value"] / target["value"]
            row["progress_pct"] = _round(100 * ratio)
        if deadline is not None:
            years = years_between(latest["period_end"], deadline)
            row["years_left"] = _round(years)
            row["required_annual_growth_pct"] = _round(annual_growth_pct(latest["value"], target["value"], years))
        if len(periods) > 1:
            previous = periods[-2][1][0]
            row.update(previous_value=previous["value"], previous_period=periods[-2][0])
            row["recent_annual_growth_pct"] = _round(annual_growth_pct(
                previous["value"], latest["value"], years_between(previous["period_end"], latest["period_end"])))
    row["status"] = _status(row, lower, interval, target.get("target_type"))
    return row


def _stated_date(figure: dict) -> date | None:
    return figure.get("stated_on") or figure.get("published")


def merge_restated(targets: list[dict]) -> list[dict]:
    """One target per metric, country pair, value and type; documents restating it are listed on it."""
    groups: dict[tuple, list[dict]] = {}
    for t in targets:
        key = (t["metric"], pair_key(t["metric"], t["country"], t["partner"]), float(f"{t['value']:.9g}"),
               t.get("target_type") or "goal")
        groups.setdefault(key, []).append(t)
    merged = []
    for group in groups.values():
        periods = sorted({t["period"] for t in group if t["period"]})
        if len(periods) > 1:  # the same value for different years: different targets
            merged.extend(merge_restated_one(t, [t]) for t in group)
            continue
        dated = [t for t in group if t["period"]] or group
        order = sorted(dated, key=lambda t: (_stated_date(t) is None, _stated_date(t) or date.min, t["ref"]))
        merged.append(merge_restated_one(order[0], group))
    return merged


def merge_restated_one(lead: dict, group: list[dict]) -> dict:
    ordered = sorted(group, key=lambda t: (_stated_date(t) is None, _stated_date(t) or date.min, t["ref"]))
    stated_by = "; ".join(f"{t['publisher'] or t['document']} ({_stated_date(t) or 'date not known'}, "
                          f"{t['period'] or 'no year'})" for t in ordered)
    dates = [d for d in (_stated_date(t) for t in group) if d is not None]
    return {**lead, "claim_ids": "; ".join(t["ref"] for t in ordered), "stated_by": stated_by,
            "first_stated": min(dates) if dates else None}


def track_targets(claims: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Rows of the targets table for the target claims of `claims` (restatements merged)."""
    observed, _ = claim_observations(claims)
    names = {m.id: m.name for m in metrics().values()}
    official_figures = records(official)
    years = [{"period": str(y), "frequency": "A", "period_start": date(y, 1, 1), "period_end": date(y, 12, 31)}
             for y in sorted({f["period_start"].year for f in official_figures if f["period_start"] is not None})]
    pool = observation_index(records(observed) + official_figures + aggregate_to_periods(official_figures, years))
    rows = [track(target, pool, names[target["metric"]])
            for target in merge_restated(records(observed[observed["kind"] == "target"]))]
    return pd.DataFrame(rows, columns=load_contract(NAME).column_names)


def build(paths: DataPaths) -> pd.DataFrame:
    return track_targets(read_table(paths, "claims"), official_observations(paths))


TABLE = DerivedTable(
    name=NAME,
    inputs=("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators"),
    build=build,
    description="Targets stated in the literature against the latest observed values.",
)
