"""`eia`: U.S. EIA API v2, international data: crude oil production and exports of the corridor countries.

GET {base}/international/data/?api_key=KEY&frequency=annual|monthly&data[0]=value
    &facets[productId][]=57&facets[activityId][]=1&facets[activityId][]=4&facets[countryRegionId][]=KAZ...
    &facets[unit][]=TBPD&start=..&end=..&sort[0][column]=period&sort[0][direction]=asc&offset=N&length=5000
answers {"response": {"total": "123", "data": [...], "warnings": [...]}, "request": {...}}. The API returns at most
5,000 rows per call: pages are walked with `offset` until `total` (a string) is reached, and an "incomplete
return" warning (or any warning) is an error, never a silent truncation. Values arrive as strings; EIA's
markers for no value ('--', 'NA', '(s)', 'W', 'ie', 'NM', ..., empty, or any text carrying a dataFlagId) become
an empty value with the marker and EIA's flag as the note.

The key (EIA_API_KEY) is a query parameter: the HTTP layer redacts it from URLs and messages, and the API echoes
it in the body (request.params.api_key), so the stored body has it replaced by REDACTED, as the snapshot writer
does for every configured secret of every source (caspian_etl.core.redaction): the manifest marks the entry
`redacted` and its sha256 is of the stored bytes.

productId 57 = crude oil including lease condensate, activityId 1 = production (both seen in the real sample),
activityId 4 = exports (from EIA's facet list; not verified offline). Unit TBPD = thousand barrels per day.
"""

from __future__ import annotations

import math

import pandas as pd

from caspian_etl.core.errors import ConfigError, ParseError, SourceAPIError
from caspian_etl.core.settings import Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.base import FetchContext, ParseResult, Source
from caspian_etl.sources.parsing import code_list, finish_row, load_json, official_row, rows_of_entries

NAME = "eia"
KEY_ENV = "EIA_API_KEY"
COUNTRIES_ENV = "CASPIAN_ETL_EIA_COUNTRIES"
DEFAULT_BASE_URL = "https://api.eia.gov/v2"
ROUTE = "/international/data/"
DEFAULT_COUNTRIES = ("KAZ", "AZE", "TKM", "GEO", "TUR")
PRODUCTS = ("57",)
ACTIVITIES = ("1", "4")
UNITS = {"TBPD": "kb/d"}
PAGE_LENGTH = 5000  # the API's maximum rows per JSON answer
MAX_PAGES = 200
FIRST = {"annual": "1990", "monthly": "2010-01"}
# EIA's stand-ins for a value (its international data and Monthly Energy Review notes); compared case-blind.
# A stand-in is a row without a value that keeps EIA's flag as its note, never a quarantined "not a number".
NO_VALUE = {"--": "not applicable", "-": "not applicable", "NA": "not available", "(s)": "less than 0.5 of the unit",
            "W": "withheld to avoid disclosure of individual company data", "(D)": "withheld to avoid disclosure",
            "ie": "included elsewhere", "NM": "not meaningful", "(*)": "less than 0.05 of the unit",
            "*": "less than 0.5 of the unit", "Q": "withheld: relative standard error of 50% or more",
            "": "empty"}
_NO_VALUE = {k.casefold(): v for k, v in NO_VALUE.items()}


def countries(settings: Settings) -> tuple[str, ...]:
    return code_list(settings.eia_countries, DEFAULT_COUNTRIES)


def _params(frequency: str, start: str, end: str | None, offset: int,
            countries: tuple[str, ...]) -> list[tuple[str, str]]:
    params = [("frequency", frequency), ("data[0]", "value")]
    params += [("facets[productId][]", p) for p in PRODUCTS]
    params += [("facets[activityId][]", a) for a in ACTIVITIES]
    params += [("facets[countryRegionId][]", c) for c in countries]
    params += [("facets[unit][]", u) for u in UNITS]
    params += [("start", start)] + ([("end", end)] if end else [])
    params += [("sort[0][column]", "period"), ("sort[0][direction]", "asc"),
               ("offset", str(offset)), ("length", str(PAGE_LENGTH))]
    return params


def read_answer(data: bytes, *, name: str, url: str | None = None) -> tuple[int, list[dict]]:
    """One stored answer -> (total rows of the query, rows of this page). Errors and warnings raise."""
    doc = load_json(data, source=NAME, name=name, url=url)
    if not isinstance(doc, dict):
        raise ParseError(f"{name}: expected a JSON object, got {type(doc).__name__}", source=NAME, url=url)
    if "error" in doc:
        error = doc["error"]
        text = error.get("message") or error.get("code") if isinstance(error, dict) else error
        raise SourceAPIError(f"EIA API error in {name}: {text} (code {doc.get('code', '-')})", source=NAME, url=url)
    response = doc.get("response")
    if not isinstance(response, dict):
        raise ParseError(f"{name}: no 'response' object (keys {sorted(doc)})", source=NAME, url=url)
    warnings = (response.get("warnings") or []) + (doc.get("warnings") or [])
    if warnings:  # "incomplete return": the API cut the answer; never take part of a series as all of it
        text = "; ".join(f"{w.get('warning', '?')}: {w.get('description', '')}".strip() if isinstance(w, dict)
                         else str(w) for w in warnings)
        raise SourceAPIError(f"EIA API warning in {name}: {text}", source=NAME, url=url)
    try:
        total = int(str(response.get("total")))
    except ValueError:
        raise ParseError(f"{name}: response.total is {response.get('total')!r}, not a number",
                         source=NAME, url=url) from None
    rows = response.get("data")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ParseError(f"{name}: response.data is not a list of objects", source=NAME, url=url)
    return total, rows


