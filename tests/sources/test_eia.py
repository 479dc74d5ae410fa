"""EIA API v2 source: offset paging past the row limit, warnings and errors, string values, the API key kept out
of every file (synthetic answers on 127.0.0.1), and the real recorded answer in ../shared when present."""

from __future__ import annotations

import json

import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.errors import ParseError, SourceAPIError
from caspian_etl.core.settings import load_settings
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import eia
from tests.conftest import samples_dir
from tests.httpserver import Reply

KEY = "synthetic-eia-key-0123456789"
ROUTE = "/v2/international/data/"


def record(country: str, period: str, value: object, activity: str = "1") -> dict:
    # synthetic row in the shape of the real answer (values are strings)
    return {"period": period, "productId": "57", "productName": "Crude oil including lease condensate",
            "activityId": activity, "activityName": "Production" if activity == "1" else "Exports",
            "countryRegionId": country, "countryRegionName": country, "countryRegionTypeId": "c",
            "countryRegionTypeName": "Country", "dataFlagId": None, "dataFlagDescription": None,
            "unitName": "thousand barrels per day", "value": value, "unit": "TBPD"}


def answer(total: int, rows: list[dict], *, offset: int = 0, warnings: list | None = None) -> bytes:
    # the API echoes the request, key included, as the real answer does
    response = {"total": str(total), "dateFormat": "YYYY", "frequency": "annual", "data": rows,
                "description": "synthetic"}
    if warnings:
        response["warnings"] = warnings
    return json.dumps({"response": response, "request": {"command": ROUTE, "params": {
        "api_key": KEY, "offset": str(offset), "length": "5000"}}, "apiVersion": "2.1.13"}).encode()


