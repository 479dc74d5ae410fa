"""Permanent failures fail at once in Prefect too: the fetch task's retry condition retries transient errors only,
so a backfill with DNS down ends in seconds (it took 174 s: 3 task tries x 5 HTTP attempts per window)."""

from __future__ import annotations

import socket
import time
from datetime import date

import pytest

from caspian_etl.core.errors import ConfigError, DeadlineExceeded, FetchError, RobotsRefused, SourceAPIError
from caspian_etl.flows.source_flows import _retry_transient

DOWN = "worldbank-dns-down.invalid"


class FailedState:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    def result(self) -> None:
        raise self.exc


@pytest.mark.parametrize("exc, retried", [
    (FetchError("HTTP 503", retryable=True), True),
    (DeadlineExceeded("slow"), True),
    (FetchError("HTTP 404 (not retried)", status=404), False),
    (FetchError("the host name does not resolve (DNS failure; not retried)"), False),
    (RobotsRefused("robots.txt disallows /x"), False),
    (ConfigError("--snapshot bad"), False),
    (SourceAPIError("error document"), False),
    (RuntimeError("a bug"), False),
])
def test_retry_condition_retries_transient_errors_only(exc: BaseException, retried: bool) -> None:
    assert _retry_transient(None, None, FailedState(exc)) is retried


@pytest.mark.prefect
def test_backfill_with_dns_down_fails_fast(prefect_harness, paths, monkeypatch) -> None:
    from caspian_etl.flows.backfill import backfill_flow

    lookups: list[str] = []
    real = socket.getaddrinfo

    def dns_down(host, *args, **kwargs):  # noqa: ANN001, ANN202
        if host == DOWN:
            lookups.append(host)
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", dns_down)
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", f"http://{DOWN}/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ")
    # the production retry settings: 2 Prefect task retries, 5 HTTP attempts with 1 s, 2 s, 4 s, 8 s backoff
    monkeypatch.setenv("CASPIAN_ETL_FETCH_RETRIES", "2")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MAX_ATTEMPTS", "5")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_BACKOFF_BASE", "1")
    started = time.monotonic()
    state = backfill_flow(source="worldbank", start=date(2020, 1, 1), end=date(2021, 12, 31), step="year",
                          data_dir=str(paths.root), return_state=True)
    elapsed = time.monotonic() - started
    results = state.result(raise_on_failure=False)
    assert [r["status"] for r in results] == ["failed", "failed"]
    assert all("does not resolve" in r["reason"] for r in results)
    assert len(lookups) == 2, lookups  # one lookup per window: no HTTP retry, no task retry
    assert elapsed < 60, f"took {elapsed:.0f} s"
