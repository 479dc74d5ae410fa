"""`news`: articles of the publishers the seeds cite, fetched once each, and the figures they state.

fetch: per publisher (caspian_etl.news.PUBLISHERS, or CASPIAN_ETL_NEWS_PUBLISHERS=astanatimes;trend): robots.txt
  (kept in the snapshot, read by Protego as RFC 9309 says; disallowed paths are never requested, not even as a
  redirect's target; a Crawl-delay raises the per-host interval), the discovery feeds/sitemaps/listings, the
  publisher's article URL shape and a keyword filter, then each new article. Every article of the previous snapshot is
  carried forward without refetching (the snapshot is the archive: an article is fetched once, ever). A page that
  cannot be fetched is recorded in `news__fetch_log.json` and the run goes on.
parse: each article through the article extractor (trafilatura, plus its publisher's few rules); a page that yields
  no body is an error for that page (a quarantined claims row with the reason), never an empty success. Figures
  become `claims` rows; the promoted ones (caspian_etl.extract.promotion: confidence >= 0.6, a level of an
  indicator metric with its own period) also feed the indicator tables as reported figures
  (caspian_etl.sources.reported).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pandas as pd

from caspian_etl.contracts.metrics import REPORTED_TABLES
from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.core.errors import FetchError, ParseError
from caspian_etl.core.http import HttpPolicy
from caspian_etl.core.settings import Settings
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry, utc_now
from caspian_etl.news import PUBLISHERS, Publisher
from caspian_etl.news.discovery import (
    Candidate,
    parse_listing,
    parse_rss,
    parse_sitemap,
    same_site,
    same_site_origins,
)
from caspian_etl.news.page import Article, LayoutError
from caspian_etl.news.publishers import Discovery
from caspian_etl.news.robots import Robots, RobotsBook, polite_client, robots_from_fetch
from caspian_etl.sources.base import FetchContext, ParseResult, Source
from caspian_etl.sources.reported import claims_to_tables

if TYPE_CHECKING:
    from caspian_etl.extract import Figure

log = logging.getLogger(__name__)

NAME = "news"
PUBLISHERS_ENV = "CASPIAN_ETL_NEWS_PUBLISHERS"
MAX_NEW_ARTICLES = 25  # per publisher and run: polite, and enough for a daily run
FETCH_LOG = "news__fetch_log.json"
ARTICLE_MARK = "__a_"


def selected_publishers(settings: Settings) -> list[Publisher]:
    configured = settings.news_publishers
    if not configured:
        return list(PUBLISHERS.values())
    names = [n.strip() for n in configured.split(";") if n.strip()]
    unknown = [n for n in names if n not in PUBLISHERS]
    if unknown:
        raise ParseError(f"{PUBLISHERS_ENV}: unknown publisher(s) {unknown}; known: {sorted(PUBLISHERS)}", source=NAME)
    return [PUBLISHERS[n] for n in names]


def article_name(publisher: str, url: str) -> str:
    return f"{publisher}{ARTICLE_MARK}{hashlib.sha256(url.encode()).hexdigest()[:16]}.html"


def _publisher_of(entry_name: str) -> str | None:
    return entry_name.split(ARTICLE_MARK, 1)[0] if ARTICLE_MARK in entry_name else None


def _robots(ctx: FetchContext, publisher: Publisher, base: str) -> Robots:
    return robots_from_fetch(lambda: ctx.get(f"{publisher.name}__robots.txt", f"{base}/robots.txt"), base,
                             source=NAME)


def _publisher_ctx(ctx: FetchContext, robots: Robots, base: str | None = None) -> FetchContext:
    """A context whose HTTP client waits at least the site's Crawl-delay between two requests and follows no
    redirect into a path robots.txt disallows, nor off the publisher's site."""
    book = RobotsBook()
    if base is not None:
        for origin in same_site_origins(base):
            book.add(origin, robots)
    return dataclasses.replace(ctx, http=polite_client(ctx.http, book, robots.crawl_delay()))


MAX_CHILD_SITEMAPS = 2  # of a sitemap index, the first ones listed (sites list the newest first)


def _list_articles(ctx: FetchContext, d: Discovery, url: str, base: str, publisher: Publisher,
                   robots: Robots) -> list[Candidate]:
    body = ctx.get(d.name, url, params=d.params or None)
    if d.kind == "rss":
        return parse_rss(body, origin=d.name)
    if d.kind == "html":
        return parse_listing(body, base_url=base, article_path=publisher.article_path)
    found, children = parse_sitemap(body, origin=d.name)
    for i, child in enumerate(c for c in children if same_site(c, base) and robots.allows(c)):
        if i >= MAX_CHILD_SITEMAPS:
            break
        name = f"{d.name.rsplit('.', 1)[0]}_{i + 1}.xml"
        found += parse_sitemap(ctx.get(name, child), origin=name)[0]
    return found


