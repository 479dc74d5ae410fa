"""The units vocabulary (schemas/units.yaml) and the one place values change unit."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from caspian_etl.resources import schemas_dir


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
    raw = yaml.safe_load((schemas_dir() / "units.yaml").read_text(encoding="utf-8"))["units"]
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
