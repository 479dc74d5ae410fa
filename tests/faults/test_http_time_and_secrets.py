"""Hostile HTTP answers against real servers on 127.0.0.1: redirects that would carry a credential to another
origin, redirect loops, Retry-After asking for a quarter of an hour, a body trickled one byte a second, error
bodies that quote the key, DNS down, JSON nested 200,000 deep. Every body and key here is synthetic."""

from __future__ import annotations

import socket
import time
from functools import partial

import pytest

from caspian_etl.core.errors import DeadlineExceeded, FetchError, ParseError, TooManyRedirects, is_transient
from caspian_etl.core.http import HttpPolicy
from caspian_etl.core.redaction import REDACTED, Redactor
from caspian_etl.core.settings import load_settings
from caspian_etl.sources.parsing import load_json
from tests.http_client import client as _client
from tests.httpserver import Reply, ScriptedServer

client = partial(_client, source="comtrade")  # the secrets tests speak as the comtrade source

KEY = "0123456789abcdef0123456789abcdef"  # synthetic, shaped like a Comtrade subscription key
HEADER = "Ocp-Apim-Subscription-Key"



@pytest.fixture
def other():
    """A second server: another origin (same host, another port)."""
    with ScriptedServer() as s:
        yield s


def test_cross_origin_redirect_drops_the_key_header_and_query(server, other) -> None:
    other.add("/landing", Reply.json('{"data": [], "count": 0}'))
    server.add("/data", Reply(302, b"", {"Location": f"{other.url}/landing?subscription-key={KEY}&period=2023"}))
    http, _ = client(secrets=[KEY])
    r = http.get(server.url + "/data", headers={HEADER: KEY})
    assert r.status == 200
    landed = other.requests_to("/landing")[0]
    assert not any(KEY in v for v in landed.headers.values()), landed.headers
    assert landed.query == {"period": ["2023"]}  # the secret parameter is gone, the others stay


def test_same_origin_redirect_keeps_the_key(server) -> None:
    server.add("/data", Reply(302, b"", {"Location": "/moved"}))
    server.add("/moved", Reply.json("[]"))
    http, _ = client(secrets=[KEY])
    http.get(server.url + "/data", headers={HEADER: KEY})
    assert server.requests_to("/moved")[0].headers[HEADER] == KEY


def test_cross_origin_redirect_with_the_key_in_the_path_is_refused(server, other) -> None:
    server.add("/data", Reply(302, b"", {"Location": f"{other.url}/k/{KEY}/data"}))
    http, _ = client(secrets=[KEY])
    with pytest.raises(FetchError, match="another origin with a credential") as err:
        http.get(server.url + "/data", headers={HEADER: KEY})
    assert KEY[:8] not in str(err.value) and other.seen == []


def test_redirect_loop_is_a_typed_permanent_error(server) -> None:
    server.add("/a", Reply(302, b"", {"Location": "/b"}))
    server.add("/b", Reply(301, b"", {"Location": "/a"}))
    http, sleeps = client()
    with pytest.raises(TooManyRedirects, match="redirect loop"):
        http.get(server.url + "/a")
    assert sleeps == []


def test_too_many_redirects_is_a_typed_error(server) -> None:
    for i in range(5):
        server.add(f"/r{i}", Reply(302, b"", {"Location": f"/r{i + 1}"}))
    http, _ = client(HttpPolicy(max_redirects=3, min_interval=0))
    with pytest.raises(TooManyRedirects, match="more than 3 redirects") as err:
        http.get(server.url + "/r0")
    assert not is_transient(err.value)


def test_retry_after_of_a_quarter_hour_is_not_slept(server) -> None:
    """Retry-After: 899 on every answer once meant 4 x 899 s asleep for one request; the default cap is 60 s."""
    server.add("/a", Reply(503, b"", {"Retry-After": "899"}))
    http, sleeps = client(HttpPolicy(min_interval=0))
    with pytest.raises(FetchError, match="asks to wait 899 s") as err:
        http.get(server.url + "/a")
    assert sleeps == [] and is_transient(err.value)


def test_retry_after_cap_is_configurable(server, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MAX_RETRY_AFTER", "1000")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_DEADLINE", "2000")  # the wait counts against the request's deadline
    server.add("/a", Reply(503, b"", {"Retry-After": "899"}), Reply.json("[]"))
    http, sleeps = client(HttpPolicy(min_interval=0).with_overrides(load_settings().http))
    assert http.get(server.url + "/a").status == 200 and sleeps == [899.0]


