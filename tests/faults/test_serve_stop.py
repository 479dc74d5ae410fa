"""`caspian-etl serve`, stopped as a service manager stops it (SIGTERM: systemd, docker stop), leaves the
deployments it served as it found them: not paused (Prefect pauses every served deployment on shutdown, and
the same names are what `deploy` registers for workers). Against a real `prefect server start`."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.pipeline.test_deployments import _client_env, prefect_server  # noqa: F401 - prefect_server is a fixture

DEPLOYMENT = "source-claims/claims"


@pytest.mark.prefect_server
def test_serve_stopped_leaves_deployments_unpaused(prefect_server, monkeypatch, tmp_path) -> None:  # noqa: F811
    env = {**os.environ, "PREFECT_API_URL": prefect_server["api"], "PREFECT_HOME": prefect_server["home"],
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    serve = subprocess.Popen([sys.executable, "-m", "caspian_etl.cli", "serve", "--data-dir", str(tmp_path / "data")],
                             env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        with _client_env(prefect_server, monkeypatch):
            from prefect.client.orchestration import get_client
            from prefect.exceptions import ObjectNotFound

            with get_client(sync_client=True) as client:
                deadline = time.monotonic() + 120
                while True:  # serve has registered the deployment (with this data dir)
                    try:
                        params = client.read_deployment_by_name(DEPLOYMENT).parameters
                    except ObjectNotFound:
                        params = {}
                    if params.get("data_dir") == str(tmp_path / "data"):
                        break
                    assert serve.poll() is None, serve.stdout.read()
                    assert time.monotonic() < deadline, "serve did not register its deployments in 120 s"
                    time.sleep(1)
                time.sleep(2)  # let serve settle into its loop
                serve.send_signal(signal.SIGTERM)  # Prefect's runner shuts down gracefully (and paused, before)
                serve.wait(60)
                assert client.read_deployment_by_name(DEPLOYMENT).paused is False
    finally:
        if serve.poll() is None:
            serve.kill()
