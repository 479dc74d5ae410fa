"""Reader contract: every curated table, read by DuckDB, Polars and pandas, has the types its contract says.

Dates come back as dates, timestamps as UTC with microseconds, codes (periods, HS commodity codes, ISO codes)
as strings, and nothing is an untyped object column where the contract gives a type. pandas needs
`dtype_backend="pyarrow"` for that (README and CATALOG.md say so): its default reader turns dates into Python
objects and nullable integers into floats, asserted below so a change in pandas shows up here.
"""

from __future__ import annotations

from datetime import date, datetime, timezone

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from caspian_etl.contracts.curated import part_files, write_part
from caspian_etl.contracts.schema import ColumnSpec, TableContract, load_contract, table_names
from caspian_etl.core.settings import DataPaths
from tests.offline_run import offline_data  # noqa: F401 - session fixture

DUCKDB = {"string": "VARCHAR", "float64": "DOUBLE", "int64": "BIGINT", "bool": "BOOLEAN", "date": "DATE",
          "timestamp": "TIMESTAMP WITH TIME ZONE"}
POLARS = {"string": pl.String, "float64": pl.Float64, "int64": pl.Int64, "bool": pl.Boolean, "date": pl.Date,
          "timestamp": pl.Datetime("us", "UTC")}
PANDAS_ARROW = {"string": pa.string(), "float64": pa.float64(), "int64": pa.int64(), "bool": pa.bool_(),
                "date": pa.date32(), "timestamp": pa.timestamp("us", tz="UTC")}


def duckdb_types(folder) -> dict[str, str]:
    rows = duckdb.connect().execute(f"DESCRIBE SELECT * FROM read_parquet('{folder}/*.parquet')").fetchall()
    return {name: kind for name, kind, *_ in rows}


def polars_types(folder) -> dict[str, pl.DataType]:
    return dict(pl.read_parquet(f"{folder}/*.parquet").schema)


def pandas_arrow_types(folder) -> dict[str, pa.DataType]:
    frame = pd.read_parquet(folder, dtype_backend="pyarrow")
    return {c: frame[c].dtype.pyarrow_dtype for c in frame.columns}


READERS = {"duckdb": (duckdb_types, DUCKDB), "polars": (polars_types, POLARS),
           "pandas": (pandas_arrow_types, PANDAS_ARROW)}


def test_the_run_writes_every_table(offline_data) -> None:  # noqa: F811
    paths, _ = offline_data
    assert all(part_files(paths, t) for t in table_names())


@pytest.mark.parametrize("reader", sorted(READERS))
@pytest.mark.parametrize("table", table_names())
def test_readers_get_the_contract_types(offline_data, table, reader) -> None:  # noqa: F811
    paths, _ = offline_data
    read, expected = READERS[reader]
    contract = load_contract(table)
    got = read(paths.curated / table)
    assert list(got) == contract.column_names  # no partition or index columns added, contract order kept
    assert {c.name: got[c.name] for c in contract.columns} == {c.name: expected[c.type] for c in contract.columns}


def test_pandas_default_reader_has_no_object_column_except_dates(offline_data) -> None:  # noqa: F811
    paths, _ = offline_data
    frame = pd.read_parquet(paths.curated / "claims")
    contract = load_contract("claims")
    objects = {c for c in frame.columns if frame[c].dtype == object}
    assert objects == {c.name for c in contract.columns if c.type == "date"}
    assert isinstance(frame["period_start"].dropna().iloc[0], date)
    assert frame["endnote"].dtype == "float64"  # a nullable integer: use dtype_backend="pyarrow" to keep Int64


@pytest.mark.parametrize("reader", ["duckdb", "polars", "pandas"])
def test_code_columns_stay_strings(offline_data, reader) -> None:  # noqa: F811
    paths, _ = offline_data
    folder = paths.curated / "trade_flows"
    if reader == "duckdb":
        values = {r[0] for r in duckdb.connect().execute(
            f"SELECT DISTINCT commodity_code FROM read_parquet('{folder}/*.parquet')").fetchall()}
        periods = {r[0] for r in duckdb.connect().execute(
            f"SELECT DISTINCT period FROM read_parquet('{folder}/*.parquet')").fetchall()}
    elif reader == "polars":
        frame = pl.read_parquet(f"{folder}/*.parquet")
        values, periods = set(frame["commodity_code"]), set(frame["period"])
    else:
        frame = pd.read_parquet(folder, dtype_backend="pyarrow")
        values, periods = set(frame["commodity_code"]), set(frame["period"])
    assert {"TOTAL", "10"} <= values  # HS chapter 10 (cereals) is "10", not the number 10
    assert {"2023", "2024", "2024-01..2024-06"} <= periods


EVERY_TYPE = TableContract(
    name="reader_types", version=1, title="every contract type", description="synthetic reader-type fixture",
    natural_key=("key",), columns=tuple(ColumnSpec(name, kind, nullable, "", None, {}) for name, kind, nullable in (
        ("key", "string", False), ("number", "float64", True), ("count", "int64", True), ("flag", "bool", True),
        ("day", "date", True), ("moment", "timestamp", True))))


@pytest.mark.parametrize("reader", sorted(READERS))
def test_every_contract_type_reaches_readers_typed(tmp_path, reader) -> None:
    """Today's contracts have no timestamp or bool column; a synthetic table with every type checks the writer."""
    paths = DataPaths(tmp_path / "data")
    frame = pd.DataFrame({
        "key": ["a", "b"], "number": [1.5, None], "count": pd.array([3, None], dtype="Int64"),
        "flag": pd.array([True, None], dtype="boolean"), "day": pd.to_datetime(["2024-02-29", None]),
        "moment": pd.to_datetime([datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc), None], utc=True),
    })
    write_part(paths, EVERY_TYPE, "synthetic", frame)
    read, expected = READERS[reader]
    got = read(paths.curated / "reader_types")
    assert got == {c.name: expected[c.type] for c in EVERY_TYPE.columns}
    moment = duckdb.connect().execute(
        f"SELECT epoch_us(moment) FROM read_parquet('{paths.curated}/reader_types/*.parquet') WHERE key = 'a'"
    ).fetchone()[0]
    assert moment == int(datetime(2024, 3, 1, 12, 30, 15, 123456, tzinfo=timezone.utc).timestamp() * 1_000_000)
