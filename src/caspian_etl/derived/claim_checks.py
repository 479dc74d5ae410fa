"""`claim_checks`: each claim against the other figures for the same metric, country pair and time.

Matching (schemas/claim_checks.yaml says the same for readers):
- same metric (an official series listed in schemas/official_equivalents.yaml counts as its metric);
- kinds: observations with observations and official series; capacities with capacities; targets with targets;
  forecasts with forecasts and with the official outturn of their period (a target is never "wrong");
- same country pair; for turnover (flow T) the pair is unordered: 529.4M reported by KAZ and 598.47M
  reported by AZE are the same quantity seen from the two sides;
- time: flows and forecasts compare within the same period only. Capacities (standing figures) carry the
  time they are valid: their period, else the year they were stated (`stated_on`, else the document's date);
  two capacities valid at different times, or one with no date at all, are `not_comparable` (validity);
- never two claims of one document, nor two claims citing the same URL;
- at most MAX_COMPARED (20) figures per claim, official series first; when more match, the match note says
  so (a registry restating one figure N times would otherwise give N x N rows and work).

Each figure stands for an interval: its value plus or minus half a unit of its last written digit (the
`precision` of the claims table), a bound ("more than 1.4 Mt" is 1.4 or more), or the stated range whose end
it is ("19-23 days"). Official values are taken as exact. Two figures are `consistent` when their intervals
overlap and `differs` otherwise, with the excess beyond rounding reported; two agreeing claims of one
`origin` are `same_origin` (one source repeated, not a confirmation). Every row carries a `reason` sentence.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

import pandas as pd

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.metrics import metrics
from caspian_etl.contracts.schema import load_contract
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived import reasons
from caspian_etl.derived.base import DerivedTable
from caspian_etl.derived.equivalents import aggregate_to_periods
from caspian_etl.derived.observations import claim_observations, official_observations, pair_key, records

NAME = "claim_checks"
Verdict = Literal["consistent", "differs", "same_origin", "not_comparable", "no_independent_data"]
Comparability = Literal["validity", "definition", "unit"]
CONSISTENT, DIFFERS, SAME_ORIGIN, NOT_COMPARABLE, NO_DATA = (
    "consistent", "differs", "same_origin", "not_comparable", "no_independent_data")
# figures that hold over time (a pipeline's capacity), compared by when they are valid, not by period code
STANDING_KINDS = frozenset({"capacity"})


def excess_beyond_rounding(claim: dict, other: dict) -> float:
    """How far apart the two intervals are (0 when they overlap), in the metric's unit."""
    return max(0.0, other["low"] - claim["high"], claim["low"] - other["high"])


def same_origin(claim: dict, other: dict) -> bool:
    return bool(other["basis"] == "reported" and claim.get("origin") and other.get("origin")
                and claim["origin"].casefold() == other["origin"].casefold())


def compare(claim: dict, other: dict) -> tuple[Verdict, float, float | None, str]:
    """(verdict, excess beyond rounding, excess in % of the other figure, reason) for two comparable figures."""
    excess = excess_beyond_rounding(claim, other)
    base = abs(other["value"])
    excess_pct = None if not base else float(f"{100 * excess / base:.4g}")
    if excess > 0:
        return DIFFERS, float(f"{excess:.6g}"), excess_pct, reasons.differ(claim, other, excess, excess_pct)
    if same_origin(claim, other):
        return SAME_ORIGIN, 0.0, 0.0, reasons.same_origin(claim, other)
    return CONSISTENT, 0.0, 0.0, reasons.agree(claim, other)


def validity_year(figure: dict) -> tuple[date, date] | None:
    """When a standing figure holds: its period, else the year it was stated (or published); None if undated."""
    if figure["period_start"] is not None:
        return figure["period_start"], figure["period_end"]
    stated = figure.get("stated_on") or figure.get("published")
    if stated is None:
        return None
    return date(stated.year, 1, 1), date(stated.year, 12, 31)


def _time_text(span: tuple[date, date] | None) -> str | None:
    if span is None:
        return None
    start, end = span
    if (start.month, start.day, end.month, end.day) == (1, 1, 12, 31):
        return str(start.year) if start.year == end.year else f"{start.year}-{end.year}"
    return f"{start.isoformat()}..{end.isoformat()}"


def _time(claim: dict, other: dict) -> tuple[bool, str | None]:
    """(compare?, reason of not_comparable) -- (False, None) means the pair is not a check at all."""
    if claim["kind"] not in STANDING_KINDS:
        return bool(claim["period"]) and claim["period"] == other["period"], None
    a, b = validity_year(claim), validity_year(other)
    if a is not None and b is not None and a[0] <= b[1] and b[0] <= a[1]:
        return True, None
    return False, reasons.validity(claim, other, _time_text(a), _time_text(b))


