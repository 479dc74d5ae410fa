"""`imf_imts`: IMF International Merchandise Trade Statistics (IMTS, formerly DOTS) over the SDMX 3.0 API.

GET {base}/data/dataflow/IMF.STA/IMTS/+/{COUNTRY}.{INDICATOR}.{COUNTERPART_COUNTRY}.{FREQUENCY}
    ?c[TIME_PERIOD]=ge:{start}+le:{end}&dimensionAtObservation=TIME_PERIOD&detail=full&includeHistory=false
(Accept: application/xml) answers SDMX-ML 3.0 StructureSpecificData: <Series COUNTRY INDICATOR
COUNTERPART_COUNTRY FREQUENCY SCALE> holding <Obs TIME_PERIOD OBS_VALUE>. Indicators used: XG_FOB_USD
(goods exports, FOB) and MG_CIF_USD (goods imports, CIF). Periods come as 2024, 2024-Q1 and 2024-M01.

The SCALE trap: IMTS series carry SCALE="6" but OBS_VALUE is already in US dollars (the recorded answer gives
USA exports to the world in 2023 as 2019551635133, i.e. about 2.02 trillion dollars). Values are taken as
they are; multiplying by 10^SCALE would inflate them a million times.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import date
from itertools import permutations
from urllib.parse import quote

import pandas as pd

from caspian_etl.contracts.countries import normalise_iso3
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import ConfigError, FetchError, ParseError, SourceAPIError
from caspian_etl.core.settings import Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.base import FetchContext, ParseResult, Source
from caspian_etl.sources.parsing import code_list, fill_period, official_row, row_reason, rows_of_entries

NAME = "imf_imts"
TABLE = "trade_flows"
DEFAULT_BASE_URL = "https://api.imf.org/external/sdmx/3.0"
DATAFLOW = "IMF.STA/IMTS/+"  # agency / dataflow / version (+ = latest stable)
COUNTRIES_ENV = "CASPIAN_ETL_IMF_IMTS_COUNTRIES"
DEFAULT_COUNTRIES = ("KAZ", "AZE")
FIRST_YEAR = 2000
# indicator -> (flow, description) ; TBG_USD (the trade balance) is not a flow and is not asked for
INDICATORS = {"XG_FOB_USD": ("X", "Goods, value of exports, FOB, US dollars"),
              "MG_CIF_USD": ("M", "Goods, value of imports, CIF, US dollars")}
FREQUENCIES = ("A", "Q", "M")


def countries(settings: Settings) -> tuple[str, ...]:
    codes = code_list(settings.imf_imts_countries, DEFAULT_COUNTRIES, separators=",;")
    bad = [c for c in codes if normalise_iso3(c) is None]
    if bad or len(codes) < 2:
        raise ConfigError(f"{COUNTRIES_ENV}: need two or more ISO3 country codes (bad: {bad})", source=NAME)
    return codes


def series_key(country: str, counterpart: str) -> str:
    """The SDMX key in the dataflow's dimension order COUNTRY.INDICATOR.COUNTERPART_COUNTRY.FREQUENCY."""
    return f"{country}.{'+'.join(INDICATORS)}.{counterpart}.{'+'.join(FREQUENCIES)}"


def data_url(base: str, country: str, counterpart: str, start: date, end: date) -> str:
    # built by hand: the '+' between the two time conditions must reach the server as '+', not %2B
    time_filter = f"{quote('c[TIME_PERIOD]')}=ge:{start.isoformat()}+le:{end.isoformat()}"
    return (f"{base}/data/dataflow/{DATAFLOW}/{series_key(country, counterpart)}?{time_filter}"
            f"&dimensionAtObservation=TIME_PERIOD&detail=full&includeHistory=false")


def fetch(ctx: FetchContext) -> None:
    start = ctx.window.start or date(FIRST_YEAR, 1, 1)
    end = ctx.window.end or date.today()
    for country, counterpart in permutations(countries(ctx.settings), 2):
        url = data_url(ctx.base_url, country, counterpart, start, end)
        try:
            read_series(ctx.get(f"{country}_{counterpart}.xml", url, headers={"Accept": "application/xml"}),
                        name=f"{country}_{counterpart}.xml", url=url)
        except FetchError as exc:
            if exc.status != 404:  # SDMX answers 404 "no results" for a key without data: an empty result
                raise


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def read_series(data: bytes, *, name: str, url: str | None = None) -> list[tuple[dict[str, str], list[dict[str, str]]]]:
    """SDMX-ML StructureSpecificData -> [(series attributes, [observation attributes])].

    Both layouts are read: observations grouped in <Series> (dimensionAtObservation=TIME_PERIOD, as requested)
    and flat <Obs> carrying every key (AllDimensions), each then its own one-observation series."""
    try:
        root = ET.fromstring(data)
    except (ET.ParseError, LookupError, ValueError) as exc:  # LookupError: an unknown declared encoding
        start = data[:60].decode("utf-8", "replace")
        raise ParseError(f"{name}: answer is not XML ({exc}; starts {start!r})", source=NAME, url=url) from None
    if _local(root.tag) == "Error" or any(_local(e.tag) == "ErrorMessage" for e in root.iter()):
        text = " ".join(t.strip() for e in root.iter() if _local(e.tag) == "Text" and (t := e.text) and t.strip())
        raise SourceAPIError(f"IMF SDMX error in {name}: {text or 'no message'}", source=NAME, url=url)
    if not _local(root.tag).endswith("Data"):
        raise ParseError(f"{name}: expected an SDMX data message, got <{_local(root.tag)}>", source=NAME, url=url)
    layout = next((e.get("dimensionAtObservation") for e in root.iter() if _local(e.tag) == "Structure"
                   and e.get("dimensionAtObservation")), None)
    if layout not in (None, "TIME_PERIOD", "AllDimensions"):
        raise ParseError(f"{name}: the answer is organised by {layout!r}, not by TIME_PERIOD as requested "
                         f"(dimensionAtObservation)", source=NAME, url=url)
    found: list[tuple[dict[str, str], list[dict[str, str]]]] = []
    datasets = [e for e in root.iter() if _local(e.tag) == "DataSet"]
    if not datasets:
        raise ParseError(f"{name}: an SDMX data message without a DataSet", source=NAME, url=url)
    for dataset in datasets:
        children = [c for c in dataset if _local(c.tag) not in ("Annotations", "Group", "Attributes")]
        for child in children:
            if _local(child.tag) == "Series":
                found.append((dict(child.attrib), [dict(o.attrib) for o in child if _local(o.tag) == "Obs"]))
            elif _local(child.tag) == "Obs":  # flat (AllDimensions): every key is on the observation itself
                found.append((dict(child.attrib), [dict(child.attrib)]))
            else:
                raise ParseError(f"{name}: unexpected <{_local(child.tag)}> in a DataSet (expected <Series> or "
                                 f"<Obs>)", source=NAME, url=url)
    return found


