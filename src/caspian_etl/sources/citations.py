"""`citations`: every page the claims registry cites, fetched once, read, and the figures it states.

fetch: the distinct source_url values of the registry (the same file the `claims` source reads), each fetched
  once ever: a URL already in the previous snapshot is carried forward, never requested again. robots.txt of
  every host is read (Protego) and kept in the snapshot; a disallowed URL, or a redirect into a disallowed path,
  is not fetched; a host's Crawl-delay raises its interval. What happened to each URL goes into
  `citations__index.json` (no timestamps: a run that finds nothing new stores no new snapshot).
  CASPIAN_ETL_CITATIONS_HOST_MAP ("https://astanatimes.com=http://127.0.0.1:8000;...") sends the requests for
  a host to another base URL (mirrors, tests); the rows keep the URL as cited.
parse: each page through the article extractor and extract_figures -> `cited_figures` rows (one per figure, or
  one status row for a page not read or without figures). caspian_etl.derived.citation_checks compares them
  with the claims.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections import Counter
from dataclasses import replace
from typing import Literal, TypedDict
from urllib.parse import urlsplit, urlunsplit

import pandas as pd

from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import ConfigError, FetchError, ParseError
from caspian_etl.core.http import HttpClient, HttpPolicy, RedirectRefused
from caspian_etl.core.resources import default_claims_registry
from caspian_etl.core.settings import Settings
from caspian_etl.core.snapshots import Snapshot, sha256_bytes, utc_now
from caspian_etl.news import extract_article, publisher_for_url
from caspian_etl.news.page import LayoutError
from caspian_etl.news.robots import Robots, RobotsBook, origin_of, polite_client, robots_from_fetch
from caspian_etl.sources import claims
from caspian_etl.sources.base import FetchContext, ParseResult, Source

log = logging.getLogger(__name__)

NAME = "citations"
TABLE = "cited_figures"
INDEX = "citations__index.json"
HOST_MAP_ENV = "CASPIAN_ETL_CITATIONS_HOST_MAP"
PageStatus = Literal["read", "no_body", "unreachable", "blocked"]
FetchOutcome = Literal["fetched", "unreachable", "blocked"]


class FetchRecord(TypedDict):
    """What happened to one cited URL (a value of citations__index.json)."""

    outcome: FetchOutcome
    entry: str | None  # the page's file in the snapshot, when fetched
    http_status: int | None  # the failing status, or the redirect's status when it was refused
    detail: str | None  # the error or the robots.txt refusal


# ---- fetch ------------------------------------------------------------------------------------------------------

def host_map(settings: Settings) -> dict[str, str]:
    """CASPIAN_ETL_CITATIONS_HOST_MAP as {cited origin: base URL to request instead}."""
    raw = settings.citations_host_map or ""
    mapping = {}
    for item in filter(None, (part.strip() for part in raw.split(";"))):
        origin, sep, target = item.partition("=")
        if not sep or not origin.startswith(("http://", "https://")) or not target.startswith(("http://", "https://")):
            raise ConfigError(f"{HOST_MAP_ENV}: {item!r} is not '<cited origin>=<base URL>'", source=NAME)
        mapping[origin_of(origin.strip())] = target.strip().rstrip("/")
    return mapping


def request_url(cited: str, mapping: dict[str, str]) -> str:
    """The URL to request for a cited one: no fragment (never sent anyway), the host mapped if configured."""
    parts = urlsplit(cited)
    url = urlunsplit(parts._replace(fragment=""))
    origin = origin_of(url)
    return mapping[origin] + url[len(origin):] if origin in mapping else url


def page_name(url: str) -> str:
    return f"page__{hashlib.sha256(url.encode()).hexdigest()[:16]}"


def cited_urls(data: bytes) -> list[str]:
    """The distinct URLs the registry's rows cite (rows it would quarantine included: their page is evidence)."""
    frame = claims.parse_registry(data, sha256_bytes(data))
    urls = frame["source_url"].dropna().astype(str)
    return sorted({u for u in urls if u.startswith(("http://", "https://"))})


def _registry_bytes(ctx: FetchContext) -> bytes:
    own = ctx.paths.raw / claims.NAME / claims.FILE_NAME
    return (own if own.is_file() else default_claims_registry()).read_bytes()