def _discover(ctx: FetchContext, publisher: Publisher, base: str, robots: Robots, report: dict) -> list[Candidate]:
    candidates: dict[str, Candidate] = {}
    for d in publisher.discoveries:
        url = f"{base}{d.path}"
        full = url + ("?" + "&".join(f"{k}={v}" for k, v in d.params.items()) if d.params else "")
        if not robots.allows(full):
            report["disallowed"].append(full)
            continue
        try:
            found = _list_articles(ctx, d, url, base, publisher, robots)
        except (FetchError, ParseError) as exc:
            report["failed"].append({"url": full, "error": str(exc)})
            log.error("%s", exc)
            continue
        for c in found:
            if (same_site(c.url, base) and publisher.article_path.search(urlsplit(c.url).path)
                    and c.url not in candidates and c.keywords()):
                candidates[c.url] = c
    return list(candidates.values())


def fetch(ctx: FetchContext) -> None:
    carried = set()
    if ctx.previous is not None:  # the archive: every article fetched before stays, without a new request
        for entry in ctx.previous.entries:
            if ARTICLE_MARK in entry.name and ctx.carry_forward(entry.name):
                carried.add(entry.name)
    reports = {}
    for publisher in selected_publishers(ctx.settings):
        base = publisher.base_url(ctx.settings)
        # only what a repeat run would find again goes in the log (no timestamps, no 'fetched this time'), so a
        # run that finds nothing new gives a snapshot equal to the last one and none is stored
        report: dict = {"base_url": base, "discovered": 0, "disallowed": [], "failed": []}
        reports[publisher.name] = report
        robots = _robots(ctx, publisher, base)
        pctx = _publisher_ctx(ctx, robots, base)
        candidates = _discover(pctx, publisher, base, robots, report)
        report["discovered"] = len(candidates)
        new = 0
        for candidate in candidates:
            name = article_name(publisher.name, candidate.url)
            if name in carried:
                continue
            if not robots.allows(candidate.url):
                report["disallowed"].append(candidate.url)
                continue
            if new >= MAX_NEW_ARTICLES:
                break
            try:
                pctx.get(name, candidate.url, conditional=False)
                new += 1
            except FetchError as exc:
                report["failed"].append({"url": candidate.url, "error": str(exc)})
                log.error("%s", exc)
        log.info("%s: %s: %d article(s) discovered, %d new fetched, %d disallowed by robots.txt, %d failed", NAME,
                 publisher.name, len(candidates), new, len(report["disallowed"]), len(report["failed"]))
    # deterministic (no timestamps): a run that finds nothing new gives the same bytes, so no new snapshot
    body = json.dumps(reports, indent=1, sort_keys=True).encode()
    ctx.writer.add(FETCH_LOG, body, url=f"caspian-etl:{NAME}/fetch-log", status=None, requested_at=utc_now(),
                   content_type="application/json")
    if reports and all(r["discovered"] == 0 and r["failed"] for r in reports.values()):
        # no publisher reached at all: a failed fetch (kept as an incomplete snapshot), not an empty success
        reasons = "; ".join(f"{name}: {r['failed'][0]['error']}" for name, r in sorted(reports.items()))
        raise FetchError(f"no publisher reachable (0 articles discovered): {reasons}", source=NAME)


# ---- parse ------------------------------------------------------------------------------------------------------

def promotion_note(figure: Figure) -> str | None:
    """Why a figure does not feed the indicator tables (None when it does): caspian_etl.extract.promotion."""
    return figure.promotion_note


def _claim_row(figure: Figure, article: Article, publisher: Publisher, entry: SnapshotEntry, k: int) -> dict:
    url_hash = hashlib.sha256(entry.url.encode()).hexdigest()[:10]
    row = {
        "claim_id": f"news.{publisher.name}.{url_hash}.{figure.figure_start}" + (f".{k}" if k else ""),
        "metric": figure.metric, "value": figure.value, "unit": figure.unit, "period": figure.period,
        "frequency": None, "period_start": None, "period_end": None, "kind": figure.kind,
        "country": figure.country, "partner": figure.partner,
        "document": (article.title or entry.url)[:300], "publisher": publisher.display, "endnote": None,
        "source_url": entry.url, "published": article.published,
        "note": "; ".join(x for x in (f"as written: {figure.text}", figure.note) if x),
        "span_start": figure.sentence_start, "span_end": figure.sentence_end, "confidence": figure.confidence,
        "origin": figure.origin, "promotion_note": promotion_note(figure),
        "source": NAME, "snapshot_sha256": entry.sha256, REASON_COLUMN: None,
    }
    if figure.period:
        try:
            p = parse_period(figure.period)
            row.update(p.as_columns())
        except PeriodError as exc:
            row[REASON_COLUMN] = f"{entry.name}: period: {exc}"
    return row


