"""The units vocabulary (schemas/units.yaml) and the one place values change unit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from caspian_etl.core.resources import read_schema_yaml


class UnitError(ValueError):
    """Unknown unit, or a conversion between units of different dimensions."""


@dataclass(frozen=True)
class Unit:
    name: str
    dimension: str
    factor: float  # multiply a value in this unit by factor to get the dimension's base unit
    description: str


@lru_cache(maxsize=1)
def units() -> dict[str, Unit]:
    raw = read_schema_yaml("units.yaml")["units"]
    return {name: Unit(name, spec["dimension"], float(spec["factor"]), spec.get("description", ""))
            for name, spec in raw.items()}


def get_unit(name: str) -> Unit:
    try:
        return units()[name]
    except KeyError:
        raise UnitError(f"unknown unit {name!r}; allowed units are the keys of schemas/units.yaml") from None


def conversion_factor(from_unit: str, to_unit: str) -> float:
    """The number to multiply a value in `from_unit` by to express it in `to_unit`."""
    a, b = get_unit(from_unit), get_unit(to_unit)
    if a.dimension != b.dimension:
        raise UnitError(f"cannot convert {from_unit!r} ({a.dimension}) to {to_unit!r} ({b.dimension})")
    return a.factor / b.factor


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert, rounding to 12 significant digits so 29.47 Mt becomes 29470000 t, not 29470000.000000004."""
    return float(f"{value * conversion_factor(from_unit, to_unit):.12g}")


# ---- crude oil: mass rate <-> volume rate, through a barrels-per-tonne factor per country -------------------------

CRUDE_MASS_RATE, CRUDE_VOLUME_RATE = "mass_rate", "oil_rate"
CRUDE_FALLBACK = "WLD"


@dataclass(frozen=True)
class CrudeFactor:
    country: str
    barrels_per_tonne: float
    basis: str  # world_average, or country (a factor measured for that country's crude)
    source: str


@lru_cache(maxsize=1)
def _crude_table() -> tuple[float, dict[str, CrudeFactor]]:
    raw = read_schema_yaml("crude_conversion.yaml")
    factors = {code: CrudeFactor(code, float(spec["barrels_per_tonne"]), spec["basis"], spec["source"])
               for code, spec in raw["factors"].items()}
    return float(raw["days_per_year"]), factors


def crude_factor(country: str | None) -> CrudeFactor:
    """The barrels-per-tonne factor for a country's crude (ISO3); the world average for a country not listed."""
    _, factors = _crude_table()
    return factors.get((country or CRUDE_FALLBACK).upper(), factors[CRUDE_FALLBACK])


def convert_crude(value: float, from_unit: str, to_unit: str, country: str | None = None) -> float:
    """Convert a crude oil quantity between units, across mass rate (Mt/yr, kt/yr, t/yr) and volume rate
    (kb/d, b/d, Mb/d) with the country's barrels per tonne (schemas/crude_conversion.yaml).

    Within one dimension this is `convert`. Only rates convert: a stock (Mt in a period) has no daily rate until
    the period's length is known, so Mt -> kb/d is refused."""
    a, b = get_unit(from_unit), get_unit(to_unit)
    if a.dimension == b.dimension:
        return convert(value, from_unit, to_unit)
    dims = {a.dimension, b.dimension}
    if dims != {CRUDE_MASS_RATE, CRUDE_VOLUME_RATE}:
        raise UnitError(f"crude conversion joins a mass rate (Mt/yr, kt/yr, t/yr) and a volume rate (kb/d, b/d, "
                        f"Mb/d); not {from_unit!r} ({a.dimension}) and {to_unit!r} ({b.dimension})")
    days, _ = _crude_table()
    per_tonne = crude_factor(country).barrels_per_tonne
    base = value * a.factor  # t/yr or kb/d
    if a.dimension == CRUDE_MASS_RATE:
        result = base * per_tonne / days / 1e3  # t/yr -> barrels/yr -> b/d -> kb/d
    else:
        result = base * 1e3 * days / per_tonne  # kb/d -> b/d -> barrels/yr -> t/yr
    return float(f"{result / b.factor:.12g}")
