"""World Bank source: paging, nulls, error bodies, conditional GET (synthetic pages served on 127.0.0.1),
and the real recorded samples in ../shared when present."""

import json
import math

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.errors import ParseError, SourceAPIError
from caspian_etl.core.snapshots import SnapshotStore, utc_now
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import worldbank
from tests.conftest import samples_dir
from tests.httpserver import Reply

GDP, RENEW = "NY.GDP.MKTP.CD", "EG.FEC.RNEW.ZS"


def page(number: int, pages: int, rows: list[dict] | None) -> bytes:
    # synthetic page in the v2 shape: [page-info, rows]
    info = {"page": number, "pages": pages, "per_page": 1000, "total": 99, "sourceid": "2", "lastupdated": "2026-01-01"}
    return json.dumps([info, rows]).encode()


def obs(code: str, iso3: str, year: int, value: float | None) -> dict:
    return {"indicator": {"id": code, "value": f"synthetic {code}"}, "country": {"id": iso3[:2], "value": iso3},
            "countryiso3code": iso3, "date": str(year), "value": value, "unit": "", "obs_status": "", "decimal": 1}


@pytest.fixture
def wb(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ;AZE")
    by_code = {i.code: i for i in worldbank.INDICATORS}
    monkeypatch.setattr(worldbank, "INDICATORS", (by_code[GDP], by_code[RENEW]))
    return server


def path_of(code: str) -> str:
    return f"/v2/country/KAZ;AZE/indicator/{code}"


def test_pages_until_the_last_and_keeps_nulls(wb, paths) -> None:
    wb.add(path_of(GDP), Reply.json(page(1, 3, [obs(GDP, "KAZ", 2023, 1000.5)])),
           Reply.json(page(2, 3, [obs(GDP, "AZE", 2023, None)])),
           Reply.json(page(3, 3, [obs(GDP, "KAZ", 2022, 900.0)])))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, [obs(RENEW, "KAZ", 2021, 2.5)])))
    result = run_source("worldbank", paths)
    assert result.status == "ok", result.reason
    assert [r.query["page"] for r in wb.requests_to(path_of(GDP))] == [["1"], ["2"], ["3"]]
    assert wb.requests_to(path_of(GDP))[0].query["per_page"] == ["1000"]
    snap = SnapshotStore(paths, "worldbank").latest()
    assert [e.name for e in snap.entries] == [f"{GDP}_p1.json", f"{GDP}_p2.json", f"{GDP}_p3.json", f"{RENEW}_p1.json"]

    macro = read_table(paths, "macro_indicators").set_index(["country", "period"])
    assert macro.loc[("KAZ", "2023"), "value"] == 1000.5
    assert math.isnan(macro.loc[("AZE", "2023"), "value"])  # null stays null, not 0
    assert macro.loc[("KAZ", "2023"), "unit"] == "USD" and macro.loc[("KAZ", "2023"), "basis"] == "official"
    assert macro.loc[("AZE", "2023"), "snapshot_sha256"] == snap.entry(f"{GDP}_p2.json").sha256
    assert "page=2" in macro.loc[("AZE", "2023"), "source_url"]
    energy = read_table(paths, "energy_indicators")
    assert energy[["indicator", "country", "value", "unit"]].values.tolist() == [[RENEW, "KAZ", 2.5, "%"]]


def test_error_body_with_http_200_is_a_clear_failure(wb, paths) -> None:
    wb.add(path_of(GDP), Reply.json(b'[{"message":[{"id":"120","key":"Invalid value",'
                                    b'"value":"The provided parameter value is not valid"}]}]'))
    result = run_source("worldbank", paths)
    assert result.status == "failed"
    assert "worldbank: World Bank API error" in result.reason and "120 Invalid value" in result.reason
    assert path_of(GDP) in result.reason  # names the URL
    kept = SnapshotStore(paths, "worldbank").list()
    assert len(kept) == 1 and not kept[0].complete  # the error body is kept as evidence
    assert b"Invalid value" in (kept[0].path / f"{GDP}_p1.json").read_bytes()
    assert not (paths.curated / "macro_indicators").exists()


def test_html_instead_of_json_names_the_file(wb, paths) -> None:
    wb.add(path_of(GDP), Reply(200, b"<html><body>Service maintenance</body></html>", {"Content-Type": "text/html"}))
    result = run_source("worldbank", paths)
    assert result.status == "failed"
    assert f"{GDP}_p1.json: answer is not JSON" in result.reason and "<html>" in result.reason


def test_failure_keeps_previous_curated_rows(wb, paths) -> None:
    wb.add(path_of(GDP), Reply.json(page(1, 1, [obs(GDP, "KAZ", 2023, 1.0)])))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, [])))
    assert run_source("worldbank", paths).status == "ok"
    before = (paths.curated / "macro_indicators" / "worldbank.parquet").read_bytes()
    wb.routes[path_of(GDP)].clear()
    wb.add(path_of(GDP), Reply(503))
    assert run_source("worldbank", paths).status == "failed"
    assert (paths.curated / "macro_indicators" / "worldbank.parquet").read_bytes() == before


