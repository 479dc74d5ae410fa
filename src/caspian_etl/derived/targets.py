"""`targets`: every target claim with the latest observation of its metric and the way still to go.

The latest observation is taken at the target's own frequency (annual for a target stated without a period,
such as "2.2 Mt a year in the short term"), for the same metric and country pair (unordered for turnover).
When several figures state that period, one is shown (official series first, then figures from the target's
reporting side, then the target's own document, then the most recently published claim, then the claim id)
and latest_min/latest_max show the spread. The status is computed against the data's own dates, never
today's date, so the same snapshots give the same table.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from caspian_etl.contracts import load_contract
from caspian_etl.curated import read_table
from caspian_etl.derived import DerivedTable
from caspian_etl.derived.observations import claim_observations, official_observations, pair_key, records
from caspian_etl.reported import metrics
from caspian_etl.settings import DataPaths

NAME = "targets"
# metrics whose targets are reductions (everything else is a "raise it to" target)
LOWER_IS_BETTER = frozenset({"middle_corridor_transit_time", "china_europe_sea_transit_time"})


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


def _standing(figure: dict) -> tuple:
    """The part of the order of preference that does not depend on the target: the most recently published
    first, then by claim id."""
    published = figure["published"]
    return (published is None, -(published.toordinal() if published is not None else 0), figure["ref"])


class PeriodFigures:
    """The figures that state one period for one (metric, frequency, pair), with the preferred one for any
    target found in constant time: official first, then the target's reporting side (a turnover series should
    not jump between the two sides), then the target's own document, then _standing."""

    def __init__(self, figures: list[dict]) -> None:
        self.figures = figures
        self.count = len(figures)
        values = [f["value"] for f in figures]
        self.low, self.high = min(values), max(values)
        official = [f for f in figures if f["basis"] == "official"]
        self._tiers = [self._firsts(tier) for tier in (official, [f for f in figures if f["basis"] != "official"])
                       if tier]

    @staticmethod
    def _firsts(figures: list[dict]) -> tuple[dict, dict, dict, dict]:
        first_by_side_doc: dict = {}
        first_by_side: dict = {}
        first_by_doc: dict = {}
        for f in sorted(figures, key=_standing):
            side = (f["country"], f["partner"])
            first_by_side_doc.setdefault((side, f["document_key"]), f)
            first_by_side.setdefault(side, f)
            first_by_doc.setdefault(f["document_key"], f)
        return first_by_side_doc, first_by_side, first_by_doc, {"best": min(figures, key=_standing)}

    def best(self, target: dict) -> dict:
        side_doc, by_side, by_doc, overall = self._tiers[0]
        side, doc = (target["country"], target["partner"]), target["document_key"]
        return side_doc.get((side, doc)) or by_side.get(side) or by_doc.get(doc) or overall["best"]


def observation_index(pool: list[dict]) -> dict[tuple, list[tuple[str, PeriodFigures]]]:
    """Observations by (metric, frequency, country pair), grouped by period, oldest first: built once, so a
    target looks up its own figures instead of scanning (or sorting) the whole pool for each target."""
    index: dict[tuple, dict[str, list[dict]]] = {}
    for figure in pool:
        if figure["kind"] == "observation" and figure["period_end"] is not None:
            pair = pair_key(figure["metric"], figure["country"], figure["partner"])
            index.setdefault((figure["metric"], figure["frequency"], pair), {}).setdefault(
                figure["period"], []).append(figure)
    return {key: [(period, PeriodFigures(figures)) for period, figures in
                  sorted(groups.items(), key=lambda item: (item[1][0]["period_end"], item[0]))]
            for key, groups in index.items()}


def _by_period(target: dict, index: dict[tuple, list[tuple[str, PeriodFigures]]]) -> list[tuple[str, PeriodFigures]]:
    """The target's observations grouped by period, oldest first."""
    frequency = target["frequency"] or "A"
    pair = pair_key(target["metric"], target["country"], target["partner"])
    return index.get((target["metric"], frequency, pair), [])


