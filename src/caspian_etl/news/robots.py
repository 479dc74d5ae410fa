"""robots.txt (RFC 9309) through Protego, the parser Scrapy uses: fetched and kept in the snapshot; a disallowed
path is never fetched, not even as the target of a redirect.

Protego implements what the standard library's urllib.robotparser does not: the longest matching rule wins
(Allow /news/public/ beats Disallow /news/), `*` and `$` wildcards, percent-encoding, Crawl-delay.
Per RFC 9309: a robots.txt that answers 4xx means no rules (everything allowed); one that cannot be fetched
(5xx, network) means everything is disallowed for this run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego

from caspian_etl.core.errors import FetchError
from caspian_etl.core.http import HttpClient

log = logging.getLogger(__name__)

AGENT = "caspian-etl"


class Robots:
    def __init__(self, body: bytes | None, *, allow_all: bool = False, disallow_all: bool = False) -> None:
        self.allow_all, self.disallow_all = allow_all, disallow_all
        self._parser = Protego.parse(body.decode("utf-8", "replace")) if body is not None else None

    @classmethod
    def unavailable(cls) -> Robots:
        return cls(None, disallow_all=True)

    @classmethod
    def no_rules(cls) -> Robots:
        return cls(None, allow_all=True)

    def allows(self, url: str) -> bool:
        if self.disallow_all:
            return False
        if self.allow_all or self._parser is None:
            return True
        return self._parser.can_fetch(url, AGENT)

    def refusal(self, url: str) -> str | None:
        """None when `url` may be fetched; else one sentence naming the rule that forbids it."""
        if self.allows(url):
            return None
        if self.disallow_all:
            return "robots.txt could not be fetched, so nothing of the site is fetched this run (RFC 9309)"
        return f"robots.txt disallows {urlsplit(url).path or '/'} ({self._rule_text(url)})"

    def _rule_text(self, url: str) -> str:
        # Protego keeps the rule that decided private; naming it helps the reader, so it is read defensively
        try:
            from protego._utils import _quote_path

            ruleset = self._parser._get_matching_rule_set(AGENT)  # type: ignore[union-attr]
            for rule in ruleset._rules:  # sorted longest first, as Protego decides
                if rule.value.match(_quote_path(url)):
                    return f"Disallow: {rule.value._pattern}" if rule.field == "disallow" else "a Disallow rule"
        except (AttributeError, TypeError, ImportError):
            pass
        return "a Disallow rule"

    def crawl_delay(self) -> float | None:
        if self.allow_all or self.disallow_all or self._parser is None:
            return None
        delay = self._parser.crawl_delay(AGENT)
        return float(delay) if delay is not None else None


def robots_from_fetch(get: Callable[[], bytes], origin: str, *, source: str) -> Robots:
    """Robots of `origin` from `get()` (which fetches and stores <origin>/robots.txt), with RFC 9309's rules for
    an answer that is not a robots.txt: 4xx -> no rules, anything else that fails -> nothing allowed."""
    try:
        return Robots(get())
    except FetchError as exc:
        if exc.status is not None and 400 <= exc.status < 500:
            return Robots.no_rules()
        log.error("%s: robots.txt of %s unavailable (%s); nothing is fetched from it this run", source, origin, exc)
        return Robots.unavailable()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class RobotsBook:
    """The robots.txt of every origin a run talks to, each read once per run (through `load(origin)`, which
    fetches and stores it). `refusal(url)` is what HttpClient's redirect_check asks before each redirect hop."""

    def __init__(self, load: Callable[[str], Robots] | None = None) -> None:
        self._load = load
        self._by_origin: dict[str, Robots] = {}

    def add(self, origin: str, robots: Robots) -> Robots:
        self._by_origin[origin.lower().rstrip("/")] = robots
        return robots

    def for_url(self, url: str) -> Robots | None:
        origin = origin_of(url)
        if origin not in self._by_origin and self._load is not None:
            self._by_origin[origin] = self._load(origin)
        return self._by_origin.get(origin)

    def refusal(self, url: str) -> str | None:
        robots = self.for_url(url)
        if robots is None:
            return f"{origin_of(url)} is not a site this run may fetch from"
        return robots.refusal(url)


def polite_client(http: HttpClient, book: RobotsBook, crawl_delay: float | None) -> HttpClient:
    """`http` with at least the site's Crawl-delay between two requests, following no redirect hop that the
    robots.txt of its target refuses (same session and redaction)."""
    policy = http.policy
    if crawl_delay is not None and crawl_delay > policy.min_interval:
        policy = dataclasses.replace(policy, min_interval=crawl_delay)
    client = HttpClient(http.source, policy, session=http.session, redirect_check=book.refusal)
    client.redactor = http.redactor
    return client
