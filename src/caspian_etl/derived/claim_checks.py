"""`claim_checks`: each claim against the other figures for the same metric, kind, country pair and period.

Matching (schemas/claim_checks.yaml says the same for readers):
- same metric (an official code listed in observations.OFFICIAL_EQUIVALENTS counts as its metric);
- same kind: observations with observations and official series, capacities with capacities, targets with
  targets, forecasts with forecasts (a target is not a measurement, so it is never "wrong" against one);
- same country pair; for turnover (flow T) the pair is unordered: 529.4M reported by KAZ and 598.47M
  reported by AZE are the same quantity seen from the two sides;
- same period code. A capacity stated without a period is a standing figure ("BTC carries 50 Mt/yr") and is
  compared with the capacities of every period, while two dated capacities compare only within their period
  (capacities change: a 2006 design figure is no check on a 2024 one). Other figures without a period are
  not compared (no anchor);
- never two claims of one document (the policy paper is one document whatever its endnotes cite), nor two
  claims citing the same URL: a document restating a figure is no independent check;
- at most MAX_COMPARED (20) figures per claim, official series first; when more match, the match note says
  so (the table then grows linearly with the registry, not with its square).

Tolerance: two documents that state different numbers disagree as stated, so claim against claim allows
0.1% per side (unit conversions and restated decimals). Against an official series a claim may have rounded,
so its side widens to half a unit of its last stated digit (88 Mt allows 87.5..88.5), at most 5%. A claim
marked as a lower (upper) bound in its note only needs the other figure at or above (below) it.
"""

from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd

from caspian_etl.contracts import load_contract
from caspian_etl.curated import read_table
from caspian_etl.derived import DerivedTable
from caspian_etl.derived.observations import (
    OFFICIAL_EQUIVALENTS,
    claim_observations,
    official_observations,
    pair_key,
    records,
)
from caspian_etl.reported import metrics
from caspian_etl.settings import DataPaths

NAME = "claim_checks"
CLAIM_TOLERANCE_PCT = 0.1
MAX_ROUNDING_TOLERANCE_PCT = 5.0
# At most this many comparison rows per claim (official series first): a registry restating one figure in
# thousands of documents would otherwise make the table (and its memory) grow with the square of its size.
MAX_COMPARED = 20
CONSISTENT, DIFFERS, NO_DATA = "consistent", "differs", "no_independent_data"


def rounding_tolerance_pct(stated_value: float) -> float:
    """Half a unit of the last stated (non-zero) digit, relative to the value: 88 -> 0.57%, 533.4 -> 0.0094%."""
    if stated_value == 0 or not math.isfinite(stated_value):
        return CLAIM_TOLERANCE_PCT
    exponent = Decimal(format(abs(stated_value), ".12g")).normalize().as_tuple().exponent
    half_unit = 0.5 * 10.0 ** int(exponent)
    return min(MAX_ROUNDING_TOLERANCE_PCT, max(CLAIM_TOLERANCE_PCT, 100 * half_unit / abs(stated_value)))


def _interval(value: float, bound: str | None, tolerance_pct: float) -> tuple[float, float]:
    margin = abs(value) * tolerance_pct / 100
    low, high = value - margin, value + margin
    if bound == "lower":
        high = math.inf
    elif bound == "upper":
        low = -math.inf
    return low, high


def compare(claim: dict, other: dict) -> tuple[float | None, float, str]:
    """(deviation %, tolerance %, verdict) of a claim against another figure (a claim or an official row)."""
    official = other["basis"] == "official"
    claim_tol = rounding_tolerance_pct(claim["stated_value"]) if official else CLAIM_TOLERANCE_PCT
    other_tol = 0.0 if official else CLAIM_TOLERANCE_PCT
    a_low, a_high = _interval(claim["value"], claim["bound"], claim_tol)
    b_low, b_high = _interval(other["value"], other["bound"], other_tol)
    verdict = CONSISTENT if a_low <= b_high and b_low <= a_high else DIFFERS
    base = other["value"]
    deviation = None if base == 0 else 100 * (claim["value"] - base) / base
    gap = abs(claim["value"]) * claim_tol / 100 + abs(base) * other_tol / 100
    tolerance = 100 * gap / abs(base) if base else claim_tol
    return deviation, float(f"{tolerance:.6g}"), verdict


