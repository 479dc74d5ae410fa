"""Comtrade bulk files -> Arrow batches in the trade_flows shape (reading and mapping; no writing).

A bulk file is gzipped (or plain) tab-separated text with the API's column names; the "final" bulk files lack
the ISO and description columns, so areas are mapped from their M49 codes. Codes that are mapped are read as
dictionary strings (the mapping runs once per distinct value), codes written as they are as plain text, numbers
as text (a cell that is not a number becomes a reason, not a crash of the whole batch). Reasons found while
mapping travel with the batch as `notes`.

The file is read once, in line-aligned pieces of BLOCK_SIZE bytes (memory stays bounded), inflated with ISA-L,
and its sha256 is checked on the way (core.hashing_reader).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from isal import igzip
from isal.igzip_lib import IsalError

from caspian_etl.contracts.countries import iso3_from_m49, normalise_iso3
from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.schema import TableContract
from caspian_etl.core.background import ordered_map, prefetch
from caspian_etl.core.errors import ParseError
from caspian_etl.core.hashing_reader import Sha256Reader, verify
from caspian_etl.core.snapshots import SnapshotEntry
from caspian_etl.sources.comtrade.codes import NAME as SOURCE_NAME
from caspian_etl.sources.comtrade.codes import NO_QUANTITY_UNITS, TOTALS, is_total, period_text, quantity_unit

R = TypeVar("R")
BLOCK_SIZE = 4 << 20  # bytes of text per record batch
PARSERS = 2  # threads parsing pieces of text (one per core of the machines this is built for)
REQUIRED = ("freqCode", "period", "reporterCode", "flowCode", "partnerCode", "classificationCode", "cmdCode",
            "primaryValue")
OPTIONAL = ("reporterISO", "partnerISO", "partner2Code", "customsCode", "motCode", "cmdDesc", "qtyUnitCode",
            "qtyUnitAbbr", "qty", "netWgt")
NUMERIC = ("primaryValue", "netWgt", "qty")
# read as plain text, not as dictionaries (which Arrow hashes while parsing): codes written as they are read,
# descriptions (many long distinct texts), and the M49 area codes, mapped only where a row lacks a usable ISO code
AS_READ = ("flowCode", "classificationCode", "cmdCode", "cmdDesc", "reporterCode", "partnerCode")
RAW_COLUMNS = REQUIRED + OPTIONAL
# what a broken file raises while it is inflated or read (ISA-L's errors are not OSErrors)
UNREADABLE = (OSError, EOFError, IsalError)
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


# ---------------------------------------------------------------- reading

def _open(path: Path, raw: Sha256Reader) -> tuple[BinaryIO, list[str], str]:
    """The file's text from `raw` (inflated with ISA-L when the bytes are gzip), the header's columns and the
    delimiter."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    opener = igzip.open if compressed else open
    with opener(path, "rb") as fh:
        first = fh.readline(1 << 20).decode("utf-8-sig", "replace").rstrip("\r\n")
    delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    header = [c.strip().strip('"') for c in first.split(delimiter)]
    text: BinaryIO = igzip.IGzipFile(fileobj=raw, mode="rb") if compressed else raw  # type: ignore[assignment]
    return text, header, delimiter


def read_batches(path: Path, name: str, sha256: str | None = None) -> Iterator[pa.RecordBatch]:
    """The file's rows in record batches (one per piece of text): codes as dictionary strings, numbers as text."""
    return read_pieces(path, name, lambda batch: batch, sha256=sha256)


