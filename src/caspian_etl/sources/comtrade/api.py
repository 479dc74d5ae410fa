"""`comtrade`: UN Comtrade goods trade (HS) between the corridor countries, from the API or from bulk files.

API (one JSON answer per request, stored as received):
    without COMTRADE_API_KEY   GET {base}/public/v1/preview/C/{A|M}/HS?...   (at most 500 rows an answer)
    with COMTRADE_API_KEY      GET {base}/data/v1/get/C/{A|M}/HS?...         (key in Ocp-Apim-Subscription-Key)
Answers are {"elapsedTime", "count", "data": [...], "error": ""}; "no data" is count 0 with HTTP 200 (an
empty result, not an error); a non-empty "error" is an error. An answer with as many rows as the request
allowed (maxRecords) is truncated data, not a result: the request is split (periods, then flows, partners,
commodities) until every answer is under the cap, or the fetch fails saying which request cannot be split.
The truncated answers stay in the snapshot as evidence and are never parsed (the parser applies the same rule).

Bulk: `caspian-etl ingest-file comtrade FILE.gz ...` snapshots downloaded bulk files (gzipped tab-separated,
the API's columns) and streams them into partition files (see caspian_etl.sources.comtrade.bulk).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date
from itertools import count
from urllib.parse import parse_qs, urlsplit

import pandas as pd

from caspian_etl.contracts.countries import iso3_from_m49, m49_from_iso3, normalise_iso3
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import ConfigError, ParseError, SourceAPIError
from caspian_etl.core.http import HttpPolicy
from caspian_etl.core.results import TableOutcome
from caspian_etl.core.settings import DataPaths, Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.base import FetchContext, ParseResult, ParseStep, Source, StandardCurate
from caspian_etl.sources.comtrade import bulk
from caspian_etl.sources.comtrade.codes import (
    NAME,
    NO_QUANTITY_UNITS,
    TABLE,
    TOTALS,
    is_total,
    period_text,
    quantity_unit,
)
from caspian_etl.sources.parsing import fill_period, load_json, official_row, row_reason, rows_of_entries

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://comtradeapi.un.org"
KEY_ENV = "COMTRADE_API_KEY"
KEY_HEADER = "Ocp-Apim-Subscription-Key"
REPORTERS_ENV = "CASPIAN_ETL_COMTRADE_REPORTERS"
PARTNERS_ENV = "CASPIAN_ETL_COMTRADE_PARTNERS"
FREQUENCIES_ENV = "CASPIAN_ETL_COMTRADE_FREQUENCIES"
PREVIEW_PATH = "/public/v1/preview/C/{freq}/HS"
DATA_PATH = "/data/v1/get/C/{freq}/HS"
PREVIEW_CAP = 500  # rows the public preview returns at most
DATA_CAP = 100_000  # rows asked for per keyed request (the free tier's limit per call)
MAX_PERIODS = 12  # periods per request; more are split before asking
FIRST_YEAR = 2010
DEFAULT_REPORTERS = ("KAZ", "AZE")
DEFAULT_WORLD_REPORTERS = (398, 31)  # KAZ and AZE (M49): the reporters whose claims name world totals
FLOWS = ("X", "M")

# TOTAL, every HS chapter (77 is reserved in HS), and the headings the seed documents name: wheat 1001,
# crude oil 2709, petroleum products 2710, tubes and pipes 7304-7306, aluminium bars 7604. Non-ferrous
# metals (ch. 74-81), vegetables (07) and fruit (08) are chapters of the list.
CHAPTERS = tuple(f"{c:02d}" for c in range(1, 98) if c != 77)
HEADINGS = ("1001", "2709", "2710", "7304", "7305", "7306", "7604")
COMMODITIES = ("TOTAL", *CHAPTERS, *HEADINGS)
# Against the world (partner 0): only what the claims measure -- cereals (10), wheat (1001), mineral fuels (27)
# and crude oil (2709), so "8.1 Mt of grain exports" or a marketing-year total can be checked.
WORLD = 0
WORLD_COMMODITIES = ("10", "1001", "27", "2709")


def _codes(raw: str, what: str) -> tuple[int, ...]:
    """'398,31' or 'KAZ;AZE' -> M49 codes."""
    out = []
    for token in raw.replace(";", ",").split(","):
        token = token.strip()
        if not token:
            continue
        number = int(token) if token.isdigit() else m49_from_iso3(token)
        if number is None:
            raise ConfigError(f"{what}: {token!r} is neither an M49 code nor a known ISO3 code", source=NAME)
        out.append(number)
    return tuple(dict.fromkeys(out))


def reporters(settings: Settings) -> tuple[int, ...]:
    return _codes(settings.comtrade_reporters or ",".join(DEFAULT_REPORTERS), REPORTERS_ENV)


def partners(settings: Settings) -> tuple[int, ...]:
    raw = settings.comtrade_partners
    return _codes(raw, PARTNERS_ENV) if raw else reporters(settings)


def frequencies(settings: Settings) -> tuple[str, ...]:
    raw = "A,M" if settings.comtrade_frequencies is None else settings.comtrade_frequencies
    freqs = tuple(f.strip().upper() for f in raw.split(",") if f.strip())
    bad = [f for f in freqs if f not in ("A", "M")]
    if bad or not freqs:
        raise ConfigError(f"{FREQUENCIES_ENV}={raw!r}: use A, M or A,M", source=NAME)
    return freqs


@dataclass(frozen=True)
class Query:
    """One Comtrade request: a reporter, its partners, periods, flows and commodities for one frequency."""

    freq: str
    reporter: int
    partners: tuple[int, ...]
    periods: tuple[str, ...]
    flows: tuple[str, ...] = FLOWS
    commodities: tuple[str, ...] = COMMODITIES

    def params(self, cap: int) -> dict[str, str]:
        return {
            "reporterCode": str(self.reporter), "partnerCode": ",".join(map(str, self.partners)),
            "period": ",".join(self.periods), "cmdCode": ",".join(self.commodities),
            "flowCode": ",".join(self.flows), "partner2Code": "0", "customsCode": "C00", "motCode": "0",
            "maxRecords": str(cap), "includeDesc": "true",
        }

    def split(self) -> tuple[Query, Query] | None:
        """Two smaller requests covering this one (by periods, then flows, partners, commodities)."""
        for field in ("periods", "flows", "partners", "commodities"):
            values = getattr(self, field)
            if len(values) > 1:
                half = len(values) // 2
                return replace(self, **{field: values[:half]}), replace(self, **{field: values[half:]})
        return None

    def describe(self) -> str:
        return (f"reporter {self.reporter}, partners {','.join(map(str, self.partners))}, periods "
                f"{self.periods[0]}..{self.periods[-1]}, flows {','.join(self.flows)}, "
                f"{len(self.commodities)} commodity code(s) from {self.commodities[0]}")


def _periods(freq: str, start: date, end: date) -> list[str]:
    if freq == "A":
        return [str(y) for y in range(start.year, end.year + 1)]
    months, y, m = [], start.year, start.month
    while (y, m) <= (end.year, end.month):
        months.append(f"{y}{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def default_range(freq: str, today: date) -> tuple[date, date]:
    """Annual: FIRST_YEAR to last year. Monthly: January of last year to last month."""
    last_month = date(today.year - 1, 12, 1) if today.month == 1 else date(today.year, today.month - 1, 1)
    if freq == "A":
        return date(FIRST_YEAR, 1, 1), date(today.year - 1, 12, 31)
    return date(today.year - 1, 1, 1), last_month


def initial_queries(window_start: date | None, window_end: date | None, settings: Settings,
                    today: date | None = None) -> list[Query]:
    today = today or date.today()
    queries = []
    for freq in frequencies(settings):
        start, end = default_range(freq, today)
        periods = _periods(freq, window_start or start, window_end or end)
        for reporter in reporters(settings):
            others = tuple(p for p in partners(settings) if p != reporter)
            if not others:
                continue
            for i in range(0, len(periods), MAX_PERIODS):
                queries.append(Query(freq, reporter, others, tuple(periods[i:i + MAX_PERIODS]), FLOWS, COMMODITIES))
            # a configured partner list says exactly whom to ask; by default KAZ and AZE also face the world
            if reporter in DEFAULT_WORLD_REPORTERS and not settings.comtrade_partners:
                for i in range(0, len(periods), MAX_PERIODS):
                    queries.append(Query(freq, reporter, (WORLD,), tuple(periods[i:i + MAX_PERIODS]), FLOWS,
                                         WORLD_COMMODITIES))
    return queries


@dataclass(frozen=True)
class Answer:
    count: int
    rows: list[dict]


def read_answer(data: bytes, *, name: str, url: str | None = None) -> Answer:
    """One stored answer -> its rows; error documents and unexpected shapes raise typed errors."""
    doc = load_json(data, source=NAME, name=name, url=url)
    if not isinstance(doc, dict):
        raise ParseError(f"{name}: expected an object with count/data/error, got {type(doc).__name__}",
                         source=NAME, url=url)
    if doc.get("error"):
        raise SourceAPIError(f"Comtrade API error in {name}: {doc['error']!r}", source=NAME, url=url)
    if "data" not in doc and ("message" in doc or "statusCode" in doc):  # the API gateway's own error shape
        raise SourceAPIError(f"Comtrade API error in {name}: {doc.get('statusCode', '')} {doc.get('message', '')}"
                             .rstrip(), source=NAME, url=url)
    rows = doc.get("data")
    if rows is None:
        rows = []
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ParseError(f"{name}: field 'data' is not a list of objects", source=NAME, url=url)
    raw_count = doc.get("count", len(rows))
    try:
        n = int(raw_count)
    except (TypeError, ValueError):
        raise ParseError(f"{name}: field 'count' is {raw_count!r}, not a number", source=NAME, url=url) from None
    return Answer(count=max(n, len(rows)), rows=rows)


def requested_cap(url: str) -> int | None:
    """maxRecords of a stored request URL (None when the URL does not say)."""
    values = parse_qs(urlsplit(url).query).get("maxRecords")
    try:
        return int(values[0]) if values else None
    except ValueError:
        return None


def is_truncated(answer: Answer, cap: int | None) -> bool:
    return cap is not None and answer.count >= cap


def fetch(ctx: FetchContext) -> None:
    key = ctx.settings.secret(KEY_ENV)
    path, cap = (DATA_PATH, DATA_CAP) if key else (PREVIEW_PATH, PREVIEW_CAP)
    headers = {KEY_HEADER: key} if key else None
    numbers = count(1)
    for query in initial_queries(ctx.window.start, ctx.window.end, ctx.settings):
        pending = [query]
        while pending:  # depth first, so the order of requests (and names) is the same on every run
            q = pending.pop(0)
            url = ctx.base_url + path.format(freq=q.freq)
            name = f"{q.freq}_{q.reporter}_{next(numbers):04d}.json"
            answer = read_answer(ctx.get(name, url, params=q.params(cap), headers=headers), name=name, url=url)
            if not is_truncated(answer, cap):
                continue
            parts = q.split()
            if parts is None:
                raise SourceAPIError(f"{name}: {answer.count} rows is the {cap}-row cap and the request "
                                     f"({q.describe()}) cannot be split further", source=NAME, url=url)
            pending[:0] = parts


def period_of(freq: object, period: object) -> str:
    """Comtrade period (2023 annual, 202303 monthly) -> the project's period text."""
    return period_text(period) if str(freq) == "M" else str(period).strip()


