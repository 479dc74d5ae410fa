"""UN Comtrade API source: real recorded answers (../shared, skipped when absent) and SYNTHETIC KZ<->AZ answers
served on 127.0.0.1 (every figure below is made up for the test): cap splitting, 429 then success, error
bodies, count 0, and the API key kept out of every file and log line."""

import json
import logging
from datetime import date

import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.errors import ParseError, SourceAPIError
from caspian_etl.core.settings import load_settings
from caspian_etl.core.snapshots import SnapshotStore, utc_now
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import Window, comtrade
from tests.conftest import samples_dir
from tests.httpserver import Reply

PREVIEW = "/public/v1/preview/C/A/HS"
DATA = "/data/v1/get/C/A/HS"
KEY = "sYnThEtIc-KeY-0123456789abcdef"


def record(reporter: int, iso: str, partner: int, piso: str, flow: str, year: int, cmd: str, value: float) -> dict:
    # synthetic row in the API's field names (values invented)
    return {"typeCode": "C", "freqCode": "A", "refPeriodId": int(f"{year}0101"), "refYear": year, "refMonth": 52,
            "period": str(year), "reporterCode": reporter, "reporterISO": iso, "reporterDesc": iso,
            "flowCode": flow, "partnerCode": partner, "partnerISO": piso, "partner2Code": 0, "partner2ISO": "W00",
            "classificationCode": "H6", "classificationSearchCode": "HS", "cmdCode": cmd, "cmdDesc": f"code {cmd}",
            "customsCode": "C00", "motCode": 0, "qtyUnitCode": 8, "qtyUnitAbbr": "kg", "qty": 10.0, "netWgt": 10.0,
            "cifvalue": None, "fobvalue": value, "primaryValue": value, "isReported": True, "isAggregate": False}


def answer(rows: list[dict], count: int | None = None, error: str = "") -> bytes:
    return json.dumps({"elapsedTime": "0.01 secs", "count": len(rows) if count is None else count,
                       "data": rows, "error": error}).encode()