def fetch(ctx: FetchContext) -> None:
    key = ctx.settings.secret(KEY_ENV)
    if not key:
        raise ConfigError(f"{KEY_ENV} is not set: the EIA API needs a (free) key, "
                          f"https://www.eia.gov/opendata/register.php", source=NAME)
    url = ctx.base_url + ROUTE
    for frequency in ("annual", "monthly"):
        if frequency == "annual":
            start = str(ctx.window.start.year) if ctx.window.start else FIRST["annual"]
            end = str(ctx.window.end.year) if ctx.window.end else None
        else:
            start = ctx.window.start.strftime("%Y-%m") if ctx.window.start else FIRST["monthly"]
            end = ctx.window.end.strftime("%Y-%m") if ctx.window.end else None
        offset, page = 0, 1
        while True:
            params = [("api_key", key), *_params(frequency, start, end, offset, countries(ctx.settings))]
            response = ctx.http.get(url, params=params)
            name = f"{frequency}_p{page}.json"
            # the writer stores the body with the key (which the API echoes) and its fragments redacted
            ctx.writer.add(name, response.body, url=response.url, status=response.status,
                           requested_at=response.requested_at, content_type=response.content_type)
            total, rows = read_answer(response.body, name=name, url=response.url)
            offset += len(rows)
            if not rows or offset >= total:
                break
            if page >= MAX_PAGES:
                raise ParseError(f"{frequency}: more than {MAX_PAGES} pages of {PAGE_LENGTH}; narrow --start/--end",
                                 source=NAME, url=response.url)
            page += 1


def _row(record: dict, entry: SnapshotEntry) -> dict:
    product, activity = record.get("productId"), record.get("activityId")
    unit_code = record.get("unit")
    raw_value = record.get("value")
    reasons, notes = [], []
    value = None
    text = "" if raw_value is None else str(raw_value).strip()
    flag_id, flag = record.get("dataFlagId"), record.get("dataFlagDescription")
    try:
        value = float(text) if text.casefold() not in _NO_VALUE else None
    except ValueError:
        value = None
        if flag_id is None and not flag:  # no marker EIA documents, and no flag explaining it: a bad value
            reasons.append(f"value {raw_value!r} is not a number")
    if value is not None and not math.isfinite(value):  # 'inf', '1e999', 'NaN' are no measurement
        reasons.append(f"value {raw_value!r} is not a finite number")
    if value is None and not reasons:  # a stand-in: no value, EIA's marker and flag kept as the note
        meaning = _NO_VALUE.get(text.casefold(), "no value")
        notes.append(f"EIA value {text!r}: {meaning}" + (f" (dataFlagId {flag_id})" if flag_id is not None else ""))
    if flag:
        notes.append(f"EIA flag: {flag}")
    keys = {"indicator": f"EIA.INTL.{product}.{activity}",
            "indicator_name": f"{record.get('productName', '?')}: {str(record.get('activityName', '?')).lower()} (EIA)",
            "country": record.get("countryRegionId"), "partner": "WLD" if str(activity) == "4" else None}
    row = official_row(NAME, entry, keys, {"value": value, "unit": UNITS.get(str(unit_code)), "kind": "observation"},
                       note="; ".join(notes) or None)
    if row["unit"] is None:
        reasons.append(f"unit {unit_code!r} ({record.get('unitName')!r}) has no entry in eia.UNITS")
    finish_row(row, str(record.get("period", "")), field="period", reasons=reasons, prefix=entry.name)
    return row


def parse(snapshot: Snapshot) -> ParseResult:
    rows = rows_of_entries(snapshot, lambda body, e: read_answer(body, name=e.name, url=e.url)[1], _row)
    return {"energy_indicators": pd.DataFrame(rows)}


SOURCE = Source(
    name=NAME,
    title="U.S. EIA international energy data (API v2): crude oil production and exports",
    producer="U.S. Energy Information Administration",
    licence="Public domain (U.S. Government work); cite EIA",
    homepage="https://www.eia.gov/opendata/",
    tables=("energy_indicators",),
    fetch=fetch,
    parse=parse,
    default_base_url=DEFAULT_BASE_URL,
    secret_env=(KEY_ENV,),
    supports_window=True,
    schedule="0 5 3 * *",  # international data update monthly: the 3rd of the month, 05:00 UTC
    description="Crude oil production and exports (kb/d), annual and monthly, for KAZ, AZE, TKM, GEO, TUR.",
)
