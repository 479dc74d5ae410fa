"""End to end through Prefect: `caspian-etl run --offline` under one session-wide prefect_test_harness."""

import pyarrow.parquet as pq
import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, main
from caspian_etl.curated import read_table
from caspian_etl.derived import DERIVED
from caspian_etl.flows.source_flows import SOURCE_FLOWS
from caspian_etl.sources import REGISTRY
from tests.httpserver import Reply

pytestmark = pytest.mark.prefect
TABLES = ("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators")


def curated_bytes(paths) -> dict[str, bytes]:
    return {str(p.relative_to(paths.curated)): p.read_bytes() for p in sorted(paths.curated.rglob("*.parquet"))}


def test_one_flow_per_source() -> None:
    assert set(SOURCE_FLOWS) == set(REGISTRY)
    assert {f.name for f in SOURCE_FLOWS.values()} == {f"source-{n}" for n in REGISTRY}


def test_offline_run_builds_every_table_with_the_seed_figures(prefect_harness, tmp_path, capsys) -> None:
    from caspian_etl.settings import DataPaths

    paths = DataPaths(tmp_path / "empty")
    assert main(["run", "--offline", "--data-dir", str(paths.root)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "claims: ok" in out and "worldbank: skipped — offline and no stored snapshot" in out
    for table in TABLES:
        assert (paths.curated / table / "claims.parquet").is_file(), table
    trade = read_table(paths, "trade_flows")
    t2024 = trade[(trade.reporter == "KAZ") & (trade.partner == "AZE") & (trade.flow == "T") & (trade.period == "2024")]
    assert set(t2024["value_usd"]) == {533_400_000.0}
    corridor = read_table(paths, "corridor_indicators")
    mc = corridor[(corridor.indicator == "middle_corridor_cargo") & (corridor.period == "2024")]
    assert set(mc["value"]) == {4.5}
    claims = read_table(paths, "claims")
    assert len(claims) >= 60 and claims["snapshot_sha256"].nunique() == 1


def test_two_runs_give_byte_identical_tables(prefect_harness, tmp_path) -> None:
    from caspian_etl.settings import DataPaths

    first, second = DataPaths(tmp_path / "one"), DataPaths(tmp_path / "two")
    assert main(["run", "--offline", "--data-dir", str(first.root)]) == EXIT_OK
    assert main(["run", "--offline", "--data-dir", str(second.root)]) == EXIT_OK
    assert main(["run", "--offline", "--data-dir", str(first.root)]) == EXIT_OK  # a re-run in place
    a, b = curated_bytes(first), curated_bytes(second)
    assert len(a) == len(TABLES) + len(DERIVED) and a == b  # derived tables (derived.parquet) too


def test_failure_mid_write_keeps_previous_tables_and_fails_the_run(prefect_harness, tmp_path, monkeypatch, capsys):
    from caspian_etl.settings import DataPaths

    paths = DataPaths(tmp_path / "d")
    assert main(["run", "--offline", "--source", "claims", "--data-dir", str(paths.root)]) == EXIT_OK
    before = curated_bytes(paths)

    def broken_write(table, where, **kw):
        with open(where, "wb") as fh:
            fh.write(b"PAR1 partial")
        raise OSError("injected failure while writing")

    monkeypatch.setattr(pq, "write_table", broken_write)
    (paths.raw / "claims").mkdir(parents=True, exist_ok=True)
    # a changed registry so the run has something new to write
    from caspian_etl.resources import default_claims_registry

    (paths.raw / "claims" / "claims.csv").write_bytes(default_claims_registry().read_bytes() + b"\n")
    capsys.readouterr()
    assert main(["run", "--offline", "--source", "claims", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    assert "injected failure while writing" in capsys.readouterr().out
    assert curated_bytes(paths) == before


def test_failing_source_does_not_stop_the_others(prefect_harness, tmp_path, server, monkeypatch, capsys) -> None:
    from caspian_etl.settings import DataPaths

    server.add("/v2/country/KAZ;AZE;GEO;TUR/indicator/NY.GDP.MKTP.CD", Reply(502))
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    paths = DataPaths(tmp_path / "d")
    assert main(["run", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    out = capsys.readouterr().out
    assert "claims: ok" in out and "worldbank: FAILED — worldbank: GET failed after 3 attempts: HTTP 502" in out
    assert (paths.curated / "claims" / "claims.parquet").is_file()
