"""`worldbank`: World Bank Indicators API v2 (World Development Indicators) for the corridor countries.

GET {base}/country/KAZ;AZE;GEO;TUR/indicator/{code}?format=json&per_page=1000&date=1990:2026&page=N
answers [page-info, rows]; page-info says how many pages there are (`per_page` is a string in old answers).
Errors come back with HTTP 200 as [{"message": [{"id": "120", "key": "Invalid value", "value": ...}]}].
Missing observations are `"value": null` and stay null here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from caspian_etl.core.errors import ParseError, SourceAPIError
from caspian_etl.core.settings import Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.base import FetchContext, ParseResult, Source
from caspian_etl.sources.parsing import code_list, finish_row, load_json, official_row, rows_of_entries

NAME = "worldbank"
DEFAULT_BASE_URL = "https://api.worldbank.org/v2"
COUNTRIES_ENV = "CASPIAN_ETL_WORLDBANK_COUNTRIES"
DEFAULT_COUNTRIES = ("KAZ", "AZE", "GEO", "TUR")
PER_PAGE = 1000
FIRST_YEAR = 1990
MAX_PAGES = 200


@dataclass(frozen=True)
class Indicator:
    code: str
    table: str
    unit: str


# What a reader of the seed documents needs next to the claims: size and openness of the economies, their
# dependence on fuel exports, FDI, renewables, and container port traffic on the corridor.
INDICATORS: tuple[Indicator, ...] = (
    Indicator("NY.GDP.MKTP.CD", "macro_indicators", "USD"),  # GDP, current US$
    Indicator("NY.GDP.MKTP.KD.ZG", "macro_indicators", "%"),  # GDP growth, annual %
    Indicator("NY.GDP.PCAP.CD", "macro_indicators", "USD"),  # GDP per capita, current US$
    Indicator("NE.TRD.GNFS.ZS", "macro_indicators", "%"),  # trade, % of GDP
    Indicator("NE.EXP.GNFS.ZS", "macro_indicators", "%"),  # exports of goods and services, % of GDP
    Indicator("TX.VAL.MRCH.CD.WT", "macro_indicators", "USD"),  # merchandise exports, current US$
    Indicator("TM.VAL.MRCH.CD.WT", "macro_indicators", "USD"),  # merchandise imports, current US$
    Indicator("BX.KLT.DINV.CD.WD", "macro_indicators", "USD"),  # FDI, net inflows (BoP), current US$
    Indicator("SP.POP.TOTL", "macro_indicators", "persons"),  # population
    Indicator("TX.VAL.FUEL.ZS.UN", "energy_indicators", "%"),  # fuel exports, % of merchandise exports
    Indicator("EG.FEC.RNEW.ZS", "energy_indicators", "%"),  # renewables, % of final energy consumption
    Indicator("EG.ELC.RNEW.ZS", "energy_indicators", "%"),  # renewable electricity, % of output
    Indicator("IS.SHP.GOOD.TU", "corridor_indicators", "TEU"),  # container port traffic
    Indicator("PA.NUS.FCRF", "macro_indicators", "LCU per USD"),  # official exchange rate: manat claims in USD
)
_BY_CODE = {i.code: i for i in INDICATORS}
TABLES = ("macro_indicators", "energy_indicators", "corridor_indicators")

# Old (pre-v2) answers name countries by ISO2 only; enough of them to read the corridor's neighbourhood.
ISO2_TO_ISO3 = {"KZ": "KAZ", "AZ": "AZE", "GE": "GEO", "TR": "TUR", "CN": "CHN", "RU": "RUS", "UZ": "UZB",
                "TM": "TKM", "KG": "KGZ", "TJ": "TJK", "IR": "IRN", "AM": "ARM", "UA": "UKR", "MX": "MEX",
                "US": "USA", "DE": "DEU", "FR": "FRA"}


def countries(settings: Settings) -> tuple[str, ...]:
    return code_list(settings.worldbank_countries, DEFAULT_COUNTRIES)


def read_page(data: bytes, *, name: str, url: str | None = None) -> tuple[dict, list[dict]]:
    """One stored answer -> (page info, rows). Error documents and unexpected shapes raise typed errors."""
    doc = load_json(data, source=NAME, name=name, url=url)
    if isinstance(doc, list) and len(doc) == 1 and isinstance(doc[0], dict) and "message" in doc[0]:
        messages = doc[0]["message"] if isinstance(doc[0]["message"], list) else [doc[0]["message"]]
        text = "; ".join(f"{m.get('id', '?')} {m.get('key', '')}: {m.get('value', '')}".strip()
                         for m in messages if isinstance(m, dict))
        raise SourceAPIError(f"World Bank API error in {name}: {text or doc[0]['message']!r}", source=NAME, url=url)
    if not (isinstance(doc, list) and len(doc) == 2 and isinstance(doc[0], dict)):
        raise ParseError(f"{name}: expected [page-info, rows], got {type(doc).__name__} "
                         f"of length {len(doc) if isinstance(doc, list) else '-'}", source=NAME, url=url)
    info, rows = doc
    for field in ("page", "pages"):
        if field not in info:
            raise ParseError(f"{name}: page-info has no field {field!r} (got {sorted(info)})", source=NAME, url=url)
        try:
            info[field] = int(info[field])
        except (TypeError, ValueError):
            raise ParseError(f"{name}: page-info field {field!r} is {info[field]!r}, not a number",
                             source=NAME, url=url) from None
    if rows is None:  # no data for this query: the API sends null instead of []
        rows = []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ParseError(f"{name}: rows are not a list of objects", source=NAME, url=url)
    return info, rows


def fetch(ctx: FetchContext) -> None:
    window = ctx.window
    first = window.start.year if window.start else FIRST_YEAR
    last = window.end.year if window.end else date.today().year
    country_path = ";".join(countries(ctx.settings))
    for indicator in INDICATORS:
        url = f"{ctx.base_url}/country/{country_path}/indicator/{indicator.code}"
        page = 1
        while True:
            params = {"format": "json", "per_page": PER_PAGE, "date": f"{first}:{last}", "page": page}
            name = f"{indicator.code}_p{page}.json"
            info, _ = read_page(ctx.get(name, url, params=params), name=name, url=url)
            if page >= info["pages"]:
                break
            if page >= MAX_PAGES:
                raise ParseError(f"{indicator.code}: more than {MAX_PAGES} pages; narrow the date range",
                                 source=NAME, url=url)
            page += 1


def _row(record: dict, entry: SnapshotEntry) -> dict:
    indicator = record.get("indicator") or {}
    country = record.get("country") or {}
    code = indicator.get("id")
    iso3 = record.get("countryiso3code") or ISO2_TO_ISO3.get(str(country.get("id", "")).upper())
    spec = _BY_CODE.get(code)
    reasons = []
    keys = {"indicator": code, "indicator_name": indicator.get("value"), "country": iso3 or None, "partner": None}
    measures = {"value": record.get("value"), "unit": spec.unit if spec else None, "kind": "observation"}
    row = official_row(NAME, entry, keys, measures,
                       note=f"obs_status={record['obs_status']}" if record.get("obs_status") else None)
    if spec is None:
        reasons.append(f"indicator {code!r} is not one this source is configured for")
    if not iso3:
        reasons.append(f"country: no ISO3 code for {country.get('id')!r} ({country.get('value')!r})")
    finish_row(row, str(record.get("date", "")), field="date", reasons=reasons, prefix=entry.name)
    return row


def parse(snapshot: Snapshot) -> ParseResult:
    frame = pd.DataFrame(rows_of_entries(snapshot, lambda body, e: read_page(body, name=e.name, url=e.url)[1], _row))
    if frame.empty:
        return {t: pd.DataFrame() for t in TABLES}
    table_of = frame["indicator"].map(lambda c: _BY_CODE[c].table if c in _BY_CODE else "macro_indicators")
    return {t: frame[table_of == t].reset_index(drop=True) for t in TABLES}


SOURCE = Source(
    name=NAME,
    title="World Bank World Development Indicators (Indicators API v2)",
    producer="World Bank",
    licence="CC BY 4.0",
    homepage="https://datahelpdesk.worldbank.org/knowledgebase/articles/889392",
    tables=TABLES,
    fetch=fetch,
    parse=parse,
    default_base_url=DEFAULT_BASE_URL,
    supports_window=True,
    schedule="0 4 2 * *",  # WDI updates a few times a year: monthly is plenty (02 of the month, 04:00 UTC)
    description="GDP, trade openness, fuel-export share, FDI, renewables, port traffic and the official exchange "
                "rate for KAZ, AZE, GEO, TUR.",
)