# the kinds of claim an official series checks (a target is never "wrong" against one)
OFFICIAL_KINDS = ("observation", "capacity", "forecast")


def _kinds_meet(claim: dict, other: dict) -> bool:
    if other["basis"] == "official":
        return claim["kind"] in OFFICIAL_KINDS
    return other["kind"] == claim["kind"]


def _independent(claim: dict, other: dict) -> bool:
    if other["basis"] == "official":
        return True
    if other["ref"] == claim["ref"] or other["document_key"] == claim["document_key"]:
        return False
    return not (claim["source_url"] and claim["source_url"] == other["source_url"])


def _match_note(claim: dict, other: dict) -> str | None:
    notes = []
    if (claim["country"], claim["partner"]) != (other["country"], other["partner"]):
        notes.append(f"turnover: the same figure reported by {other['country'] or '?'} "
                     f"(claim reported by {claim['country'] or '?'})")
    if other["basis"] == "official" and other.get("note"):
        notes.append(f"official series {other['ref']} measures {claim['metric']}: {other['note']}")
    if other["ref"].startswith("X+M:"):
        notes.append("official exports plus imports of the same reporter and period")
    return "; ".join(notes) or None


def _finite(value: float) -> float | None:
    return None if value in (float("inf"), float("-inf")) else float(f"{value:.12g}")


def _row(claim: dict, name: str) -> dict:
    return {
        "claim_id": claim["ref"], "metric": claim["metric"], "metric_name": name, "kind": claim["kind"],
        "country": claim["country"], "partner": claim["partner"], "period": claim["period"],
        "value": claim["value"], "unit": claim["unit"], "bound": claim["bound"], "low": _finite(claim["low"]),
        "high": _finite(claim["high"]), "document": claim["document"], "publisher": claim["publisher"],
        "origin": claim.get("origin"), "published": claim.get("published"), "stated_on": claim.get("stated_on"),
        "source_url": claim["source_url"], "snapshot_sha256": claim["snapshot_sha256"],
    }


def _pair_row(claim: dict, other: dict, name: str, verdict: Verdict, reason: str, *,
              excess: float | None = None, excess_pct: float | None = None,
              comparability: Comparability | None = None) -> dict:
    base = other["value"]
    deviation = None if not base else float(f"{100 * (claim['value'] - base) / base:.6g}")
    return {
        **_row(claim, name), "compared_basis": other["basis"], "compared_source": other["source"],
        "compared_table": other["table"], "compared_ref": other["ref"], "compared_country": other["country"],
        "compared_partner": other["partner"], "compared_period": other["period"], "compared_value": other["value"],
        "compared_bound": other["bound"], "compared_low": _finite(other["low"]),
        "compared_high": _finite(other["high"]),
        "compared_document": other["document"], "compared_publisher": other["publisher"],
        "compared_origin": other.get("origin"), "compared_published": other.get("published"),
        "compared_conversion": other.get("conversion"), "compared_source_url": other["source_url"],
        "compared_snapshot_sha256": other["snapshot_sha256"], "deviation_pct": deviation,
        "excess": excess, "excess_pct": excess_pct, "verdict": verdict, "comparability": comparability,
        "reason": reason, "match_note": _match_note(claim, other),
    }


# At most this many comparison rows per claim (official series first): a registry restating one figure in
# thousands of documents would otherwise make the table (and its memory) grow with the square of its size.
MAX_COMPARED = 20
CAPPED_NOTE = f"compared with the first {MAX_COMPARED} independent figures; more state this figure"


def _examine(claim: dict, other: dict, name: str) -> dict | None:
    """The check row of one candidate figure, or None when the pair is no check (kinds, independence, time)."""
    if not _kinds_meet(claim, other) or not _independent(claim, other):
        return None
    comparable, why_not = _time(claim, other)
    if why_not is not None:
        return _pair_row(claim, other, name, NOT_COMPARABLE, why_not, comparability="validity")
    if not comparable:
        return None
    verdict, excess, excess_pct, reason = compare(claim, other)
    return _pair_row(claim, other, name, verdict, reason, excess=excess, excess_pct=excess_pct)


# (metric, pair, "official" or the reported kind, period or None for standing kinds) -> document key ->
# [(position, figure)]: a claim visits only the figures it can match, never its own document's
Index = dict[tuple, dict[str, list[tuple[int, dict]]]]