def _number(value: object) -> float | None:
    if value is None or value == "":
        return None
    return float(value)  # type: ignore[arg-type]


def _row(record: dict, entry: SnapshotEntry) -> dict:
    reasons = []
    reporter = normalise_iso3(record.get("reporterISO")) or iso3_from_m49(record.get("reporterCode"))
    partner = normalise_iso3(record.get("partnerISO")) or iso3_from_m49(record.get("partnerCode"))
    if reporter is None:
        reasons.append(f"reporter: no ISO3 code for {record.get('reporterCode')!r} ({record.get('reporterISO')!r})")
    if partner is None:
        reasons.append(f"partner: no ISO3 code for {record.get('partnerCode')!r} ({record.get('partnerISO')!r})")
    breakdown = {k: record.get(k) for k in TOTALS if not is_total(k, record.get(k))}
    if breakdown:
        reasons.append(f"a breakdown row ({breakdown}); trade_flows keeps totals only")
    unit_code = str(record.get("qtyUnitCode", "-1"))
    unit = record.get("qtyUnitAbbr") or quantity_unit(unit_code)
    no_quantity = unit_code in NO_QUANTITY_UNITS
    row = official_row(NAME, entry, {"reporter": reporter, "partner": partner, "flow": record.get("flowCode")},
                       {"classification": record.get("classificationCode"), "commodity_code": record.get("cmdCode"),
                        "commodity_desc": record.get("cmdDesc"), "value_usd": None, "net_weight_kg": None,
                        "quantity": None, "quantity_unit": None if no_quantity or unit == "N/A" else unit})
    try:
        row["value_usd"] = _number(record.get("primaryValue"))
        row["net_weight_kg"] = _number(record.get("netWgt"))
        row["quantity"] = None if no_quantity else _number(record.get("qty"))
    except (TypeError, ValueError) as exc:
        reasons.append(f"a number field is not numeric ({exc})")
    period = fill_period(row, period_of(record.get("freqCode"), record.get("period")), field="period",
                         reasons=reasons)
    if period is not None and period.frequency != record.get("freqCode"):
        reasons.append(f"freqCode {record.get('freqCode')!r} does not match period {record.get('period')!r}")
    row[REASON_COLUMN] = row_reason(entry.name, reasons)
    return row


