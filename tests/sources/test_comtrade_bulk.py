"""Comtrade bulk files through `ingest-file`: streamed, validated row by row, partitioned by reporter-year.

Every file here is SYNTHETIC (benchmarks/comtrade_synth.py or written inline); no figure is real trade data."""

import gzip
import json

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks.comtrade_synth import API_COLUMNS, write_bulk_file
from caspian_etl.cli import EXIT_OK, main
from caspian_etl.contracts.curated import footer_metadata, part_row_counts, read_table, write_part
from caspian_etl.contracts.schema import load_contract
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.pipeline.run import ingest_files
from caspian_etl.sources.comtrade import bulk as comtrade_bulk
from caspian_etl.sources.comtrade import keys as comtrade_keys
from caspian_etl.sources.comtrade import partitions as comtrade_partitions
from caspian_etl.sources.comtrade import rows as comtrade_bulk_rows

# the columns of a bulk "final" file: the API's, without ISO codes and descriptions
BULK_COLUMNS = ["freqCode", "period", "reporterCode", "flowCode", "partnerCode", "partner2Code",
                "classificationCode", "cmdCode", "customsCode", "motCode", "qtyUnitCode", "qty", "netWgt",
                "primaryValue"]


def bulk_file(path, rows: list[list[str]], columns=BULK_COLUMNS):
    text = "\t".join(columns) + "\n" + "".join("\t".join(r) + "\n" for r in rows)
    path.write_bytes(gzip.compress(text.encode()))
    return path


def row(reporter="398", partner="31", flow="X", period="2023", cmd="2709", value="1000.5", freq="A",
        partner2="0", customs="C00", mot="0", unit="8", qty="12.5", weight="12.5"):
    return [freq, period, reporter, flow, partner, partner2, "H6", cmd, customs, mot, unit, qty, weight, value]


def quarantine_rows(paths):
    files = list((paths.quarantine / "trade_flows").glob("comtrade__*.csv"))
    assert len(files) == 1
    import csv
    return list(csv.DictReader(files[0].open(encoding="utf-8")))


def test_100k_generated_rows_stream_with_bounded_memory(paths, tmp_path, monkeypatch) -> None:
    rows = 100_000
    file = write_bulk_file(tmp_path / "bulk.tsv.gz", rows, bad_every=25_000, chunk=50_000)
    # small batches and buffers, so that a 100k-row file is many batches: memory must not grow with the file
    monkeypatch.setattr(comtrade_bulk_rows, "BLOCK_SIZE", 256 << 10)
    monkeypatch.setattr(comtrade_partitions, "FLUSH_ROWS", 4096)
    monkeypatch.setattr(comtrade_bulk, "MAX_BUFFERED_ROWS", 8192)
    peaks, batches = [], []
    real_take = comtrade_bulk.BulkIngest.take

    def take(self, piece, entry, offset):  # sample the Arrow memory in use at every piece
        batches.append(piece.rows_read)
        peaks.append(pa.total_allocated_bytes())
        real_take(self, piece, entry, offset)

    monkeypatch.setattr(comtrade_bulk.BulkIngest, "take", take)
    base = pa.total_allocated_bytes()
    result = ingest_files("comtrade", paths, [file])
    assert result.status == "ok", result.reason
    outcome = result.tables[0]
    assert outcome.rows_quarantined == 4  # one planted bad commodity code every 25,000 rows
    assert outcome.rows_written + outcome.rows_quarantined == rows
    assert sum(part_row_counts(paths, "trade_flows").values()) == outcome.rows_written
    full = read_table(paths, "trade_flows")
    whole_table_bytes = pa.Table.from_pandas(full).nbytes
    assert len(batches) > 20
    in_use = [p - base for p in peaks]
    assert max(in_use) < whole_table_bytes / 2, (max(in_use), whole_table_bytes)
    half = len(in_use) // 2  # the second half of the file needs no more memory than the first
    assert max(in_use[half:]) < 1.25 * max(in_use[:half]), in_use
    # DuckDB reads the partitions as one table; HS codes keep their leading zero
    con = duckdb.connect()
    glob = str(paths.curated / "trade_flows" / "*.parquet")
    n, min_code, code_type = con.execute(f"SELECT count(*), min(commodity_code), typeof(min(commodity_code)) "
                                         f"FROM read_parquet('{glob}')").fetchone()
    assert (n, min_code, code_type) == (outcome.rows_written, "010000", "VARCHAR")
    # 64,000 synthetic rows a reporter-month: the file is January and February 2020 of KAZ
    assert [p.name for p in (paths.curated / "trade_flows").iterdir()] == ["comtrade__KAZ-2020.parquet"]
    assert sorted(set(full["period"])) == ["2020-01", "2020-02"]
    bad = quarantine_rows(paths)
    assert [r["row"] for r in bad] == ["25000", "50000", "75000", "100000"]
    assert all(r["cmdCode"] == "ABC" and "commodity_code: str_matches" in r["quarantine_reason"] for r in bad)