def test_conditional_get_reuses_the_stored_bytes(wb, paths) -> None:
    body = page(1, 1, [obs(GDP, "KAZ", 2023, 1.0)])
    wb.add(path_of(GDP), Reply.json(body, ETag='"g1"'), Reply(304))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, None), ETag='"r1"'), Reply(304))
    first = run_source("worldbank", paths)
    second = run_source("worldbank", paths)
    assert second.status == "ok" and second.unchanged and second.snapshot_id == first.snapshot_id
    assert wb.requests_to(path_of(GDP))[1].headers["If-None-Match"] == '"g1"'
    assert len(SnapshotStore(paths, "worldbank").list()) == 1


@pytest.mark.parametrize(
    "body, error, message",
    [
        (b"[]", ParseError, "expected [page-info, rows]"),
        (b'[{"pages": 1}, []]', ParseError, "no field 'page'"),
        (b'[{"page": "x", "pages": 1}, []]', ParseError, "is 'x', not a number"),
        (b'[{"page": 1, "pages": 1}, {"a": 1}]', ParseError, "rows are not a list"),
        (b'[{"message": [{"id": "175", "key": "Invalid format", "value": "bad"}]}]', SourceAPIError,
         "175 Invalid format"),
    ],
)
def test_read_page_rejects_unexpected_shapes(body: bytes, error: type, message: str) -> None:
    with pytest.raises(error, match=message.replace("[", r"\[")):
        worldbank.read_page(body, name="p.json")


def test_read_page_accepts_string_per_page_and_null_rows() -> None:
    info, rows = worldbank.read_page(b'[{"page": "1", "pages": "0", "per_page": "50", "total": 0}, null]', name="p")
    assert (info["page"], info["pages"], rows) == (1, 0, [])


def _store_samples(paths, folder, names):
    store = SnapshotStore(paths, "worldbank")
    with store.writer() as w:
        for name in names:
            w.add(name, (folder / name).read_bytes(), url=f"file://{folder / name}", status=200, requested_at=utc_now())
    return w.result


def test_real_legacy_samples_parse(paths) -> None:
    folder = samples_dir("worldbank")
    names = ["wb_v1_2016_NY.GDP.MKTP.CD_all_page1.json", "wb_v1_2016_NY.GDP.MKTP.CD_all_page3.json",
             "wb_v1_2016_SP.POP.TOTL_all_page1.json", "wb_v1_2016_SP.POP.TOTL_all_page3.json"]
    snap = _store_samples(paths, folder, names)
    frames = worldbank.parse(snap)
    result = validate_table(load_contract("macro_indicators"), frames["macro_indicators"], source="worldbank")
    valid = result.valid.set_index(["indicator", "country", "period"])
    # figures recorded in the samples (SOURCE.txt): AZ GDP 2014 and KZ population 2014
    assert valid.loc[("NY.GDP.MKTP.CD", "AZE", "2014"), "value"] == pytest.approx(75198010965.1919)
    assert valid.loc[("NY.GDP.MKTP.CD", "KAZ", "2014"), "value"] == pytest.approx(217872250221.411)
    assert valid.loc[("SP.POP.TOTL", "KAZ", "2014"), "value"] == 17289224
    # countries outside the ISO2 map are quarantined with a reason, not dropped
    assert result.n_quarantined > 0
    assert result.quarantined["quarantine_reason"].str.contains("no ISO3 code").all()
    assert result.n_valid + result.n_quarantined == sum(
        len(json.loads((folder / n).read_bytes())[1]) for n in names)


def test_real_v2_shape_sample_keeps_nulls(paths) -> None:
    folder = samples_dir("worldbank")
    snap = _store_samples(paths, folder, ["secondhand_v2_NY.GDP.MKTP.CD_MEX_recorded_claim.json"])
    result = validate_table(load_contract("macro_indicators"), worldbank.parse(snap)["macro_indicators"])
    valid = result.valid.set_index(["country", "period"])
    assert valid.loc[("MEX", "2024"), "value"] == pytest.approx(1830489311088.89)
    assert pd.isna(valid.loc[("EMU", "2025"), "value"])
    assert result.quarantined["quarantine_reason"].str.contains("no ISO3 code for 'XX'").all()


def test_real_error_120_sample() -> None:
    body = (samples_dir("worldbank") / "secondhand_v2_error_120_recorded_claim.json").read_bytes()
    with pytest.raises(SourceAPIError, match="120 Invalid value: The provided parameter value is not valid"):
        worldbank.read_page(body, name="e.json")
