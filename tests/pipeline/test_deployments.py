"""Deployments: one per source on its cron (UTC), the pipeline and backfills; the committed prefect.yaml is
current; and, against a real `prefect server start`, cron deployments get scheduled runs and `caspian-etl serve`
executes a triggered run."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from caspian_etl.cli import EXIT_OK, EXIT_USAGE, main
from caspian_etl.pipeline.deployments import PIPELINE_CRON, deployment_specs, prefect_yaml, runner_deployments
from caspian_etl.sources import REGISTRY

REPO = Path(__file__).resolve().parents[2]


def test_every_source_is_deployed_on_its_schedule() -> None:
    specs = {s.full_name: s for s in deployment_specs()}
    for name, source in REGISTRY.items():
        assert specs[f"source-{name}/{name}"].cron == source.schedule
        assert (f"backfill/{name}" in specs) == source.supports_window
    assert specs["pipeline/daily"].cron == PIPELINE_CRON
    assert specs["pipeline/daily"].parameters == {"offline": True}


def test_runner_deployments_build_without_a_server() -> None:
    deployments = {f"{d.flow_name}/{d.name}": d for d in runner_deployments(deployment_specs("s3://b/p"), "pool")}
    wb = deployments["source-worldbank/worldbank"]
    assert wb.schedules[0].schedule.cron == REGISTRY["worldbank"].schedule
    assert wb.schedules[0].schedule.timezone == "UTC"
    assert wb.entrypoint == "caspian_etl.flows.source_flows.worldbank_flow"
    assert wb.parameters == {"data_dir": "s3://b/p"} and wb.work_pool_name == "pool"
    backfill = deployments["backfill/worldbank"]
    assert backfill.schedules == [] and backfill.parameters["source"] == "worldbank"


def test_committed_prefect_yaml_is_current() -> None:
    assert (REPO / "prefect.yaml").read_text(encoding="utf-8") == prefect_yaml(deployment_specs()), \
        "prefect.yaml is stale: run `caspian-etl deploy --write-prefect-yaml prefect.yaml`"


def test_deploy_and_serve_need_a_server(monkeypatch, capsys) -> None:
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    from prefect.settings import PREFECT_API_URL, temporary_settings

    with temporary_settings(updates={PREFECT_API_URL: None}):
        assert main(["serve"]) == EXIT_USAGE
        assert main(["deploy"]) == EXIT_USAGE
    assert "prefect server start" in capsys.readouterr().err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def prefect_server(tmp_path_factory):
    """A real `prefect server start` on 127.0.0.1 with a fresh database (~20-25 s to become healthy)."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED": "true",  # conftest turns it off for the test harness
           "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "2", "PREFECT_API_URL": ""}
    proc = subprocess.Popen([sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
                             "--port", str(port)], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    api = f"http://127.0.0.1:{port}/api"
    import requests

    deadline = time.monotonic() + 180
    while True:
        try:
            if requests.get(f"{api}/health", timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            pytest.fail("prefect server did not become healthy in 180 s")
        time.sleep(0.5)
    yield {"api": api, "home": str(home)}
    proc.terminate()
    proc.wait(30)


def _client_env(server, monkeypatch):
    monkeypatch.setenv("PREFECT_API_URL", server["api"])
    from prefect.settings import PREFECT_API_URL, temporary_settings

    return temporary_settings(updates={PREFECT_API_URL: server["api"]})


@pytest.mark.prefect_server
def test_deploy_gives_cron_deployments_scheduled_runs(prefect_server, monkeypatch, tmp_path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterName

    with _client_env(prefect_server, monkeypatch):
        assert main(["deploy", "--data-dir", str(tmp_path / "data")]) == EXIT_OK
        with get_client(sync_client=True) as client:
            names = {d.name for d in client.read_deployments()}
            assert {"claims", "worldbank", "daily"} <= names
            pool = client.read_work_pool("caspian-etl")
            assert pool.type == "process"
            deadline = time.monotonic() + 90
            while True:  # the server's scheduler (loop 2 s here) must create the cron runs
                runs = client.read_flow_runs(deployment_filter=DeploymentFilter(
                    name=DeploymentFilterName(any_=["worldbank"])))
                if len(runs) >= 3 or time.monotonic() > deadline:
                    break
                time.sleep(1)
    assert len(runs) >= 3, "no scheduled runs: is sqlalchemy < 2.1 installed?"
    times = sorted(r.expected_start_time for r in runs)
    assert all(t.day == 2 and t.hour == 4 and t.minute == 0 for t in times)  # "0 4 2 * *" in UTC


@pytest.mark.prefect_server
def test_serve_runs_a_triggered_deployment(prefect_server, monkeypatch, tmp_path) -> None:
    data = tmp_path / "data"
    env = {**os.environ, "PREFECT_API_URL": prefect_server["api"], "PREFECT_HOME": prefect_server["home"],
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    serve = subprocess.Popen([sys.executable, "-m", "caspian_etl.cli", "serve", "--data-dir", str(data)],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with _client_env(prefect_server, monkeypatch):
            from prefect.client.orchestration import get_client
            from prefect.deployments import run_deployment
            from prefect.exceptions import ObjectNotFound

            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 90
                while True:  # wait until serve has registered (or updated) the deployment with its data dir
                    try:
                        params = client.read_deployment_by_name("source-claims/claims").parameters
                    except ObjectNotFound:
                        params = {}
                    if params.get("data_dir") == str(data):
                        break
                    assert serve.poll() is None, serve.stdout.read()
                    assert time.monotonic() < deadline, "serve did not register its deployments in 90 s"
                    time.sleep(1)
                run = run_deployment("source-claims/claims", timeout=0)
                deadline = time.monotonic() + 120
                while not (state := client.read_flow_run(run.id).state).is_final():
                    assert time.monotonic() < deadline, f"run still {state.type} after 120 s"
                    time.sleep(1)
        assert state.is_completed(), state
        assert (data / "curated" / "claims" / "claims.parquet").is_file()
    finally:
        serve.terminate()
        try:
            serve.wait(20)
        except subprocess.TimeoutExpired:
            serve.kill()


@pytest.mark.prefect_server
def test_a_worker_started_elsewhere_writes_to_the_deployed_data_root(prefect_server, monkeypatch, tmp_path) -> None:
    """`caspian-etl deploy` from one folder, `prefect worker start` from another: the run (in the worker's
    temporary folder) writes to the absolute root resolved at deploy time, not to a relative `data` there."""
    deployer, elsewhere = tmp_path / "deployer", tmp_path / "elsewhere"
    deployer.mkdir()
    elsewhere.mkdir()
    env = {**os.environ, "PREFECT_API_URL": prefect_server["api"], "PREFECT_HOME": prefect_server["home"],
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    env.pop("CASPIAN_ETL_DATA_DIR", None)
    deployed = subprocess.run([sys.executable, "-m", "caspian_etl.cli", "deploy"], cwd=deployer, env=env,
                              capture_output=True, text=True, timeout=300)
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    assert f"data root: {deployer / 'data'}" in deployed.stdout
    worker = subprocess.Popen([sys.executable, "-m", "prefect", "worker", "start", "--pool", "caspian-etl"],
                              cwd=elsewhere, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        with _client_env(prefect_server, monkeypatch):
            from prefect.client.orchestration import get_client
            from prefect.deployments import run_deployment

            run = run_deployment("source-claims/claims", timeout=0)
            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 180
                while not (state := client.read_flow_run(run.id).state).is_final():
                    assert time.monotonic() < deadline, f"run still {state.type} after 180 s"
                    time.sleep(1)
        assert state.is_completed(), state
        assert (deployer / "data" / "curated" / "claims" / "claims.parquet").is_file()
        assert not (elsewhere / "data").exists()
    finally:
        worker.terminate()
        try:
            worker.wait(20)
        except subprocess.TimeoutExpired:
            worker.kill()