def read_pieces(path: Path, name: str, prepare: Callable[[pa.RecordBatch], R],
                sha256: str | None = None) -> Iterator[R]:
    """`prepare(batch)` for each piece of the file's rows, in file order. The text is inflated and hashed on a
    thread of its own; parsing and `prepare` run on the parsing threads, two pieces at a time, so `prepare` is
    where per-row work belongs (it must be safe to run on two threads at once; Arrow releases the GIL).

    The file is read once: with `sha256` (the snapshot's record of it) its bytes are hashed as they stream and a
    mismatch raises SnapshotError after the last piece, so the caller must publish nothing before the end."""
    raw = text = Sha256Reader(open(path, "rb"))
    try:
        try:
            text, header, delimiter = _open(path, raw)
        except UNREADABLE as exc:
            _verify(raw, path, sha256)
            raise ParseError(f"{name}: unreadable bulk file ({type(exc).__name__}: {exc})",
                             source=SOURCE_NAME) from None
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            _verify(raw, path, sha256)  # a changed file is reported as changed, not as misshapen
            raise ParseError(f"{name}: not a Comtrade bulk file: header lacks {missing} (has {header[:8]}...)",
                             source=SOURCE_NAME)
        include = [c for c in RAW_COLUMNS if c in header]
        dictionary = pa.dictionary(pa.int32(), pa.string())
        parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False)
        types = {c: (pa.string() if c in NUMERIC + AS_READ else dictionary) for c in include}
        # the text columns are checked for UTF-8 after parsing, a column at a time (require_utf8), not by Arrow
        # cell by cell
        convert = pacsv.ConvertOptions(include_columns=include, strings_can_be_null=False, column_types=types,
                                       quoted_strings_can_be_null=False, check_utf8=False)

        def parse_piece(numbered: tuple[int, pa.Buffer]) -> R:
            number, chunk = numbered
            options = pacsv.ReadOptions(column_names=header, skip_rows=1 if number == 0 else 0,
                                        block_size=chunk.size + 1, use_threads=False)
            try:
                table = pacsv.read_csv(pa.BufferReader(chunk), read_options=options, parse_options=parse,
                                       convert_options=convert)
                require_utf8(table)
            except pa.ArrowInvalid as exc:
                raise _Unparsable(exc) from None
            return prepare(_one_batch(table))

        try:
            # pieces are parsed and prepared two at a time (together the slowest stage), each on one thread, and
            # handed on in file order; a few pieces at most are held at once
            with closing(prefetch(enumerate(_line_chunks(text, BLOCK_SIZE)))) as pieces:
                yield from ordered_map(parse_piece, pieces, workers=PARSERS)
        except (_Unparsable, *UNREADABLE) as exc:
            _verify(raw, path, sha256)
            error = exc.error if isinstance(exc, _Unparsable) else exc
            raise ParseError(f"{name}: unreadable bulk file ({type(error).__name__}: {error})",
                             source=SOURCE_NAME) from None
        _verify(raw, path, sha256)
    finally:
        text.close()
        raw.close()


class _Unparsable(Exception):
    """Arrow could not parse a piece of the text (as opposed to an error in `prepare`, which is not the file's)."""

    def __init__(self, error: pa.ArrowInvalid) -> None:
        super().__init__(str(error))
        self.error = error


def _one_batch(table: pa.Table) -> pa.RecordBatch:
    batches = table.combine_chunks().to_batches()
    return batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)


def require_utf8(table: pa.Table) -> None:
    """Raise ArrowInvalid when a text column of `table` (read without Arrow's UTF-8 check) holds bytes that are
    not UTF-8. A column whose bytes are all ASCII (nearly every column of a bulk file: codes and numbers) is
    valid UTF-8, known from one vectorised pass; only another column is validated value by value. Dictionary
    columns are checked on their distinct values. A piece that held one non-ASCII byte anywhere (a partner
    named Türkiye, in a column not even read) had Arrow check every cell of every text column: 2-3% of a bulk
    ingest's CPU time."""
    for name, column in zip(table.column_names, table.columns, strict=True):
        for chunk in column.chunks:
            values = chunk.dictionary if pa.types.is_dictionary(chunk.type) else chunk
            if not pa.types.is_string(values.type):
                continue
            data = values.buffers()[2]
            if data is None or data.size == 0 or np.frombuffer(data, dtype=np.uint8).max() < 0x80:
                continue
            try:
                values.validate(full=True)
            except pa.ArrowInvalid as exc:
                raise pa.ArrowInvalid(f"column {name}: {exc}") from None


def _line_chunks(text: BinaryIO, size: int) -> Iterator[pa.Buffer]:
    """The text in pieces of about `size` bytes, each ending at a line break (nothing is quoted in a bulk file,
    so a line is a row). Arrow's own streaming reader reads far ahead of its consumer (hundreds of MB); these
    pieces keep the memory of reading bounded."""
    rest = b""
    while block := text.read(size):
        piece = rest + block
        cut = piece.rfind(b"\n") + 1
        rest = piece[cut:]
        if cut:
            yield pa.py_buffer(piece).slice(0, cut)
    if rest:
        yield pa.py_buffer(rest)


