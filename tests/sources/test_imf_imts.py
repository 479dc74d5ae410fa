"""IMF IMTS source: the real recorded SDMX 3.0 answer (../shared, skipped when absent) and SYNTHETIC KZ<->AZ
answers on 127.0.0.1 (values invented): key order, periods, 404 as no data, error messages, the SCALE trap."""

from datetime import date

import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.errors import ParseError, SourceAPIError
from caspian_etl.core.settings import load_settings
from caspian_etl.core.snapshots import SnapshotStore, utc_now
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import Window, imf_imts
from tests.conftest import samples_dir
from tests.httpserver import Reply

BASE = "/external/sdmx/3.0"
KAZ_AZE = f"{BASE}/data/dataflow/IMF.STA/IMTS/+/KAZ.XG_FOB_USD+MG_CIF_USD.AZE.A+Q+M"
AZE_KAZ = f"{BASE}/data/dataflow/IMF.STA/IMTS/+/AZE.XG_FOB_USD+MG_CIF_USD.KAZ.A+Q+M"


def message(*series: str) -> bytes:
    # synthetic SDMX-ML 3.0 StructureSpecificData in the shape of the recorded answer
    return ('<?xml version="1.0" encoding="UTF-8"?><message:StructureSpecificData '
            'xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message" '
            'xmlns:ss="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/data/structurespecific">'
            '<message:Header><message:ID>SYNTHETIC</message:ID></message:Header>'
            f'<message:DataSet ss:structureRef="IMF.STA.DSD_IMTS.1.0.0">{"".join(series)}</message:DataSet>'
            '</message:StructureSpecificData>').encode()


def series(country: str, indicator: str, counterpart: str, freq: str, *obs: tuple[str, str]) -> str:
    points = "".join(f'<Obs OBS_VALUE="{v}" TIME_PERIOD="{t}"/>' for t, v in obs)
    return (f'<Series COUNTRY="{country}" INDICATOR="{indicator}" COUNTERPART_COUNTRY="{counterpart}" '
            f'FREQUENCY="{freq}" SCALE="6">{points}</Series>')