def _previous_index(ctx: FetchContext) -> dict[str, FetchRecord]:
    if ctx.previous is None or not any(e.name == INDEX for e in ctx.previous.entries):
        return {}
    try:
        return json.loads(ctx.previous.read(INDEX))
    except ValueError:
        return {}


class _Hosts:
    """Per origin: its robots.txt (fetched once per run, stored) and a polite client that honours it."""

    def __init__(self, ctx: FetchContext) -> None:
        self.ctx = ctx
        self.book = RobotsBook(self._load)
        self._clients: dict[str, HttpClient] = {}

    def _load(self, origin: str) -> Robots:
        name = "robots__" + re.sub(r"[^a-z0-9]+", "_", urlsplit(origin).netloc.lower()) + ".txt"
        return robots_from_fetch(lambda: self.ctx.get(name, f"{origin}/robots.txt"), origin, source=NAME)

    def client(self, url: str) -> HttpClient:
        origin = origin_of(url)
        if origin not in self._clients:
            robots = self.book.for_url(url)
            delay = robots.crawl_delay() if robots else None
            self._clients[origin] = polite_client(self.ctx.http, self.book, delay)
        return self._clients[origin]


def _fetch_one(ctx: FetchContext, hosts: _Hosts, url: str, name: str) -> FetchRecord:
    robots = hosts.book.for_url(url)
    if robots is not None and robots.disallow_all:  # the host did not answer for its robots.txt: not a refusal
        return {"outcome": "unreachable", "entry": None, "http_status": None,
                "detail": f"robots.txt of {urlsplit(url).netloc} could not be fetched (server error or no answer), "
                          f"so the page was not requested (RFC 9309)"}
    refusal = hosts.book.refusal(url)
    if refusal:
        return {"outcome": "blocked", "entry": None, "http_status": None, "detail": refusal}
    polite = replace(ctx, http=hosts.client(url))
    try:
        polite.get(name, url, conditional=False)
    except RedirectRefused as exc:
        return {"outcome": "blocked", "entry": None, "http_status": exc.status, "detail": str(exc)}
    except FetchError as exc:
        log.error("%s", exc)
        return {"outcome": "unreachable", "entry": None, "http_status": exc.status, "detail": str(exc)}
    return {"outcome": "fetched", "entry": name, "http_status": None, "detail": None}


