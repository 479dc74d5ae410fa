"""Country codes of the trade sources -> ISO 3166-1 alpha-3 (the code every curated table uses).

UN Comtrade names areas by their M49 numeric code (its API answers also give an ISO3 field, its bulk files do
not). M49 equals ISO 3166-1 numeric for current countries except a few areas Comtrade defines with their
dependencies (USA incl. Puerto Rico 842, France incl. Monaco 251, ...); those keep the ISO3 code Comtrade
itself gives them. "World" is 0 in Comtrade (ISO field W00) and G001 in IMF SDMX: both become WLD. Groups and
"areas not elsewhere specified" (EU 97, Other Asia nes 490 = S19, ...) have no ISO3 code and give None: the
row is quarantined with that reason rather than filed under an invented country.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pycountry

WORLD = "WLD"
# Comtrade's own codes for areas that include dependencies (ISO3 as in Comtrade's reference list)
COMTRADE_M49_OVERRIDES = {0: WORLD, 251: "FRA", 579: "NOR", 699: "IND", 757: "CHE", 842: "USA"}
# ISO3-like codes of the sources that stand for the world
WORLD_ALIASES = frozenset({"W00", "G001", "WLD"})
_ISO3 = re.compile(r"^[A-Z]{3}$")


@lru_cache(maxsize=1)
def _iso_numeric() -> dict[int, str]:
    return {int(c.numeric): c.alpha_3 for c in pycountry.countries}


def iso3_from_m49(code: object) -> str | None:
    """ISO3 of a Comtrade/M49 area code (int or its text), WLD for the world, None when there is none."""
    try:
        number = int(str(code).strip())
    except (TypeError, ValueError):
        return None
    if number in COMTRADE_M49_OVERRIDES:
        return COMTRADE_M49_OVERRIDES[number]
    return _iso_numeric().get(number)


def m49_from_iso3(iso3: str) -> int | None:
    """The Comtrade area code of an ISO3 country (for building API requests)."""
    iso3 = iso3.strip().upper()
    for number, code in COMTRADE_M49_OVERRIDES.items():
        if code == iso3:
            return number
    country = pycountry.countries.get(alpha_3=iso3)
    return int(country.numeric) if country else None


def normalise_iso3(code: object) -> str | None:
    """A source's ISO3-like field -> ISO3 (world aliases -> WLD); None for group codes such as S19 or EUR."""
    if code is None:
        return None
    text = str(code).strip().upper()
    if text in WORLD_ALIASES:
        return WORLD
    if not _ISO3.match(text) or pycountry.countries.get(alpha_3=text) is None:
        return None
    return text
