"""Every figure the curated tables hold for a metric of schemas/metrics.yaml, in one long shape.

Two kinds of rows, both in the metric's canonical unit:
- claims (the claims table, any source that writes it): one row per claim, basis `reported`;
- official series (basis=official rows of the indicator tables and of trade_flows, from World Bank today and
  Comtrade, IMF or EIA when they land): a row whose indicator is the metric id itself, or an official code
  listed in OFFICIAL_EQUIVALENTS; trade_flows rows by the metric's flow and commodity (turnover also as
  exports plus imports of the same reporter, source and period when a source publishes no T row).

The claim checks and the targets tracker both read this, so they agree on what "the same figure" is.
Reported rows of the indicator tables are not read: they are the claims again (see caspian_etl.reported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from caspian_etl.curated import read_table
from caspian_etl.reported import INDICATOR_TABLES, Metric, metrics
from caspian_etl.settings import DataPaths
from caspian_etl.units import UnitError, convert, get_unit

# Official indicator codes that measure exactly what a claims metric measures: code -> (metric, partner).
# The partner fills the official row's empty partner where the metric states one (WLD = all destinations).
OFFICIAL_EQUIVALENTS: dict[str, tuple[str, str | None]] = {
    # WDI "Renewable electricity output (% of total electricity output)"
    "EG.ELC.RNEW.ZS": ("renewables_share_power", None),
    # WDI "Fuel exports (% of merchandise exports)": SITC 3 fuels in all goods exports
    "TX.VAL.FUEL.ZS.UN": ("energy_exports_share", "WLD"),
}

COLUMNS = [
    "metric", "kind", "country", "partner", "period", "frequency", "period_start", "period_end",
    "value", "unit", "stated_value", "stated_unit", "bound", "basis", "source", "table", "ref",
    "document", "publisher", "document_key", "source_url", "published", "snapshot_sha256",
]


@dataclass(frozen=True)
class Unconvertible:
    claim_id: str
    reason: str


def _text(value: object) -> str | None:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _date(value: object) -> object:
    return None if value is None or pd.isna(value) else value


def claim_bound(note: str | None) -> str | None:
    """`lower`/`upper` when the registry note marks the figure as a bound ("lower bound (over)")."""
    text = (note or "").lower()
    if "lower bound" in text:
        return "lower"
    if "upper bound" in text:
        return "upper"
    return None


def document_key(document: str | None, source_url: str | None, endnote: object) -> str:
    """What counts as one document: the paper and the article are one each (their URLs are citations, set
    only on rows with an endnote); a news row's document is its own page."""
    has_endnote = endnote is not None and not pd.isna(endnote)
    return f"{document or '?'}|{'' if has_endnote else (source_url or '')}"


def claim_observations(claims: pd.DataFrame) -> tuple[pd.DataFrame, list[Unconvertible]]:
    """Claims -> observation rows in the metric's canonical unit; claims that cannot be converted are listed."""
    catalog = metrics()
    rows, skipped = [], []
    for claim in claims.itertuples(index=False):
        metric = catalog.get(claim.metric)
        if metric is None:
            skipped.append(Unconvertible(claim.claim_id, f"metric {claim.metric!r} is not in schemas/metrics.yaml"))
            continue
        try:
            value = convert(float(claim.value), claim.unit, metric.unit)
        except (UnitError, TypeError, ValueError) as exc:
            skipped.append(Unconvertible(claim.claim_id, f"value not comparable: {exc}"))
            continue
        rows.append({
            "metric": metric.id, "kind": claim.kind, "country": _text(claim.country), "partner": _text(claim.partner),
            "period": _text(claim.period), "frequency": _text(claim.frequency),
            "period_start": _date(claim.period_start), "period_end": _date(claim.period_end),
            "value": value, "unit": metric.unit, "stated_value": float(claim.value), "stated_unit": claim.unit,
            "bound": claim_bound(_text(claim.note)), "basis": "reported", "source": claim.source, "table": "claims",
            "ref": claim.claim_id, "document": claim.document, "publisher": _text(claim.publisher),
            "document_key": document_key(claim.document, _text(claim.source_url), claim.endnote),
            "source_url": _text(claim.source_url), "published": _date(claim.published),
            "snapshot_sha256": claim.snapshot_sha256,
        })
    return pd.DataFrame(rows, columns=COLUMNS), skipped