REQUESTED_DIMENSIONS = ("COUNTRY", "INDICATOR", "TIME_PERIOD")


def check_structure(found: list[tuple[dict[str, str], list[dict[str, str]]]], *, name: str,
                    url: str | None = None) -> None:
    """Every observation must carry the dimensions this source asked for (series and observation keys
    together); an answer of another structure is an error, never rows of nothing."""
    for series, observations in found:
        for obs in observations:
            missing = [d for d in REQUESTED_DIMENSIONS if d not in series and d not in obs]
            if missing:
                keys = sorted({*series, *obs})
                raise ParseError(f"{name}: not the IMTS structure requested: an observation has no {missing} "
                                 f"(its keys: {keys})", source=NAME, url=url)


def _row(series: dict[str, str], obs: dict[str, str], entry: SnapshotEntry) -> dict:
    reasons = []
    indicator = series.get("INDICATOR", "")
    flow, desc = INDICATORS.get(indicator, (None, None))
    if flow is None:
        reasons.append(f"INDICATOR {indicator!r} is not a goods exports/imports value in US dollars")
    reporter = normalise_iso3(series.get("COUNTRY"))
    partner = normalise_iso3(series.get("COUNTERPART_COUNTRY"))
    if reporter is None:
        reasons.append(f"COUNTRY {series.get('COUNTRY')!r} is not an ISO3 country")
    if partner is None and series.get("COUNTERPART_COUNTRY") is None:
        reasons.append("COUNTERPART_COUNTRY is missing (not a bilateral series)")
    elif partner is None:
        reasons.append(f"COUNTERPART_COUNTRY {series.get('COUNTERPART_COUNTRY')!r} is not an ISO3 country "
                       f"(a country group)")
    raw_value = obs.get("OBS_VALUE")
    value = None
    if raw_value not in (None, "", "NaN"):
        try:
            value = float(raw_value)  # already US dollars: SCALE is not applied (see the module docstring)
        except ValueError:
            reasons.append(f"OBS_VALUE {raw_value!r} is not a number")
    row = official_row(NAME, entry, {"reporter": reporter, "partner": partner, "flow": flow},
                       {"classification": "TOTAL", "commodity_code": "TOTAL", "commodity_desc": desc,
                        "value_usd": value, "net_weight_kg": None, "quantity": None, "quantity_unit": None})
    period = fill_period(row, obs.get("TIME_PERIOD", ""), field="TIME_PERIOD", reasons=reasons)
    if period is not None and series.get("FREQUENCY") and series["FREQUENCY"] != period.frequency:
        reasons.append(f"FREQUENCY {series['FREQUENCY']!r} does not match TIME_PERIOD {obs.get('TIME_PERIOD')!r}")
    row[REASON_COLUMN] = row_reason(entry.name, reasons)
    return row


def parse(snapshot: Snapshot) -> ParseResult:
    def observations(body: bytes, entry: SnapshotEntry) -> Iterator[tuple[dict, dict]]:
        found = read_series(body, name=entry.name, url=entry.url)
        check_structure(found, name=entry.name, url=entry.url)
        return ((series, obs) for series, observations in found for obs in observations)

    rows = rows_of_entries(snapshot, observations, lambda found, entry: _row(*found, entry))
    return {TABLE: pd.DataFrame(rows)}


SOURCE = Source(
    name=NAME,
    title="IMF International Merchandise Trade Statistics (IMTS), SDMX 3.0",
    producer="International Monetary Fund, Statistics Department",
    licence="IMF terms of use (https://www.imf.org/external/terms.htm)",
    homepage="https://data.imf.org/en/datasets/IMF.STA:IMTS",
    tables=(TABLE,),
    fetch=fetch,
    parse=parse,
    default_base_url=DEFAULT_BASE_URL,
    supports_window=True,
    schedule="0 6 6 * *",  # IMTS updates monthly: the 6th of the month, 06:00 UTC
    description="KAZ<->AZE goods exports (FOB) and imports (CIF), annual, quarterly and monthly, in US dollars.",
)