def parse(snapshot: Snapshot) -> ParseResult:
    def records(body: bytes, entry: SnapshotEntry) -> list[dict]:
        answer = read_answer(body, name=entry.name, url=entry.url)
        # a truncated answer is superseded by the split requests that follow it
        return [] if is_truncated(answer, requested_cap(entry.url)) else answer.rows

    return {TABLE: pd.DataFrame(rows_of_entries(snapshot, records, _row))}


def _api_parse_without(reporter_years: set[tuple[str, int]]) -> ParseStep:
    """parse(), leaving out the reporter-years that bulk files own (their partition files hold them)."""
    def parse_api(snapshot: Snapshot) -> ParseResult:
        frame = parse(snapshot)[TABLE]
        if frame.empty or not reporter_years:
            return {TABLE: frame}
        years = pd.to_datetime(frame["period_start"], errors="coerce").dt.year
        owned = pd.Series([pd.notna(y) and (r, int(y)) in reporter_years
                           for r, y in zip(frame["reporter"], years, strict=True)], index=frame.index)
        if owned.any():
            log.info("%s: %d API rows left out: their reporter-years are loaded from bulk files "
                     "(comtrade__<reporter>-<year>.parquet)", NAME, int(owned.sum()))
        return {TABLE: frame[~owned].reset_index(drop=True)}
    return parse_api


