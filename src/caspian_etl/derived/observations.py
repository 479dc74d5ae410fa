"""Every figure the curated tables hold for a metric of schemas/metrics.yaml, in one long shape.

Two kinds of rows, both in the metric's canonical unit:
- claims (the claims table, any source that writes it): one row per claim, basis `reported`;
- official series (basis=official rows of the indicator tables and of trade_flows): a row whose indicator is
  the metric id itself, or a series schemas/official_equivalents.yaml lists for the metric (converted as it
  says: crude kb/d to tonnes, a share of two series, USD to manat); trade_flows rows by the metric's flow and
  commodity (turnover also as exports plus imports of the same reporter, source and period when a source
  publishes no T row).

Each row carries the interval it stands for ([low, high]: its rounding, a bound, or the stated range it is an
end of), its origin and the date it was stated, which the claim checks compare.

The claim checks and the targets tracker both read this, so they agree on what "the same figure" is.
Reported rows of the indicator tables are not read: they are the claims again (see caspian_etl.sources.reported).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
import pyarrow.compute as pc
import pyarrow.dataset as ds

from caspian_etl.contracts.curated import inputs_fingerprint, read_table
from caspian_etl.contracts.metrics import INDICATOR_TABLES, Metric, metrics
from caspian_etl.contracts.units import UnitError, convert, get_unit
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived.equivalents import Equivalent, by_series, crude_tonnes, to_unit

COLUMNS = [
    "metric", "kind", "country", "partner", "period", "frequency", "period_start", "period_end",
    "value", "unit", "stated_value", "stated_unit", "bound", "basis", "source", "table", "ref",
    "document", "publisher", "document_key", "source_url", "published", "snapshot_sha256",
    # what the figure stands for: [low, high] in `unit` (rounding, a bound, or the range it is an end of)
    "precision", "low", "high", "range_of", "origin", "stated_on", "target_type", "note", "conversion",
]
INFINITY = math.inf


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


def document_key(document: str | None, source_url: str | None, endnote: object, publisher: str | None = None) -> str:
    """What counts as one document: the paper and the article are one each (their URLs are citations, set
    only on rows with an endnote); a news row's document is its own page (its publisher when no URL is kept)."""
    has_endnote = endnote is not None and not pd.isna(endnote)
    if has_endnote or document in ("policy_paper", "article"):
        return f"{document or '?'}|"
    return f"{document or '?'}|{source_url or publisher or ''}"


def claim_observations(claims: pd.DataFrame) -> tuple[pd.DataFrame, list[Unconvertible]]:
    """Claims -> observation rows in the metric's canonical unit; claims that cannot be converted are listed."""
    catalog = metrics()
    rows, skipped = [], []
    for claim in claims.itertuples(index=False):
        metric = catalog.get(claim.metric)
        if metric is None:
            skipped.append(Unconvertible(claim.claim_id, f"metric {claim.metric!r} is not in schemas/metrics.yaml"))
            continue
        frequency = _text(claim.frequency)
        try:
            value, conversion = to_unit(float(claim.value), claim.unit, metric.unit, frequency)
            precision = _precision(claim, metric.unit, frequency)
        except (UnitError, TypeError, ValueError) as exc:
            skipped.append(Unconvertible(claim.claim_id, f"its unit cannot be compared: {exc}"))
            continue
        note = _text(getattr(claim, "note", None))
        bound = claim_bound(note)
        rows.append({
            "metric": metric.id, "kind": claim.kind, "country": _text(claim.country), "partner": _text(claim.partner),
            "period": _text(claim.period), "frequency": frequency,
            "period_start": _date(claim.period_start), "period_end": _date(claim.period_end),
            "value": value, "unit": metric.unit, "stated_value": float(claim.value), "stated_unit": claim.unit,
            "bound": bound, "basis": "reported", "source": claim.source, "table": "claims",
            "ref": claim.claim_id, "document": claim.document, "publisher": _text(claim.publisher),
            "document_key": document_key(claim.document, _text(claim.source_url), claim.endnote,
                                         _text(claim.publisher)),
            "source_url": _text(claim.source_url), "published": _date(claim.published),
            "snapshot_sha256": claim.snapshot_sha256, "precision": precision,
            "low": -INFINITY if bound == "upper" else value - precision,
            "high": INFINITY if bound == "lower" else value + precision, "range_of": None,
            "origin": _text(getattr(claim, "origin", None)), "stated_on": _date(getattr(claim, "stated_on", None)),
            "target_type": _text(getattr(claim, "target_type", None)), "note": note, "conversion": conversion,
        })
    _join_ranges(rows)
    return pd.DataFrame(rows, columns=COLUMNS), skipped


