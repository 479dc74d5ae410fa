"""Curated Parquet: deterministic bytes, footer metadata, atomic replacement, types readers get."""

import json

import duckdb
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from caspian_etl.contracts import curated
from caspian_etl.contracts.curated import footer_metadata, part_path, snapshot_hashes, write_part
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table

SHA = "2" * 64
CONTRACT = load_contract("trade_flows")


def frame(n: int = 3, value: float = 100.0) -> pd.DataFrame:
    rows = [dict(reporter="KAZ", partner="AZE", flow="X", period=f"{2020 + i}", frequency="A",
                 period_start=f"{2020 + i}-01-01", period_end=f"{2020 + i}-12-31", classification="HS",
                 commodity_code="0101", commodity_desc="synthetic", value_usd=value + i, net_weight_kg=None,
                 quantity=None, quantity_unit=None, basis="official", claim_id=None, source="test",
                 source_url="http://127.0.0.1/x", snapshot_sha256=SHA) for i in reversed(range(n))]
    return validate_table(CONTRACT, pd.DataFrame(rows)).valid


META = {"caspian_etl.snapshot_sha256": json.dumps([SHA]), "caspian_etl.source": "test"}


def test_same_rows_give_identical_bytes_whatever_their_order(paths) -> None:
    a = write_part(paths, CONTRACT, "test", frame(), META).read_bytes()
    b = write_part(paths, CONTRACT, "test", frame().iloc[::-1], META).read_bytes()
    assert a == b


def test_footer_and_field_metadata(paths) -> None:
    path = write_part(paths, CONTRACT, "test", frame(), META)
    meta = footer_metadata(path)
    assert meta["caspian_etl.table"] == "trade_flows" and meta["caspian_etl.schema_version"] == "1"
    assert meta["caspian_etl.description"].startswith("Goods trade")
    assert snapshot_hashes(path) == [SHA]
    schema = pq.read_schema(path)
    assert schema.field("value_usd").metadata[b"unit"] == b"USD"
    assert b"pandas" not in (schema.metadata or {})  # no library-specific metadata


def test_rows_are_sorted_by_natural_key(paths) -> None:
    path = write_part(paths, CONTRACT, "test", frame(), META)
    assert pq.read_table(path).column("period").to_pylist() == ["2020", "2021", "2022"]


def test_readers_get_the_contract_types(paths) -> None:
    path = write_part(paths, CONTRACT, "test", frame(), META)
    glob = str(path.parent / "*.parquet")
    con = duckdb.connect()
    types = {row[0]: row[1] for row in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}')").fetchall()}
    assert types["period_start"] == "DATE" and types["commodity_code"] == "VARCHAR"
    assert types["value_usd"] == "DOUBLE"
    assert con.execute(f"SELECT commodity_code FROM read_parquet('{glob}') LIMIT 1").fetchone() == ("0101",)
    lf = pl.read_parquet(glob)
    assert lf.schema["period_start"] == pl.Date and lf.schema["commodity_code"] == pl.String
    df = pd.read_parquet(path.parent)
    assert df["value_usd"].dtype == "float64"


def test_crash_mid_write_keeps_the_previous_table(paths, monkeypatch) -> None:
    path = write_part(paths, CONTRACT, "test", frame(value=1.0), META)
    before = path.read_bytes()

    def half_write(table: pa.Table, where, **kw) -> None:
        with open(where, "wb") as fh:
            fh.write(b"PAR1 half a file")
        raise OSError("disk full (injected)")

    monkeypatch.setattr(pq, "write_table", half_write)
    with pytest.raises(curated.WriteFailed, match="disk full \\(injected\\)"):
        write_part(paths, CONTRACT, "test", frame(value=2.0), META)
    assert path.read_bytes() == before
    assert list(path.parent.iterdir()) == [path]  # no temp file left in the table folder
    assert list(paths.staging.iterdir()) == []  # and none left in staging


def test_part_files_live_in_the_table_folder(paths) -> None:
    assert part_path(paths, "trade_flows", "comtrade") == paths.curated / "trade_flows" / "comtrade.parquet"