def _periods_match(claim: dict, other: dict) -> tuple[bool, str | None]:
    if claim["period"] and other["period"]:
        return claim["period"] == other["period"], None
    if claim["kind"] == "capacity" and (claim["period"] or other["period"]):
        dated = claim["period"] or other["period"]
        return True, f"a capacity without a period compared with the {dated} capacity"
    if claim["kind"] == "capacity":
        return True, "two capacities without a period"
    return False, None


def _notes(claim: dict, other: dict, period_note: str | None) -> str | None:
    notes = []
    if (claim["country"], claim["partner"]) != (other["country"], other["partner"]):
        notes.append(f"turnover: the same figure reported by {other['country'] or '?'} "
                     f"(claim reported by {claim['country'] or '?'})")
    if period_note:
        notes.append(period_note)
    if other["ref"] in OFFICIAL_EQUIVALENTS:
        notes.append(f"official series {other['ref']} measures {claim['metric']}")
    if other["ref"].startswith("X+M:"):
        notes.append("official exports plus imports of the same reporter and period")
    return "; ".join(notes) or None


def _no_match_note(claim: dict) -> str:
    if not claim["period"] and claim["kind"] != "capacity":
        return "no period stated: only capacities are compared without one"
    return "no other document or official series states this metric, kind, country pair and period"


def _row(claim: dict, other: dict | None, name: str, *, note: str | None = None) -> dict:
    row = {
        "claim_id": claim["ref"], "metric": claim["metric"], "metric_name": name, "kind": claim["kind"],
        "country": claim["country"], "partner": claim["partner"], "period": claim["period"],
        "value": claim["value"], "unit": claim["unit"], "bound": claim["bound"], "document": claim["document"],
        "publisher": claim["publisher"], "source_url": claim["source_url"],
        "snapshot_sha256": claim["snapshot_sha256"], "match_note": note,
    }
    if other is None:
        empty = ["compared_basis", "compared_source", "compared_table", "compared_ref", "compared_country",
                 "compared_partner", "compared_period", "compared_value", "compared_bound", "compared_document",
                 "compared_publisher", "compared_source_url", "compared_snapshot_sha256", "deviation_pct",
                 "tolerance_pct"]
        return {**row, **dict.fromkeys(empty), "verdict": NO_DATA}
    deviation, tolerance, verdict = compare(claim, other)
    return {
        **row, "compared_basis": other["basis"], "compared_source": other["source"], "compared_table": other["table"],
        "compared_ref": other["ref"], "compared_country": other["country"], "compared_partner": other["partner"],
        "compared_period": other["period"], "compared_value": other["value"], "compared_bound": other["bound"],
        "compared_document": other["document"], "compared_publisher": other["publisher"],
        "compared_source_url": other["source_url"], "compared_snapshot_sha256": other["snapshot_sha256"],
        "deviation_pct": None if deviation is None else float(f"{deviation:.6g}"), "tolerance_pct": tolerance,
        "verdict": verdict,
    }


def _independent(claim: dict, other: dict) -> bool:
    if other["basis"] == "official":
        return True
    if other["ref"] == claim["ref"] or other["document_key"] == claim["document_key"]:
        return False
    return not (claim["source_url"] and claim["source_url"] == other["source_url"])


Buckets = dict[str | None, dict[str, list[dict]]]  # period -> document key -> figures (official ones first)


def _candidates(claim: dict, by_period: Buckets) -> list[list[dict]]:
    """The figures whose period can match the claim's (see _periods_match), by document, minus the claim's own
    document (never independent): skipping it whole keeps a registry full of one document's rows linear."""
    if claim["kind"] == "capacity":
        buckets = [by_period.get(claim["period"], {}), by_period.get(None, {})] if claim["period"] else \
            list(by_period.values())
    else:
        buckets = [by_period.get(claim["period"], {})] if claim["period"] else []
    return [figures for bucket in buckets for doc, figures in bucket.items() if doc != claim["document_key"]]