def _precision(claim: object, unit: str, frequency: str | None) -> float:
    """The claim's rounding in the metric's unit: the registry's precision, else half its last digit."""
    stated = getattr(claim, "precision", None)
    if stated is None or pd.isna(stated):
        stated = half_last_digit(float(claim.value))
    return abs(to_unit(float(stated), claim.unit, unit, frequency)[0])


def half_last_digit(value: float) -> float:
    """Half a unit of the last digit of a number as Python writes it: 2.7 -> 0.05, 88.0 -> 0.5."""
    if not math.isfinite(value):
        return 0.0
    text = format(value, ".12g")
    exponent = Decimal(text).as_tuple().exponent
    return float(Decimal(5) * Decimal(10) ** (min(int(exponent), 0) - 1))


RANGE_SUFFIXES = ("-low", "-high")


def _join_ranges(rows: list[dict]) -> None:
    """The two ends of a stated range (claim ids ending -low and -high, same metric, period and document)
    each stand for the whole range: "19-23 days" is 19..23, not 19 and 23 separately."""
    by_stem: dict[tuple, dict[str, dict]] = {}
    for row in rows:
        for suffix in RANGE_SUFFIXES:
            if row["ref"].endswith(suffix):
                stem = (row["ref"][: -len(suffix)], row["metric"], row["period"], row["document_key"])
                by_stem.setdefault(stem, {})[suffix] = row
    for ends in by_stem.values():
        if len(ends) != 2:
            continue
        low, high = ends["-low"], ends["-high"]
        for row in (low, high):
            row["low"], row["high"] = low["value"] - low["precision"], high["value"] + high["precision"]
            row["range_of"] = f"{low['stated_value']:g}-{high['stated_value']:g} {low['stated_unit']}"


def _official_base(row: object, metric: Metric, value: float, ref: str, table: str) -> dict:
    return {
        "metric": metric.id, "kind": getattr(row, "kind", "observation"), "period": _text(row.period),
        "frequency": _text(row.frequency), "period_start": _date(row.period_start),
        "period_end": _date(row.period_end), "value": value, "unit": metric.unit, "stated_value": value,
        "stated_unit": metric.unit, "bound": None, "basis": "official", "source": row.source, "table": table,
        "ref": ref, "document": None, "publisher": None, "document_key": f"official|{row.source}",
        "source_url": _text(row.source_url), "published": None, "snapshot_sha256": row.snapshot_sha256,
        "precision": 0.0, "low": value, "high": value, "range_of": None, "origin": None, "stated_on": None,
        "target_type": None, "note": None, "conversion": None,
    }


OFFICIAL = pc.field("basis") == "official"


def _official_indicators(paths: DataPaths) -> pd.DataFrame:
    frames = []
    for table in INDICATOR_TABLES:
        frame = read_table(paths, table, filter=OFFICIAL & pc.field("value").is_valid())
        frame = frame[frame["value"].notna()].copy()  # a NaN is valid to Arrow, missing to pandas
        frame["table"] = table
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _indicator_rows(indicators: pd.DataFrame) -> list[dict]:
    """Official rows whose indicator is a metric id, or a series schemas/official_equivalents.yaml lists."""
    catalog = metrics()
    listed = by_series()
    rows = []
    shares: dict[tuple, float] = {}  # denominators of share_of series: (series, country, period, source) -> value
    denominators = {e.of for es in listed.values() for e in es if e.of}
    for row in indicators.itertuples(index=False):
        if row.indicator in denominators:
            shares[(row.indicator, _text(row.country), _text(row.period), row.source)] = float(row.value)
    for row in indicators.itertuples(index=False):
        if row.indicator in catalog:
            metric = catalog[row.indicator]
            try:
                value, _ = to_unit(float(row.value), row.unit, metric.unit, _text(row.frequency))
            except UnitError:
                continue
            rows.append({**_official_base(row, metric, value, row.indicator, row.table),
                         "country": _text(row.country), "partner": _text(row.partner)})
            continue
        for equivalent in listed.get(row.indicator, []):
            converted = _equivalent_value(equivalent, row, shares)
            if converted is None:
                continue
            value, conversion = converted
            metric = catalog[equivalent.metric]
            rows.append({**_official_base(row, metric, value, row.indicator, row.table),
                         "country": _text(row.country), "partner": _text(row.partner) or equivalent.partner,
                         "conversion": conversion, "note": equivalent.definition})
    return rows


