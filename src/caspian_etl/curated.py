"""Curated Parquet: data/curated/<table>/<source>.parquet, one file per source that feeds the table.

A source only ever replaces its own file, so a source that fails leaves the rows of the others (and its own
previous rows) untouched. Readers take the whole folder: `read_parquet('data/curated/<table>/*.parquet')`.
Rows are sorted by the natural key and written with fixed options, so the same snapshots give
byte-identical files; the footer carries the contract version, the table description and the snapshot hashes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from caspian_etl.atomic import atomic_write
from caspian_etl.contracts import TableContract, load_contract
from caspian_etl.settings import DataPaths


def table_dir(paths: DataPaths, table: str) -> Path:
    return paths.curated / table


def part_path(paths: DataPaths, table: str, source: str) -> Path:
    return table_dir(paths, table) / f"{source}.parquet"


def to_arrow(contract: TableContract, frame: pd.DataFrame, metadata: dict[str, str] | None = None) -> pa.Table:
    """Validated rows -> an Arrow table with the contract's types, order and metadata."""
    frame = frame[contract.column_names]
    if len(frame) and contract.natural_key:
        frame = frame.sort_values(list(contract.natural_key), na_position="first", kind="mergesort")
    schema = contract.arrow_schema(metadata)
    plain = pa.Table.from_pandas(frame.reset_index(drop=True), preserve_index=False)
    return plain.select(contract.column_names).cast(schema)


def write_part(paths: DataPaths, contract: TableContract, source: str, frame: pd.DataFrame,
               metadata: dict[str, str] | None = None) -> Path:
    """Atomically replace the source's file of the table with `frame` (already validated)."""
    table = to_arrow(contract, frame, metadata)
    return atomic_write(
        part_path(paths, contract.name, source),
        lambda tmp: pq.write_table(table, tmp, compression="zstd", write_statistics=True),
        staging_dir=paths.staging,
    )


def footer_metadata(path: Path) -> dict[str, str]:
    raw = pq.read_schema(path).metadata or {}
    return {k.decode(): v.decode() for k, v in raw.items() if k.decode().startswith("caspian_etl.")}


def snapshot_hashes(path: Path) -> list[str]:
    return json.loads(footer_metadata(path).get("caspian_etl.snapshot_sha256", "[]"))


def part_files(paths: DataPaths, table: str) -> list[Path]:
    """The files of a table: `<source>.parquet`, or `<source>__<partition>.parquet` for a partitioned source."""
    folder = table_dir(paths, table)
    return sorted(folder.glob("*.parquet")) if folder.is_dir() else []


def source_of_part(path: Path) -> str:
    return path.stem.split("__", 1)[0]


def part_row_counts(paths: DataPaths, table: str) -> dict[str, int]:
    """Rows per source of a table (partition files summed), read from the Parquet footers (no data read)."""
    counts: dict[str, int] = {}
    for p in part_files(paths, table):
        counts[source_of_part(p)] = counts.get(source_of_part(p), 0) + pq.read_metadata(p).num_rows
    return counts


def read_table(paths: DataPaths, table: str) -> pd.DataFrame:
    """The whole curated table (every source's file), as readers see it."""
    contract = load_contract(table)
    files = [str(p) for p in part_files(paths, table)]
    if not files:
        return contract.empty_frame()
    return ds.dataset(files, format="parquet", schema=contract.arrow_schema()).to_table().to_pandas()
