"""`claims`: the hand-kept registry of figures stated in the seed documents and cited news pages.

The registry is data/raw/claims/claims.csv (a CSV anyone can edit; see the README next to it). Fetching
snapshots the file like any response, so every curated claim points at the exact registry bytes it came
from; when the file has not changed, the previous snapshot is reused. The claims also feed the indicator
tables as reported figures (see caspian_etl.sources.reported).
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal, InvalidOperation

import pandas as pd

from caspian_etl.contracts.metrics import REPORTED_TABLES
from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import ParseError
from caspian_etl.core.resources import default_claims_registry
from caspian_etl.core.snapshots import Snapshot, utc_now
from caspian_etl.sources.base import FetchContext, ParseResult, Source
from caspian_etl.sources.reported import claims_to_tables

NAME = "claims"
FILE_NAME = "claims.csv"
REGISTRY_COLUMNS = ["claim_id", "metric", "value", "unit", "period", "kind", "country", "partner", "document",
                    "publisher", "endnote", "source_url", "published", "note"]
# Later columns: a registry without them still reads (each is empty then); see data/raw/claims/README.md.
OPTIONAL_COLUMNS = ["origin", "stated_on", "precision", "target_type"]
ALL_COLUMNS = REGISTRY_COLUMNS + OPTIONAL_COLUMNS


def fetch(ctx: FetchContext) -> None:
    own = ctx.paths.raw / NAME / FILE_NAME
    registry = own if own.is_file() else default_claims_registry()
    ctx.add_local_file(FILE_NAME, registry, requested_at=utc_now())


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None


def stated_precision(value_as_written: str) -> float | None:
    """Half a unit of the last digit written: "2.7" -> 0.05, "2.764" -> 0.0005, "88" -> 0.5, "840000" -> 0.5.

    Trailing zeros of a whole number are taken as written (the registry's `precision` column says otherwise,
    e.g. 5000 for "approximately 840,000"). None when the text is not a plain number (the row is quarantined).
    """
    try:
        exponent = Decimal(value_as_written.strip()).as_tuple().exponent
    except (InvalidOperation, AttributeError):
        return None
    if not isinstance(exponent, int):  # NaN or infinity
        return None
    return float(Decimal(5) * Decimal(10) ** (exponent - 1))


def parse_registry(data: bytes, sha256: str, *, origin: str = FILE_NAME) -> pd.DataFrame:
    """Registry CSV bytes -> rows in the claims table's shape (values still as text; the contract coerces)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ParseError(f"{origin} is not UTF-8 (byte {exc.start})", source=NAME) from None
    try:
        lines = io.StringIO(text, newline="").readlines()
        return _parse_rows(csv.DictReader(lines), lines, sha256, origin)
    except csv.Error as exc:
        raise ParseError(f"{origin} is not a readable CSV ({exc})", source=NAME) from None


def _parse_rows(reader: csv.DictReader, lines: list[str], sha256: str, origin: str) -> pd.DataFrame:
    header = reader.fieldnames or []
    missing = [c for c in REGISTRY_COLUMNS if c not in header]
    unknown = [c for c in header if c not in ALL_COLUMNS]
    if missing or unknown:
        raise ParseError(f"{origin}: header must be {','.join(REGISTRY_COLUMNS)} "
                         f"[,{','.join(OPTIONAL_COLUMNS)}] (missing {missing}, unknown {unknown})", source=NAME)
    rows = []
    last_line = reader.line_num  # physical lines read so far (the header)
    for record in reader:
        line_no, last_line = last_line + 1, reader.line_num
        while line_no < last_line and not lines[line_no - 1].strip():
            line_no += 1  # blank lines before the record
        if last_line > line_no:
            # one row = one figure = one line: a cell spanning lines is a quote left open, which would
            # silently swallow the rows after it
            raise ParseError(f"{origin} line {line_no}: a quoted cell is not closed on its line (the record runs "
                             f"to line {last_line}, swallowing {last_line - line_no} line(s)); close the quote",
                             source=NAME)
        if None in record:  # more cells than header columns
            extra = record.pop(None)
            row_reason = f"line {line_no}: {len(extra)} cell(s) beyond the header"
        else:
            row_reason = None
        row = {c: _clean(record.get(c)) for c in ALL_COLUMNS}
        if row["endnote"] is not None and row["endnote"].isdigit():
            row["endnote"] = int(row["endnote"])
        if row["precision"] is None and row["value"] is not None:
            row["precision"] = stated_precision(row["value"])
        row.update(frequency=None, period_start=None, period_end=None)
        if row["period"] is not None:
            try:
                period = parse_period(row["period"])
            except PeriodError as exc:
                row_reason = row_reason or f"period: {exc}"
            else:
                row.update(period.as_columns())
        row.update(source=NAME, snapshot_sha256=sha256)
        row[REASON_COLUMN] = row_reason
        rows.append(row)
    columns = load_contract("claims").column_names + [REASON_COLUMN]
    return pd.DataFrame(rows, columns=columns)


def parse(snapshot: Snapshot) -> ParseResult:
    entry = snapshot.entry(FILE_NAME)
    return {"claims": parse_registry(snapshot.read(FILE_NAME), entry.sha256)}


def derive(valid: dict[str, pd.DataFrame]) -> ParseResult:
    """The indicator rows of the claims that passed the claims contract (see caspian_etl.sources.reported): a duplicate
    claim_id, a bad claim_id or any failed check quarantines the claim and keeps its value out of every table."""
    return claims_to_tables(valid.get("claims", load_contract("claims").empty_frame()))


SOURCE = Source(
    name=NAME,
    title="Claims registry (figures stated in the policy literature and the news)",
    producer="caspian-etl contributors, transcribing IDD (ADA University)/AIFC, Asia Times and cited news pages",
    licence="Figures transcribed as facts; see each row's source_url for the original",
    homepage="data/raw/claims/README.md",
    tables=("claims", *REPORTED_TABLES),
    fetch=fetch,
    parse=parse,
    derive=derive,
    network=False,
    schedule="0 3 * * *",  # a local file: checking it daily costs nothing (unchanged -> no parse, no write)
    description="Hand-kept CSV of numeric claims: observations, targets, capacities and forecasts.",
)