def fetch(ctx: FetchContext) -> None:
    mapping = host_map(ctx.settings)
    previous = _previous_index(ctx)
    hosts = _Hosts(ctx)
    index: dict[str, FetchRecord] = {}
    by_page: dict[str, FetchRecord] = {}  # URLs differing only in their #fragment are one page, fetched once
    for cited in cited_urls(_registry_bytes(ctx)):
        name = page_name(urlunsplit(urlsplit(cited)._replace(fragment="")))
        if name in by_page:
            index[cited] = by_page[name]
            continue
        before = previous.get(cited)
        if before and before.get("outcome") == "fetched" and ctx.carry_forward(before["entry"]):
            index[cited] = by_page[name] = before  # fetched once, ever: the snapshot is the archive
            continue
        index[cited] = by_page[name] = _fetch_one(ctx, hosts, request_url(cited, mapping), name)
    counts = Counter(record["outcome"] for record in index.values())
    log.info("%s: %d cited URL(s): %s", NAME, len(index), ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    body = json.dumps(index, indent=1, sort_keys=True).encode()
    ctx.writer.add(INDEX, body, url=f"caspian-etl:{NAME}/index", status=None, requested_at=utc_now(),
                   content_type="application/json")


# ---- parse ------------------------------------------------------------------------------------------------------

def _status_row(cited: str, status: PageStatus, sha: str, *, http_status: int | None = None,
                detail: str | None = None, title: str | None = None, published: object = None) -> dict:
    return {"source_url": cited, "page_status": status, "http_status": http_status, "detail": detail,
            "title": title, "published": published, "figure_index": 0, "source": NAME, "snapshot_sha256": sha}


def _is_html(content_type: str | None, data: bytes) -> bool:
    if content_type and "html" in content_type.lower():
        return True
    return not content_type and data.lstrip()[:200].lower().startswith((b"<!doctype html", b"<html"))


def read_page(cited: str, data: bytes, content_type: str | None, status: int | None, sha: str) -> list[dict]:
    """The cited_figures rows of one fetched page."""
    if not _is_html(content_type, data):
        return [_status_row(cited, "no_body", sha, http_status=status,
                            detail=f"not an HTML page ({content_type or 'no content type'}); its figures are not read")]
    try:
        article = extract_article(data, cited)
    except LayoutError as exc:
        return [_status_row(cited, "no_body", sha, http_status=status, detail=str(exc))]
    publisher = publisher_for_url(cited)
    from caspian_etl.extract import extract_figures  # here: see caspian_etl.news.page.parse_date

    figures = extract_figures(article.body, published=article.published, title=article.title,
                              home_country=publisher.home_country if publisher else None)
    base = _status_row(cited, "read", sha, http_status=status, title=article.title, published=article.published)
    if not figures:
        return [{**base, "detail": "the page states no figure the extractor recognises"}]
    return [{**base, "figure_index": i, "metric": f.metric, "value": f.value, "unit": f.unit, "period": f.period,
             "kind": f.kind, "country": f.country, "partner": f.partner, "confidence": f.confidence,
             "as_written": f.text, "span_start": f.sentence_start, "span_end": f.sentence_end}
            for i, f in enumerate(figures, start=1)]


def _read_index(data: bytes) -> list[tuple[str, dict]]:
    """(cited URL, record) pairs of the fetch index, each field checked: a damaged index is a ParseError."""
    try:
        index = json.loads(data)
        items = sorted((str(url), dict(rec)) for url, rec in index.items())
    except (ValueError, AttributeError, TypeError) as exc:
        raise ParseError(f"{INDEX} is not the index this source writes ({type(exc).__name__}: {exc})",
                         source=NAME) from None
    for url, rec in items:
        kinds = {"outcome": str, "entry": str, "detail": str, "http_status": int}
        bad = [k for k, kind in kinds.items() if rec.get(k) is not None and type(rec.get(k)) is not kind]
        if bad or not url.startswith(("http://", "https://")):
            raise ParseError(f"{INDEX}: the record of {url[:120]!r} is not one this source writes "
                             f"(field(s) {bad or ['url']})", source=NAME)
    return items


def parse(snapshot: Snapshot) -> ParseResult:
    index_entry = snapshot.entry(INDEX)
    items = _read_index(snapshot.read(INDEX))
    names = {e.name for e in snapshot.entries}
    rows: list[dict] = []
    for cited, rec in items:
        outcome = rec.get("outcome")
        if outcome == "fetched" and rec.get("entry") in names:
            entry = snapshot.entry(rec["entry"])
            rows += read_page(cited, snapshot.read(entry.name), entry.content_type, entry.status, entry.sha256)
        elif outcome in ("unreachable", "blocked"):
            rows.append(_status_row(cited, outcome, index_entry.sha256, http_status=rec.get("http_status"),
                                    detail=rec.get("detail")))
        else:
            rows.append({**_status_row(cited, "unreachable", index_entry.sha256),
                         REASON_COLUMN: f"{INDEX}: {cited}: outcome {outcome!r} without its stored page"})
    columns = load_contract(TABLE).column_names + [REASON_COLUMN]
    return {TABLE: pd.DataFrame(rows, columns=columns)}


SOURCE = Source(
    name=NAME,
    title="The pages the claims registry cites, and the figures they state",
    producer="The cited publishers (news sites, the AIFC, the World Bank, ...); figures extracted by caspian-etl",
    licence="Pages are their publishers' copyright; raw pages are kept locally as evidence, only figures are curated",
    homepage="data/raw/claims/README.md (source_url column)",
    tables=(TABLE,),
    fetch=fetch,
    parse=parse,
    http_policy=HttpPolicy(min_interval=5.0, max_attempts=3),
    schedule="30 3 * * *",  # after the claims registry (03:00 UTC); only new URLs are requested
    description="Each cited URL fetched once (robots.txt honoured); its figures feed the citation_checks table.",
)