def _page_error_row(entry: SnapshotEntry, publisher: str, reason: str) -> dict:
    url_hash = hashlib.sha256(entry.url.encode()).hexdigest()[:10]
    return {"claim_id": f"news.{publisher}.{url_hash}.page", "document": entry.name, "source_url": entry.url,
            "source": NAME, "snapshot_sha256": entry.sha256, REASON_COLUMN: reason}


def read_articles(snapshot: Snapshot) -> tuple[list[dict], list[dict]]:
    """(claims rows, page error rows) for every article of the snapshot."""
    rows: list[dict] = []
    errors: list[dict] = []
    for entry in snapshot.entries:
        pub_name = _publisher_of(entry.name)
        if pub_name is None:
            continue
        publisher = PUBLISHERS.get(pub_name)
        if publisher is None:
            errors.append(_page_error_row(entry, pub_name, f"{entry.name}: publisher {pub_name!r} is not known"))
            continue
        try:
            article = publisher.extract(snapshot.read(entry.name), entry.url)
        except LayoutError as exc:
            log.error("%s", exc)
            errors.append(_page_error_row(entry, pub_name, f"{entry.name}: {exc}"))
            continue
        seen: dict[int, int] = {}
        from caspian_etl.extract import extract_figures  # here: see caspian_etl.news.page.parse_date

        for figure in extract_figures(article.body, published=article.published, title=article.title,
                                      home_country=publisher.home_country):
            k = seen.get(figure.figure_start, 0)
            seen[figure.figure_start] = k + 1
            rows.append(_claim_row(figure, article, publisher, entry, k))
    return rows, errors


def _fetch_failures(snapshot: Snapshot) -> list[dict]:
    if not any(e.name == FETCH_LOG for e in snapshot.entries):
        return []
    entry = snapshot.entry(FETCH_LOG)
    try:
        reports = json.loads(snapshot.read(FETCH_LOG))
        failures = [(pub, i, str(f["url"]), str(f["error"])) for pub, report in sorted(reports.items())
                    for i, f in enumerate(report.get("failed", []))]
    except (ValueError, AttributeError, KeyError, TypeError) as exc:
        raise ParseError(f"{FETCH_LOG} is not the fetch log this source writes ({type(exc).__name__}: {exc})",
                         source=NAME, url=entry.url) from None
    return [{"claim_id": f"news.{pub}.fetch.{i}", "document": FETCH_LOG, "source_url": url, "source": NAME,
             "snapshot_sha256": entry.sha256, REASON_COLUMN: f"page not fetched: {error}"}
            for pub, i, url, error in failures]


def parse(snapshot: Snapshot) -> ParseResult:
    rows, errors = read_articles(snapshot)
    errors += _fetch_failures(snapshot)
    columns = load_contract("claims").column_names + [REASON_COLUMN]
    return {"claims": pd.DataFrame(rows + errors, columns=columns)}


def derive(valid: dict[str, pd.DataFrame]) -> ParseResult:
    """Indicator rows from the confident claims that passed the claims contract (a quarantined one feeds nothing)."""
    from caspian_etl.extract import REPORTED_THRESHOLD

    claims = valid.get("claims", load_contract("claims").empty_frame())
    # only figures calibrated as right (confidence >= REPORTED_THRESHOLD, no promotion_note) feed the indicator
    # tables; the others stay in claims with their promotion_note
    confident = (claims["confidence"].astype(float) >= REPORTED_THRESHOLD) & claims["promotion_note"].isna()
    return claims_to_tables(claims[confident])


SOURCE = Source(
    name=NAME,
    title="News articles of the publishers the seeds cite, and the figures they state",
    producer="The Astana Times, Kazinform, Trend, Report, AzerNews, News.az, Caliber.Az, The Times of Central Asia, "
             "Interfax, Inbusiness.kz (figures extracted by caspian-etl)",
    licence="Articles are the publishers' copyright; raw pages are kept locally as evidence, only figures are curated",
    homepage=" ".join(p.default_base_url for p in PUBLISHERS.values()),
    tables=("claims", *REPORTED_TABLES),
    fetch=fetch,
    parse=parse,
    derive=derive,
    http_policy=HttpPolicy(min_interval=5.0, max_attempts=3),
    schedule="0 2 * * *",  # news: daily, 02:00 UTC (morning in Astana and Baku)
    description="Middle Corridor, BTC, Aktau, grain and Kazakhstan-Azerbaijan trade articles; figures become claims.",
)
