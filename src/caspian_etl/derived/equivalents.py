"""Official series that measure a claims metric (schemas/official_equivalents.yaml), in the metric's unit.

`official_equivalent_rows` turns the official indicator rows named in the vocabulary into observation rows of
the claims metric: plain unit conversions, crude oil rates (kb/d) into tonnes over the row's period through the
country's barrels-per-tonne factor, a share of two series, and USD figures into manat with the official annual
rate. `aggregate_to_periods` adds monthly or quarterly official rows up to a longer period only when every
part of it is present. Every converted row says in `conversion` how it was obtained, so a check can tell it.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal

from caspian_etl.contracts.units import UnitError, convert, convert_crude, crude_factor, get_unit
from caspian_etl.core.resources import read_schema_yaml

Conversion = Literal["same_dimension", "crude_rate", "share_of", "local_currency"]
VOCABULARY_FILE = "official_equivalents.yaml"
# dimensions whose values add up over time (a month's tonnes + the next month's = two months' tonnes)
ADDITIVE = frozenset({"mass", "money_usd", "money_azn", "money_eur", "containers", "count"})
# a rate per year over one year is that year's amount
RATE_TO_AMOUNT = {"mass_rate": "mass", "container_rate": "containers"}


@dataclass(frozen=True)
class Equivalent:
    metric: str
    series: str
    conversion: Conversion
    source: str
    definition: str
    partner: str | None = None
    of: str | None = None  # share_of: the denominator series
    from_metric: str | None = None  # local_currency: the USD metric converted


@lru_cache(maxsize=1)
def equivalents() -> tuple[Equivalent, ...]:
    raw = read_schema_yaml(VOCABULARY_FILE)["equivalents"]
    return tuple(Equivalent(metric=e["metric"], series=e["series"], conversion=e["conversion"], source=e["source"],
                            definition=" ".join(str(e["definition"]).split()), partner=e.get("partner"),
                            of=e.get("of"), from_metric=e.get("from_metric")) for e in raw)


def by_series() -> dict[str, list[Equivalent]]:
    found: dict[str, list[Equivalent]] = {}
    for e in equivalents():
        found.setdefault(e.series, []).append(e)
    return found


def to_unit(value: float, unit: str, target: str, frequency: str | None) -> tuple[float, str | None]:
    """(value in `target`, note) -- a per-year rate counts as the amount of one year for a yearly (or undated)
    figure: "2.2 Mt a year" is 2.2 Mt in a year. Raises UnitError when the units cannot meet."""
    try:
        return convert(value, unit, target), None
    except UnitError:
        a, b = get_unit(unit), get_unit(target)
        per_year = frequency in ("A", None)
        if per_year and RATE_TO_AMOUNT.get(a.dimension) == b.dimension:
            return float(f"{value * a.factor / b.factor:.12g}"), f"{unit} taken as the amount of one year"
        if per_year and RATE_TO_AMOUNT.get(b.dimension) == a.dimension:
            return float(f"{value * a.factor / b.factor:.12g}"), f"{unit} taken as a rate over one year"
        raise


def period_days(start: date, end: date) -> int:
    return (end - start).days + 1


def crude_tonnes(value_kbd: float, country: str | None, start: date, end: date, frequency: str | None,
                 target_unit: str) -> tuple[float, str]:
    """A crude rate over a period -> the tonnage of the period in `target_unit`, with the factor named."""
    factor = crude_factor(country)
    per_year = convert_crude(value_kbd, "kb/d", "Mt/yr", country)  # Mt a year at the country's factor
    # the Energy Institute's convention: a year is 365 days; a month counts its own days
    years = 1.0 if frequency == "A" else period_days(start, end) / 365
    tonnes = convert(per_year * years, "Mt", target_unit)
    note = (f"{value_kbd:g} kb/d converted at {factor.barrels_per_tonne:g} barrels a tonne "
            f"(crude_conversion.yaml {factor.country}, {factor.basis.replace('_', ' ')})")
    return tonnes, note


def _months(start: date, end: date) -> list[str]:
    codes, year, month = [], start.year, start.month
    while (year, month) <= (end.year, end.month):
        codes.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return codes


def _parts(start: date, end: date, frequency: str) -> list[str] | None:
    """The monthly (or quarterly) period codes covering [start, end] exactly, or None if they cannot."""
    if start.day != 1 or end.day != calendar.monthrange(end.year, end.month)[1]:
        return None
    months = _months(start, end)
    if frequency == "M":
        return months
    if frequency == "Q" and start.month % 3 == 1 and end.month % 3 == 0:
        return [f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months[::3]]
    return None


def aggregate_to_periods(rows: list[dict], wanted: list[dict]) -> list[dict]:
    """Sums of monthly/quarterly official rows for each wanted period (dicts with period, frequency,
    period_start, period_end) that they cover completely; rows of non-additive units are never summed."""
    groups: dict[tuple, dict[str, dict]] = {}
    for row in rows:
        if row["basis"] != "official" or row["frequency"] not in ("M", "Q"):
            continue
        if get_unit(row["unit"]).dimension not in ADDITIVE:
            continue
        key = (row["metric"], row["kind"], row["ref"], row["source"], row["table"], row["country"],
               row["partner"], row["frequency"])
        groups.setdefault(key, {})[row["period"]] = row
    out, seen, asked = [], set(), set()
    for period in wanted:
        if period["period_start"] is None or period["frequency"] in ("M", "D", None):
            continue
        # each distinct period once: a registry states the same period thousands of times (claims x series)
        asked_key = (period["period"], period["frequency"], period["period_start"], period["period_end"])
        if asked_key in asked:
            continue
        asked.add(asked_key)
        for key, by_period in groups.items():
            parts = _parts(period["period_start"], period["period_end"], key[-1])
            if not parts or len(parts) < 2 or any(p not in by_period for p in parts):
                continue  # never a partial sum
            if (key, period["period"]) in seen:
                continue
            seen.add((key, period["period"]))
            members = [by_period[p] for p in parts]
            first = members[0]
            total = float(f"{sum(m['value'] for m in members):.12g}")
            conversions = sorted({m["conversion"] for m in members if m.get("conversion")})
            word = "months" if key[-1] == "M" else "quarters"
            out.append({
                **first, "period": period["period"], "frequency": period["frequency"],
                "period_start": period["period_start"], "period_end": period["period_end"],
                "value": total, "stated_value": total, "low": total, "high": total, "ref": first["ref"],
                "conversion": "; ".join([f"sum of {len(parts)} {word} {parts[0]}..{parts[-1]}", *conversions[:1]]),
                "snapshot_sha256": ",".join(sorted({s for m in members for s in m["snapshot_sha256"].split(",")})),
            })
    return out
