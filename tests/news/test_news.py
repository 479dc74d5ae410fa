"""The `news` source against a real HTTP server on 127.0.0.1: robots.txt, discovery, keyword filter, fetch-once,
layout errors per page, figures into claims and the indicator tables. Pages are synthetic (tests/fixtures/news)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.news import extract_article
from caspian_etl.news.page import LayoutError
from caspian_etl.news.robots import Robots
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import news
from tests.httpserver import Reply

FIXTURES = Path(__file__).parents[1] / "fixtures" / "news"
TREND_ARTICLE = "/business/3982954.html"
AT_ARTICLE = "/2024/11/kazakh-oil-through-btc-keeps-growing/"
AT_EMPTY = "/2025/03/ministers-discuss-transport-cooperation/"
INFORM_ARTICLE = "/news/kazakhstan-and-azerbaijan-trade-grows-in-first-half-8a91b7/"


def fixture(name: str, base: str = "") -> bytes:
    return (FIXTURES / name).read_text(encoding="utf-8").replace("{base}", base).encode()


def html(body: bytes) -> Reply:
    return Reply(200, body, {"Content-Type": "text/html; charset=utf-8"})


@pytest.fixture
def sites(server, monkeypatch):
    """Three publishers served by one 127.0.0.1 server (each would be its own host in real life)."""
    for name in ("ASTANATIMES", "INFORM", "TREND"):
        monkeypatch.setenv(f"CASPIAN_ETL_NEWS_{name}_BASE_URL", server.url)
    monkeypatch.setenv("CASPIAN_ETL_NEWS_PUBLISHERS", "astanatimes;inform;trend")
    base = server.url
    server.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n", {"Content-Type": "text/plain"}))
    server.add("/rss", Reply(200, fixture("trend_feed.rss", base), {"Content-Type": "application/rss+xml"}))
    server.add("/", Reply(200, fixture("astanatimes_search.rss", base), {"Content-Type": "application/rss+xml"}))
    server.add("/rss/en.xml", Reply(200, fixture("inform_feed.xml", base), {"Content-Type": "application/rss+xml"}))
    server.add(TREND_ARTICLE, html(fixture("trend_article.html")))
    server.add("/private/3982956.html", html(fixture("trend_article.html")))
    server.add(AT_ARTICLE, html(fixture("astanatimes_article.html")))
    server.add(AT_EMPTY, html(fixture("astanatimes_no_figures.html")))
    server.add(INFORM_ARTICLE, html(fixture("inform_article.html")))
    return server


def test_fetches_matching_articles_once_and_extracts_their_figures(sites, paths) -> None:
    result = run_source("news", paths)
    assert result.status == "ok", result.reason
    claims = read_table(paths, "claims")
    assert set(claims["source"]) == {"news"}
    cargo = claims[claims["value"] == 4.1].iloc[0]
    assert (cargo["metric"], cargo["unit"], cargo["period"], cargo["kind"]) == (
        "middle_corridor_cargo", "Mt", "2024-01..2024-11", "observation")
    assert cargo["source_url"] == sites.url + TREND_ARTICLE and cargo["publisher"].startswith("Trend")
    assert str(cargo["published"])[:10] == "2024-12-17" and cargo["confidence"] == pytest.approx(0.9)
    # the span points at the stating sentence in the page's body text, the same text `extract` prints
    body = extract_article(fixture("trend_article.html"), publisher="trend").body
    assert "4.1 million tons" in body[int(cargo["span_start"]):int(cargo["span_end"])]
    snap = SnapshotStore(paths, "news").latest()
    assert cargo["snapshot_sha256"] == snap.entry(news.article_name("trend", sites.url + TREND_ARTICLE)).sha256
    trade = claims[claims["metric"] == "trade_turnover"].set_index("period")
    assert trade.loc["2024-01..2024-06", "value"] == 280.6 and trade.loc["2023", "country"] == "KAZ"
    # body only: the ticker, related box, footer and scripts around the article give no figures
    assert not set(claims["value"]) & {83.4, 9999.0, 15.0, 99.0, 12345.0, 250.0, 2500.0, 25.0, 3.0, 2000.0, 45.0, 12.0}
    # confident figures flow on to the indicator tables as reported, traced to their claim
    corridor = read_table(paths, "corridor_indicators")
    row = corridor[corridor["indicator"] == "middle_corridor_cargo"].iloc[0]
    assert (row["value"], row["unit"], row["basis"], row["source"]) == (4.1, "Mt", "reported", "news")
    assert row["claim_id"] == cargo["claim_id"] and row["source_url"] == cargo["source_url"]
    energy = read_table(paths, "energy_indicators")
    assert energy.set_index("indicator").loc["btc_capacity", "unit"] == "Mt/yr"
    trade_flows = read_table(paths, "trade_flows")
    assert set(trade_flows["reporter"]) == {"KAZ"} and set(trade_flows["basis"]) == {"reported"}
    # unclassified or low-confidence figures stay in claims only
    low = claims[claims["confidence"] < 0.6]
    assert len(low) and not set(low["claim_id"]) & set(corridor["claim_id"].dropna())


def test_robots_disallow_is_honoured_and_other_hosts_are_not_fetched(sites, paths) -> None:
    assert run_source("news", paths).status == "ok"
    assert sites.requests_to("/private/3982956.html") == []  # listed in the feed, disallowed by robots.txt
    assert sites.requests_to("/sport/3982955.html") == []  # no keyword
    fetch_log = json.loads(SnapshotStore(paths, "news").latest().read(news.FETCH_LOG))
    assert sites.url + "/private/3982956.html" in fetch_log["trend"]["disallowed"]
    snap = SnapshotStore(paths, "news").latest()
    assert snap.read("trend__robots.txt").startswith(b"User-agent: *")


def test_robots_disallowing_everything_fetches_nothing_but_robots(sites, paths) -> None:
    sites.routes["/robots.txt"].clear()
    sites.add("/robots.txt", Reply(200, b"User-agent: caspian-etl\nDisallow: /\n"))
    run_source("news", paths)
    assert {s.path for s in sites.seen} == {"/robots.txt"}


def test_each_article_is_fetched_once_across_runs(sites, paths) -> None:
    first = run_source("news", paths)
    assert first.status == "ok"
    assert len(sites.requests_to(TREND_ARTICLE)) == 1
    second = run_source("news", paths)
    assert second.status == "ok"
    assert len(sites.requests_to(TREND_ARTICLE)) == 1  # carried forward, not refetched
    assert len(sites.requests_to("/rss")) == 2  # discovery runs every time
    assert second.unchanged and second.snapshot_id == first.snapshot_id  # nothing new: no new snapshot


def test_archive_keeps_articles_that_left_the_feed(sites, paths) -> None:
    assert run_source("news", paths).status == "ok"
    rows_before = len(read_table(paths, "claims"))
    sites.routes["/rss"].clear()
    sites.add("/rss", Reply(200, b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>'))
    assert run_source("news", paths).status == "ok"
    assert len(read_table(paths, "claims")) == rows_before


def test_a_changed_layout_still_gives_the_body() -> None:
    # the article extractor does not depend on the publisher's class names: moved markup is still read
    article = extract_article(fixture("trend_changed_layout.html"), publisher="trend")
    assert "4.1 million tons in January-November 2024" in article.body and "Read also" not in article.body
    assert "Share this" not in article.body  # the share box the extractor keeps on this layout is dropped


def test_a_page_without_a_body_is_an_error_for_that_page_and_the_run_goes_on(sites, paths) -> None:
    sites.routes[TREND_ARTICLE].clear()
    sites.add(TREND_ARTICLE, html(fixture("inform_listing.html")))  # a listing page where an article was expected
    result = run_source("news", paths)
    assert result.status == "ok", result.reason
    claims_outcome = next(t for t in result.tables if t.table == "claims")
    assert claims_outcome.rows_quarantined == 1  # reported and counted
    quarantined = pd.read_csv(claims_outcome.quarantine_path)
    reason = quarantined.iloc[0]["quarantine_reason"]
    assert "trend: no article body in the page" in reason
    assert quarantined.iloc[0]["source_url"] == sites.url + TREND_ARTICLE
    claims = read_table(paths, "claims")
    assert not claims["source_url"].eq(sites.url + TREND_ARTICLE).any()
    assert claims["source_url"].eq(sites.url + AT_ARTICLE).any()  # the other pages went through


def test_a_page_that_fails_to_download_is_reported(sites, paths) -> None:
    sites.routes[INFORM_ARTICLE].clear()
    sites.add(INFORM_ARTICLE, Reply(404, b"gone"))
    result = run_source("news", paths)
    assert result.status == "ok", result.reason
    outcome = next(t for t in result.tables if t.table == "claims")
    reasons = pd.read_csv(outcome.quarantine_path)["quarantine_reason"].tolist()
    assert any("page not fetched" in r and "HTTP 404" in r for r in reasons)


def test_a_page_without_figures_gives_no_claims(sites, paths) -> None:
    assert run_source("news", paths).status == "ok"
    claims = read_table(paths, "claims")
    assert not claims["source_url"].eq(sites.url + AT_EMPTY).any()
    snap = SnapshotStore(paths, "news").latest()
    assert news.article_name("astanatimes", sites.url + AT_EMPTY) in {e.name for e in snap.entries}


def test_same_snapshot_gives_identical_curated_files(sites, paths) -> None:
    assert run_source("news", paths).status == "ok"
    first = (paths.curated / "claims" / "news.parquet").read_bytes()
    assert run_source("news", paths, offline=True).status == "ok"
    assert (paths.curated / "claims" / "news.parquet").read_bytes() == first


@pytest.mark.parametrize("name, publisher", [("trend_article.html", "trend"), ("inform_article.html", "inform"),
                                             ("astanatimes_article.html", "astanatimes")])
def test_each_layout_reads_title_date_and_body(name: str, publisher: str) -> None:
    article = extract_article(fixture(name), publisher=publisher)
    assert article.layout == publisher and article.title and article.published is not None
    assert "synthetic" in article.body and "footer" not in article.body and "Share this" not in article.body
    assert "Read also" not in article.body and "Related" not in article.body


def test_publisher_rules_add_what_the_extractor_cannot_know() -> None:
    # Kazinform's lead sits outside the body's markup; Trend prints its date only in the page text
    lead = "ASTANA. KAZINFORM. Synthetic lead paragraph on Kazakh-Azerbaijani trade."
    assert extract_article(fixture("inform_article.html"), publisher="inform").body.startswith(lead)
    assert lead not in extract_article(fixture("inform_article.html")).body
    no_meta = fixture("trend_article.html").replace(b'<meta property="article:published_time"', b"<meta x")
    assert str(extract_article(no_meta, publisher="trend").published) == "2024-12-17"


@pytest.mark.parametrize("name", ["inform_listing.html", "no_body.html"])
def test_a_page_without_a_body_raises(name: str) -> None:
    page = fixture(name) if name != "no_body.html" else b"<html><body><p>Subscribe to read.</p></body></html>"
    with pytest.raises(LayoutError, match="no article body"):
        extract_article(page, publisher="trend")


def test_generic_extractor_reads_an_unknown_layout_body_only() -> None:
    article = extract_article(fixture("generic_article.html"))
    assert article.layout == "generic" and str(article.published) == "2025-07-15"
    assert "4.5 million tons" in article.body and "Most read" not in article.body and "rights" not in article.body


@pytest.mark.parametrize(
    "robots, url, allowed",
    [
        (b"User-agent: *\nDisallow: /private/\n", "https://x.test/private/a.html", False),
        (b"User-agent: *\nDisallow: /private/\n", "https://x.test/business/a.html", True),
        (b"User-agent: caspian-etl\nDisallow: /\n\nUser-agent: *\nAllow: /\n", "https://x.test/a.html", False),
        (b"User-agent: otherbot\nDisallow: /\n", "https://x.test/a.html", True),
    ],
)
def test_robots_rules(robots: bytes, url: str, allowed: bool) -> None:
    assert Robots(robots).allows(url) is allowed


def test_crawl_delay_raises_the_per_host_interval(paths) -> None:
    from caspian_etl.core.http import HttpClient, HttpPolicy
    from caspian_etl.core.snapshots import SnapshotStore as Store
    from caspian_etl.sources.base import FetchContext

    ctx = FetchContext(source=news.SOURCE, paths=paths, http=HttpClient("news", HttpPolicy(min_interval=1.0)),
                       writer=Store(paths, "news").writer(), previous=None)
    slow = news._publisher_ctx(ctx, Robots(b"User-agent: *\nCrawl-delay: 7\n"))
    assert slow.http.policy.min_interval == 7.0 and slow.writer is ctx.writer
    fast = news._publisher_ctx(ctx, Robots(b"User-agent: *\nCrawl-delay: 0.5\n"))
    assert fast.http.policy == ctx.http.policy and fast.http.redirect_check is not None  # redirects still checked
    assert news.SOURCE.http_policy.min_interval >= 5.0  # polite by default


def test_robots_404_means_no_rules_and_5xx_means_nothing_is_fetched(sites, paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_NEWS_PUBLISHERS", "trend")
    sites.routes["/robots.txt"].clear()
    sites.add("/robots.txt", Reply(503))
    run_source("news", paths)
    assert sites.requests_to(TREND_ARTICLE) == [] and sites.requests_to("/rss") == []
    sites.routes["/robots.txt"].clear()
    sites.add("/robots.txt", Reply(404, b"no robots here"))
    assert run_source("news", paths).status == "ok"
    assert len(sites.requests_to(TREND_ARTICLE)) == 1


def test_unknown_publisher_setting_is_a_clear_error(paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_NEWS_PUBLISHERS", "trend;nosuchsite")
    result = run_source("news", paths)
    assert result.status == "failed" and "nosuchsite" in result.reason


def test_cli_runs_eia_and_news_live_then_offline(sites, paths, monkeypatch, capsys) -> None:
    from caspian_etl.cli import main
    from tests.sources.test_eia import answer, record

    monkeypatch.setenv("CASPIAN_ETL_EIA_BASE_URL", sites.url + "/v2")
    monkeypatch.setenv("EIA_API_KEY", "synthetic-key-for-cli-test")
    sites.add("/v2/international/data/", Reply.json(answer(1, [record("KAZ", "2023", "1850")])),
              Reply.json(answer(0, [])))
    argv = ["run", "--source", "eia", "--source", "news", "--without-prefect", "--data-dir", str(paths.root)]
    assert main(argv) == 0
    live = capsys.readouterr().out
    assert "eia: ok — fetched" in live and "news: ok — fetched" in live
    served = len(sites.seen)
    assert main([*argv, "--offline"]) == 0
    offline = capsys.readouterr().out
    assert "eia: ok — replayed" in offline and "news: ok — replayed" in offline
    assert len(sites.seen) == served  # offline makes no request
    energy = read_table(paths, "energy_indicators")
    assert {"eia", "news"} <= set(energy["source"])


def test_an_unseen_layout_gives_the_body_figures_only() -> None:
    # synthetic page with a cookie banner, mega menu, inline advert, "Follow us" line, comments, most-read box
    from caspian_etl.extract import extract_figures

    article = extract_article(fixture("regional_article.html"), "https://news.az/news/cargo-via-middle-corridor-up")
    assert article.layout == "newsaz" and str(article.published) == "2024-07-20"  # date from JSON-LD
    values = {f.value for f in extract_figures(article.body, published=article.published, title=article.title)}
    assert values == {65.0, 2.5, 26000.0, 10.0}
    for chrome in ("Advertisement", "Follow us", "Reader:", "Most read", "88 dollars", "cookies", "Views"):
        assert chrome not in article.body
