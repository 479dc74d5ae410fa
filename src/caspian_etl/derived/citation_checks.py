"""`citation_checks`: each claim of the registry against the page it cites (what a fact-checker does by hand).

For a claim whose URL the citations source attempted (schemas/citation_checks.yaml says the same for readers):
- blocked / unreachable: the page was refused by robots.txt (the rule) or could not be fetched (the status);
- supported: a figure of the page has the claim's value in a compatible unit -- compared in the unit's base,
  a mass and a mass rate (Mt vs Mt/yr) counting as compatible, since "annually" is often written of a year's
  volume -- within the claim's rounding (half a unit of its last stated digit), and a compatible period (the
  same span, or none stated on the page for that figure; a claim without a period matches any);
- states_other: no such figure, but the page states others for the same metric, kind and period (listed);
- not_stated: otherwise, or when the page has no article text.
The extractor's metric is not required for `supported` (it is often wrong or unclassified; the number, unit and
period are what a reader checks), but it must agree for `states_other`, which accuses the claim.
"""

from __future__ import annotations

import math
from typing import Literal

import pandas as pd

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.units import UnitError, get_unit
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived.base import DerivedTable
from caspian_etl.sources.claims import stated_precision

NAME = "citation_checks"
INPUTS = ("claims", "cited_figures")
Verdict = Literal["supported", "states_other", "not_stated", "unreachable", "blocked"]
# dimensions whose values compare after scaling: a year's volume is often written as a rate ("per year")
_RATE_OF = {"mass_rate": "mass", "container_rate": "containers"}


def rounding_pct(value: float, precision: float | None = None) -> float:
    """Half a unit of the last written digit (or the registry's `precision`), in % of the value: the interval
    a rounded figure stands for (88 -> 0.57%, 533.4 -> 0.0094%)."""
    if not value or not math.isfinite(value):
        return 0.0
    if precision is None or not math.isfinite(precision):
        precision = stated_precision(format(abs(value), ".12g")) or 0.0
    return 100 * precision / abs(value)


def _in_base(value: float, unit: str) -> tuple[float, str] | None:
    try:
        u = get_unit(unit)
    except UnitError:
        return None
    # 12 significant digits, as units.convert: 4100 kt and 4.1 Mt are the same 4100000 t
    return float(f"{value * u.factor:.12g}"), _RATE_OF.get(u.dimension, u.dimension)


def _span(period: object) -> tuple[object, object] | None:
    if not isinstance(period, str) or not period:
        return None
    try:
        p = parse_period(period)
    except PeriodError:
        return None
    return p.start, p.end


def _fmt(value: float, unit: str, period: object) -> str:
    return f"{value:g} {unit}" + (f" ({period})" if isinstance(period, str) and period else "")


def _row(claim: dict, verdict: Verdict, reason: str, page: dict, **extra: object) -> dict:
    return {"claim_id": claim["claim_id"], "metric": claim["metric"], "value": claim["value"], "unit": claim["unit"],
            "period": claim["period"], "kind": claim["kind"], "document": claim["document"],
            "source_url": claim["source_url"], "verdict": verdict, "reason": reason,
            "http_status": page.get("http_status"), "snapshot_sha256": claim["snapshot_sha256"],
            "page_snapshot_sha256": page["snapshot_sha256"], **extra}


