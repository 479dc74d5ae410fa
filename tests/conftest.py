"""Shared test fixtures. The network is blocked for every test: only loopback connections are allowed."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from caspian_etl.core.settings import DataPaths

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CASPIAN_ETL_SHARED_DIR", REPO_ROOT.parent / "shared"))
SAMPLES = SHARED / "research" / "samples"

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_TO_API_WHEN_MISSING_FLOW", "ignore")
# The test server keeps its state in SQLite; on 2 busy cores its writers can time out ("database is locked").
# Run logs are not under test: keep them off the server, and give the database more patience.
os.environ.setdefault("PREFECT_LOGGING_TO_API_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_DATABASE_TIMEOUT", "60")
os.environ.setdefault("PREFECT_SERVER_DATABASE_CONNECTION_TIMEOUT", "30")
# Background services of the test server that the flow tests do not use only add writers to that SQLite file.
for _service in ("SCHEDULER", "LATE_RUNS", "FOREMAN", "PAUSE_EXPIRATIONS", "CANCELLATION_CLEANUP", "DB_VACUUM"):
    os.environ.setdefault(f"PREFECT_SERVER_SERVICES_{_service}_ENABLED", "false")


class NetworkBlocked(RuntimeError):
    pass


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # AF_UNIX path
        return True
    host = address[0] if isinstance(address, tuple) else address
    if host in ("localhost",):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach the network (tried {address!r})")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _is_loopback(address):
        raise NetworkBlocked(f"tests may not reach the network (tried {address!r})")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object):  # noqa: ANN202
    if host not in (None, "localhost") and not _is_loopback((host,)):
        raise NetworkBlocked(f"tests may not resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)


@pytest.fixture(autouse=True, scope="session")
def block_network():
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]
    yield
    socket.socket.connect = _real_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _real_connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = _real_getaddrinfo


@pytest.fixture(autouse=True)
def fast_http(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep retries quick in tests (the policy's real defaults wait seconds between attempts)."""
    monkeypatch.setenv("CASPIAN_ETL_HTTP_BACKOFF_BASE", "0.01")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MIN_INTERVAL", "0")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MAX_ATTEMPTS", "3")
    monkeypatch.setenv("CASPIAN_ETL_FETCH_RETRIES", "0")
    monkeypatch.delenv("CASPIAN_ETL_DATA_DIR", raising=False)


@pytest.fixture
def paths(tmp_path: Path) -> DataPaths:
    return DataPaths(tmp_path / "data")


@pytest.fixture
def server():
    from tests.httpserver import ScriptedServer

    with ScriptedServer() as s:
        yield s


def samples_dir(name: str) -> Path:
    """A folder of real recorded samples in ../shared; skips the test when it is absent."""
    folder = SAMPLES / name
    if not folder.is_dir():
        pytest.skip(f"real samples not available: {folder} is absent (set CASPIAN_ETL_SHARED_DIR)")
    return folder


@pytest.fixture(scope="session")
def prefect_harness():
    """One temporary Prefect server for the session (it takes ~20 s to start on 2 cores), heartbeats off."""
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    @flow
    def warm_up() -> int:
        return 1

    with prefect_test_harness(server_startup_timeout=180):
        with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
            assert warm_up() == 1  # the server answers flow runs before the first test leans on it
            yield
