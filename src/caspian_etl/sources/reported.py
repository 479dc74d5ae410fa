"""Turn claims (figures stated in documents) into rows of the indicator tables, marked basis=reported.

The metrics catalog (schemas/metrics.yaml) says, per metric, which table a figure feeds and the canonical
unit it is converted to there. Rules:
- observations and capacities become indicator rows; targets and forecasts stay in the claims table only
  (they are goals and projections, not measurements), as do metrics whose table is `claims`;
- a trade flow needs a period, so a trade figure stated without one stays in the claims table only;
- a claim that cannot be mapped (a unit that does not convert) goes to the table's quarantine with the
  reason, never dropped.

The metrics vocabulary itself lives in caspian_etl.contracts.metrics (the extractor reads it too).
"""

from __future__ import annotations

import pandas as pd

from caspian_etl.contracts.metrics import REPORTED_TABLES, Metric, metrics
from caspian_etl.contracts.units import UnitError, convert, get_unit
from caspian_etl.contracts.validation import REASON_COLUMN


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _number(value: object) -> float | None:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return None if pd.isna(number) else number


def _trade_row(claim: dict, metric: Metric, value: float) -> dict:
    row = {
        "reporter": _text(claim["country"]), "partner": _text(claim["partner"]), "flow": metric.flow,
        "period": _text(claim["period"]), "frequency": claim["frequency"],
        "period_start": claim["period_start"], "period_end": claim["period_end"],
        "classification": "TOTAL" if metric.commodity in (None, "TOTAL") else "HS",
        "commodity_code": metric.commodity or "TOTAL", "commodity_desc": metric.name,
        "value_usd": None, "net_weight_kg": None, "quantity": None, "quantity_unit": None,
        REASON_COLUMN: None,
    }
    dimension = get_unit(claim["unit"]).dimension
    if dimension == "money_usd":
        row["value_usd"] = convert(value, claim["unit"], "USD")
    elif dimension == "mass":
        row["net_weight_kg"] = convert(value, claim["unit"], "kg")
    else:
        row[REASON_COLUMN] = (f"claim {claim['claim_id']}: unit {claim['unit']!r} fits neither value_usd nor "
                              f"net_weight_kg (no exchange rate is applied)")
    return row


def _indicator_row(claim: dict, metric: Metric, value: float) -> dict:
    row = {
        "indicator": metric.id, "indicator_name": metric.name,
        "country": _text(claim["country"]), "partner": _text(claim["partner"]),
        "period": _text(claim["period"]), "frequency": claim["frequency"],
        "period_start": claim["period_start"], "period_end": claim["period_end"],
        "value": None, "unit": metric.unit, "kind": claim["kind"], "note": _text(claim["note"]),
        REASON_COLUMN: None,
    }
    try:
        row["value"] = convert(value, claim["unit"], metric.unit)
    except UnitError as exc:
        row["value"], row["unit"] = value, claim["unit"]
        row[REASON_COLUMN] = f"claim {claim['claim_id']}: {exc}"
    return row


def claims_to_tables(claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Claims (in the claims table's shape) -> reported rows for trade_flows and the indicator tables.

    Claims with an unknown metric, unit or unreadable value are skipped here: the claims table itself
    quarantines them with the reason.
    """
    catalog = metrics()
    out: dict[str, list[dict]] = {t: [] for t in REPORTED_TABLES}
    for claim in claims.to_dict("records"):  # plain dicts: a Series per row (iterrows) costs more than the work
        metric = catalog.get(str(claim["metric"]))
        value = _number(claim["value"])
        if metric is None or value is None or metric.table not in out:
            continue
        try:
            get_unit(str(claim["unit"]))
        except UnitError:
            continue
        if metric.table == "trade_flows":
            if claim["kind"] != "observation" or _text(claim["period"]) is None:
                continue
            row = _trade_row(claim, metric, value)
        else:
            if claim["kind"] not in ("observation", "capacity"):
                continue
            row = _indicator_row(claim, metric, value)
        row.update(basis="reported", claim_id=claim["claim_id"], source=claim["source"],
                   source_url=_text(claim["source_url"]), snapshot_sha256=claim["snapshot_sha256"])
        out[metric.table].append(row)
    return {table: pd.DataFrame(rows) for table, rows in out.items()}


__all__ = ["claims_to_tables"]
