"""Stream Comtrade bulk files (gzipped tab-separated text, the API's columns) into `trade_flows` partitions.

A bulk snapshot (made by `caspian-etl ingest-file comtrade FILE...`) can hold tens of millions of rows, so it
is never turned into one DataFrame. Each file is read in line-aligned pieces; on the two parsing threads each
piece is parsed, mapped to the trade_flows shape (caspian_etl.sources.comtrade.rows), checked against
schemas/trade_flows.yaml (caspian_etl.contracts.arrow_checks), split by partition and given its packed natural
keys (caspian_etl.sources.comtrade.keys): `BulkIngest.prepare`. The main thread takes the prepared pieces in
file order (`take`): failing rows go to data/quarantine/trade_flows/comtrade__<snapshot>.csv with the file, row
number, raw cells and reason; valid rows are appended to one staged Parquet file per reporter-year
(caspian_etl.sources.comtrade.partitions). Once every file is read, the natural key is checked per partition
(duplicates after the first are quarantined) and each partition replaces
data/curated/trade_flows/comtrade__<REPORTER>-<YEAR>.parquet atomically. Memory is bounded by the pieces in
flight and the write buffers: the packed natural keys (8 bytes a row) wait in a staged file beside each
partition and are read back one partition at a time at the end.

Breakdown rows (by second partner, mode of transport or customs procedure) repeat the totals in finer
detail; trade_flows keeps totals only, so they are counted (in the log) and not written.
A reporter-year ingested from bulk files is owned by its partition file: the API file (comtrade.parquet)
leaves that reporter-year out, so the table's natural key stays unique.
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from caspian_etl.contracts.arrow_checks import failure_reasons, join_reasons
from caspian_etl.contracts.curated import part_files, part_path, table_dir
from caspian_etl.contracts.schema import load_contract
from caspian_etl.core import storage
from caspian_etl.core.atomic import atomic_write
from caspian_etl.core.background import SerialWorker, ordered_map
from caspian_etl.core.errors import ContractError, ParseError
from caspian_etl.core.locks import table_lock
from caspian_etl.core.results import TableOutcome
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources.comtrade.codes import NAME as SOURCE_NAME
from caspian_etl.sources.comtrade.codes import TABLE
from caspian_etl.sources.comtrade.keys import CONSTANT_KEY, KEY_BITS, KeyPacker
from caspian_etl.sources.comtrade.partitions import Partition, Quarantine, writer_options
from caspian_etl.sources.comtrade.rows import Mapped, read_pieces, to_trade_flows

log = logging.getLogger(__name__)

MAX_BUFFERED_ROWS = 1_048_576  # rows buffered over all partitions


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


# ---------------------------------------------------------------- the curate hook

@dataclass
class BulkStats:
    rows_read: int = 0
    breakdown: int = 0
    quarantined: int = 0
    written: int = 0


@dataclass
class Prepared:
    """A piece of a bulk file, ready to be written: made on a parsing thread, taken in file order."""
    rows_read: int
    breakdown: int  # breakdown rows left out
    failed: tuple[pa.Array, pa.RecordBatch, pa.Array] | None  # row numbers in the piece, raw rows, reasons
    parts: list[tuple[str, pa.Table, np.ndarray]]  # (partition label, rows, packed natural keys)


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
        self.worker = SerialWorker(depth=1)  # one row group waits while one is written
        self.keys = KeyPacker()

    def partition(self, label: str) -> Partition:
        if label not in self.partitions:
            schema = self.contract.arrow_schema(self.metadata)
            self.partitions[label] = Partition(label, self.staging / f"{label}.parquet", schema, self.worker)
        return self.partitions[label]

    def ingest_entry(self, entry: SnapshotEntry) -> None:
        path = self.snapshot.file_path(entry.name)
        offset = 0
        # pieces are prepared on the parsing threads (prepare) and taken here in file order; closing stops the
        # reader on errors. The reader checks the file's sha256 as it streams (no second read); nothing is
        # published before the end.
        pieces = read_pieces(path, entry.name, lambda batch: self.prepare(batch, entry), sha256=entry.sha256)
        with closing(pieces):
            for piece in pieces:
                self.take(piece, entry, offset)
                offset += piece.rows_read

    def prepare(self, batch: pa.RecordBatch, entry: SnapshotEntry) -> Prepared:
        """One piece of the file mapped, checked and split by partition (runs on the parsing threads)."""
        n = batch.num_rows
        row_numbers = pa.array(np.arange(1, n + 1, dtype=np.int64))  # within the piece; take() adds the offset
        mapped = to_trade_flows(batch, self.contract, entry)
        keep = pc.invert(mapped.breakdown)
        breakdown = 0
        if not pc.all(keep).as_py():
            breakdown = n - pc.sum(keep.cast(pa.int64())).as_py()
            batch, row_numbers = batch.filter(keep), row_numbers.filter(keep)
            mapped = Mapped(mapped.table.filter(keep), [x.filter(keep) for x in mapped.notes], mapped.breakdown)
        table = mapped.table
        reasons = join_reasons(mapped.notes + [failure_reasons(self.contract, table)], table.num_rows)
        bad = pc.is_valid(reasons)
        failed = None
        if pc.any(bad).as_py():
            failed = (row_numbers.filter(bad), batch.filter(bad), reasons.filter(bad))
            table = table.filter(pc.invert(bad))
        return Prepared(n, breakdown, failed, self._split(table))

    def _split(self, table: pa.Table) -> list[tuple[str, pa.Table, np.ndarray]]:
        """The rows of each partition (REPORTER-YEAR), in order of first appearance, with their packed natural
        keys. (Reporter and year are combined as numbers: joining them as text for every row cost more.)"""
        if table.num_rows == 0:
            return []
        keys = self.keys.pack(table)
        reporter = pc.dictionary_encode(table["reporter"].combine_chunks())
        years = pc.year(table["period_start"]).to_numpy(zero_copy_only=False)
        combined = reporter.indices.to_numpy(zero_copy_only=False).astype(np.int64) * 100_000 + years
        distinct, first, inverse = np.unique(combined, return_index=True, return_inverse=True)
        names = reporter.dictionary.to_pylist()
        order = np.argsort(first)
        labels = [f"{names[distinct[i] // 100_000]}-{distinct[i] % 100_000}" for i in order]
        if len(order) == 1:
            return [(labels[0], table, keys)]
        masks = [inverse == i for i in order]
        return [(label, table.filter(pa.array(mask)), keys[mask]) for label, mask in zip(labels, masks, strict=True)]

    def take(self, piece: Prepared, entry: SnapshotEntry, offset: int) -> None:
        """A prepared piece, in file order: its failing rows to the quarantine, the rest to their partitions."""
        self.stats.rows_read += piece.rows_read
        self.stats.breakdown += piece.breakdown
        if piece.failed is not None:
            rows, raw, reasons = piece.failed
            self.quarantine.add(entry.name, pc.add(rows, offset), raw, reasons)
        for label, part, keys in piece.parts:
            target = self.partition(label)
            target.add(part, keys)
            if target.holds_a_row_group():
                target.flush(whole_groups=True)
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
        with pq.ParquetWriter(rewritten, part.schema, **writer_options(part.schema)) as writer:
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
        # the rest of every partition is written two partitions at a time (Arrow writes without the GIL): on
        # one thread this tail took about 0.4 s of a 5M-row ingest with one core idle
        parts = list(self.partitions.values())
        for part, duplicates in zip(parts, ordered_map(_closed, parts, workers=2), strict=True):
            if len(duplicates):
                self._drop_duplicates(part, duplicates)
        self.quarantine.close()
        self.stats.quarantined = self.quarantine.rows
        self.stats.written = sum(p.rows for p in self.partitions.values())
        return self._publish()

    def _publish(self) -> tuple[list[Path], str | None]:
        with table_lock(self.paths, TABLE):  # the one writer of trade_flows while its files are replaced
            return self._publish_locked()

    def _publish_locked(self) -> tuple[list[Path], str | None]:
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


def _closed(part: Partition) -> np.ndarray:
    """Close a staged partition; the positions of its rows that repeat an earlier row's natural key."""
    part.close()
    return part.later_duplicates()


def _move_into_place(staged: Path, target: Path, paths: DataPaths) -> Path:
    """The staged file replaces `target` in one rename (atomic_write: readers see old or new, never half)."""
    return atomic_write(target, lambda tmp: os.replace(staged, tmp), staging_dir=paths.staging)


def release_api_rows(paths: DataPaths, owned: set[tuple[str, int]]) -> int:
    """Rewrite comtrade.parquet (the API rows) without the reporter-years that partition files now own."""
    api_file = part_path(paths, TABLE, SOURCE_NAME)
    if not owned:
        return 0
    with table_lock(paths, TABLE):  # read-modify-write of comtrade.parquet: no other writer in between
        storage.refresh(api_file)
        if not api_file.is_file():
            return 0
        return _drop_reporter_years(paths, api_file, owned)


def _drop_reporter_years(paths: DataPaths, api_file: Path, owned: set[tuple[str, int]]) -> int:
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


def curate_bulk(source: object, snapshot: Snapshot, paths: DataPaths) -> list[TableOutcome]:
    """The comtrade source's curate step for ingested bulk files (see the module docstring)."""
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
