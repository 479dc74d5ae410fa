"""`energy_institute`: Energy Institute Statistical Review of World Energy, consolidated dataset.

Two layouts of the same data are read: the *panel* CSV (one row per country and year, one column per variable:
Country, Year, ISO3166_alpha3, ISO3166_numeric, Region, SubRegion, OPEC, EU, OECD, CIS, oilprod_kbd, ...) and the
*narrow* CSV (Country, Year, ISO3166_alpha3, ..., Var, Value). Aggregates (regions, 'Total World') have no ISO3
code and are left out. The site blocks bots, so besides `fetch` (the download URL of the 2023 edition, seen in
public code; CASPIAN_ETL_ENERGY_INSTITUTE_BASE_URL moves it) a downloaded file is taken with
`caspian-etl ingest-file energy_institute PATH`; either way it becomes a snapshot with its sha256.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from functools import partial

import pandas as pd

from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import FetchError, ParseError
from caspian_etl.core.results import TableOutcome
from caspian_etl.core.settings import DataPaths, Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.base import FetchContext, ParseResult, Source, StandardCurate
from caspian_etl.sources.parsing import code_list, fill_period, official_row, rows_of_entries

NAME = "energy_institute"
DEFAULT_BASE_URL = "https://www.energyinst.org"
PANEL_PATH = ("/__data/assets/excel_doc/0007/1055545/"
              "Statistical-Review-of-World-Energy-Consolidated-Dataset-panel-format.csv")
COUNTRIES_ENV = "CASPIAN_ETL_ENERGY_INSTITUTE_COUNTRIES"
DEFAULT_COUNTRIES = ("KAZ", "AZE", "TKM", "GEO", "TUR")
ID_COLUMNS = ("Country", "Year", "ISO3166_alpha3")

# variable -> (indicator name, unit); only these are curated (the file has ~100 variables)
VARIABLES: dict[str, tuple[str, str]] = {
    "oilprod_kbd": ("Oil production (crude, shale oil, oil sands, NGLs), Energy Institute", "kb/d"),
    "oilprod_mt": ("Oil production (crude, shale oil, oil sands, NGLs), Energy Institute", "Mt"),
    "oilcons_kbd": ("Oil consumption, Energy Institute", "kb/d"),
    "elect_twh": ("Electricity generation, Energy Institute", "TWh"),
    "ren_power_twh": ("Electricity generation from renewables, Energy Institute", "TWh"),
}


def countries(settings: Settings) -> tuple[str, ...]:
    return code_list(settings.energy_institute_countries, DEFAULT_COUNTRIES)


def fetch(ctx: FetchContext) -> None:
    url = ctx.base_url + PANEL_PATH
    try:
        ctx.get("panel.csv", url)
    except FetchError as exc:
        if exc.status in (401, 403, 429):
            raise FetchError(f"{exc} -- the site blocks automated downloads: download the panel CSV in a browser "
                             f"and run `caspian-etl ingest-file {NAME} PATH`", status=exc.status) from None
        raise


def _records(data: bytes, name: str, url: str | None) -> list[tuple[dict, str, str]]:
    """(row, variable, raw value) for every variable we curate, in either layout."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{name} is not UTF-8 (byte {exc.start})", source=NAME, url=url) from None
    try:
        return _read_rows(csv.DictReader(io.StringIO(text, newline="")), name, url)
    except csv.Error as exc:
        raise ParseError(f"{name} is not a readable CSV ({exc})", source=NAME, url=url) from None


def _read_rows(reader: csv.DictReader, name: str, url: str | None) -> list[tuple[dict, str, str]]:
    header = reader.fieldnames or []
    missing = [c for c in ID_COLUMNS if c not in header]
    if missing:
        raise ParseError(f"{name}: not a Statistical Review consolidated CSV: columns {missing} missing "
                         f"(header starts {header[:6]})", source=NAME, url=url)
    narrow = "Var" in header and "Value" in header
    if not narrow and not any(v in header for v in VARIABLES):
        raise ParseError(f"{name}: none of the variables {sorted(VARIABLES)} is a column", source=NAME, url=url)
    out = []
    for row in reader:
        if narrow:
            if row["Var"] in VARIABLES:
                out.append((row, row["Var"], row["Value"]))
        else:
            out.extend((row, var, row[var]) for var in VARIABLES if var in row)
    return out


def _row(record: dict, variable: str, raw: str | None, line_country: str, entry: SnapshotEntry) -> dict:
    name, unit = VARIABLES[variable]
    reasons = []
    value = None
    text = (raw or "").strip()
    if text:
        try:
            value = float(text)
        except ValueError:
            reasons.append(f"{variable} is {raw!r}, not a number")
    keys = {"indicator": f"EI.{variable}", "indicator_name": name, "country": line_country, "partner": None}
    row = official_row(NAME, entry, keys, {"value": value, "unit": unit, "kind": "observation"},
                       note=None if text else "no value in the file")
    fill_period(row, str(record.get("Year", "")).strip().split(".")[0], field="Year", reasons=reasons)
    row[REASON_COLUMN] = "; ".join(f"{entry.name}: {record.get('Country')!r} {r}" for r in reasons) or None
    return row


def parse(snapshot: Snapshot, countries: tuple[str, ...] = DEFAULT_COUNTRIES) -> ParseResult:
    wanted = set(countries)

    def records_of_wanted_countries(body: bytes, entry: SnapshotEntry) -> Iterator[tuple[dict, str, str | None, str]]:
        for record, variable, raw in _records(body, entry.name, entry.url):
            iso3 = (record.get("ISO3166_alpha3") or "").strip().upper()
            if iso3 in wanted:
                yield record, variable, raw, iso3

    rows = rows_of_entries(snapshot, records_of_wanted_countries, lambda found, entry: _row(*found, entry))
    return {"energy_indicators": pd.DataFrame(rows)}


def curate_run_countries(source: Source, snapshot: Snapshot, paths: DataPaths,
                         standard: StandardCurate) -> list[TableOutcome]:
    """The standard curate path, keeping the run's countries (CASPIAN_ETL_ENERGY_INSTITUTE_COUNTRIES)."""
    return standard(partial(parse, countries=countries(paths.settings)))


SOURCE = Source(
    name=NAME,
    title="Energy Institute Statistical Review of World Energy (consolidated dataset)",
    producer="Energy Institute (with KPMG and Kearney)",
    licence="Free to use with attribution: Energy Institute Statistical Review of World Energy",
    homepage="https://www.energyinst.org/statistical-review",
    tables=("energy_indicators",),
    fetch=fetch,
    parse=parse,
    default_base_url=DEFAULT_BASE_URL,
    accepts_files=True,
    curate=curate_run_countries,
    schedule="0 5 1 7 *",  # the Statistical Review comes out in late June: try on 1 July (its site may block us)
    description="Oil production (kb/d, Mt), oil consumption, electricity and renewable generation, yearly.",
)