def _status(row: dict, lower: bool) -> str:
    latest, target = row["latest_value"], row["target_value"]
    if latest is None:
        return "no_data"
    if (latest <= target) if lower else (latest >= target):
        return "met"
    if row["deadline"] is None:
        return "no_deadline"
    if row["years_left"] is not None and row["years_left"] <= 0:
        return "missed"
    required, recent = row["required_annual_growth_pct"], row["recent_annual_growth_pct"]
    if required is None or recent is None:
        return "in_progress"
    return "on_course" if ((recent <= required) if lower else (recent >= required)) else "behind"


def track(target: dict, pool: list[dict] | dict[tuple, list], metric_name: str) -> dict:
    """One targets row for a target claim (an observation-shaped dict) against the observation pool (a list,
    or its observation_index)."""
    lower = target["metric"] in LOWER_IS_BETTER
    deadline = target["period_end"] if target["period"] else None
    row = {
        "claim_id": target["ref"], "metric": target["metric"], "metric_name": metric_name,
        "country": target["country"], "partner": target["partner"], "target_value": target["value"],
        "unit": target["unit"], "target_period": target["period"], "deadline": deadline,
        "direction": "lower" if lower else "higher", "document": target["document"],
        "publisher": target["publisher"], "source_url": target["source_url"], "note": target.get("note"),
        "snapshot_sha256": target["snapshot_sha256"],
    }
    empty = ["latest_value", "latest_period", "latest_date", "latest_basis", "latest_source", "latest_ref",
             "latest_publisher", "latest_source_url", "latest_count", "latest_min", "latest_max", "progress_pct",
             "years_left", "required_annual_growth_pct", "previous_value", "previous_period",
             "recent_annual_growth_pct", "latest_snapshot_sha256"]
    row.update(dict.fromkeys(empty))
    periods = _by_period(target, pool if isinstance(pool, dict) else observation_index(pool))
    if periods:
        period, figures = periods[-1]
        latest = figures.best(target)
        row.update(latest_value=latest["value"], latest_period=period, latest_date=latest["period_end"],
                   latest_basis=latest["basis"], latest_source=latest["source"], latest_ref=latest["ref"],
                   latest_publisher=latest["publisher"], latest_source_url=latest["source_url"],
                   latest_count=figures.count, latest_min=figures.low, latest_max=figures.high,
                   latest_snapshot_sha256=latest["snapshot_sha256"])
        if latest["value"] and target["value"]:
            ratio = target["value"] / latest["value"] if lower else latest["value"] / target["value"]
            row["progress_pct"] = _round(100 * ratio)
        if deadline is not None:
            years = years_between(latest["period_end"], deadline)
            row["years_left"] = _round(years)
            row["required_annual_growth_pct"] = _round(annual_growth_pct(latest["value"], target["value"], years))
        if len(periods) > 1:
            previous = periods[-2][1].best(target)
            row.update(previous_value=previous["value"], previous_period=periods[-2][0])
            row["recent_annual_growth_pct"] = _round(annual_growth_pct(
                previous["value"], latest["value"], years_between(previous["period_end"], latest["period_end"])))
    row["status"] = _status(row, lower)
    return row


def track_targets(claims: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Rows of the targets table for the target claims of `claims`."""
    observed, _ = claim_observations(claims)
    notes = dict(zip(claims["claim_id"], claims["note"], strict=True))
    names = {m.id: m.name for m in metrics().values()}
    pool = observation_index(records(observed) + records(official))
    rows = []
    for target in records(observed[observed["kind"] == "target"]):
        note = notes.get(target["ref"])
        target["note"] = None if note is None or pd.isna(note) else note
        rows.append(track(target, pool, names[target["metric"]]))
    return pd.DataFrame(rows, columns=load_contract(NAME).column_names)


def build(paths: DataPaths) -> pd.DataFrame:
    return track_targets(read_table(paths, "claims"), official_observations(paths))


TABLE = DerivedTable(
    name=NAME,
    inputs=("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators"),
    build=build,
    description="Targets stated in the literature against the latest observed values.",
)