def test_bulk_final_columns_map_codes_and_quarantine_with_reasons(paths, tmp_path) -> None:
    file = bulk_file(tmp_path / "final.gz", [
        row(),                                          # KAZ -> AZE crude oil, valid
        row(partner="0", cmd="TOTAL", value="5000"),    # world total: WLD
        row(partner="490", cmd="10"),                   # "Other Asia, nes": no ISO3 -> quarantined
        row(value="-3"),                                # negative value -> quarantined by the contract
        row(value="abc", cmd="1001"),                   # not a number
        row(period="2023", freq="M", cmd="7604"),       # freqCode M with an annual period
        row(flow="DX", cmd="7304"),                     # a flow the contract does not know
        row(mot="2100", cmd="2709"),                    # breakdown by mode of transport: not a total
        row(unit="-1", qty="", weight="", cmd="01"),    # no quantity
        row(unit="13", qty="4", cmd="02"),              # a unit code without a known abbreviation
    ])
    assert main(["ingest-file", "comtrade", str(file), "--data-dir", str(paths.root)]) == EXIT_OK
    table = read_table(paths, "trade_flows").set_index(["partner", "commodity_code"])
    assert len(table) == 4
    assert table.loc[("AZE", "02"), "quantity_unit"] == "qtyUnitCode 13" and table.loc[("AZE", "02"), "quantity"] == 4
    oil = table.loc[("AZE", "2709")]
    assert (oil.reporter, oil.flow, oil.period, oil.frequency, oil.value_usd, oil.net_weight_kg) == (
        "KAZ", "X", "2023", "A", 1000.5, 12.5)
    assert oil.quantity_unit == "kg" and oil.basis == "official" and oil.source == "comtrade"
    assert table.loc[("WLD", "TOTAL"), "value_usd"] == 5000.0
    assert pd.isna(table.loc[("AZE", "01"), "quantity"]) and pd.isna(table.loc[("AZE", "01"), "quantity_unit"])
    reasons = {r["row"]: r["quarantine_reason"] for r in quarantine_rows(paths)}
    # contract failures in the DataFrame path's words (tests/contracts/test_check_parity.py)
    assert reasons == {
        "3": "partner: no ISO3 code for Comtrade area '490'; partner: not_nullable failed for value 'nan'",
        "4": "value_usd: greater_than_or_equal_to(0) failed for value '-3.0'",
        "5": "primaryValue: 'abc' is not a number",
        "6": "freqCode 'M' does not match the period",
        "7": "flow: isin(['X', 'M', 'RX', 'RM', 'T']) failed for value 'DX'",
    }


def test_duplicate_natural_key_keeps_the_first_row(paths, tmp_path) -> None:
    file = bulk_file(tmp_path / "dup.gz", [row(value="1"), row(cmd="2710", value="2"), row(value="3")])
    result = ingest_files("comtrade", paths, [file])
    assert result.status == "ok", result.reason
    table = read_table(paths, "trade_flows")
    assert sorted(table["value_usd"]) == [1.0, 2.0]
    (dup,) = quarantine_rows(paths)
    assert dup["primaryValue"] == "3" and dup["quarantine_reason"].startswith("duplicate natural key")


def test_same_files_give_identical_bytes_and_partitions_stay_separate(paths, tmp_path) -> None:
    y2022 = bulk_file(tmp_path / "kaz2022.gz", [row(period="2022"), row(period="2022", cmd="27")])
    y2023 = bulk_file(tmp_path / "kaz2023.gz", [row(period="2023"), row(reporter="31", partner="398")])
    assert ingest_files("comtrade", paths, [y2022]).status == "ok"
    assert ingest_files("comtrade", paths, [y2023]).status == "ok"
    folder = paths.curated / "trade_flows"
    assert sorted(p.name for p in folder.iterdir()) == [
        "comtrade__AZE-2023.parquet", "comtrade__KAZ-2022.parquet", "comtrade__KAZ-2023.parquet"]
    first = (folder / "comtrade__KAZ-2023.parquet").read_bytes()
    assert ingest_files("comtrade", paths, [y2023]).status == "ok"
    assert (folder / "comtrade__KAZ-2023.parquet").read_bytes() == first
    assert part_row_counts(paths, "trade_flows") == {"comtrade": 4}
    meta = footer_metadata(folder / "comtrade__KAZ-2023.parquet")
    assert meta["caspian_etl.source"] == "comtrade" and meta["caspian_etl.table"] == "trade_flows"
    assert json.loads(meta["caspian_etl.snapshot_sha256"]) == SnapshotStore(paths, "comtrade").latest().sha256s


