"""HTTP done once for every source: identity, timeouts and a total deadline, retries with backoff and jitter
for transient failures only, a capped Retry-After, a minimum interval per host, a response-size cap, redirects
followed by hand (a limit, loops refused, credentials never sent to another origin), conditional GET, and
secrets kept out of every message (caspian_etl.core.redaction)."""

from __future__ import annotations

import email.utils
import logging
import random
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests
import urllib3

from caspian_etl import PROJECT_URL, __version__
from caspian_etl.core.errors import DeadlineExceeded, FetchError, ResponseTooLarge, TooManyRedirects
from caspian_etl.core.http_deadline import DeadlineAdapter, hard_deadline
from caspian_etl.core.redaction import REDACTED, SECRET_PARAMS, Redactor, configured_secrets

__all__ = ["REDACTED", "SECRET_PARAMS", "HttpClient", "HttpPolicy", "HttpResponse", "Redactor", "make_session"]

log = logging.getLogger(__name__)

USER_AGENT = f"caspian-etl/{__version__} (+{PROJECT_URL})"
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUS = frozenset({301, 302, 303, 307, 308})
# request headers that carry credentials: never sent to an origin other than the one the caller asked
CREDENTIAL_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "ocp-apim-subscription-key",
                                "x-api-key", "api-key", "apikey", "x-auth-token"})


@dataclass(frozen=True)
class HttpPolicy:
    """How politely and how persistently one source talks to its server."""

    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    max_attempts: int = 5  # first try included
    backoff_base: float = 1.0  # seconds before the 2nd attempt; doubles each time
    backoff_cap: float = 60.0
    jitter: float = 0.5  # each backoff wait is scaled by a random factor in [1 - jitter, 1 + jitter]
    max_retry_after: float = 60.0  # a server asking for a longer pause fails the request instead
    deadline: float = 600.0  # total seconds for one request: every attempt, wait and body byte included
    source_deadline: float = 3600.0  # total seconds for all the requests of one client (one source fetch)
    max_redirects: int = 10
    min_interval: float = 1.0  # seconds between two requests to the same host
    max_bytes: int = 200 * 1024 * 1024

    def with_overrides(self, overrides: Mapping[str, float]) -> HttpPolicy:
        """Apply the run's CASPIAN_ETL_HTTP_<FIELD> settings (Settings.http, e.g. {"max_attempts": 2.0})."""
        changes = {name: type(getattr(self, name))(value) for name, value in overrides.items()}
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
    for prefix in ("http://", "https://"):  # connection pools that a request's hard deadline can cut
        session.mount(prefix, DeadlineAdapter())
    session.headers.update({"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"})
    return session


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




def origin_of(url: str) -> tuple[str, str, int | None]:
    """(scheme, host, port) — what a credential is bound to."""
    parts = urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or {"http": 80, "https": 443}.get(
        parts.scheme.lower())


def is_dns_failure(exc: BaseException) -> bool:
    """True when the cause of `exc` is a host name that did not resolve (permanent: no retry fixes it soon)."""
    stack: list[object] = [exc]
    seen: set[int] = set()
    while stack:
        e = stack.pop()
        if not isinstance(e, BaseException) or id(e) in seen:
            continue
        seen.add(id(e))
        if isinstance(e, socket.gaierror) or type(e).__name__ == "NameResolutionError":
            return True
        stack.extend([e.__cause__, e.__context__, getattr(e, "reason", None), *getattr(e, "args", ())])
    return False


# what the body can raise while it streams in (urllib3's own errors are not wrapped when reading raw)
BODY_ERRORS = (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError,
               requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError)


class RedirectRefused(FetchError):
    """A redirect whose target the caller's `redirect_check` refuses (e.g. a path robots.txt disallows)."""


