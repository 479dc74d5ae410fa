"""Which extracted figures feed the indicator tables ("promotion"), and why the others stay in `claims`.

A figure is promoted only when every part of its meaning was read from its own clause and fits the catalog:
- its confidence is at or above REPORTED_THRESHOLD (the calibrated score of caspian_etl.extract);
- its kind is a level: an observation or a capacity (growth rates, changes, shares, plans, forecasts and targets
  describe a level, they are not one);
- its metric is one of schemas/metrics.yaml whose `table` is an indicator table (not `claims`);
- its unit is of the dimension of that metric's canonical unit (a tonnage is not a container count);
- it is not planned or expected: no deadline ('by 2027'), no period after publication, no plan or expectation
  word in a capacity's clause ('capacity will reach');
- a national figure (oil production or exports of a country) names its country and is not a company's, field's or
  region's part ('SOCAR produced', 'including 29 million tons at Tengiz');
- its period was stated in its own clause or sentence, never carried from another sentence or list item; a
  capacity may have none, every other level needs one.
"A wrong figure with provenance is worse than no figure": anything short of that stays in `claims` with the reason.
"""

from __future__ import annotations

from typing import Literal

from caspian_etl.contracts.metrics import metrics
from caspian_etl.contracts.units import UnitError, get_unit

REPORTED_THRESHOLD = 0.6  # claims below this do not feed the indicator tables
LEVEL_KINDS = ("observation", "capacity")
# metrics of a whole country: a company's, field's or region's figure is not one, nor a figure naming no country
NATIONAL_METRICS = ("oil_production", "oil_exports", "gas_production", "gas_exports", "gas_consumption",
                    "grain_exports", "oil_refining")
PeriodSource = Literal["clause", "sentence", "context", "none"]


def promotion_note(*, confidence: float, confidence_note: str | None, kind: str, metric: str, unit: str,
                   period: str | None, period_source: str | None, future: bool = False,
                   part_of_country: bool = False, country: str | None = None) -> str | None:
    """None when the figure feeds the indicator tables; else the first reason it does not."""
    if confidence < REPORTED_THRESHOLD:
        return f"confidence {confidence:.2f} < {REPORTED_THRESHOLD}: {confidence_note or 'low confidence'}"
    if kind not in LEVEL_KINDS:
        return f"kind {kind}: stays in claims (only observations and capacities feed the indicator tables)"
    if future:
        return f"a planned or expected {kind} (a deadline, a period after publication, or a plan word)"
    spec = metrics().get(metric)
    if spec is None or spec.table == "claims":
        return f"metric {metric} feeds no indicator table"
    try:
        same_dimension = get_unit(unit).dimension == get_unit(spec.unit).dimension
    except UnitError:
        same_dimension = False
    if not same_dimension:
        return f"unit {unit} is not of the dimension of {metric} ({spec.unit})"
    if metric in NATIONAL_METRICS and (part_of_country or country is None):
        return "a company's, field's or region's figure, or no country named: not the country's"
    if period_source == "context":
        return "period carried from another sentence"
    if period is None and kind != "capacity":
        return "no period stated"
    return None