def _verify(raw: Sha256Reader, path: Path, sha256: str | None) -> None:
    if sha256 is not None:
        verify(raw, path, sha256, SOURCE_NAME)


# ---------------------------------------------------------------- mapping to trade_flows

def as_text(column: pa.Array) -> pa.Array:
    """A dictionary column as plain strings (other columns as they are)."""
    return column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column


def _map(column: pa.Array, fn: Callable[[str], object], type_: pa.DataType | None = None) -> pa.Array:
    """Apply a Python function to each distinct value of a dictionary column, then broadcast."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    mapped = pa.array([fn(v) for v in column.dictionary.to_pylist()], type=type_ or pa.string())
    return mapped.take(column.indices)


def _period_parts(raw: str) -> tuple[str, str | None, object, object]:
    """Comtrade period (2023, 202303) -> (period text, frequency, start, end); unparsed: (raw, None, None, None)."""
    text, candidate = raw.strip(), period_text(raw)
    if not (len(text) in (4, 6) and text.isdigit()):
        return text, None, None, None
    try:
        p = parse_period(candidate)
    except PeriodError:
        return text, None, None, None
    return p.code, p.frequency, p.start, p.end


def _empty_as_null(column: pa.Array) -> pa.Array:
    """Empty text -> null; without copying the text when the column has no nulls yet (the usual case)."""
    empty = pc.equal(pc.binary_length(column), 0)
    if column.offset == 0 and column.null_count == 0:
        return pa.Array.from_buffers(column.type, len(column), [pc.invert(empty).buffers()[1], *column.buffers()[1:]])
    return pc.if_else(empty, pa.scalar(None, column.type), column)


def _numbers(column: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Text -> float64 (empty text -> null); also the mask of cells that are not numbers (None: all fine)."""
    if column.offset == 0 and column.null_count == 0:
        try:  # the common case first: empty cells become nulls without copying the text, then one cast
            return pc.cast(_empty_as_null(column), pa.float64()), None
        except pa.ArrowInvalid:  # blanks of spaces, padded or broken numbers: the careful way below
            pass
    blank = pc.equal(pc.utf8_trim_whitespace(column), "")
    text = pc.if_else(blank, pa.scalar(None, pa.string()), column)
    try:
        return pc.cast(text, pa.float64()), None
    except pa.ArrowInvalid:
        bad = pc.and_(pc.invert(pc.fill_null(pc.match_substring_regex(text, _NUMBER), True)), pc.is_valid(text))
        cleaned = pc.if_else(bad, pa.scalar(None, pa.string()), text)
        return pc.cast(pc.utf8_trim_whitespace(cleaned), pa.float64()), bad


def _note(failed: pa.Array, prefix: str, raw: pa.Array | None = None, suffix: str = "") -> pa.Array:
    if raw is None:
        return pc.if_else(failed, pa.scalar(prefix + suffix), pa.scalar(None, pa.string()))
    message = pc.binary_join_element_wise(pa.scalar(prefix), as_text(raw), pa.scalar(suffix), "")
    return pc.if_else(failed, message, pa.scalar(None, pa.string()))


_CONSTANTS: dict[str | None, pa.Array] = {}
_CONSTANTS_LOCK = threading.Lock()


def constant(value: str | None, n: int) -> pa.Array:
    """`n` copies of a text (or nulls) as a zero-copy slice of one shared array: the columns that are the same on
    every row (source, URL, sha256) then cost no memory per row in the batches and the partitions' buffers."""
    with _CONSTANTS_LOCK:  # pieces are mapped on two threads: one shared copy, not one per thread
        shared = _CONSTANTS.get(value)
        if shared is None or len(shared) < n:
            if len(_CONSTANTS) > 16:  # a long-lived process ingests many files: keep the few of the current ones
                _CONSTANTS.clear()
            shared = _CONSTANTS[value] = pa.repeat(pa.scalar(value, pa.string()), max(n, 1 << 16))
    return shared.slice(0, n)


@dataclass
class Mapped:
    table: pa.Table  # trade_flows shape, contract types
    notes: list[pa.Array]  # reasons found while mapping (null where fine)
    breakdown: pa.Array  # rows that are breakdowns of totals


