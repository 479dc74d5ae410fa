"""The command line, run in-process (plain engine) and as a subprocess for --help."""

import json
import subprocess
import sys

import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, build_parser, main
from tests.httpserver import Reply


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["sources", "--help"]])
def test_every_command_explains_itself(argv: list[str]) -> None:
    out = subprocess.run([sys.executable, "-m", "caspian_etl.cli", *argv], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    assert "usage: caspian-etl" in out.stdout
    if argv[0] == "run":
        for option in ("--source", "--offline", "--snapshot", "--data-dir", "--start", "--end"):
            assert option in out.stdout


def test_unknown_source_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args(["run", "--source", "nope"])
    assert exit_.value.code == 2
    assert "invalid choice: 'nope'" in capsys.readouterr().err


def test_offline_run_on_an_empty_data_dir(paths, capsys) -> None:
    code = main(["run", "--offline", "--without-prefect", "--data-dir", str(paths.root)])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "worldbank: skipped — offline and no stored snapshot" in out
    for table in ("claims", "trade_flows", "macro_indicators", "energy_indicators", "corridor_indicators"):
        assert table in out
        assert (paths.curated / table / "claims.parquet").is_file()


def test_a_failing_source_gives_exit_1_names_source_and_url_and_others_still_run(paths, server, monkeypatch, capsys):
    server.add("/v2/country/KAZ;AZE;GEO;TUR/indicator/NY.GDP.MKTP.CD", Reply(500, b"synthetic outage"))
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    code = main(["run", "--without-prefect", "--data-dir", str(paths.root)])
    out = capsys.readouterr().out
    assert code == EXIT_SOURCE_FAILED
    assert "worldbank: FAILED" in out and "HTTP 500" in out and server.url in out.replace("\n", "")
    assert "claims: ok" in out
    assert (paths.curated / "claims" / "claims.parquet").is_file()


def test_sources_json(paths, capsys) -> None:
    main(["run", "--offline", "--without-prefect", "--data-dir", str(paths.root)])
    capsys.readouterr()
    assert main(["sources", "--json", "--data-dir", str(paths.root)]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    claims = doc["sources"]["claims"]
    assert claims["last_run"]["status"] == "ok" and claims["rows"]["claims"] >= 60
    assert claims["latest_snapshot"]["files"] == 1
    assert doc["sources"]["worldbank"]["latest_snapshot"] is None
    assert doc["sources"]["worldbank"]["last_run"]["reason"] == "offline and no stored snapshot"


def test_bad_snapshot_selector_is_a_usage_error(paths, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--without-prefect", "--source", "claims", "--snapshot", "last-tuesday",
              "--data-dir", str(paths.root)])
    assert exit_.value.code == EXIT_USAGE
    assert "--snapshot 'last-tuesday' is not 'latest'" in capsys.readouterr().err


def test_data_dir_from_environment(paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_DATA_DIR", str(paths.root))
    assert main(["run", "--offline", "--without-prefect", "--source", "claims"]) == EXIT_OK
    assert (paths.curated / "claims" / "claims.parquet").is_file()


def test_the_console_script_leaves_the_heap_to_the_system_at_exit(monkeypatch) -> None:
    """`caspian-etl` exits with main's status. The imported modules are frozen before the command runs (its full
    collections do not walk them), and Python's last garbage collections are skipped (gc.freeze again): 0.3 s
    after a bulk ingest, spent freeing memory the process gives back whole."""
    import gc
    import tomllib
    from pathlib import Path

    from caspian_etl import cli

    scripts = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts["caspian-etl"] == "caspian_etl.cli:entry"
    calls: list[str] = []
    monkeypatch.setattr(cli, "main", lambda argv=None: calls.append("main") or 3)
    monkeypatch.setattr(gc, "freeze", lambda: calls.append("freeze"))
    with pytest.raises(SystemExit) as exited:
        cli.entry()
    assert exited.value.code == 3
    assert calls == ["freeze", "main", "freeze"]