@pytest.fixture
def api(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_BASE_URL", server.url)
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_REPORTERS", "398")
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_PARTNERS", "KAZ,AZE")
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_FREQUENCIES", "A")
    monkeypatch.delenv(comtrade.KEY_ENV, raising=False)
    monkeypatch.setattr(comtrade, "COMMODITIES", ("TOTAL", "27"))
    monkeypatch.setattr(comtrade, "PREVIEW_CAP", 4)
    return server


WINDOW = Window(date(2022, 1, 1), date(2023, 12, 31))


def test_answer_at_the_cap_is_split_until_under_it(api, paths) -> None:
    at_cap = [record(398, "KAZ", 31, "AZE", "X", 2022, "TOTAL", 999.0)] * 4  # truncated: must not be used
    api.add(PREVIEW, Reply.json(answer(at_cap)),
            Reply.json(answer([record(398, "KAZ", 31, "AZE", "X", 2022, "TOTAL", 100.0),
                               record(398, "KAZ", 31, "AZE", "M", 2022, "TOTAL", 40.0)])),
            Reply.json(answer([record(398, "KAZ", 31, "AZE", "X", 2023, "TOTAL", 120.0),
                               record(398, "KAZ", 31, "AZE", "X", 2023, "27", 70.0),
                               record(398, "KAZ", 31, "AZE", "M", 2023, "TOTAL", 50.0)])))
    result = run_source("comtrade", paths, window=WINDOW)
    assert result.status == "ok", result.reason
    seen = api.requests_to(PREVIEW)
    assert [s.query["period"] for s in seen] == [["2022,2023"], ["2022"], ["2023"]]
    assert seen[0].query["maxRecords"] == ["4"] and seen[0].query["partnerCode"] == ["31"]
    assert seen[0].query["cmdCode"] == ["TOTAL,27"] and seen[0].query["flowCode"] == ["X,M"]
    assert len(SnapshotStore(paths, "comtrade").latest().entries) == 3  # the truncated answer is kept as evidence
    trade = read_table(paths, "trade_flows").query("source == 'comtrade'")
    assert 999.0 not in set(trade["value_usd"])
    assert sorted(trade["value_usd"]) == [40.0, 50.0, 70.0, 100.0, 120.0]
    row = trade[(trade.period == "2023") & (trade.commodity_code == "27")].iloc[0]
    assert (row.reporter, row.partner, row.flow, row.classification, row.quantity_unit) == (
        "KAZ", "AZE", "X", "H6", "kg")


def test_split_goes_through_flows_then_commodities(api, paths) -> None:
    full = [record(398, "KAZ", 31, "AZE", "X", 2023, "TOTAL", 1.0)] * 4
    api.add(PREVIEW, Reply.json(answer(full)), Reply.json(answer(full)), Reply.json(answer([])),
            Reply.json(answer([])), Reply.json(answer([])))
    result = run_source("comtrade", paths, window=Window(date(2023, 1, 1), date(2023, 12, 31)))
    assert result.status == "ok", result.reason
    seen = [(s.query["flowCode"][0], s.query["cmdCode"][0]) for s in api.requests_to(PREVIEW)]
    assert seen == [("X,M", "TOTAL,27"), ("X", "TOTAL,27"), ("X", "TOTAL"), ("X", "27"), ("M", "TOTAL,27")]


def test_a_request_that_cannot_be_split_fails_clearly(api, paths, monkeypatch) -> None:
    monkeypatch.setattr(comtrade, "COMMODITIES", ("TOTAL",))
    monkeypatch.setattr(comtrade, "FLOWS", ("X",))
    full = [record(398, "KAZ", 31, "AZE", "X", 2023, "TOTAL", 1.0)] * 4
    api.add(PREVIEW, Reply.json(answer(full)))
    result = run_source("comtrade", paths, window=Window(date(2023, 1, 1), date(2023, 12, 31)))
    assert result.status == "failed"
    assert "comtrade: A_398_0001.json: 4 rows is the 4-row cap" in result.reason
    assert "cannot be split further" in result.reason and PREVIEW in result.reason


def test_429_waits_as_told_then_succeeds(api, paths) -> None:
    api.add(PREVIEW, Reply.json(b'{"statusCode": 429, "message": "Rate limit is exceeded."}', status=429,
                                **{"Retry-After": "0.3"}),
            Reply.json(answer([record(398, "KAZ", 31, "AZE", "X", 2023, "TOTAL", 5.0)])))
    result = run_source("comtrade", paths, window=Window(date(2023, 1, 1), date(2023, 12, 31)))
    assert result.status == "ok", result.reason
    first, second = api.requests_to(PREVIEW)
    assert second.at - first.at >= 0.3
    assert read_table(paths, "trade_flows")["value_usd"].tolist() == [5.0]


def test_count_zero_is_an_empty_result(api, paths) -> None:
    api.add(PREVIEW, Reply.json(answer([], count=0)))
    result = run_source("comtrade", paths, window=WINDOW)
    assert result.status == "ok", result.reason
    assert result.tables[0].rows_written == 0
    assert len(read_table(paths, "trade_flows")) == 0


@pytest.mark.parametrize("reply, message", [
    (Reply.json(answer([], count=0, error="Invalid period parameter")),
     "Comtrade API error in A_398_0001.json: 'Invalid period parameter'"),
    (Reply.json(b'{"statusCode": 401, "message": "Access denied due to invalid subscription key."}', status=401),
     "HTTP 401 (not retried)"),
    (Reply(200, b"<html>maintenance</html>", {"Content-Type": "text/html"}), "A_398_0001.json: answer is not JSON"),
])
def test_error_answers_fail_the_source_clearly(api, paths, reply, message) -> None:
    api.add(PREVIEW, reply)
    result = run_source("comtrade", paths, window=WINDOW)
    assert result.status == "failed"
    assert message in result.reason and result.reason.startswith("comtrade: ")
    assert not (paths.curated / "trade_flows").exists()


def test_key_goes_to_the_data_endpoint_and_nowhere_else(api, paths, monkeypatch, caplog) -> None:
    monkeypatch.setenv(comtrade.KEY_ENV, KEY)
    monkeypatch.setattr(comtrade, "DATA_CAP", 4)
    api.add(DATA, Reply.json(b'{"statusCode": 429, "message": "Rate limit exceeded for key ' + KEY.encode() + b'"}',
                             status=429, **{"Retry-After": "0"}),
            Reply.json(answer([record(398, "KAZ", 31, "AZE", "X", 2022, "TOTAL", 1.0)])),
            Reply.json(b'{"statusCode": 403, "message": "key ' + KEY.encode() + b' is out of call volume quota"}',
                       status=403))
    with caplog.at_level(logging.DEBUG):
        result = run_source("comtrade", paths, window=Window(date(2022, 1, 1), date(2022, 12, 31)))
        assert result.status == "ok", result.reason
        failed = run_source("comtrade", paths, window=Window(date(2021, 1, 1), date(2021, 12, 31)))
    assert failed.status == "failed" and "HTTP 403" in failed.reason and "REDACTED" in failed.reason
    seen = api.requests_to(DATA)
    assert seen and all(s.headers.get(comtrade.KEY_HEADER) == KEY for s in seen)
    assert not api.requests_to(PREVIEW)
    assert KEY not in failed.reason and KEY not in caplog.text
    leaks = [p for p in paths.root.rglob("*") if p.is_file() and KEY.encode() in p.read_bytes()]
    assert leaks == []
    assert any(p.name == "manifest.json" for p in paths.root.rglob("*"))  # the data dir was written


def test_configured_reporters_and_codes(monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_REPORTERS", "KAZ,31,GEO")
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_PARTNERS", "KAZ,AZE,GEO,TUR,CHN")
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_FREQUENCIES", "A,M")
    queries = comtrade.initial_queries(None, None, load_settings(), today=date(2025, 3, 10))
    annual = [q for q in queries if q.freq == "A"]
    assert {q.reporter for q in annual} == {398, 31, 268}
    assert next(q for q in annual if q.reporter == 398).partners == (31, 268, 792, 156)
    assert [q.periods for q in annual if q.reporter == 31] == [tuple(str(y) for y in range(2010, 2022)),
                                                               ("2022", "2023", "2024")]
    monthly = [q for q in queries if q.freq == "M" and q.reporter == 398]
    assert monthly[0].periods[0] == "202401" and monthly[-1].periods[-1] == "202502"
    for code in ("2709", "2710", "1001", "7304", "7305", "7306", "7604", "07", "08", "74", "81", "TOTAL"):
        assert code in comtrade.COMMODITIES
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_REPORTERS", "KAZ,XXX")
    with pytest.raises(Exception, match="'XXX' is neither an M49 code nor a known ISO3 code"):
        comtrade.reporters(load_settings())


@pytest.mark.parametrize("body, error, message", [
    (b"[]", ParseError, "expected an object"),
    (b'{"count": "x", "data": [], "error": ""}', ParseError, "'count' is 'x'"),
    (b'{"count": 1, "data": {"a": 1}, "error": ""}', ParseError, "'data' is not a list"),
    (b'{"statusCode": 500, "message": "Internal"}', SourceAPIError, "500 Internal"),
])
def test_read_answer_rejects_unexpected_shapes(body, error, message) -> None:
    with pytest.raises(error, match=message):
        comtrade.read_answer(body, name="a.json")


def _store(paths, folder, names, url):
    with SnapshotStore(paths, "comtrade").writer() as w:
        for name in names:
            w.add(name, (folder / name).read_bytes(), url=url, status=200, requested_at=utc_now())
    return w.result


def test_real_recorded_answers_parse(paths) -> None:
    folder = samples_dir("comtrade")
    url = "https://comtradeapi.un.org/data/v1/get/C/A/HS?cmdCode=TOTAL&reporterCode=156&period=2010&maxRecords=500"
    snap = _store(paths, folder, ["comtradr_data_v1_get_C_A_HS_CHN_2010_body.json",
                                  "comtradr_data_v1_get_S_A_EB_empty_body.json"], url)
    result = validate_table(load_contract("trade_flows"), comtrade.parse(snap)["trade_flows"], source="comtrade")
    assert result.n_quarantined == 0 and result.n_valid == 4  # the services answer is count 0: no rows
    valid = result.valid.set_index(["reporter", "partner", "flow"])
    # figures recorded in the sample (China 2010, all commodities)
    assert valid.loc[("CHN", "DEU", "M"), "value_usd"] == 74251272075.0
    assert valid.loc[("CHN", "ARG", "X"), "value_usd"] == 6115764185.0
    assert set(result.valid["period"]) == {"2010"} and set(result.valid["classification"]) == {"H3"}
    assert result.valid["net_weight_kg"].isna().all() and result.valid["quantity_unit"].isna().all()


def test_real_answer_is_ignored_when_it_filled_the_requested_cap(paths) -> None:
    folder = samples_dir("comtrade")
    snap = _store(paths, folder, ["comtradr_data_v1_get_C_A_HS-60a6ad.json"],
                  "https://comtradeapi.un.org/public/v1/preview/C/A/HS?maxRecords=4")
    assert comtrade.parse(snap)["trade_flows"].empty  # 4 rows for maxRecords=4: truncated, not a result


def test_real_empty_bulk_listing_is_count_zero() -> None:
    body = (samples_dir("comtrade") / "comtradr_bulk_v1_get_C_A_HS_empty-a503f3.json").read_bytes()
    assert comtrade.read_answer(body, name="e.json") == comtrade.Answer(count=0, rows=[])


def test_kaz_and_aze_are_also_asked_against_the_world_for_the_claims_chapters(monkeypatch) -> None:
    monkeypatch.delenv("CASPIAN_ETL_COMTRADE_REPORTERS", raising=False)
    monkeypatch.delenv("CASPIAN_ETL_COMTRADE_PARTNERS", raising=False)
    monkeypatch.setenv("CASPIAN_ETL_COMTRADE_FREQUENCIES", "A,M")
    queries = comtrade.initial_queries(None, None, load_settings(), today=date(2025, 3, 10))
    world = [q for q in queries if q.partners == (0,)]
    assert {(q.reporter, q.freq) for q in world} == {(398, "A"), (31, "A"), (398, "M"), (31, "M")}
    assert all(q.commodities == ("10", "1001", "27", "2709") for q in world)
    assert all(q.params(500)["partnerCode"] == "0" for q in world)