def test_read_table_projects_and_filters_at_the_scan(paths) -> None:
    """Only the asked columns of the rows passing the filter, in the order the whole table gives them."""
    write_part(paths, CONTRACT, "a", frame(4), META)
    write_part(paths, CONTRACT, "b", frame(3, value=500.0), META)
    whole = curated.read_table(paths, "trade_flows")
    wanted = whole[whole["value_usd"] > 101.5][["source", "period", "value_usd"]].reset_index(drop=True)
    read = curated.read_table(paths, "trade_flows", columns=["source", "period", "value_usd"],
                              filter=pc.field("value_usd") > 101.5)
    pd.testing.assert_frame_equal(read, wanted)
    assert list(curated.read_table(paths, "cited_figures", columns=["source_url"]).columns) == ["source_url"]


def test_first_rows_is_drop_duplicates_computed_batch_by_batch(paths) -> None:
    write_part(paths, CONTRACT, "a", frame(4), META)
    write_part(paths, CONTRACT, "b", frame(6, value=500.0), META)
    columns = ["period", "period_start", "source"]
    whole = curated.read_table(paths, "trade_flows")
    expected = whole[whole["value_usd"] > 101.5][columns].drop_duplicates("period").reset_index(drop=True)
    got = curated.first_rows(paths, "trade_flows", "period", columns[1:], filter=pc.field("value_usd") > 101.5)
    pd.testing.assert_frame_equal(got, expected)
    none = curated.first_rows(paths, "trade_flows", "period", columns[1:], filter=pc.field("value_usd") < 0)
    assert none.empty and list(none.columns) == columns


def test_filters_tested_on_dictionary_strings_keep_the_rows_a_plain_scan_keeps(paths) -> None:
    """Row groups are tested with their strings read as dictionaries; every kind of filter the derived tables
    use (equality, inequality, sets with and without null, order, null tests, and their combinations) keeps
    exactly the rows a plain scan of the table keeps, in the same order. Synthetic rows."""
    import itertools

    import pyarrow.dataset as ds

    from caspian_etl.derived.observations import trade_filter
    from caspian_etl.derived.trade_mirror import MIRROR_FILTER

    rows = []
    for i, (flow, code, basis, unit) in enumerate(itertools.product(
            ["X", "M", "T"], ["TOTAL", "0101", "10", "27"], ["official", "reported"], [None, "kg"])):
        row = frame(1, value=float(i)).iloc[0].to_dict()
        rows.append({**row, "flow": flow, "commodity_code": code, "basis": basis, "quantity_unit": unit,
                     "period": str(2000 + i), "claim_id": None if i % 3 else f"c{i}"})
    whole = validate_table(CONTRACT, pd.DataFrame(rows)).valid
    write_part(paths, CONTRACT, "a", whole.iloc[::2], META)
    write_part(paths, CONTRACT, "b", whole.iloc[1::2], META)
    files = [str(p) for p in curated.part_files(paths, "trade_flows")]
    plain = ds.dataset(files, format="parquet", schema=CONTRACT.arrow_schema())
    filters = [trade_filter(), MIRROR_FILTER, pc.field("flow") == "T", pc.field("flow") != "X",
               pc.field("commodity_code").isin(["TOTAL", "10"]), pc.field("quantity_unit").isin(["g", None]),
               pc.field("commodity_code") > "1", pc.field("claim_id").is_null(), pc.field("quantity_unit").is_valid(),
               ~(pc.field("basis") == "official") | (pc.field("commodity_code") == "27")]
    for expression in filters:
        expected = plain.to_table(filter=expression).to_pandas()
        got = curated.read_table(paths, "trade_flows", filter=expression)
        assert 0 < len(got) < len(whole), expression  # the filter keeps some rows, not all
        pd.testing.assert_frame_equal(got, expected, obj=str(expression))
    nothing = curated.read_table(paths, "trade_flows", filter=pc.field("flow") == "nowhere")
    assert nothing.empty and list(nothing.columns) == CONTRACT.column_names