def _official_base(row: object, metric: Metric, value: float, ref: str, table: str) -> dict:
    return {
        "metric": metric.id, "kind": getattr(row, "kind", "observation"), "period": _text(row.period),
        "frequency": _text(row.frequency), "period_start": _date(row.period_start),
        "period_end": _date(row.period_end), "value": value, "unit": metric.unit, "stated_value": value,
        "stated_unit": metric.unit, "bound": None, "basis": "official", "source": row.source, "table": table,
        "ref": ref, "document": None, "publisher": None, "document_key": f"official|{row.source}",
        "source_url": _text(row.source_url), "published": None, "snapshot_sha256": row.snapshot_sha256,
    }


def _indicator_rows(paths: DataPaths) -> list[dict]:
    catalog = metrics()
    rows = []
    for table in INDICATOR_TABLES:
        frame = read_table(paths, table)
        frame = frame[(frame["basis"] == "official") & frame["value"].notna()]
        for row in frame.itertuples(index=False):
            metric_id, partner = (row.indicator, None) if row.indicator in catalog else \
                OFFICIAL_EQUIVALENTS.get(row.indicator, (None, None))
            if metric_id is None:
                continue
            metric = catalog[metric_id]
            try:
                value = convert(float(row.value), row.unit, metric.unit)
            except UnitError:
                continue  # e.g. kb/d against Mt: a rate is not a tonnage without a density
            rows.append({**_official_base(row, metric, value, row.indicator, table),
                         "country": _text(row.country), "partner": _text(row.partner) or partner})
    return rows


def _trade_value(row: object, metric: Metric) -> float | None:
    """The trade row's value in the metric's unit: value_usd for money metrics, net_weight_kg for tonnages."""
    try:
        if get_unit(metric.unit).dimension == "money_usd":
            return None if pd.isna(row.value_usd) else convert(float(row.value_usd), "USD", metric.unit)
        return None if pd.isna(row.net_weight_kg) else convert(float(row.net_weight_kg), "kg", metric.unit)
    except UnitError:
        return None


def _trade_rows(paths: DataPaths) -> list[dict]:
    trade = read_table(paths, "trade_flows")
    trade = trade[trade["basis"] == "official"]
    rows = []
    for metric in metrics().values():
        if metric.table != "trade_flows" or metric.flow is None:
            continue
        commodity = metric.commodity or "TOTAL"
        same_goods = trade[trade["commodity_code"] == commodity]
        direct = same_goods[same_goods["flow"] == metric.flow]
        for row in direct.itertuples(index=False):
            value = _trade_value(row, metric)
            if value is not None:
                rows.append({**_official_base(row, metric, value, f"{row.flow}:{row.classification}:{commodity}",
                                              "trade_flows"),
                             "country": row.reporter, "partner": row.partner})
        if metric.flow != "T":
            continue
        # turnover = exports + imports as the same reporter states them, where the source gives no T row
        key = ["source", "reporter", "partner", "period", "classification"]
        have_t = {tuple(k) for k in direct[key].itertuples(index=False)}
        legs = same_goods[same_goods["flow"].isin(["X", "M"])]
        for group_key, group in legs.groupby(key, sort=True, dropna=False):
            if tuple(group_key) in have_t or set(group["flow"]) != {"X", "M"} or len(group) != 2:
                continue
            values = [_trade_value(r, metric) for r in group.itertuples(index=False)]
            if any(v is None for v in values):
                continue
            first = next(group.itertuples(index=False))
            rows.append({**_official_base(first, metric, float(sum(values)), f"X+M:{first.classification}:{commodity}",
                                          "trade_flows"),
                         "country": first.reporter, "partner": first.partner,
                         "snapshot_sha256": ",".join(sorted(set(group["snapshot_sha256"])))})
    return rows


def official_observations(paths: DataPaths) -> pd.DataFrame:
    """Official rows of the indicator tables and trade_flows that measure a claims metric."""
    return pd.DataFrame(_indicator_rows(paths) + _trade_rows(paths), columns=COLUMNS)


def records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for every missing value (pandas 3 turns None in string columns into NaN)."""
    return [{k: (None if v is pd.NA or (isinstance(v, float) and math.isnan(v)) else v) for k, v in row.items()}
            for row in frame.to_dict("records")]


def pair_key(metric_id: str, country: str | None, partner: str | None) -> tuple:
    """A turnover is the same figure whichever side reports it: its pair is unordered."""
    metric = metrics().get(metric_id)
    if metric is not None and metric.flow == "T":
        return tuple(sorted((country or "", partner or "")))
    return (country or "", partner or "")