@pytest.fixture
def imf(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_IMF_IMTS_BASE_URL", server.url + BASE)
    return server


def test_both_directions_all_frequencies_values_as_given(imf, paths) -> None:
    imf.add(KAZ_AZE, Reply(200, message(
        series("KAZ", "XG_FOB_USD", "AZE", "A", ("2023", "412345678.5")),
        series("KAZ", "XG_FOB_USD", "AZE", "Q", ("2023-Q1", "100000000")),
        series("KAZ", "MG_CIF_USD", "AZE", "M", ("2023-M01", "12000000"), ("2023-M02", "NaN")))))
    imf.add(AZE_KAZ, Reply(200, message(series("AZE", "MG_CIF_USD", "KAZ", "A", ("2023", "455000000")))))
    result = run_source("imf_imts", paths, window=Window(date(2020, 1, 1), date(2024, 12, 31)))
    assert result.status == "ok", result.reason
    (first,) = imf.requests_to(KAZ_AZE)
    assert first.query["c[TIME_PERIOD]"] == ["ge:2020-01-01 le:2024-12-31"]  # '+' sent as '+' (a space in a query)
    assert first.query["dimensionAtObservation"] == ["TIME_PERIOD"] and first.headers["Accept"] == "application/xml"
    trade = read_table(paths, "trade_flows").set_index(["reporter", "flow", "period"])
    # SCALE="6" is not applied: the values are US dollars as given
    assert trade.loc[("KAZ", "X", "2023"), "value_usd"] == 412345678.5
    assert trade.loc[("KAZ", "X", "2023-Q1"), "frequency"] == "Q"
    assert trade.loc[("KAZ", "M", "2023-01"), "value_usd"] == 12_000_000
    assert trade.loc[("KAZ", "M", "2023-02"), "value_usd"] != trade.loc[("KAZ", "M", "2023-02"), "value_usd"]  # NaN
    assert trade.loc[("AZE", "M", "2023"), "partner"] == "KAZ"
    assert set(trade["classification"]) == {"TOTAL"} and set(trade["commodity_code"]) == {"TOTAL"}


def test_404_is_no_data_and_other_directions_still_load(imf, paths) -> None:
    imf.add(KAZ_AZE, Reply(404, b"NoResultsFound"))
    imf.add(AZE_KAZ, Reply(200, message(series("AZE", "XG_FOB_USD", "KAZ", "A", ("2022", "1000")))))
    result = run_source("imf_imts", paths)
    assert result.status == "ok", result.reason
    assert read_table(paths, "trade_flows")["value_usd"].tolist() == [1000.0]


@pytest.mark.parametrize("reply, text", [
    (Reply(200, b'<?xml version="1.0"?><message:Error xmlns:message="urn:x" xmlns:common="urn:c">'
                b'<message:ErrorMessage code="500"><common:Text>Query could not be processed</common:Text>'
                b'</message:ErrorMessage></message:Error>'),
     "IMF SDMX error in KAZ_AZE.xml: Query could not be processed"),
    (Reply(200, b"<html>maintenance"), "KAZ_AZE.xml: answer is not XML"),
    (Reply(400, b"bad key"), "HTTP 400 (not retried): bad key"),
])
def test_errors_fail_the_source_clearly(imf, paths, reply, text) -> None:
    imf.add(KAZ_AZE, reply)
    result = run_source("imf_imts", paths)
    assert result.status == "failed" and text in result.reason and result.reason.startswith("imf_imts: ")


def test_rows_it_cannot_interpret_are_quarantined_with_the_reason(paths) -> None:
    body = message(series("KAZ", "TBG_USD", "AZE", "A", ("2023", "5")), series("KAZ", "XG_FOB_USD", "G998", "A",
                                                                                 ("2023", "5")))
    with SnapshotStore(paths, "imf_imts").writer() as w:
        w.add("x.xml", body, url="http://127.0.0.1/x", status=200, requested_at=utc_now())
    result = validate_table(load_contract("trade_flows"), imf_imts.parse(w.result)["trade_flows"])
    assert result.n_valid == 0
    reasons = " | ".join(result.quarantined["quarantine_reason"])
    assert "INDICATOR 'TBG_USD' is not a goods exports/imports value" in reasons
    assert "COUNTERPART_COUNTRY 'G998' is not an ISO3 country" in reasons


def test_read_series_rejects_other_documents() -> None:
    with pytest.raises(ParseError, match="expected an SDMX data message"):
        imf_imts.read_series(b"<foo/>", name="f.xml")
    with pytest.raises(SourceAPIError):
        imf_imts.read_series(b'<Error><ErrorMessage><Text>no</Text></ErrorMessage></Error>', name="e.xml")


def test_country_configuration(monkeypatch) -> None:
    monkeypatch.setenv(imf_imts.COUNTRIES_ENV, "KAZ;AZE;GEO")
    assert imf_imts.countries(load_settings()) == ("KAZ", "AZE", "GEO")
    assert imf_imts.series_key("KAZ", "GEO") == "KAZ.XG_FOB_USD+MG_CIF_USD.GEO.A+Q+M"
    monkeypatch.setenv(imf_imts.COUNTRIES_ENV, "KAZ")
    with pytest.raises(Exception, match="need two or more ISO3 country codes"):
        imf_imts.countries(load_settings())


def test_real_sample_scale_trap(paths) -> None:
    folder = samples_dir("imf")
    name = "openbb_imf_sdmx3_data_IMTS_USA.XG_FOB_USD.G001+G998.A_2023-2024.xml"
    data = (folder / name).read_bytes()
    assert b'SCALE="6"' in data
    with SnapshotStore(paths, "imf_imts").writer() as w:
        w.add(name, data, url="https://api.imf.org/external/sdmx/3.0/data/dataflow/IMF.STA/IMTS/+/USA...",
              status=200, requested_at=utc_now())
    result = validate_table(load_contract("trade_flows"), imf_imts.parse(w.result)["trade_flows"], source="imf_imts")
    valid = result.valid.set_index(["partner", "period"])
    # USA goods exports to the world as recorded: about 2.02 trillion dollars, not 2.02e18
    assert valid.loc[("WLD", "2023"), "value_usd"] == 2019551635133.0
    assert valid.loc[("WLD", "2024"), "value_usd"] == 2065411250609.0
    assert (valid["flow"] == "X").all() and (valid.index.get_level_values("partner") == "WLD").all()
    assert result.n_quarantined == 2  # G998 is a group of economies, not a country
    assert result.quarantined["quarantine_reason"].str.contains("'G998'").all()


def test_real_sdmx21_sample_of_another_dataflow_reads() -> None:
    data = (samples_dir("imf") / "sdmx-test-data_IMF_RES_WEO-data.xml").read_bytes()
    (only,) = imf_imts.read_series(data, name="weo.xml")
    assert only[0]["INDICATOR"] == "NGDP_R" and only[1] == [{"TIME_PERIOD": "2018", "OBS_VALUE": "94669000000"}]


def flat_message(*obs: dict[str, str], layout: str = "AllDimensions") -> bytes:
    # SYNTHETIC flat SDMX-ML (dimensionAtObservation=AllDimensions): no <Series>, every key on each <Obs>
    points = "".join("<Obs " + " ".join(f'{k}="{v}"' for k, v in o.items()) + "/>" for o in obs)
    return ('<?xml version="1.0" encoding="UTF-8"?><message:StructureSpecificData '
            'xmlns:message="http://www.sdmx.org/resources/sdmxml/schemas/v3_0/message">'
            f'<message:Header><message:ID>SYNTHETIC</message:ID><message:Structure structureID="X" '
            f'dimensionAtObservation="{layout}"/></message:Header>'
            f'<message:DataSet>{points}</message:DataSet></message:StructureSpecificData>').encode()


def _parsed(paths, body: bytes):
    with SnapshotStore(paths, "imf_imts").writer() as w:
        w.add("x.xml", body, url="http://127.0.0.1/x", status=200, requested_at=utc_now())
    return imf_imts.parse(w.result)["trade_flows"]


def test_a_flat_answer_is_parsed_not_zero_rows(paths) -> None:
    keys = {"COUNTRY": "KAZ", "INDICATOR": "XG_FOB_USD", "COUNTERPART_COUNTRY": "AZE", "FREQUENCY": "A"}
    body = flat_message({**keys, "TIME_PERIOD": "2022", "OBS_VALUE": "10"},
                        {**keys, "TIME_PERIOD": "2023", "OBS_VALUE": "12"})
    result = validate_table(load_contract("trade_flows"), _parsed(paths, body))
    assert result.n_valid == 2 and result.n_quarantined == 0
    assert sorted(result.valid["value_usd"]) == [10.0, 12.0] and set(result.valid["flow"]) == {"X"}


def test_an_answer_of_another_structure_is_an_error(paths) -> None:
    with pytest.raises(ParseError, match="not the IMTS structure requested"):
        _parsed(paths, flat_message({"FREQ": "M", "CURRENCY": "CHF", "TIME_PERIOD": "2010-08", "OBS_VALUE": "1.3"}))
    with pytest.raises(ParseError, match="organised by 'CURRENCY'"):
        _parsed(paths, flat_message({"COUNTRY": "KAZ"}, layout="CURRENCY"))


def test_real_flat_sample_of_another_structure_is_an_error(paths) -> None:
    data = (samples_dir("imf") / "sdmx-test-data" / "ECB_EXR_ng-flat-ss.xml").read_bytes()
    with pytest.raises(ParseError, match=r"has no \['COUNTRY', 'INDICATOR'\]"):
        _parsed(paths, data)
