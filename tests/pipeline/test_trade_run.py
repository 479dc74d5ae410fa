"""`caspian-etl run --source comtrade --source imf_imts`: live against 127.0.0.1 (SYNTHETIC answers), then
offline from the stored snapshots with byte-identical tables; trade_mirror built from both sources."""

import json

import duckdb

from caspian_etl.cli import EXIT_OK, main
from tests.httpserver import Reply
from tests.sources.test_imf_imts import AZE_KAZ, BASE, KAZ_AZE, message, series

PREVIEW_A = "/public/v1/preview/C/A/HS"
PREVIEW_M = "/public/v1/preview/C/M/HS"


def rec(reporter, iso, partner, piso, flow, value):
    return {"freqCode": "A", "period": "2023", "reporterCode": reporter, "reporterISO": iso, "flowCode": flow,
            "partnerCode": partner, "partnerISO": piso, "partner2Code": 0, "classificationCode": "H6",
            "cmdCode": "TOTAL", "customsCode": "C00", "motCode": 0, "qtyUnitCode": -1, "primaryValue": value}


def test_live_then_offline_gives_the_same_bytes(server, monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_BASE_URL", server.url)
    monkeypatch.setenv("CASPIAN_ETL_IMF_IMTS_BASE_URL", server.url + BASE)
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_PARTNERS", "KAZ,AZE")  # bilateral only: no world (partner 0) queries
    kz_rows = [rec(398, "KAZ", 31, "AZE", "X", 300e6), rec(398, "KAZ", 31, "AZE", "M", 100e6)]
    kz = json.dumps({"count": 2, "data": kz_rows, "error": ""}).encode()
    az = json.dumps({"count": 1, "data": [rec(31, "AZE", 398, "KAZ", "M", 330e6)], "error": ""}).encode()
    empty = b'{"count": 0, "data": [], "error": ""}'
    server.add(PREVIEW_A, Reply.json(kz), Reply.json(az))
    server.add(PREVIEW_M, Reply.json(empty))
    server.add(KAZ_AZE, Reply(200, message(series("KAZ", "XG_FOB_USD", "AZE", "A", ("2023", "310000000")))))
    server.add(AZE_KAZ, Reply(200, message(series("AZE", "MG_CIF_USD", "KAZ", "A", ("2023", "335000000")))))
    data = tmp_path / "data"
    args = ["run", "--source", "comtrade", "--source", "imf_imts", "--without-prefect", "--data-dir", str(data),
            "--start", "2023-01-01", "--end", "2023-12-31"]
    assert main(args) == EXIT_OK, capsys.readouterr().out
    assert len(server.requests_to(PREVIEW_A)) == 2 and len(server.requests_to(PREVIEW_M)) == 2  # KZ and AZ
    curated = {p: p.read_bytes() for p in sorted(data.glob("curated/*/*.parquet"))}
    assert {p.parent.name + "/" + p.name for p in curated} >= {
        "trade_flows/comtrade.parquet", "trade_flows/imf_imts.parquet", "trade_mirror/derived.parquet"}
    server.routes.clear()  # offline: nothing may be fetched
    assert main(["run", "--source", "comtrade", "--source", "imf_imts", "--offline", "--without-prefect",
                 "--data-dir", str(data)]) == EXIT_OK
    assert {p: p.read_bytes() for p in sorted(data.glob("curated/*/*.parquet"))} == curated
    rows = duckdb.connect().execute(
        f"SELECT source, exports_usd, imports_usd, gap_usd FROM read_parquet('{data}/curated/trade_mirror/*.parquet') "
        "WHERE exporter = 'KAZ' ORDER BY source").fetchall()
    assert rows == [("comtrade", 300e6, 330e6, 30e6), ("imf_imts", 310e6, 335e6, 25e6)]