def to_trade_flows(batch: pa.RecordBatch, contract: TableContract, entry: SnapshotEntry) -> Mapped:
    n = batch.num_rows
    cols = {name: batch.column(name) for name in batch.schema.names}
    notes: list[pa.Array] = []
    nulls = pa.nulls(n, pa.string())

    def country(code_col: str, iso_col: str, label: str) -> pa.Array:
        iso = _map(cols[iso_col], lambda v: normalise_iso3(v) if v else None) if iso_col in cols else None
        if iso is not None and iso.null_count == 0:
            out = iso  # every row has a usable ISO code: the M49 codes are not needed
        else:
            out = _map(cols[code_col], iso3_from_m49)
            out = out if iso is None else pc.coalesce(iso, out)
        missing = pc.is_null(out)
        if pc.any(missing).as_py():
            notes.append(_note(missing, f"{label}: no ISO3 code for Comtrade area '", cols[code_col], "'"))
        return out

    reporter = country("reporterCode", "reporterISO", "reporter")
    partner = country("partnerCode", "partnerISO", "partner")

    period_dict = cols["period"]
    parts = [_period_parts(v) for v in period_dict.dictionary.to_pylist()]
    idx = period_dict.indices
    period = pa.array([p[0] for p in parts], pa.string()).take(idx)
    frequency = pa.array([p[1] for p in parts], pa.string()).take(idx)
    start = pa.array([p[2] for p in parts], pa.date32()).take(idx)
    end = pa.array([p[3] for p in parts], pa.date32()).take(idx)
    unparsed = pc.is_null(frequency)
    if pc.any(unparsed).as_py():
        notes.append(_note(unparsed, "period: '", cols["period"], "' is not a Comtrade year or yearmonth"))
    freq_code = as_text(cols["freqCode"])
    mismatch = pc.fill_null(pc.not_equal(freq_code, frequency), False)
    if pc.any(mismatch).as_py():
        notes.append(_note(mismatch, "freqCode '", cols["freqCode"], "' does not match the period"))

    numbers = {}
    for name in NUMERIC:
        if name not in cols:
            numbers[name] = pa.nulls(n, pa.float64())
            continue
        values, bad = _numbers(cols[name])
        numbers[name] = values
        if bad is not None and pc.any(bad).as_py():
            notes.append(_note(bad, f"{name}: '", cols[name], "' is not a number"))

    if "qtyUnitCode" in cols:
        unit_code = as_text(cols["qtyUnitCode"])
        no_quantity = pc.is_in(unit_code, value_set=pa.array(sorted(NO_QUANTITY_UNITS)))
        unit = _map(cols["qtyUnitCode"], quantity_unit)
    else:
        no_quantity, unit = pa.repeat(pa.scalar(True), n), nulls
    if "qtyUnitAbbr" in cols:
        unit = pc.coalesce(_map(cols["qtyUnitAbbr"], lambda v: v if v and v != "N/A" else None), unit)
    quantity = pc.if_else(no_quantity, pa.scalar(None, pa.float64()), numbers["qty"])
    unit = pc.if_else(no_quantity, pa.scalar(None, pa.string()), unit)

    breakdown = pa.repeat(pa.scalar(False), n)
    for name in TOTALS:
        if name in cols:
            breakdown = pc.or_(breakdown, _map(cols[name], lambda v, n=name: not is_total(n, v), pa.bool_()))

    desc = _empty_as_null(cols["cmdDesc"]) if "cmdDesc" in cols else nulls
    arrays = {
        "reporter": reporter, "partner": partner, "flow": as_text(cols["flowCode"]),
        "period": period, "frequency": frequency, "period_start": start, "period_end": end,
        "classification": as_text(cols["classificationCode"]), "commodity_code": as_text(cols["cmdCode"]),
        "commodity_desc": desc, "value_usd": numbers["primaryValue"], "net_weight_kg": numbers["netWgt"],
        "quantity": quantity, "quantity_unit": unit,
        "basis": constant("official", n), "claim_id": constant(None, n),
        "source": constant(SOURCE_NAME, n), "source_url": constant(entry.url, n),
        "snapshot_sha256": constant(entry.sha256, n),
    }
    table = pa.Table.from_arrays([arrays[c] for c in contract.column_names], schema=contract.arrow_schema())
    return Mapped(table, notes, breakdown)
