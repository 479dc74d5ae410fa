"""Stream Comtrade bulk files (gzipped tab-separated text, the API's columns) into `trade_flows` partitions.

A bulk snapshot (made by `caspian-etl ingest-file comtrade FILE...`) can hold tens of millions of rows, so it
is never turned into one DataFrame. Each file is read in Arrow record batches; every row is mapped to the
trade_flows shape and checked against schemas/trade_flows.yaml (caspian_etl.arrow_checks); failing rows go
to data/quarantine/trade_flows/comtrade__<snapshot>.csv with the file, row number, raw cells and reason;
valid rows are appended to one staged Parquet file per reporter-year. Once every file is read, the natural
key is checked per partition (duplicates after the first are quarantined) and each partition replaces
data/curated/trade_flows/comtrade__<REPORTER>-<YEAR>.parquet atomically. Memory is bounded by the batch size,
the write buffer and 8 bytes of key per valid row of the partitions being built.

Breakdown rows (by second partner, mode of transport or customs procedure) repeat the totals in finer
detail; trade_flows keeps totals only, so they are counted (in the log) and not written.
A reporter-year ingested from bulk files is owned by its partition file: the API file (comtrade.parquet)
leaves that reporter-year out, so the table's natural key stays unique.
"""

from __future__ import annotations

import gzip
import json
import logging
import os
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from caspian_etl.arrow_checks import failure_reasons, join_reasons
from caspian_etl.atomic import atomic_write
from caspian_etl.background import SerialWorker, prefetch
from caspian_etl.contracts import TableContract, load_contract
from caspian_etl.countries import iso3_from_m49, normalise_iso3
from caspian_etl.curated import part_files, part_path, table_dir
from caspian_etl.errors import ContractError, ParseError
from caspian_etl.periods import PeriodError, parse_period
from caspian_etl.settings import DataPaths
from caspian_etl.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.comtrade import NO_QUANTITY_UNITS, quantity_unit

log = logging.getLogger(__name__)

SOURCE_NAME = "comtrade"
TABLE = "trade_flows"
BLOCK_SIZE = 8 << 20  # bytes of text per record batch
FLUSH_ROWS = 262_144  # rows buffered per partition before a row group is written
MAX_BUFFERED_ROWS = 1_048_576  # rows buffered over all partitions
REQUIRED = ("freqCode", "period", "reporterCode", "flowCode", "partnerCode", "classificationCode", "cmdCode",
            "primaryValue")
OPTIONAL = ("reporterISO", "partnerISO", "partner2Code", "customsCode", "motCode", "cmdDesc", "qtyUnitCode",
            "qtyUnitAbbr", "qty", "netWgt")
NUMERIC = ("primaryValue", "netWgt", "qty")
RAW_COLUMNS = REQUIRED + OPTIONAL
# totals of a breakdown dimension: anything else is a breakdown row
TOTALS = {"partner2Code": ("", "0"), "motCode": ("", "0"), "customsCode": ("", "C00")}
# the natural key minus what is constant in one partition (source, reporter, claim_id): packed into an int64
KEY_BITS = {"partner": 12, "flow": 4, "period": 8, "classification": 6, "commodity_code": 24}
CONSTANT_KEY = ("source", "reporter", "claim_id")
_NUMBER = r"^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$"


def is_bulk_snapshot(snapshot: Snapshot) -> bool:
    """Snapshots made by ingest-file (user-downloaded files), as opposed to API answers."""
    return "ingested_files" in snapshot.params


def bulk_reporter_years(paths: DataPaths) -> set[tuple[str, int]]:
    """(reporter, year) of every comtrade partition file in trade_flows."""
    owned = set()
    for p in part_files(paths, TABLE):
        source, _, partition = p.stem.partition("__")
        reporter, _, year = partition.rpartition("-")
        if source == SOURCE_NAME and reporter and year.isdigit():
            owned.add((reporter, int(year)))
    return owned


# ---------------------------------------------------------------- reading