class HttpClient:
    """GET with the project's policy. One instance per source run (its deadline counts from its creation);
    the host throttle is shared. `redirect_check(url)` is asked before every redirect hop is followed: it
    returns None to follow, or the reason it must not be (the request then fails with RedirectRefused, not
    retried)."""

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
        clock: Callable[[], float] = time.monotonic,
        redirect_check: Callable[[str], str | None] | None = None,
    ) -> None:
        self.source = source
        self.policy = policy or HttpPolicy()
        self.redactor = Redactor((*secrets, *configured_secrets()))
        self.session = session or make_session()
        self._sleep = sleep
        self._rng = rng
        self._throttle = throttle or HOST_THROTTLE
        self._clock = clock
        self._started = clock()
        self.redirect_check = redirect_check

    def _backoff(self, attempt: int) -> float:
        base = min(self.policy.backoff_cap, self.policy.backoff_base * 2 ** (attempt - 1))
        return base * (1 + self.policy.jitter * (2 * self._rng() - 1))

    def _error(self, message: str, url: str, cls: type[FetchError] = FetchError, **kw: object) -> FetchError:
        return cls(self.redactor.text(message), source=self.source, url=url, **kw)  # type: ignore[arg-type]

    def _request_deadline(self, shown_url: str) -> float:
        """When this request must be over: its own deadline, or the source's if that comes first."""
        now, policy = self._clock(), self.policy
        source_end = self._started + policy.source_deadline
        if now >= source_end:
            raise DeadlineExceeded(f"the source's requests ran past their {policy.source_deadline:.0f} s deadline "
                                   "(CASPIAN_ETL_HTTP_SOURCE_DEADLINE)", source=self.source, url=shown_url)
        return min(now + policy.deadline, source_end)

    def _past_deadline(self, deadline: float, shown_url: str, what: str) -> DeadlineExceeded:
        return self._error(f"{what} past the request's deadline ({self.policy.deadline:.0f} s, "
                           "CASPIAN_ETL_HTTP_DEADLINE)", shown_url, DeadlineExceeded)  # type: ignore[return-value]

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> HttpResponse:
        """Fetch `url`. Returns a 2xx or 304 response; raises FetchError for anything else: at once for a
        permanent failure (DNS, 4xx but 429, redirect loop), after retries for a transient one."""
        full_url = requests.Request("GET", url, params=params).prepare().url or url
        shown_url = self.redactor.url(full_url)
        request_headers = dict(headers or {})
        if etag:
            request_headers["If-None-Match"] = etag
        if last_modified:
            request_headers["If-Modified-Since"] = last_modified
        host = urlsplit(full_url).netloc
        policy = self.policy
        deadline = self._request_deadline(shown_url)
        last_problem = "no attempt made"
        for attempt in range(1, policy.max_attempts + 1):
            self._throttle.wait(host, policy.min_interval)
            requested_at = datetime.now(timezone.utc)
            wait: float | None = None
            # the timer cuts the connection at the deadline, whatever phase the request is in
            with hard_deadline(deadline - self._clock()) as cut:
                try:
                    response = self._open(full_url, request_headers, deadline, shown_url)
                except (requests.ConnectionError, requests.Timeout) as exc:
                    if is_dns_failure(exc):
                        raise self._error(f"the host name {urlsplit(full_url).hostname!r} does not resolve (DNS "
                                          "failure; not retried)", shown_url) from None
                    last_problem = f"{type(exc).__name__}: {exc}"
                except requests.RequestException as exc:  # a malformed URL or redirect target: no retry fixes it
                    raise self._error(f"{type(exc).__name__}: {exc}", shown_url) from None
                else:
                    with response:
                        status = response.status_code
                        if status in RETRYABLE_STATUS:
                            last_problem = f"HTTP {status}"
                            wait = parse_retry_after(response.headers.get("Retry-After"))
                            if wait is not None and wait > policy.max_retry_after:
                                raise self._error(f"HTTP {status} and the server asks to wait {wait:.0f} s "
                                                  f"(more than the {policy.max_retry_after:.0f} s allowed, "
                                                  "CASPIAN_ETL_HTTP_MAX_RETRY_AFTER)",
                                                  shown_url, status=status, retryable=True)
                        elif status == 304 or 200 <= status < 300:
                            try:
                                body = b"" if status == 304 else self._read_capped(response, shown_url, deadline)
                            except BODY_ERRORS as exc:
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
                            snippet = self._read_snippet(response, deadline)
                            raise self._error(f"HTTP {status} (not retried){snippet}", shown_url, status=status)
            if cut.is_set():
                raise self._past_deadline(deadline, shown_url, "no complete answer")
            if attempt == policy.max_attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            if self._clock() + delay > deadline:
                raise self._past_deadline(deadline, shown_url, f"{self.redactor.text(last_problem)}; the next "
                                                               f"attempt (in {delay:.0f} s) would start")
            log.warning("%s: GET %s failed (%s), attempt %d of %d; retrying in %.1f s", self.source, shown_url,
                        self.redactor.text(last_problem), attempt, policy.max_attempts, delay)
            self._sleep(delay)
        raise self._error(f"GET failed after {policy.max_attempts} attempts: {last_problem}", shown_url,
                          retryable=True)

    def _open(self, url: str, headers: dict[str, str], deadline: float, shown_url: str) -> requests.Response:
        """Send the GET and follow redirects by hand: at most max_redirects, no loops, and on a hop to another
        origin no credential (header or secret query parameter) goes along."""
        origin = origin_of(url)
        current, hop_headers, visited = url, headers, {url}
        for _ in range(self.policy.max_redirects + 1):
            remaining = deadline - self._clock()
            if remaining <= 0:
                raise self._past_deadline(deadline, shown_url, "still redirecting")
            response = self.session.get(current, headers=hop_headers, stream=True, allow_redirects=False,
                                        timeout=(min(self.policy.connect_timeout, remaining),
                                                 min(self.policy.read_timeout, remaining)))
            location = response.headers.get("Location")
            if response.status_code not in REDIRECT_STATUS or not location:
                return response
            response.close()
            target = urljoin(current, location)
            if target in visited:
                raise self._error(f"redirect loop: {self.redactor.url(current)} leads back to "
                                  f"{self.redactor.url(target)}", shown_url, TooManyRedirects)
            visited.add(target)
            if origin_of(target) != origin:
                hop_headers = {k: v for k, v in hop_headers.items()
                               if k.lower() not in CREDENTIAL_HEADERS and not self.redactor.holds_secret(v)}
                target = self._without_secrets(target, shown_url)
            refusal = self.redirect_check(target) if self.redirect_check is not None else None
            if refusal:
                raise RedirectRefused(self.redactor.text(f"HTTP {response.status_code} redirect to "
                                                         f"{self.redactor.url(target)} not followed: {refusal}"),
                                      source=self.source, url=shown_url, status=response.status_code)
            current = target
        raise self._error(f"more than {self.policy.max_redirects} redirects (CASPIAN_ETL_HTTP_MAX_REDIRECTS)",
                          shown_url, TooManyRedirects)

    def _without_secrets(self, url: str, shown_url: str) -> str:
        """A redirect target on another origin, without the secret query parameters; refused when a secret
        sits anywhere else in it (path, user info)."""
        parts = urlsplit(url)
        pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                 if k.lower() not in SECRET_PARAMS and not self.redactor.holds_secret(v)]
        cleaned = urlunsplit(parts._replace(query=urlencode(pairs)))
        if self.redactor.holds_secret(cleaned):
            raise self._error(f"redirected to another origin with a credential in the URL "
                              f"({self.redactor.url(url)}); not followed", shown_url)
        return cleaned

    def _chunks(self, response: requests.Response, deadline: float, shown_url: str) -> Iterator[bytes]:
        """The (decoded) body as it arrives, one socket read at a time, so a server that trickles bytes cannot
        keep the request alive past its deadline."""
        raw = response.raw
        while True:
            if self._clock() > deadline:
                raise self._past_deadline(deadline, shown_url, "body still arriving")
            chunk = raw.read1(64 * 1024, decode_content=True)
            if not chunk:
                return
            yield chunk

    def _read_capped(self, response: requests.Response, shown_url: str, deadline: float) -> bytes:
        cap = self.policy.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise ResponseTooLarge(f"response declares {int(declared)} bytes, over the {cap}-byte cap",
                                   source=self.source, url=shown_url)
        chunks: list[bytes] = []
        size = 0
        for chunk in self._chunks(response, deadline, shown_url):
            size += len(chunk)
            if size > cap:
                raise ResponseTooLarge(f"response body exceeds the {cap}-byte cap; download stopped",
                                       source=self.source, url=shown_url)
            chunks.append(chunk)
        return b"".join(chunks)

    def _read_snippet(self, response: requests.Response, deadline: float) -> str:
        raw = b""
        try:
            for chunk in self._chunks(response, deadline, ""):
                raw += chunk
                if len(raw) >= 1024:
                    break
        except (*BODY_ERRORS, DeadlineExceeded):
            pass
        # redact before cutting: a secret cut at the end of the snippet would leave its first characters
        text = " ".join(self.redactor.text(raw[:1024].decode("utf-8", "replace")).split())[:200]
        return f": {text}" if text else ""