def check_claim(claim: dict, page_rows: list[dict]) -> dict:
    """The citation_checks row of one claim, given the cited_figures rows of its page."""
    first = page_rows[0]
    status = first["page_status"]
    if status == "blocked":
        return _row(claim, "blocked", f"Not checked: {first['detail']}.", first, robots_rule=first["detail"])
    if status == "unreachable":
        what = f"HTTP {int(first['http_status'])}" if pd.notna(first["http_status"]) else "no HTTP answer"
        return _row(claim, "unreachable", f"The cited page could not be fetched ({what}): {first['detail']}.", first)
    if status == "no_body":
        return _row(claim, "not_stated", f"The cited page was fetched but has no article text to check: "
                                         f"{first['detail']}.", first)
    stated = _fmt(claim["value"], claim["unit"], claim["period"])
    claim_base = _in_base(claim["value"], claim["unit"])
    figures = [r for r in page_rows if r["figure_index"] and pd.notna(r["value"]) and isinstance(r["unit"], str)]
    if claim_base is None or not figures:
        return _row(claim, "not_stated", f"The cited page was read but states no figure at all, so not {stated}.",
                    first)
    precision = claim.get("precision")
    tolerance = rounding_pct(claim["value"], None if precision is None or pd.isna(precision) else float(precision))
    claim_span = _span(claim["period"])
    same_period, matches = [], []
    for fig in figures:
        base = _in_base(fig["value"], fig["unit"])
        if base is None or base[1] != claim_base[1]:
            continue
        fig_span = _span(fig["period"])
        if claim_span is not None and fig_span is not None and fig_span != claim_span:
            continue
        deviation = None if base[0] == 0 else 100 * (claim_base[0] - base[0]) / base[0]
        # both figures may be roundings: each stands for its value +/- half a unit of its last digit
        allowed = abs(claim_base[0]) * tolerance / 100 + abs(base[0]) * rounding_pct(fig["value"]) / 100
        if abs(claim_base[0] - base[0]) <= allowed * (1 + 1e-9):
            matches.append((fig, deviation))
        elif (fig_span is not None and claim_span is not None and fig["metric"] == claim["metric"]
              and fig["kind"] == claim["kind"]):
            same_period.append((fig, deviation))
    if matches:
        fig, deviation = sorted(matches, key=lambda m: (m[0]["metric"] != claim["metric"], m[0]["figure_index"]))[0]
        period_note = (f"for {fig['period']}" if isinstance(fig["period"], str) and fig["period"]
                       else "without a period for it")
        return _row(claim, "supported", f"The page states {fig['as_written'] or _fmt(fig['value'], fig['unit'], None)} "
                                        f"{period_note}, which matches {stated} within the claim's rounding "
                                        f"({tolerance:.3g}%).", first,
                    page_value=fig["value"], page_unit=fig["unit"], page_period=fig["period"],
                    page_metric=fig["metric"], deviation_pct=_round(deviation), tolerance_pct=tolerance)
    if same_period:
        others = "; ".join(_fmt(f["value"], f["unit"], f["period"]) for f, _ in same_period)
        closest = min(same_period, key=lambda m: abs(m[1]) if m[1] is not None else math.inf)
        return _row(claim, "states_other", f"The page states {others} for the same metric and period, not {stated}.",
                    first, other_figures=others, deviation_pct=_round(closest[1]), tolerance_pct=tolerance,
                    page_metric=claim["metric"])
    return _row(claim, "not_stated", f"The cited page was read ({len(figures)} figure(s)) but none is {stated} in a "
                                     f"compatible unit and period.", first, tolerance_pct=tolerance)


def _round(value: float | None) -> float | None:
    return None if value is None else float(f"{value:.6g}")


def check_citations(claims: pd.DataFrame, pages: pd.DataFrame) -> pd.DataFrame:
    columns = load_contract(NAME).column_names
    if pages.empty:  # the citations source has not run (offline, no snapshot): nothing was checked
        return pd.DataFrame(columns=columns)
    by_url = {url: group.sort_values("figure_index").to_dict("records")
              for url, group in pages.groupby("source_url", sort=True)}
    registry = claims[(claims["source"] == "claims") & claims["source_url"].notna()].sort_values("claim_id")
    rows = [check_claim(claim, by_url[claim["source_url"]])
            for claim in registry.to_dict("records") if claim["source_url"] in by_url]
    return pd.DataFrame(rows, columns=columns)


def build(paths: DataPaths) -> pd.DataFrame:
    return check_citations(read_table(paths, "claims"), read_table(paths, "cited_figures"))


TABLE = DerivedTable(
    name=NAME,
    inputs=INPUTS,
    build=build,
    description="Each registry claim against the page it cites: supported, states_other, not_stated, "
                "unreachable or blocked, with the reason.",
)