def test_a_server_trickling_one_byte_a_second_cannot_outlive_the_deadline(server) -> None:
    server.add("/slow", Reply(200, b"x" * 20, trickle=1.0))
    http, _ = client(HttpPolicy(deadline=2.0, read_timeout=5.0, min_interval=0))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="deadline"):
        http.get(server.url + "/slow")
    assert time.monotonic() - started < 5.0


def test_a_server_trickling_its_headers_cannot_outlive_the_deadline(server) -> None:
    server.add("/slow", Reply(trickle=0.5, trickle_headers=True))
    http, _ = client(HttpPolicy(deadline=2.0, read_timeout=5.0, min_interval=0))
    started = time.monotonic()
    with pytest.raises(DeadlineExceeded, match="deadline"):
        http.get(server.url + "/slow")
    assert time.monotonic() - started < 4.0


def test_backoff_that_would_pass_the_deadline_fails_now(server) -> None:
    server.add("/a", Reply(503))
    http, sleeps = client(HttpPolicy(deadline=5.0, backoff_base=10.0, jitter=0.0, min_interval=0))
    with pytest.raises(DeadlineExceeded, match="HTTP 503"):
        http.get(server.url + "/a")
    assert sleeps == []


def test_source_deadline_stops_further_requests(server) -> None:
    server.add("/a", Reply.json("[]"))
    now = [0.0]
    http, _ = client(HttpPolicy(source_deadline=100.0, min_interval=0), clock=lambda: now[0])
    http.get(server.url + "/a")
    now[0] = 101.0
    with pytest.raises(DeadlineExceeded, match="100 s deadline"):
        http.get(server.url + "/a")
    assert len(server.requests_to("/a")) == 1


def test_dns_failure_is_permanent_and_not_retried(monkeypatch) -> None:
    real = socket.getaddrinfo

    def no_dns(host, *args, **kwargs):  # noqa: ANN001, ANN202
        if host == "comtradeapi.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_dns)
    http, sleeps = client()
    with pytest.raises(FetchError, match="does not resolve") as err:
        http.get("http://comtradeapi.invalid/data")
    assert not err.value.retryable and not is_transient(err.value) and sleeps == []


@pytest.mark.parametrize("status", [401, 403, 404])
def test_permanent_statuses_are_not_retried(server, status: int) -> None:
    server.add("/a", Reply(status, b"no"))
    http, sleeps = client()
    with pytest.raises(FetchError) as err:
        http.get(server.url + "/a")
    assert not is_transient(err.value) and sleeps == [] and len(server.requests_to("/a")) == 1


def test_error_snippet_cut_mid_key_leaks_no_prefix(server) -> None:
    """The snippet is cut at 200 characters; a key starting at 190 once left its first 10 characters."""
    body = ("x" * 190 + f"{KEY} is not a valid subscription key for {server.url}/data?subscription-key={KEY}")
    server.add("/data", Reply(401, body.encode()))
    http, _ = client(secrets=[KEY])
    with pytest.raises(FetchError) as err:
        http.get(server.url + "/data", headers={HEADER: KEY})
    assert KEY[:8] not in str(err.value) and KEY[-8:] not in str(err.value)


def test_redactor_removes_fragments_of_a_secret() -> None:
    r = Redactor([KEY])
    assert r.text(f"key={KEY[:12]}") == f"key={REDACTED}"  # a cut prefix
    assert r.text(f"...{KEY[-9:]} end") == f"...{REDACTED} end"  # a cut suffix
    assert r.text(f"a {KEY[:7]} b") == f"a {KEY[:7]} b"  # 7 characters say nothing about the key
    assert r.bytes(f'{{"echo": "{KEY}"}}'.encode()) == b'{"echo": "REDACTED"}'
    assert r.text("nothing secret here") == "nothing secret here"


def test_json_nested_200000_deep_is_a_typed_one_line_error() -> None:
    with pytest.raises(ParseError, match="nested too deeply") as err:
        load_json(b"[" * 200_000 + b"]" * 200_000, source="comtrade", name="A_398_0001.json")
    assert "\n" not in str(err.value)