def _index(figures: list[dict]) -> dict[tuple, Buckets]:
    """(metric, kind, pair) -> period -> document key -> figures, official series first: a claim visits only
    the figures it can match, so the work grows with the rows written, not with claims x figures."""
    index: dict[tuple, Buckets] = {}
    for figure in sorted(figures, key=lambda f: f["basis"] != "official"):  # stable: official first
        key = (figure["metric"], figure["kind"], pair_key(figure["metric"], figure["country"], figure["partner"]))
        index.setdefault(key, {}).setdefault(figure["period"], {}).setdefault(
            figure["document_key"], []).append(figure)
    return index


def _matches(claim: dict, by_period: Buckets) -> tuple[list[tuple[dict, str | None]], bool]:
    """Up to MAX_COMPARED independent figures matching the claim (official series first), and whether more
    matched (the search stops there: counting them all would be quadratic again)."""
    found: list[tuple[dict, str | None]] = []
    for figures in _candidates(claim, by_period):
        for other in figures:
            if other["basis"] == "official" and claim["kind"] not in ("observation", "capacity"):
                continue
            if not _independent(claim, other):
                continue
            same_period, period_note = _periods_match(claim, other)
            if not same_period:
                continue
            if len(found) == MAX_COMPARED:
                return found, True
            found.append((other, period_note))
    return found, False


def check_claims(claims: pd.DataFrame, official: pd.DataFrame) -> pd.DataFrame:
    """Rows of claim_checks for `claims` (the claims table) against each other and the `official` rows."""
    observed, unconvertible = claim_observations(claims)
    names = {m.id: m.name for m in metrics().values()}
    claimed = records(observed)
    index = _index([*claimed, *records(official)])
    columns = load_contract(NAME).column_names
    rows = _Columns(columns)  # column lists, not a dict per row: a row dict costs ~10x its cells
    for claim in claimed:
        key = (claim["metric"], claim["kind"], pair_key(claim["metric"], claim["country"], claim["partner"]))
        found, more = _matches(claim, index.get(key, {}))
        for other, period_note in found:
            note = _notes(claim, other, period_note)
            if more:
                capped = f"compared with the first {MAX_COMPARED} independent figures; more state this figure"
                note = f"{note}; {capped}" if note else capped
            rows.append(_row(claim, other, names[claim["metric"]], note=note))
        if not found:
            rows.append(_row(claim, None, names[claim["metric"]], note=_no_match_note(claim)))
    by_id = claims.set_index("claim_id")
    for skipped in unconvertible:  # every claim gets a row, even one whose unit cannot be compared
        c = by_id.loc[skipped.claim_id]
        rows.append(_row({
            "ref": skipped.claim_id, "metric": c["metric"], "kind": c["kind"], "country": c["country"],
            "partner": c["partner"], "period": c["period"], "value": float(c["value"]), "unit": c["unit"],
            "bound": None, "document": c["document"], "publisher": c["publisher"], "source_url": c["source_url"],
            "snapshot_sha256": c["snapshot_sha256"]}, None, names.get(c["metric"], c["metric"]), note=skipped.reason))
    return pd.DataFrame(rows.lists, columns=columns)


class _Columns:
    """Rows gathered column by column."""

    def __init__(self, columns: list[str]) -> None:
        self.lists: dict[str, list] = {c: [] for c in columns}

    def append(self, row: dict) -> None:
        for column, values in self.lists.items():
            values.append(row.get(column))


def build(paths: DataPaths) -> pd.DataFrame:
    return check_claims(read_table(paths, "claims"), official_observations(paths))


TABLE = DerivedTable(
    name=NAME,
    inputs=("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators"),
    build=build,
    description="Claims checked against official series and the claims of other documents.",
)