@pytest.fixture
def api(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_EIA_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("EIA_API_KEY", KEY)
    return server


def queue(api, *bodies: bytes) -> None:
    api.add(ROUTE, *[Reply.json(b) for b in bodies])


def test_pages_with_offset_until_total_and_parses_string_values(api, paths, monkeypatch) -> None:
    monkeypatch.setattr(eia, "PAGE_LENGTH", 2)  # the real limit is 5000 rows; 2 keeps the test small
    queue(api,
          answer(5, [record("KAZ", "2022", "1805.3"), record("KAZ", "2023", "1850")]),
          answer(5, [record("AZE", "2022", "--"), record("AZE", "2023", "602.1")], offset=2),
          answer(5, [record("KAZ", "2023", "1500.5", activity="4")], offset=4),
          answer(1, [record("KAZ", "2024-01", "1901.25")]))
    result = run_source("eia", paths)
    assert result.status == "ok", result.reason
    seen = api.requests_to(ROUTE)
    assert [(s.query["frequency"][0], s.query["offset"][0]) for s in seen] == [
        ("annual", "0"), ("annual", "2"), ("annual", "4"), ("monthly", "0")]
    assert seen[0].query["length"] == ["2"]
    assert seen[0].query["facets[countryRegionId][]"] == list(eia.countries(load_settings()))
    assert seen[0].query["facets[activityId][]"] == ["1", "4"] and seen[0].query["api_key"] == [KEY]
    energy = read_table(paths, "energy_indicators").set_index(["indicator", "country", "period"])
    assert energy.loc[("EIA.INTL.57.1", "KAZ", "2022"), "value"] == 1805.3
    assert energy.loc[("EIA.INTL.57.1", "KAZ", "2024-01"), "frequency"] == "M"
    missing = energy.loc[("EIA.INTL.57.1", "AZE", "2022")]
    assert missing["value"] != missing["value"] and "'--': not applicable" in missing["note"]  # NaN, not 0
    exports = energy.loc[("EIA.INTL.57.4", "KAZ", "2023")]
    assert exports["partner"] == "WLD" and exports["unit"] == "kb/d" and exports["basis"] == "official"


def test_the_key_is_in_no_file_under_the_data_dir(api, paths) -> None:
    queue(api, answer(1, [record("KAZ", "2023", "1850")]), answer(0, []))
    assert run_source("eia", paths).status == "ok"
    files = [p for p in paths.root.rglob("*") if p.is_file()]
    assert any(p.suffix == ".json" and "manifest" in p.name for p in files)
    for p in files:
        assert KEY.encode() not in p.read_bytes(), p
    snap = SnapshotStore(paths, "eia").latest()
    assert "api_key=REDACTED" in snap.entries[0].url
    assert b'"api_key": "REDACTED"' in snap.read("annual_p1.json")


@pytest.mark.parametrize("warning", [
    {"warning": "incomplete return", "description": "The API can only return 5000 rows in JSON format."},
    {"warning": "something new", "description": "any warning stops the run"},
])
def test_a_warning_is_an_error(api, paths, warning) -> None:
    queue(api, answer(9000, [record("KAZ", "2023", "1")], warnings=[warning]))
    result = run_source("eia", paths)
    assert result.status == "failed"
    assert f"EIA API warning in annual_p1.json: {warning['warning']}" in result.reason
    assert KEY not in result.reason and not (paths.curated / "energy_indicators").exists()


def test_error_body_and_http_error_name_the_cause_without_the_key(api, paths) -> None:
    queue(api, json.dumps({"error": f"Invalid API key {KEY}", "code": 403}).encode())
    result = run_source("eia", paths)
    assert result.status == "failed" and "EIA API error" in result.reason and KEY not in result.reason
    api.routes[ROUTE].clear()
    api.add(ROUTE, Reply(403, f'{{"error":"bad key {KEY}"}}'.encode()))
    result = run_source("eia", paths)
    assert result.status == "failed" and "HTTP 403" in result.reason and KEY not in result.reason
    assert "api_key=REDACTED" in result.reason


def test_missing_key_is_a_clear_error(api, paths, monkeypatch) -> None:
    monkeypatch.delenv("EIA_API_KEY")
    result = run_source("eia", paths)
    assert result.status == "failed" and "EIA_API_KEY is not set" in result.reason
    assert api.requests_to(ROUTE) == []


def test_bad_values_and_units_are_quarantined_with_reasons(api, paths) -> None:
    bad_unit = dict(record("AZE", "2023", "5"), unit="QBTU", unitName="quadrillion Btu")
    queue(api, answer(3, [record("KAZ", "2023", "1850"), record("KAZ", "2022", "12,5x"), bad_unit]), answer(0, []))
    result = run_source("eia", paths)
    assert result.status == "ok" and result.tables[0].rows_written == 1 and result.tables[0].rows_quarantined == 2
    text = open(result.tables[0].quarantine_path).read()
    assert "annual_p1.json: value '12,5x' is not a number" in text and "unit 'QBTU'" in text


@pytest.mark.parametrize("body, error, message", [
    (b"<html>maintenance</html>", ParseError, "not JSON"),
    (b"[]", ParseError, "expected a JSON object"),
    (b'{"response": {"total": "x", "data": []}}', ParseError, "'x', not a number"),
    (b'{"response": {"total": "1", "data": {}}}', ParseError, "not a list of objects"),
    (b'{"error": {"code": "API_KEY_MISSING", "message": "No api_key was supplied."}}', SourceAPIError,
     "No api_key was supplied"),
])
def test_malformed_answers(body: bytes, error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        eia.read_answer(body, name="annual_p1.json")


def test_real_recorded_answer() -> None:
    folder = samples_dir("eia")
    data = (folder / "openbb_eia_v2_international_data_AGO_crude_prod_1973-01.json").read_bytes()
    total, rows = eia.read_answer(data, name="real")
    assert total == 1 and isinstance(rows[0]["value"], str)

    class Entry:
        name, url, sha256 = "real.json", "https://api.eia.gov/v2/international/data/", "0" * 64

    row = eia._row(rows[0], Entry)  # type: ignore[arg-type]
    assert (row["indicator"], row["country"], row["period"], row["frequency"], row["value"], row["unit"]) == (
        "EIA.INTL.57.1", "AGO", "1973-01", "M", 162.0, "kb/d")
    assert row["quarantine_reason"] is None


def _flagged(country: str, period: str, value: str, flag_id: str | None, flag: str | None) -> dict:
    return dict(record(country, period, value), dataFlagId=flag_id, dataFlagDescription=flag)


def test_eia_stand_ins_are_kept_as_no_value_rows_with_their_flag(api, paths) -> None:
    # synthetic rows; 'ie' with dataFlagId 4 and its description as in the real answers (FIELD-NOTES)
    stand_ins = [_flagged("KAZ", "2019", "ie", "4", "Data are included elsewhere for this time period"),
                 record("KAZ", "2018", "NA"), record("KAZ", "2017", "--"), record("KAZ", "2016", "w"),
                 record("KAZ", "2015", "(s)"), record("KAZ", "2014", "NM"), record("KAZ", "2013", "W")]
    non_finite = [record("AZE", "2019", "inf"), record("AZE", "2018", "1e999"), record("AZE", "2017", "NaN")]
    queue(api, answer(11, [record("KAZ", "2023", "1850"), *stand_ins, *non_finite]), answer(0, []))
    result = run_source("eia", paths)
    assert result.status == "ok", result.reason
    assert result.tables[0].rows_written == 8 and result.tables[0].rows_quarantined == 3
    energy = read_table(paths, "energy_indicators").set_index("period")
    ie = energy.loc["2019"]
    assert ie["value"] != ie["value"]  # no value (NaN), never 0
    assert "'ie': included elsewhere (dataFlagId 4)" in ie["note"] and "included elsewhere for this" in ie["note"]
    assert "withheld" in energy.loc["2016", "note"] and "not meaningful" in energy.loc["2014", "note"]
    quarantined = open(result.tables[0].quarantine_path).read()
    for text in ("'inf' is not a finite number", "'1e999' is not a finite number", "'NaN' is not a finite number"):
        assert text in quarantined


def test_real_ie_rows_are_no_value_rows() -> None:
    data = (samples_dir("eia") / "crackspread" / "intl_cons_excerpt.json").read_bytes()
    _, rows = eia.read_answer(data, name="real")

    class Entry:
        name, url, sha256 = "real.json", "https://api.eia.gov/v2/international/data/", "0" * 64

    ie = [eia._row(r, Entry) for r in rows if r["value"] == "ie"]  # type: ignore[arg-type]
    assert len(ie) == 2
    assert all(r["quarantine_reason"] is None and r["value"] is None and "dataFlagId 4" in r["note"] for r in ie)
