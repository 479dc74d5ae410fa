"""The HTTP layer against a real server on 127.0.0.1 (tests/httpserver.py). Every body here is synthetic."""

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from caspian_etl.core.errors import FetchError, ResponseTooLarge
from caspian_etl.core.http import USER_AGENT, HostThrottle, HttpClient, HttpPolicy, Redactor, parse_retry_after
from tests.http_client import Sleeps, client
from tests.httpserver import Reply


def test_200_returns_body_validators_and_sends_identity(server) -> None:
    server.add("/a", Reply.json('{"ok": 1}', ETag='"v1"', **{"Last-Modified": "Tue, 01 Oct 2024 00:00:00 GMT"}))
    http, _ = client()
    r = http.get(server.url + "/a", params={"x": "1"})
    assert (r.status, r.body, r.etag, r.last_modified) == (200, b'{"ok": 1}', '"v1"', "Tue, 01 Oct 2024 00:00:00 GMT")
    assert r.content_type == "application/json"
    seen = server.requests_to("/a")[0]
    assert seen.headers["User-Agent"] == USER_AGENT and "github.com" in USER_AGENT
    assert seen.query == {"x": ["1"]}


def test_conditional_get_sends_validators_and_returns_304(server) -> None:
    server.add("/a", Reply(304))
    http, _ = client()
    r = http.get(server.url + "/a", etag='"v1"', last_modified="Tue, 01 Oct 2024 00:00:00 GMT")
    assert r.not_modified and r.body == b""
    headers = server.requests_to("/a")[0].headers
    assert headers["If-None-Match"] == '"v1"'
    assert headers["If-Modified-Since"] == "Tue, 01 Oct 2024 00:00:00 GMT"


def test_429_waits_what_retry_after_says(server) -> None:
    server.add("/a", Reply(429, b"slow down", {"Retry-After": "7"}), Reply.json("[]"))
    http, sleeps = client()
    r = http.get(server.url + "/a")
    assert r.status == 200 and r.attempts == 2
    assert sleeps == [7.0]


def test_retry_after_beyond_the_limit_fails_instead_of_waiting(server) -> None:
    server.add("/a", Reply(429, b"", {"Retry-After": "86400"}))
    http, sleeps = client(HttpPolicy(max_retry_after=60, min_interval=0))
    with pytest.raises(FetchError, match="asks to wait 86400 s") as err:
        http.get(server.url + "/a")
    assert err.value.status == 429 and sleeps == []


def test_500_then_200_retries_with_exponential_backoff(server) -> None:
    server.add("/a", Reply(500), Reply(503), Reply.json("[1]"))
    http, sleeps = client()
    r = http.get(server.url + "/a")
    assert r.body == b"[1]" and r.attempts == 3
    assert sleeps == [1.0, 2.0]  # base * 2**(n-1), jitter factor 1.0 with rng=0.5


@pytest.mark.parametrize("rng, expected", [(0.0, 2.0), (0.5, 4.0), (1.0, 6.0)])
def test_jitter_spreads_the_waits(server, rng: float, expected: float) -> None:
    server.add("/a", Reply(502), Reply.json("[]"))
    sleeps = Sleeps()
    http = HttpClient("t", HttpPolicy(backoff_base=4, jitter=0.5, min_interval=0), rng=lambda: rng, sleep=sleeps)
    http.get(server.url + "/a")
    assert sleeps == [expected]  # 4 s scaled by a factor in [0.5, 1.5]


def test_persistent_5xx_fails_with_source_url_and_cause(server) -> None:
    server.add("/a", Reply(503))
    http, sleeps = client(HttpPolicy(max_attempts=3, min_interval=0))
    with pytest.raises(FetchError) as err:
        http.get(server.url + "/a")
    message = str(err.value)
    assert message.startswith("testsrc: GET failed after 3 attempts: HTTP 503")
    assert server.url + "/a" in message
    assert err.value.retryable and len(sleeps) == 2


