"""End to end through Prefect: `caspian-etl run --offline` under one session-wide prefect_test_harness."""

import pyarrow.parquet as pq
import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, main
from caspian_etl.contracts.curated import read_table
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
    from caspian_etl.core.settings import DataPaths

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
    assert set(mc["value"]) == {4.5, 4.484}  # the documents' 4.5 Mt and the transport ministry's 4.484 Mt
    claims = read_table(paths, "claims")
    assert len(claims) >= 60 and claims["snapshot_sha256"].nunique() == 1
    # the flow's final steps leave the catalog and the report current
    assert "publish: ok" in out
    assert (paths.curated / "CATALOG.md").is_file() and (paths.root / "report" / "index.html").is_file()


def test_two_runs_give_byte_identical_tables(prefect_harness, tmp_path) -> None:
    from caspian_etl.core.settings import DataPaths

    first, second = DataPaths(tmp_path / "one"), DataPaths(tmp_path / "two")
    assert main(["run", "--offline", "--data-dir", str(first.root)]) == EXIT_OK
    assert main(["run", "--offline", "--data-dir", str(second.root)]) == EXIT_OK
    assert main(["run", "--offline", "--data-dir", str(first.root)]) == EXIT_OK  # a re-run in place
    a, b = curated_bytes(first), curated_bytes(second)
    # derived tables (derived.parquet) too, and cited_figures (empty until the first `citations` fetch)
    assert len(a) == len(TABLES) + len(DERIVED) + 1 and a == b


def test_failure_mid_write_keeps_previous_tables_and_fails_the_run(prefect_harness, tmp_path, monkeypatch, capsys):
    from caspian_etl.core.settings import DataPaths

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
    from caspian_etl.core.resources import default_claims_registry

    (paths.raw / "claims" / "claims.csv").write_bytes(default_claims_registry().read_bytes() + b"\n")
    capsys.readouterr()
    assert main(["run", "--offline", "--source", "claims", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    assert "injected failure while writing" in capsys.readouterr().out
    assert curated_bytes(paths) == before


def test_failing_source_does_not_stop_the_others(prefect_harness, tmp_path, server, monkeypatch, capsys) -> None:
    from caspian_etl.core.settings import DataPaths

    server.add("/v2/country/KAZ;AZE;GEO;TUR/indicator/NY.GDP.MKTP.CD", Reply(502))
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    paths = DataPaths(tmp_path / "d")
    assert main(["run", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    out = capsys.readouterr().out
    assert "claims: ok" in out and "worldbank: FAILED — worldbank: GET failed after 3 attempts: HTTP 502" in out
    assert (paths.curated / "claims" / "claims.parquet").is_file()


def test_run_publishes_a_summary_artifact(prefect_harness, tmp_path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    assert main(["run", "--offline", "--source", "claims", "--data-dir", str(tmp_path / "d")]) == EXIT_OK
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(
            any_=["caspian-etl-run-summary"])))
    latest = max(artifacts, key=lambda a: a.created)
    assert "| claims |" in latest.data and "rows quarantined" in latest.data


def test_backfill_through_prefect(prefect_harness, tmp_path, server, monkeypatch, capsys) -> None:
    from tests.sources.test_worldbank import GDP, obs, page

    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ")
    from caspian_etl.sources import worldbank

    monkeypatch.setattr(worldbank, "INDICATORS", tuple(i for i in worldbank.INDICATORS if i.code == GDP))
    server.add(f"/v2/country/KAZ/indicator/{GDP}", Reply.json(page(1, 1, [obs(GDP, "KAZ", 2021, 7.0)])),
               Reply.json(page(1, 1, [obs(GDP, "KAZ", 2022, 8.0)])))
    data = tmp_path / "d"
    assert main(["backfill", "--source", "worldbank", "--from", "2021", "--to", "2022", "--data-dir",
                 str(data)]) == EXIT_OK
    out = capsys.readouterr().out
    assert "2/2" in out  # the progress bar reached the last window
    from caspian_etl.core.settings import DataPaths

    values = read_table(DataPaths(data), "macro_indicators").set_index("period")["value"].to_dict()
    assert values == {"2021": 7.0, "2022": 8.0}


def test_prefect_table_locks_for_several_machines(prefect_harness, tmp_path, monkeypatch, capsys) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from caspian_etl.pipeline.deployments import lock_limit_names

    monkeypatch.setenv("CASPIAN_ETL_PREFECT_LOCKS", "1")
    data = str(tmp_path / "d")
    # asked for, but the limits were not created: a clear failure, not a silent run without locks
    assert main(["run", "--offline", "--source", "claims", "--data-dir", data]) in (EXIT_SOURCE_FAILED, EXIT_USAGE)
    assert "no Prefect concurrency limit caspian-etl-" in capsys.readouterr().err
    with get_client(sync_client=True) as client:  # what `prefect gcl create NAME --limit 1` does
        for name in lock_limit_names():  # what `caspian-etl deploy` ensures for an s3:// root
            client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(name=name, limit=1))
    assert main(["run", "--offline", "--source", "claims", "--data-dir", data]) == EXIT_OK