def _open(path: Path) -> tuple[pa.NativeFile, list[str], str]:
    """An Arrow input stream (gunzipped when the bytes are gzip), the header's columns and the delimiter."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rb") as fh:
        first = fh.readline(1 << 20).decode("utf-8-sig", "replace").rstrip("\r\n")
    delimiter = "\t" if first.count("\t") >= first.count(",") else ","
    header = [c.strip().strip('"') for c in first.split(delimiter)]
    stream = pa.input_stream(str(path), compression="gzip" if compressed else None, buffer_size=1 << 20)
    return stream, header, delimiter


def read_batches(path: Path, name: str) -> Iterator[pa.RecordBatch]:
    """The file's rows in record batches: codes as dictionary strings, numbers as text (checked later)."""
    stream, header, delimiter = _open(path)
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        stream.close()
        raise ParseError(f"{name}: not a Comtrade bulk file: header lacks {missing} (has {header[:8]}...)",
                         source=SOURCE_NAME)
    include = [c for c in RAW_COLUMNS if c in header]
    dictionary = pa.dictionary(pa.int32(), pa.string())
    types = {c: (pa.string() if c in NUMERIC else dictionary) for c in include}
    try:
        reader = pacsv.open_csv(
            stream,
            read_options=pacsv.ReadOptions(block_size=BLOCK_SIZE),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False),
            convert_options=pacsv.ConvertOptions(include_columns=include, column_types=types,
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
        while True:
            try:
                yield reader.read_next_batch()
            except StopIteration:
                break
    except (pa.ArrowInvalid, OSError, EOFError) as exc:
        raise ParseError(f"{name}: unreadable bulk file ({type(exc).__name__}: {exc})", source=SOURCE_NAME) from None
    finally:
        stream.close()


# ---------------------------------------------------------------- mapping to trade_flows

def _text(column: pa.Array) -> pa.Array:
    return column.cast(pa.string()) if pa.types.is_dictionary(column.type) else column


def _map(column: pa.Array, fn: Callable[[str], object], type_: pa.DataType | None = None) -> pa.Array:
    """Apply a Python function to each distinct value of a dictionary column, then broadcast."""
    if not pa.types.is_dictionary(column.type):
        column = pc.dictionary_encode(column)
    mapped = pa.array([fn(v) for v in column.dictionary.to_pylist()], type=type_ or pa.string())
    return mapped.take(column.indices)


def _period_parts(raw: str) -> tuple[str, str | None, object, object]:
    """Comtrade period (2023, 202303) -> (period text, frequency, start, end); unparsed: (raw, None, None, None)."""
    text = raw.strip()
    candidate = f"{text[:4]}-{text[4:]}" if len(text) == 6 and text.isdigit() else text
    if not (len(text) in (4, 6) and text.isdigit()):
        return text, None, None, None
    try:
        p = parse_period(candidate)
    except PeriodError:
        return text, None, None, None
    return p.code, p.frequency, p.start, p.end


def _numbers(column: pa.Array) -> tuple[pa.Array, pa.Array | None]:
    """Text -> float64 (empty text -> null); also the mask of cells that are not numbers (None: all fine)."""
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
    message = pc.binary_join_element_wise(pa.scalar(prefix), _text(raw), pa.scalar(suffix), "")
    return pc.if_else(failed, message, pa.scalar(None, pa.string()))


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
        out = _map(cols[code_col], iso3_from_m49)
        if iso_col in cols:
            out = pc.coalesce(_map(cols[iso_col], lambda v: normalise_iso3(v) if v else None), out)
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
    freq_code = _text(cols["freqCode"])
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
        unit_code = _text(cols["qtyUnitCode"])
        no_quantity = pc.is_in(unit_code, value_set=pa.array(sorted(NO_QUANTITY_UNITS)))
        unit = _map(cols["qtyUnitCode"], quantity_unit)
    else:
        no_quantity, unit = pa.repeat(pa.scalar(True), n), nulls
    if "qtyUnitAbbr" in cols:
        unit = pc.coalesce(_map(cols["qtyUnitAbbr"], lambda v: v if v and v != "N/A" else None), unit)
    quantity = pc.if_else(no_quantity, pa.scalar(None, pa.float64()), numbers["qty"])
    unit = pc.if_else(no_quantity, pa.scalar(None, pa.string()), unit)

    breakdown = pa.repeat(pa.scalar(False), n)
    for name, totals in TOTALS.items():
        if name in cols:
            breakdown = pc.or_(breakdown, _map(cols[name], lambda v, t=totals: v.strip() not in t, pa.bool_()))

    desc = _map(cols["cmdDesc"], lambda v: v or None) if "cmdDesc" in cols else nulls
    arrays = {
        "reporter": reporter, "partner": partner, "flow": _text(cols["flowCode"]),
        "period": period, "frequency": frequency, "period_start": start, "period_end": end,
        "classification": _text(cols["classificationCode"]), "commodity_code": _text(cols["cmdCode"]),
        "commodity_desc": desc, "value_usd": numbers["primaryValue"], "net_weight_kg": numbers["netWgt"],
        "quantity": quantity, "quantity_unit": unit,
        "basis": pa.repeat(pa.scalar("official"), n), "claim_id": nulls,
        "source": pa.repeat(pa.scalar(SOURCE_NAME), n), "source_url": pa.repeat(pa.scalar(entry.url), n),
        "snapshot_sha256": pa.repeat(pa.scalar(entry.sha256), n),
    }
    table = pa.Table.from_arrays([arrays[c] for c in contract.column_names], schema=contract.arrow_schema())
    return Mapped(table, notes, breakdown)


# ---------------------------------------------------------------- natural key within a partition

class KeyPacker:
    """Packs the varying natural-key columns of one partition into one exact int64 per row."""

    def __init__(self) -> None:
        self.vocab: dict[str, dict[str, int]] = {c: {} for c in KEY_BITS}

    def pack(self, table: pa.Table) -> np.ndarray:
        key = np.zeros(table.num_rows, dtype=np.int64)
        for column, bits in KEY_BITS.items():
            encoded = pc.dictionary_encode(table[column].combine_chunks())
            vocab = self.vocab[column]
            ids = np.array([vocab.setdefault(v, len(vocab)) for v in encoded.dictionary.to_pylist()], dtype=np.int64)
            if len(vocab) >= 1 << bits:
                raise ContractError(f"more than {(1 << bits) - 1} distinct {column} values in one partition; "
                                    f"the uniqueness check cannot pack them", source=SOURCE_NAME)
            key = (key << bits) | ids[encoded.indices.to_numpy(zero_copy_only=False)]
        return key


# ---------------------------------------------------------------- partitions and quarantine

@dataclass
class Partition:
    label: str  # REPORTER-YEAR
    staged: Path
    schema: pa.Schema
    worker: SerialWorker
    writer: pq.ParquetWriter | None = None
    buffer: list[pa.Table] = field(default_factory=list)
    buffered: int = 0
    rows: int = 0
    keys: list[np.ndarray] = field(default_factory=list)
    packer: KeyPacker = field(default_factory=KeyPacker)

    def add(self, table: pa.Table) -> None:
        self.keys.append(self.packer.pack(table))
        self.buffer.append(table)
        self.buffered += table.num_rows
        self.rows += table.num_rows

    def flush(self) -> None:
        """Hand the buffered rows to the writer thread as one row group."""
        if not self.buffer:
            return
        if self.writer is None:
            self.writer = pq.ParquetWriter(self.staged, self.schema, compression="zstd", write_statistics=True)
        writer, table, rows = self.writer, pa.concat_tables(self.buffer), self.buffered
        self.worker.submit(lambda: writer.write_table(table, row_group_size=max(rows, 1)))
        self.buffer, self.buffered = [], 0

    def close(self) -> None:
        self.flush()
        self.worker.wait()
        if self.writer is not None:
            self.writer.close()
            self.writer = None

    def later_duplicates(self) -> np.ndarray:
        """Row positions whose natural key an earlier row of the partition already has."""
        keys = np.concatenate(self.keys) if self.keys else np.zeros(0, dtype=np.int64)
        return np.flatnonzero(pd.Series(keys).duplicated(keep="first").to_numpy())


QUARANTINE_SCHEMA = pa.schema([("file", pa.string()), ("row", pa.int64())]
                              + [(c, pa.string()) for c in RAW_COLUMNS] + [("quarantine_reason", pa.string())])


class Quarantine:
    """Failing rows as read (raw cells as text), streamed to a staged CSV."""

    def __init__(self, staged: Path) -> None:
        self.staged = staged
        self.writer: pacsv.CSVWriter | None = None
        self.rows = 0

    def add(self, file: str, rows: pa.Array, raw: pa.RecordBatch | pa.Table, reasons: pa.Array) -> None:
        n = len(rows)
        if n == 0:
            return
        columns = [pa.repeat(pa.scalar(file), n), rows]
        columns += [_text(raw.column(c)) if c in raw.schema.names else pa.nulls(n, pa.string()) for c in RAW_COLUMNS]
        columns.append(reasons)
        if self.writer is None:
            self.writer = pacsv.CSVWriter(str(self.staged), QUARANTINE_SCHEMA)
        self.writer.write_table(pa.Table.from_arrays(columns, schema=QUARANTINE_SCHEMA))
        self.rows += n

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = None


# ---------------------------------------------------------------- the curate hook

@dataclass
class BulkStats:
    rows_read: int = 0
    breakdown: int = 0
    quarantined: int = 0
    written: int = 0


class BulkIngest:
    def __init__(self, snapshot: Snapshot, paths: DataPaths, origin: dict[str, str] | None = None) -> None:
        self.snapshot = snapshot
        self.origin = origin or {}
        self.paths = paths
        self.contract = load_contract(TABLE)
        self.staging = paths.staging / f"bulk-{SOURCE_NAME}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.staging.mkdir(parents=True, exist_ok=True)
        self.partitions: dict[str, Partition] = {}
        self.quarantine = Quarantine(self.staging / "quarantine.csv")
        self.stats = BulkStats()
        self.metadata: dict[str, str] = {}
        self.worker = SerialWorker()

    def partition(self, label: str) -> Partition:
        if label not in self.partitions:
            schema = self.contract.arrow_schema(self.metadata)
            self.partitions[label] = Partition(label, self.staging / f"{label}.parquet", schema, self.worker)
        return self.partitions[label]

    def ingest_entry(self, entry: SnapshotEntry) -> None:
        path = self.snapshot.verified_path(entry.name)
        offset = 0
        # the next batch is read (on a thread) while this one is checked; closing stops the reader on errors
        with closing(prefetch(read_batches(path, entry.name))) as batches:
            for batch in batches:
                n = batch.num_rows
                row_numbers = pa.array(np.arange(offset + 1, offset + n + 1, dtype=np.int64))
                offset += n
                self.stats.rows_read += n
                mapped = to_trade_flows(batch, self.contract, entry)
                keep = pc.invert(mapped.breakdown)
                if not pc.all(keep).as_py():
                    self.stats.breakdown += n - pc.sum(keep.cast(pa.int64())).as_py()
                    batch, row_numbers = batch.filter(keep), row_numbers.filter(keep)
                    mapped = Mapped(mapped.table.filter(keep), [x.filter(keep) for x in mapped.notes], mapped.breakdown)
                table = mapped.table
                reasons = join_reasons(mapped.notes + [failure_reasons(self.contract, table)], table.num_rows)
                bad = pc.is_valid(reasons)
                if pc.any(bad).as_py():
                    self.quarantine.add(entry.name, row_numbers.filter(bad), batch.filter(bad), reasons.filter(bad))
                    table = table.filter(pc.invert(bad))
                self._route(table)

    def _route(self, table: pa.Table) -> None:
        if table.num_rows == 0:
            return
        labels = pc.binary_join_element_wise(table["reporter"], pc.cast(pc.year(table["period_start"]), pa.string()),
                                             "-").combine_chunks()
        encoded = pc.dictionary_encode(labels)
        values = encoded.dictionary.to_pylist()
        if len(values) == 1:
            parts = [(values[0], table)]
        else:
            parts = [(v, table.filter(pc.equal(encoded.indices, i))) for i, v in enumerate(values)]
        for label, part in parts:
            target = self.partition(label)
            target.add(part)
            if target.buffered >= FLUSH_ROWS:
                target.flush()
        while sum(p.buffered for p in self.partitions.values()) > MAX_BUFFERED_ROWS:
            max(self.partitions.values(), key=lambda p: p.buffered).flush()

    def _drop_duplicates(self, part: Partition, positions: np.ndarray) -> None:
        """Rewrite a staged partition without its later duplicates; those go to the quarantine."""
        reason = (f"duplicate natural key ({', '.join(self.contract.natural_key)}): "
                  f"an earlier row of partition {part.label} has the same key")
        source = pq.ParquetFile(part.staged)
        rewritten = part.staged.with_suffix(".dedup.parquet")
        drop = np.zeros(part.rows, dtype=bool)
        drop[positions] = True
        start = 0
        with pq.ParquetWriter(rewritten, part.schema, compression="zstd", write_statistics=True) as writer:
            for i in range(source.num_row_groups):
                group = source.read_row_group(i)
                mask = pa.array(drop[start:start + group.num_rows])
                start += group.num_rows
                writer.write_table(group.filter(pc.invert(mask)), row_group_size=max(group.num_rows, 1))
                dupes = group.filter(mask)
                if dupes.num_rows:
                    self._quarantine_parsed(dupes, reason)
        os.replace(rewritten, part.staged)
        part.rows -= len(positions)

    def _quarantine_parsed(self, rows: pa.Table, reason: str) -> None:
        raw = pa.table({"reporterISO": rows["reporter"], "partnerISO": rows["partner"], "flowCode": rows["flow"],
                        "period": rows["period"], "classificationCode": rows["classification"],
                        "cmdCode": rows["commodity_code"], "primaryValue": pc.cast(rows["value_usd"], pa.string())})
        n = rows.num_rows
        self.quarantine.add("(after all files)", pa.nulls(n, pa.int64()), raw, pa.repeat(pa.scalar(reason), n))

    def run(self) -> tuple[list[Path], str | None]:
        if set(self.contract.natural_key) != set(KEY_BITS) | set(CONSTANT_KEY):
            raise ContractError(f"bulk ingest packs the key {sorted(set(KEY_BITS) | set(CONSTANT_KEY))} but "
                                f"schemas/{TABLE}.yaml says {list(self.contract.natural_key)}", source=SOURCE_NAME)
        self.metadata = {**self.origin,
                         "caspian_etl.snapshot_sha256": json.dumps(sorted(set(self.snapshot.sha256s)))}
        for entry in sorted(self.snapshot.entries, key=lambda e: e.name):
            self.ingest_entry(entry)
        for part in self.partitions.values():
            part.close()
            duplicates = part.later_duplicates()
            if len(duplicates):
                self._drop_duplicates(part, duplicates)
        self.quarantine.close()
        self.stats.quarantined = self.quarantine.rows
        self.stats.written = sum(p.rows for p in self.partitions.values())
        return self._publish()

    def _publish(self) -> tuple[list[Path], str | None]:
        quarantine_path = None
        if self.quarantine.rows:
            target = self.paths.quarantine / TABLE / f"{SOURCE_NAME}__{self.snapshot.snapshot_id}.csv"
            quarantine_path = str(_move_into_place(self.quarantine.staged, target, self.paths))
        published = []
        for label in sorted(self.partitions):
            part = self.partitions[label]
            if part.rows:
                target = part_path(self.paths, TABLE, f"{SOURCE_NAME}__{label}")
                published.append(_move_into_place(part.staged, target, self.paths))
        return published, quarantine_path

    def cleanup(self) -> None:
        try:
            self.worker.wait()
        except Exception:  # already reported by run(); the staged files are removed below
            pass
        self.worker.close()
        for part in self.partitions.values():
            if part.writer is not None:
                part.writer.close()
        self.quarantine.close()
        for leftover in self.staging.glob("*"):
            leftover.unlink(missing_ok=True)
        self.staging.rmdir()


def _move_into_place(staged: Path, target: Path, paths: DataPaths) -> Path:
    """The staged file replaces `target` in one rename (atomic_write: readers see old or new, never half)."""
    return atomic_write(target, lambda tmp: os.replace(staged, tmp), staging_dir=paths.staging)


def release_api_rows(paths: DataPaths, owned: set[tuple[str, int]]) -> int:
    """Rewrite comtrade.parquet (the API rows) without the reporter-years that partition files now own."""
    api_file = part_path(paths, TABLE, SOURCE_NAME)
    if not api_file.is_file() or not owned:
        return 0
    table = pq.read_table(api_file)
    years = pc.year(table["period_start"]).to_pylist()
    keep = pa.array([(r, y) not in owned for r, y in zip(table["reporter"].to_pylist(), years, strict=False)])
    dropped = table.num_rows - pc.sum(keep.cast(pa.int64())).as_py()
    if dropped:
        kept = table.filter(keep)
        atomic_write(api_file, lambda tmp: pq.write_table(kept, tmp, compression="zstd", write_statistics=True),
                     staging_dir=paths.staging)
        log.info("%s: %d API rows of reporter-years now ingested from bulk files left comtrade.parquet",
                 SOURCE_NAME, dropped)
    return dropped


def curate_bulk(source: object, snapshot: Snapshot, paths: DataPaths) -> list:
    """The comtrade source's curate step for ingested bulk files (see the module docstring)."""
    from caspian_etl.pipeline import TableOutcome  # late: pipeline imports the source registry

    outcome = TableOutcome(TABLE)
    origin = source.origin_metadata() if hasattr(source, "origin_metadata") else {}
    ingest = BulkIngest(snapshot, paths, origin)
    try:
        published, quarantine_path = ingest.run()
    except (ParseError, ContractError) as exc:
        outcome.error = str(exc)
        log.error("%s", exc)
        return [outcome]
    finally:
        ingest.cleanup()
    stats = ingest.stats
    outcome.rows_written, outcome.rows_quarantined = stats.written, stats.quarantined
    outcome.quarantine_path = quarantine_path
    outcome.path = str(table_dir(paths, TABLE) / f"{SOURCE_NAME}__*.parquet") if published else None
    if stats.breakdown:
        log.info("%s: %d breakdown rows (second partner, transport mode or customs procedure) not written; "
                 "trade_flows keeps totals", SOURCE_NAME, stats.breakdown)
    if not published and stats.quarantined:
        outcome.error = (f"{SOURCE_NAME}: every one of {stats.quarantined} rows failed validation "
                         f"(see {quarantine_path}); no partition was replaced")
    release_api_rows(paths, {(p.stem.split("__", 1)[1].rsplit("-", 1)[0], int(p.stem.rsplit("-", 1)[1]))
                             for p in published})
    return [outcome]