def _index(figures: list[dict]) -> Index:
    index: Index = {}
    for position, figure in enumerate(figures):
        metric, pair = figure["metric"], pair_key(figure["metric"], figure["country"], figure["partner"])
        if figure["basis"] == "official":
            # an official row checks a flow of its own period and a capacity of any time: listed under both
            keys = {(metric, pair, "official", figure["period"]), (metric, pair, "official", None)}
        else:
            period = None if figure["kind"] in STANDING_KINDS else figure["period"]
            keys = {(metric, pair, figure["kind"], period)}
        for key in keys:
            index.setdefault(key, {}).setdefault(figure["document_key"], []).append((position, figure))
    return index


def _candidates(claim: dict, index: Index):
    """Official series first, then the claims of other documents of the same metric, pair, kind and period."""
    standing = claim["kind"] in STANDING_KINDS
    if not standing and not claim["period"]:
        return  # a flow without a period compares with nothing (see _time)
    metric, pair = claim["metric"], pair_key(claim["metric"], claim["country"], claim["partner"])
    period = None if standing else claim["period"]
    sides = ("official", claim["kind"]) if claim["kind"] in OFFICIAL_KINDS else (claim["kind"],)
    for side in sides:
        for document, figures in index.get((metric, pair, side, period), {}).items():
            if document != claim["document_key"]:
                yield from figures


def checks_of(claim: dict, index: Index, name: str) -> tuple[list[dict], bool]:
    """Up to MAX_COMPARED check rows of the claim, in the order of the figures, and whether more matched (the
    search stops there: going on would make the work grow with claims x figures again)."""
    found: list[tuple[int, dict]] = []
    for position, other in _candidates(claim, index):
        row = _examine(claim, other, name)
        if row is None:
            continue
        if len(found) == MAX_COMPARED:
            return [row for _, row in sorted(found, key=lambda item: item[0])], True
        found.append((position, row))
    return [row for _, row in sorted(found, key=lambda item: item[0])], False


def _unit_row(claim: pd.Series, claim_id: str, reason: str, names: dict[str, str]) -> dict:
    text = f"{reasons.number(float(claim['value']))} {claim['unit']} ({claim['publisher']})"
    return {"claim_id": claim_id, "metric": claim["metric"], "metric_name": names.get(claim["metric"], claim["metric"]),
            "kind": claim["kind"], "country": claim["country"], "partner": claim["partner"], "period": claim["period"],
            "value": float(claim["value"]), "unit": claim["unit"], "document": claim["document"],
            "publisher": claim["publisher"], "origin": claim.get("origin"), "published": claim["published"],
            "source_url": claim["source_url"], "snapshot_sha256": claim["snapshot_sha256"],
            "verdict": NOT_COMPARABLE, "comparability": "unit", "reason": reasons.unit(text, reason)}


def check_claims(claims: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Rows of claim_checks for `claims` (the claims table) against each other and the `official` rows."""
    observed, unconvertible = claim_observations(claims)
    names = {m.id: m.name for m in metrics().values()}
    claim_figures = records(observed)
    official_figures = records(official)
    # monthly and quarterly official rows added up to the claims' own periods, when complete
    official_figures += aggregate_to_periods(official_figures, claim_figures)
    index = _index([*claim_figures, *official_figures])
    columns = load_contract(NAME).column_names
    rows = {column: [] for column in columns}  # gathered by column: a dict per row costs ~10x its cells
    for claim in claim_figures:
        found, more = checks_of(claim, index, names[claim["metric"]])
        for row in found:
            if more:
                row["match_note"] = f"{row['match_note']}; {CAPPED_NOTE}" if row["match_note"] else CAPPED_NOTE
        if not found:
            found = [{**_row(claim, names[claim["metric"]]), "verdict": NO_DATA,
                      "reason": reasons.nothing(claim, names[claim["metric"]])}]
        _gather(rows, found)
    by_id = claims.set_index("claim_id")
    for skipped in unconvertible:  # every claim gets a row, even one whose unit cannot be compared
        _gather(rows, [_unit_row(by_id.loc[skipped.claim_id], skipped.claim_id, skipped.reason, names)])
    return pd.DataFrame(rows, columns=columns)


def _gather(columns: dict[str, list], rows: list[dict]) -> None:
    for row in rows:
        for column, values in columns.items():
            values.append(row.get(column))


def build(paths: DataPaths) -> pd.DataFrame:
    return check_claims(read_table(paths, "claims"), official_observations(paths))


TABLE = DerivedTable(
    name=NAME,
    inputs=("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators"),
    build=build,
    description="Claims checked against official series and the claims of other documents.",
)
