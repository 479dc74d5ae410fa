"""HTTP done once for every source: identity, timeouts, retries with backoff and jitter, Retry-After,
a minimum interval per host, a response-size cap, conditional GET, and secrets kept out of every message."""

from __future__ import annotations

import email.utils
import logging
import os
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

from caspian_etl import PROJECT_URL, __version__
from caspian_etl.errors import FetchError, ResponseTooLarge

log = logging.getLogger(__name__)

USER_AGENT = f"caspian-etl/{__version__} (+{PROJECT_URL})"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
# query parameters whose values are secrets whatever the source
SECRET_PARAMS = frozenset({"api_key", "apikey", "key", "token", "access_token", "subscription-key"})
REDACTED = "REDACTED"


@dataclass(frozen=True)
class HttpPolicy:
    """How politely and how persistently one source talks to its server."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5  # first try included
    backoff_base: float = 1.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 60.0
    jitter: float = 0.5  # each backoff wait is scaled by a random factor in [1 - jitter, 1 + jitter]
    max_retry_after: float = 900.0  # a server asking for a longer pause fails the request instead
    min_interval: float = 1.0  # seconds between two requests to the same host
    max_bytes: int = 200 * 1024 * 1024

    def with_env_overrides(self) -> HttpPolicy:
        """Apply CASPIAN_ETL_HTTP_<FIELD> environment variables (e.g. CASPIAN_ETL_HTTP_MAX_ATTEMPTS=2)."""
        changes = {}
        for name, current in self.__dict__.items():
            raw = os.environ.get(f"CASPIAN_ETL_HTTP_{name.upper()}")
            if raw is not None:
                try:
                    changes[name] = type(current)(float(raw)) if isinstance(current, int) else float(raw)
                except ValueError:
                    raise ValueError(f"CASPIAN_ETL_HTTP_{name.upper()}={raw!r} is not a number") from None
        return replace(self, **changes)


@dataclass(frozen=True)
class HttpResponse:
    url: str  # redacted
    status: int
    body: bytes
    content_type: str | None
    etag: str | None
    last_modified: str | None
    requested_at: datetime
    attempts: int

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def make_session() -> requests.Session:
    """The one session factory: every source's requests carry the project's User-Agent."""
    session = requests.Session()
    session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
    return session


class Redactor:
    """Removes secrets (given values, and values of well-known secret query parameters) from text."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        self._secrets = sorted({s for s in secrets if s and len(s) >= 4}, key=len, reverse=True)

    def url(self, url: str) -> str:
        parts = urlsplit(url)
        pairs = parse_qsl(parts.query, keep_blank_values=True)
        if any(k.lower() in SECRET_PARAMS for k, _ in pairs):  # rebuild the query only when it holds a secret
            pairs = [(k, REDACTED if k.lower() in SECRET_PARAMS else v) for k, v in pairs]
            url = urlunsplit(parts._replace(query=urlencode(pairs, safe=":,;[]/*")))
        return self.text(url)

    def text(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text


class HostThrottle:
    """Keeps at least `interval` seconds between the starts of two requests to one host (process-wide)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._next_allowed: dict[str, float] = {}
        self._lock = threading.Lock()
        self._clock = clock
        self._sleep = sleep

    def wait(self, host: str, interval: float) -> float:
        with self._lock:
            now = self._clock()
            start = max(now, self._next_allowed.get(host, now))
            self._next_allowed[host] = start + interval
        delay = start - now
        if delay > 0:
            self._sleep(delay)
        return delay


HOST_THROTTLE = HostThrottle()


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP-date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if re.fullmatch(r"\d+(\.\d+)?", value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - (now or datetime.now(timezone.utc))).total_seconds())


class RedirectRefused(FetchError):
    """A redirect whose target the caller's `redirect_check` refuses (e.g. a path robots.txt disallows)."""


class HttpClient:
    """GET with the project's policy. One instance per source run; the host throttle is shared.

    `redirect_check(url)` is asked before every redirect hop is followed: it returns None to follow, or the
    reason it must not be (then the request fails with RedirectRefused, not retried)."""

    def __init__(
        self,
        source: str,
        policy: HttpPolicy | None = None,
        *,
        secrets: Iterable[str] = (),
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
        throttle: HostThrottle | None = None,
        redirect_check: Callable[[str], str | None] | None = None,
    ) -> None:
        self.source = source
        self.redirect_check = redirect_check
        self.policy = policy or HttpPolicy()
        self.redactor = Redactor(secrets)
        self.session = session or make_session()
        self._sleep = sleep
        self._rng = rng
        self._throttle = throttle or HOST_THROTTLE

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
        return base * (1 + self.policy.jitter * (2 * self._rng() - 1))

    def _error(self, message: str, url: str, **kw: object) -> FetchError:
        return FetchError(self.redactor.text(message), source=self.source, url=url, **kw)  # type: ignore[arg-type]

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> HttpResponse:
        """Fetch `url`. Returns a 2xx or 304 response; raises FetchError for anything else, after retries."""
        full_url = requests.Request("GET", url, params=params).prepare().url or url
        shown_url = self.redactor.url(full_url)
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        host = urlsplit(full_url).netloc
        policy = self.policy
        last_problem = "no attempt made"
        for attempt in range(1, policy.max_attempts + 1):
            self._throttle.wait(host, policy.min_interval)
            requested_at = datetime.now(timezone.utc)
            wait: float | None = None
            try:
                response = self.session.get(full_url, headers=request_headers, stream=True,
                                            timeout=(policy.connect_timeout, policy.read_timeout),
                                            hooks={"response": [self._check_redirect]})
            except (requests.ConnectionError, requests.Timeout) as exc:
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                with response:
                    status = response.status_code
                    if status in RETRYABLE_STATUS:
                        last_problem = f"HTTP {status}"
                        wait = parse_retry_after(response.headers.get("Retry-After"))
                        if wait is not None and wait > policy.max_retry_after:
                            raise self._error(f"HTTP {status} and the server asks to wait {wait:.0f} s "
                                              f"(more than the {policy.max_retry_after:.0f} s allowed)",
                                              shown_url, status=status, retryable=True)
                    elif status == 304 or 200 <= status < 300:
                        try:
                            body = b"" if status == 304 else self._read_capped(response, shown_url)
                        except (requests.exceptions.ChunkedEncodingError,
                                requests.exceptions.ContentDecodingError,
                                requests.ConnectionError, requests.Timeout) as exc:
                            last_problem = f"body truncated or unreadable ({type(exc).__name__}: {exc})"
                        else:
                            return HttpResponse(
                                url=shown_url, status=status, body=body,
                                content_type=response.headers.get("Content-Type"),
                                etag=response.headers.get("ETag"),
                                last_modified=response.headers.get("Last-Modified"),
                                requested_at=requested_at, attempts=attempt,
                            )
                    else:
                        snippet = self._read_snippet(response)
                        raise self._error(f"HTTP {status} (not retried){snippet}", shown_url, status=status)
            if attempt == policy.max_attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            log.warning("%s: GET %s failed (%s), attempt %d of %d; retrying in %.1f s", self.source, shown_url,
                        self.redactor.text(last_problem), attempt, policy.max_attempts, delay)
            self._sleep(delay)
        raise self._error(f"GET failed after {policy.max_attempts} attempts: {last_problem}", shown_url,
                          retryable=True)

    def _check_redirect(self, response: requests.Response, *args: object, **kwargs: object) -> None:
        """requests calls this for every response, each redirect hop included, before following it."""
        if self.redirect_check is None or not response.is_redirect:
            return
        target = urljoin(response.url, response.headers["location"])
        refusal = self.redirect_check(target)
        if refusal:
            response.close()
            raise RedirectRefused(self.redactor.text(f"HTTP {response.status_code} redirect to "
                                                     f"{self.redactor.url(target)} not followed: {refusal}"),
                                  source=self.source, url=self.redactor.url(response.url), status=response.status_code)

    def _read_capped(self, response: requests.Response, shown_url: str) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"response declares {int(declared)} bytes, over the {cap}-byte cap",
                                   source=self.source, url=shown_url)
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_content(chunk_size=64 * 1024):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"response body exceeds the {cap}-byte cap; download stopped",
                                       source=self.source, url=shown_url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_snippet(self, response: requests.Response) -> str:
        try:
            raw = next(response.iter_content(chunk_size=300), b"")
        except requests.RequestException:
            return ""
        text = " ".join(raw.decode("utf-8", "replace").split())[:200]
        return f": {self.redactor.text(text)}" if text else ""