def test_404_is_not_retried_and_shows_the_body(server) -> None:
    server.add("/a", Reply(404, b"no such indicator"))
    http, sleeps = client()
    with pytest.raises(FetchError, match="HTTP 404 \\(not retried\\): no such indicator") as err:
        http.get(server.url + "/a")
    assert not err.value.retryable and sleeps == [] and len(server.requests_to("/a")) == 1


def test_truncated_body_is_retried_then_reported(server) -> None:
    server.add("/a", Reply(200, b'{"complete": "no, this body is cut"}', truncate_to=10))
    http, _ = client(HttpPolicy(max_attempts=2, min_interval=0))
    with pytest.raises(FetchError, match="truncated"):
        http.get(server.url + "/a")
    assert len(server.requests_to("/a")) == 2


def test_truncated_once_then_whole(server) -> None:
    body = b'{"rows": [1, 2, 3]}'
    server.add("/a", Reply(200, body, truncate_to=5), Reply(200, body))
    http, _ = client()
    assert http.get(server.url + "/a").body == body


def test_declared_size_over_cap_is_refused_before_download(server) -> None:
    server.add("/a", Reply(200, b"x" * 5000))
    http, _ = client(HttpPolicy(max_bytes=1000, min_interval=0))
    with pytest.raises(ResponseTooLarge, match="declares 5000 bytes, over the 1000-byte cap"):
        http.get(server.url + "/a")
    assert len(server.requests_to("/a")) == 1  # not retried


def test_streamed_size_over_cap_stops_the_download(server) -> None:
    server.add("/a", Reply(200, b"y" * 300_000, chunked=True))
    http, _ = client(HttpPolicy(max_bytes=100_000, min_interval=0))
    with pytest.raises(ResponseTooLarge, match="exceeds the 100000-byte cap"):
        http.get(server.url + "/a")


def test_connection_refused_is_retryable_fetch_error() -> None:
    http, sleeps = client(HttpPolicy(max_attempts=2, connect_timeout=1, min_interval=0))
    with pytest.raises(FetchError, match="ConnectionError") as err:
        http.get("http://127.0.0.1:9/nothing-listens-here")
    assert err.value.retryable and len(sleeps) == 1


def test_reset_connection_then_success(server) -> None:
    server.add("/a", Reply(reset=True), Reply.json("[]"))
    http, _ = client()
    r = http.get(server.url + "/a")
    assert r.status == 200 and r.attempts == 2


def test_read_timeout_is_retried(server) -> None:
    server.add("/a", Reply(200, b"late", delay=1.5), Reply.json("[]"))
    http, _ = client(HttpPolicy(read_timeout=0.3, min_interval=0))
    r = http.get(server.url + "/a")
    assert r.body == b"[]" and r.attempts == 2


def test_secrets_never_appear_in_errors(server) -> None:
    server.add("/a", Reply(400, b"bad key sk-TOPSECRET-123 rejected"))
    http, _ = client(secrets=["sk-TOPSECRET-123"])
    with pytest.raises(FetchError) as err:
        http.get(server.url + "/a", params={"api_key": "sk-TOPSECRET-123", "q": "1"})
    assert "sk-TOPSECRET-123" not in str(err.value)
    assert "api_key=REDACTED" in str(err.value)


def test_redactor_rewrites_only_urls_with_secret_params() -> None:
    r = Redactor()
    plain = "https://x.org/v2/country/KAZ;AZE/indicator/NY.GDP?format=json&page=2"
    assert r.url(plain) == plain
    assert r.url("https://x.org/d?api_key=abc&x=1") == "https://x.org/d?api_key=REDACTED&x=1"


def test_min_interval_per_host() -> None:
    now = [100.0]
    waits: list[float] = []
    throttle = HostThrottle(clock=lambda: now[0], sleep=waits.append)
    assert throttle.wait("a.org", 2.0) == 0
    assert throttle.wait("a.org", 2.0) == 2.0  # second request to the same host waits
    assert throttle.wait("b.org", 2.0) == 0  # another host does not
    now[0] = 110.0
    assert throttle.wait("a.org", 2.0) == 0
    assert waits == [2.0]


def test_retry_after_http_date() -> None:
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after("12", now) == 12
    assert parse_retry_after("soon", now) is None and parse_retry_after(None) is None