def test_broken_file_fails_and_keeps_the_previous_partitions(paths, tmp_path) -> None:
    good = bulk_file(tmp_path / "good.gz", [row()])
    assert ingest_files("comtrade", paths, [good]).status == "ok"
    before = (paths.curated / "trade_flows" / "comtrade__KAZ-2023.parquet").read_bytes()
    data = gzip.compress(("\t".join(BULK_COLUMNS) + "\n" + ("\t".join(row(value="7")) + "\n") * 20000).encode())
    broken = tmp_path / "broken.gz"
    broken.write_bytes(data[: len(data) // 2])
    result = ingest_files("comtrade", paths, [broken])
    assert result.status == "failed" and "broken.gz: unreadable bulk file" in result.reason
    assert (paths.curated / "trade_flows" / "comtrade__KAZ-2023.parquet").read_bytes() == before
    assert not list(paths.staging.glob("bulk-*"))  # nothing staged is left behind


def test_a_file_that_is_not_a_bulk_file_names_its_missing_columns(paths, tmp_path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("country,year,value\nKAZ,2020,1\n")
    result = ingest_files("comtrade", paths, [other])
    assert result.status == "failed"
    assert "other.csv: not a Comtrade bulk file: header lacks ['freqCode', 'period'" in result.reason


def test_api_shaped_file_with_iso_columns(paths, tmp_path) -> None:
    # the synthetic generator writes all 47 API columns (ISO codes and descriptions included)
    file = write_bulk_file(tmp_path / "api_shaped.tsv.gz", 300)
    assert gzip.open(file, "rt").readline().rstrip("\n").split("\t") == API_COLUMNS
    assert ingest_files("comtrade", paths, [file]).status == "ok"
    table = read_table(paths, "trade_flows")
    assert len(table) == 300 and set(table["partner"]) == {"KAZ"} and set(table["period"]) == {"2020-01"}
    assert table["commodity_desc"].str.startswith("Synthetic commodity").all()


def test_bulk_reporter_years_take_over_from_api_rows(paths, tmp_path) -> None:
    contract = load_contract("trade_flows")
    api_rows = [dict(reporter="KAZ", partner="AZE", flow="X", period=str(y), frequency="A",
                     period_start=f"{y}-01-01", period_end=f"{y}-12-31", classification="H6",
                     commodity_code="2709", commodity_desc=None, value_usd=1.0, net_weight_kg=None, quantity=None,
                     quantity_unit=None, basis="official", claim_id=None, source="comtrade", source_url=None,
                     snapshot_sha256="0" * 64) for y in (2022, 2023)]
    write_part(paths, contract, "comtrade", pd.DataFrame(api_rows).astype({"period_start": "datetime64[ns]",
                                                                           "period_end": "datetime64[ns]"}))
    assert ingest_files("comtrade", paths, [bulk_file(tmp_path / "k.gz", [row(period="2023")])]).status == "ok"
    api = pq.read_table(paths.curated / "trade_flows" / "comtrade.parquet").to_pandas()
    assert api["period"].tolist() == ["2022"]  # 2023 is now owned by comtrade__KAZ-2023.parquet
    table = read_table(paths, "trade_flows")
    assert not table.duplicated(list(contract.natural_key)).any() and len(table) == 2


@pytest.mark.parametrize("raw, expected", [
    ("2023", ("2023", "A")), ("202303", ("2023-03", "M")), ("202313", ("202313", None)), ("23", ("23", None)),
])
def test_period_parts(raw, expected) -> None:
    assert comtrade_bulk_rows._period_parts(raw)[:2] == expected


def test_row_groups_do_not_depend_on_how_the_file_was_read(paths, tmp_path, monkeypatch) -> None:
    """Same file, same code: the same bytes, whether the reader's pieces are small or large (row groups are cut
    every FLUSH_ROWS rows of a partition, not where a read happened to end)."""
    file = write_bulk_file(tmp_path / "bulk.tsv.gz", 30_000, bad_every=7_000, chunk=10_000)
    monkeypatch.setattr(comtrade_partitions, "FLUSH_ROWS", 4_000)
    written = {}
    for block in (64 << 10, 1 << 20):
        monkeypatch.setattr(comtrade_bulk_rows, "BLOCK_SIZE", block)
        data = paths.root / f"block{block}"
        from caspian_etl.core.settings import DataPaths
        result = ingest_files("comtrade", DataPaths(data), [file])
        assert result.status == "ok", result.reason
        written[block] = (data / "curated" / "trade_flows" / "comtrade__KAZ-2020.parquet").read_bytes()
        groups = pq.ParquetFile(data / "curated" / "trade_flows" / "comtrade__KAZ-2020.parquet").metadata
        assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [4_000] * 7 + [1_996]
    assert written[64 << 10] == written[1 << 20]


@pytest.mark.parametrize("tamper", ["other rows, still gzip", "broken gzip"])
def test_a_stored_file_that_changed_is_refused_and_nothing_is_published(paths, tmp_path, tamper) -> None:
    """The bulk reader checks the stored file's sha256 while it streams (one read): a changed file fails the
    curation with the snapshot error, whether it still parses or not, and no partition is replaced."""
    from caspian_etl.core.errors import SnapshotError
    from caspian_etl.sources import get_source

    assert ingest_files("comtrade", paths, [bulk_file(tmp_path / "k.gz", [row(), row(cmd="27")])]).status == "ok"
    partition = paths.curated / "trade_flows" / "comtrade__KAZ-2023.parquet"
    before = partition.read_bytes()
    snapshot = SnapshotStore(paths, "comtrade").latest()
    stored = snapshot.file_path("k.gz")
    if tamper == "broken gzip":
        stored.write_bytes(stored.read_bytes()[:-12])
    else:
        bulk_file(stored, [row(value="999"), row(cmd="27")])
    with pytest.raises(SnapshotError, match="no longer matches its recorded sha256"):
        comtrade_bulk.curate_bulk(get_source("comtrade"), snapshot, paths)
    assert partition.read_bytes() == before
    assert not list(paths.staging.glob("bulk-*"))


def test_pieces_cut_at_line_breaks_lose_no_row(tmp_path, monkeypatch) -> None:
    """The reader cuts the text in pieces at line breaks: CRLF lines, a last line without a break and pieces
    smaller than one line all give every row, in order."""
    monkeypatch.setattr(comtrade_bulk_rows, "BLOCK_SIZE", 7)  # smaller than a line
    lines = ["\t".join(BULK_COLUMNS)] + ["\t".join(row(cmd=f"{i:04d}", value=str(i))) for i in range(1, 40)]
    file = tmp_path / "crlf.tsv.gz"
    file.write_bytes(gzip.compress("\r\n".join(lines).encode()))  # no break after the last line
    batches = list(comtrade_bulk_rows.read_batches(file, file.name))
    values = [v for b in batches for v in b.column("primaryValue").to_pylist()]
    assert values == [str(i) for i in range(1, 40)]


def test_a_key_repeated_in_a_later_piece_is_a_duplicate(paths, tmp_path, monkeypatch) -> None:
    """Pieces are prepared on two threads with one key vocabulary: a key seen first in one piece and again in a
    later one is still caught, and the first row stays."""
    monkeypatch.setattr(comtrade_bulk_rows, "BLOCK_SIZE", 64)  # about one row a piece
    rows = [row(cmd=f"{i:04d}", value=str(i)) for i in range(1, 30)] + [row(cmd="0003", value="999")]
    result = ingest_files("comtrade", paths, [bulk_file(tmp_path / "k.gz", rows)])
    assert result.status == "ok", result.reason
    table = read_table(paths, "trade_flows")
    assert len(table) == 29 and 999.0 not in set(table["value_usd"])
    (dup,) = quarantine_rows(paths)
    assert (dup["file"], dup["primaryValue"]) == ("(after all files)", "999")
    assert dup["quarantine_reason"].startswith("duplicate natural key")


def test_text_that_is_not_ascii_is_still_checked_as_utf8(paths, tmp_path) -> None:
    """Text columns are checked for UTF-8 after parsing (all-ASCII columns at once): a description in real
    UTF-8 is read as written, bytes that are not UTF-8 fail the file, naming the column."""
    columns = BULK_COLUMNS + ["cmdDesc"]
    good = bulk_file(tmp_path / "good.gz", [row() + ["Pétrole brut, Côte d'Ivoire"], row(cmd="27") + [""]], columns)
    assert ingest_files("comtrade", paths, [good]).status == "ok"
    descs = dict(zip(*[read_table(paths, "trade_flows")[c] for c in ("commodity_code", "commodity_desc")],
                     strict=True))
    assert descs["2709"] == "Pétrole brut, Côte d'Ivoire" and pd.isna(descs["27"])
    text = ("\t".join(columns) + "\n" + "\t".join(row() + ["x"]) + "\n").encode().replace(b"\tx\n", b"\t\xff\xfe\n")
    broken = tmp_path / "latin.gz"
    broken.write_bytes(gzip.compress(text))
    result = ingest_files("comtrade", paths, [broken])
    assert result.status == "failed" and "unreadable bulk file" in result.reason and "UTF8" in result.reason
    assert "column cmdDesc" in result.reason


def test_the_utf8_check_reads_whole_columns_and_dictionaries() -> None:
    """require_utf8: ASCII and real UTF-8 pass, as plain or dictionary text; a byte that is not UTF-8 fails with
    the column's name, also among a dictionary's values; a slice is judged on its own values. Synthetic values."""
    import pyarrow as pa

    from caspian_etl.sources.comtrade.rows import require_utf8

    def text(*values: bytes, dictionary: bool = False) -> pa.Array:  # strings made of any bytes, unchecked
        array = pa.Array.from_buffers(pa.string(), len(values), pa.array(values, pa.binary()).buffers())
        return array.dictionary_encode() if dictionary else array

    require_utf8(pa.table({"code": text(b"2709", b"27"), "desc": text("Côte d'Ivoire".encode(), b"", dictionary=True),
                           "value": pa.array([1.0, 2.0])}))
    require_utf8(pa.table({"desc": text(b"\xff", b"x", b"y").slice(1)}))  # the bad byte is outside the slice
    for bad in (text(b"caf\xe9", b"x"), text(b"x", b"\xff\xfe", dictionary=True)):
        with pytest.raises(pa.ArrowInvalid, match="column desc: .*UTF8"):
            require_utf8(pa.table({"ok": text(b"a", b"b"), "desc": bad}))


def test_partitions_are_written_with_the_bulk_writer_options(paths, tmp_path) -> None:
    """Values and weights are not dictionary-encoded (nearly all distinct), long text has no statistics, and
    the file reads back with the contract's types."""
    file = write_bulk_file(tmp_path / "bulk.tsv.gz", 5_000, bad_every=0, chunk=5_000)
    assert ingest_files("comtrade", paths, [file]).status == "ok"
    part = next((paths.curated / "trade_flows").glob("comtrade__*.parquet"))
    meta = pq.ParquetFile(part).metadata
    group = meta.row_group(0)
    columns = {group.column(i).path_in_schema: group.column(i) for i in range(group.num_columns)}
    assert "RLE_DICTIONARY" not in columns["value_usd"].encodings
    assert "RLE_DICTIONARY" in columns["reporter"].encodings
    assert not columns["source_url"].is_stats_set and columns["commodity_code"].is_stats_set
    assert pq.read_schema(part).remove_metadata() == load_contract("trade_flows").arrow_schema().remove_metadata()


def test_the_shared_constant_columns_are_made_once_across_threads() -> None:
    """Pieces are mapped on two threads: both must slice the same shared array (one copy in memory)."""
    from concurrent.futures import ThreadPoolExecutor

    comtrade_bulk_rows._CONSTANTS.clear()
    with ThreadPoolExecutor(8) as pool:
        arrays = list(pool.map(lambda _: comtrade_bulk_rows.constant("file:///synthetic/url", 50_000), range(64)))
    assert len({a.buffers()[2].address for a in arrays}) == 1


@pytest.mark.parametrize("repeats", [0, 1, 500])
def test_later_duplicates_are_the_rows_after_the_first_of_each_key(repeats) -> None:
    rng = np.random.default_rng(repeats)
    keys = rng.choice(2**40, size=20_000, replace=False).astype(np.int64)
    if repeats:  # copies of earlier keys placed after them
        sources = rng.choice(10_000, size=repeats, replace=False)
        keys[10_000 + np.arange(repeats)] = keys[sources]
    seen, expected = set(), []
    for i, key in enumerate(keys.tolist()):
        if key in seen:
            expected.append(i)
        seen.add(key)
    assert comtrade_keys.later_duplicates(keys).tolist() == expected
    assert len(expected) == repeats
