"""Energy Institute Statistical Review: panel and narrow CSVs (synthetic, labelled), ingest-file, and a fetch
against 127.0.0.1 that becomes a snapshot like any other."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from caspian_etl.cli import main
from caspian_etl.contracts.curated import read_table
from caspian_etl.core.errors import ConfigError
from caspian_etl.core.snapshots import SnapshotStore, sha256_file
from caspian_etl.pipeline.run import ingest_files, run_source
from caspian_etl.sources import energy_institute
from tests.httpserver import Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "energy_institute"
PANEL = FIXTURES / "panel_synthetic.csv"


def test_ingest_file_snapshots_the_panel_and_curates_corridor_countries(paths) -> None:
    result = ingest_files("energy_institute", paths, [PANEL])
    assert result.status == "ok", result.reason
    snap = SnapshotStore(paths, "energy_institute").latest()
    assert snap.entries[0].sha256 == sha256_file(PANEL) and snap.entries[0].url.startswith("file://")
    energy = read_table(paths, "energy_indicators").set_index(["indicator", "country", "period"])
    assert energy.loc[("EI.oilprod_kbd", "KAZ", "2023"), "value"] == 1000.0
    assert energy.loc[("EI.oilprod_kbd", "KAZ", "2023"), "unit"] == "kb/d"
    assert energy.loc[("EI.oilprod_mt", "AZE", "2022"), "unit"] == "Mt"
    assert math.isnan(energy.loc[("EI.oilprod_mt", "AZE", "2023"), "value"])  # empty cell stays empty
    assert set(energy.index.get_level_values("country")) == {"KAZ", "AZE"}  # DEU and aggregates left out
    assert not any(i.endswith("co2_mtco2") for i in energy.index.get_level_values("indicator"))
    assert set(energy["basis"]) == {"official"}
    # a value that is not a number is quarantined with the file, country, variable and value
    outcome = result.tables[0]
    assert outcome.rows_quarantined == 1
    reason = "panel_synthetic.csv: 'Kazakhstan' oilprod_kbd is 'n/a', not a number"
    assert reason in open(outcome.quarantine_path).read()


def test_narrow_layout_reads_the_same_variables(paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_ENERGY_INSTITUTE_COUNTRIES", "KAZ;TUR")
    assert ingest_files("energy_institute", paths, [FIXTURES / "narrow_synthetic.csv"]).status == "ok"
    energy = read_table(paths, "energy_indicators")
    assert sorted(zip(energy["country"], energy["indicator"], energy["value"], strict=True)) == [
        ("KAZ", "EI.oilprod_kbd", 1000.0), ("TUR", "EI.oilprod_kbd", 50.0)]


def test_cli_ingest_file(paths, capsys) -> None:
    assert main(["ingest-file", "energy_institute", str(PANEL), "--data-dir", str(paths.root)]) == 0
    assert "energy_institute: ok" in capsys.readouterr().out


@pytest.mark.parametrize("body, message", [
    (b"a,b\n1,2\n", "columns ['Country', 'Year', 'ISO3166_alpha3'] missing"),
    (b"Country,Year,ISO3166_alpha3,gasprod_bcm\nX,2023,KAZ,1\n", "none of the variables"),
    (b"\xff\xfe", "not UTF-8"),
])
def test_a_file_of_another_shape_is_a_clear_failure(tmp_path, paths, body: bytes, message: str) -> None:
    bad = tmp_path / "download.csv"
    bad.write_bytes(body)
    result = ingest_files("energy_institute", paths, [bad])
    assert result.status == "failed" and message in result.reason and "download.csv" in result.reason


def test_fetch_downloads_the_panel_url(server, paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_ENERGY_INSTITUTE_BASE_URL", server.url)
    server.add(energy_institute.PANEL_PATH, Reply(200, PANEL.read_bytes(), {"Content-Type": "text/csv"}))
    assert run_source("energy_institute", paths).status == "ok"
    snap = SnapshotStore(paths, "energy_institute").latest()
    assert snap.read("panel.csv") == PANEL.read_bytes()


def test_a_blocked_download_says_so(server, paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_ENERGY_INSTITUTE_BASE_URL", server.url)
    server.add(energy_institute.PANEL_PATH, Reply(403, b"Access denied"))
    result = run_source("energy_institute", paths)
    assert result.status == "failed" and "HTTP 403" in result.reason and energy_institute.PANEL_PATH in result.reason
    assert "caspian-etl ingest-file energy_institute PATH" in result.reason


def test_sources_that_do_not_take_files_refuse_them(paths) -> None:
    with pytest.raises(ConfigError, match="does not take files"):
        ingest_files("eia", paths, [PANEL])