def curate(source: Source, snapshot: Snapshot, paths: DataPaths, standard: StandardCurate) -> list[TableOutcome]:
    """Bulk snapshots stream into partition files; API snapshots take the standard parse/validate/write path,
    without the reporter-years that bulk partition files own."""
    if bulk.is_bulk_snapshot(snapshot):
        return bulk.curate_bulk(source, snapshot, paths)
    return standard(_api_parse_without(bulk.bulk_reporter_years(paths)))


SOURCE = Source(
    name=NAME,
    title="UN Comtrade (goods trade by HS commodity)",
    producer="United Nations Statistics Division (UN Comtrade)",
    licence="UN Comtrade terms of use (https://comtradeplus.un.org/)",
    homepage="https://comtradeplus.un.org/",
    tables=(TABLE,),
    fetch=fetch,
    parse=parse,
    default_base_url=DEFAULT_BASE_URL,
    secret_env=(KEY_ENV,),
    http_policy=HttpPolicy(read_timeout=120.0, min_interval=1.0),
    description="KZ and AZ (and other configured reporters) trade with each other by HS chapter and heading, "
                "annual and monthly; bulk files via ingest-file.",
    accepts_files=True,
    curate=curate,
    supports_window=True,
    schedule="0 6 5 * *",  # reporters publish monthly with lags: the 5th of the month, 06:00 UTC
)