def _equivalent_value(equivalent: Equivalent, row: object, shares: dict) -> tuple[float, str | None] | None:
    metric = metrics()[equivalent.metric]
    frequency = _text(row.frequency)
    try:
        if equivalent.conversion == "same_dimension":
            return to_unit(float(row.value), row.unit, metric.unit, frequency)
        if equivalent.conversion == "crude_rate":
            if row.unit not in ("kb/d", "b/d", "Mb/d") or _date(row.period_start) is None:
                return None
            kbd = convert(float(row.value), row.unit, "kb/d")
            return crude_tonnes(kbd, _text(row.country), row.period_start, row.period_end, frequency, metric.unit)
        if equivalent.conversion == "share_of":
            total = shares.get((equivalent.of, _text(row.country), _text(row.period), row.source))
            if not total:
                return None
            return (float(f"{100 * float(row.value) / total:.12g}"),
                    f"{row.indicator} {float(row.value):g} {row.unit} of {equivalent.of} {total:g} {row.unit}")
    except UnitError:
        return None
    return None  # local_currency is built from trade rows (see _local_currency_rows)


def _local_currency_rows(indicators: pd.DataFrame, trade: list[dict]) -> list[dict]:
    """Official USD figures of a metric x the official annual rate of the reporter -> the local-currency metric."""
    out = []
    for equivalent in (e for es in by_series().values() for e in es if e.conversion == "local_currency"):
        rates = indicators[indicators["indicator"] == equivalent.series] if len(indicators) else indicators
        rate_of = {(_text(r.country), _text(r.period)): (float(r.value), r) for r in rates.itertuples(index=False)}
        metric = metrics()[equivalent.metric]
        for usd in trade:
            if usd["metric"] != equivalent.from_metric or usd["frequency"] != "A":
                continue
            found = rate_of.get((usd["country"], usd["period"]))
            if found is None:
                continue
            rate, rate_row = found
            value = convert(usd["value"] * rate, "AZN", metric.unit) if metric.unit == "AZN" else usd["value"] * rate
            out.append({**usd, "metric": metric.id, "unit": metric.unit, "value": float(f"{value:.12g}"),
                        "stated_value": float(f"{value:.12g}"), "stated_unit": metric.unit,
                        "low": float(f"{value:.12g}"), "high": float(f"{value:.12g}"),
                        "ref": f"{usd['ref']}*{equivalent.series}",
                        "snapshot_sha256": ",".join(sorted({*usd["snapshot_sha256"].split(","),
                                                            rate_row.snapshot_sha256})),
                        "conversion": f"{usd['value']:.6g} USD x {rate:g} per USD ({equivalent.series} "
                                      f"{usd['country']} {usd['period']})",
                        "note": equivalent.definition})
    return out


def _trade_value(row: object, metric: Metric) -> float | None:
    """The trade row's value in the metric's unit: value_usd for money metrics, net_weight_kg for tonnages."""
    try:
        if get_unit(metric.unit).dimension == "money_usd":
            return None if pd.isna(row.value_usd) else convert(float(row.value_usd), "USD", metric.unit)
        return None if pd.isna(row.net_weight_kg) else convert(float(row.net_weight_kg), "kg", metric.unit)
    except UnitError:
        return None


# the trade_flows columns _trade_rows and _official_base read (trade_flows has no `kind`: rows are observations)
TRADE_COLUMNS = ["reporter", "partner", "flow", "period", "frequency", "period_start", "period_end", "classification",
                 "commodity_code", "value_usd", "net_weight_kg", "source", "source_url", "snapshot_sha256"]


def trade_filter() -> ds.Expression:
    """The official trade_flows rows some metric measures: its commodity (TOTAL when it names none) and its
    flow, or exports and imports for a turnover (summed where no T row is published). Everything else of the
    table (a bulk file's HS6 lines) is left unread."""
    measured = [m for m in metrics().values() if m.table == "trade_flows" and m.flow is not None]
    commodities = sorted({m.commodity or "TOTAL" for m in measured})
    flows = {m.flow for m in measured} | ({"X", "M"} if any(m.flow == "T" for m in measured) else set())
    return OFFICIAL & pc.field("commodity_code").isin(commodities) & pc.field("flow").isin(sorted(flows))


def _trade_rows(paths: DataPaths) -> list[dict]:
    trade = read_table(paths, "trade_flows", columns=TRADE_COLUMNS, filter=trade_filter())
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


OFFICIAL_INPUTS = (*INDICATOR_TABLES, "trade_flows")
_computed: tuple[tuple, pd.DataFrame] | None = None  # the last (inputs fingerprint, rows): one per run


def official_observations(paths: DataPaths) -> pd.DataFrame:
    """Official rows of the indicator tables and trade_flows that measure a claims metric, in its unit.

    Computed once per version of the input files: claim_checks, targets and the report of one run share it
    (each gets its own copy to change)."""
    global _computed
    fingerprint = inputs_fingerprint(paths, OFFICIAL_INPUTS)
    if _computed is None or _computed[0] != fingerprint:
        indicators = _official_indicators(paths)
        trade = _trade_rows(paths)
        rows = _indicator_rows(indicators) + trade + _local_currency_rows(indicators, trade)
        _computed = (fingerprint, pd.DataFrame(rows, columns=COLUMNS))
    return _computed[1].copy()


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
