"""robots.txt read as RFC 9309 says (through Protego), and checked at every redirect hop.

The robots.txt bodies and pages here are synthetic. Each case failed with the standard library's
urllib.robotparser (first matching rule wins, no wildcards, integer Crawl-delay only) or with redirects
followed blindly."""

from __future__ import annotations

import json

import pytest

from caspian_etl.core.errors import FetchError
from caspian_etl.core.http import HttpClient, HttpPolicy, RedirectRefused
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.news.robots import Robots, RobotsBook
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import news
from tests.httpserver import Reply
from tests.news.test_news import TREND_ARTICLE, sites  # noqa: F401 - the publishers' loopback site

LONGEST = b"User-agent: *\nDisallow: /news/\nAllow: /news/public/\n"
WILDCARDS = b"User-agent: *\nDisallow: /*.pdf$\nDisallow: /search*q=\n"


@pytest.mark.parametrize(
    "robots, url, allowed",
    [
        (LONGEST, "https://x.test/news/public/a.html", True),  # the longer Allow wins over the Disallow
        (LONGEST, "https://x.test/news/other/a.html", False),
        (b"User-agent: *\nAllow: /news/public/\nDisallow: /news/\n", "https://x.test/news/public/a.html", True),
        (WILDCARDS, "https://x.test/docs/report.pdf", False),  # `*` and `$`
        (WILDCARDS, "https://x.test/docs/report.pdf?page=2", True),  # `$` anchors the end: the query follows
        (WILDCARDS, "https://x.test/docs/report.pdfx", True),
        (WILDCARDS, "https://x.test/search/all?lang=en&q=oil", False),
        (b"User-agent: *\nDisallow: /a%3Cd.html\n", "https://x.test/a%3cd.html", False),  # percent-encoding
    ],
)
def test_rfc9309_matching(robots: bytes, url: str, allowed: bool) -> None:
    assert Robots(robots).allows(url) is allowed


def test_a_refusal_names_the_rule() -> None:
    reason = Robots(WILDCARDS).refusal("https://x.test/docs/report.pdf")
    assert reason is not None and "/docs/report.pdf" in reason and "Disallow: /*.pdf$" in reason
    assert Robots(LONGEST).refusal("https://x.test/news/public/a.html") is None
    assert "could not be fetched" in (Robots.unavailable().refusal("https://x.test/") or "")


@pytest.mark.parametrize("body, delay", [(b"User-agent: *\nCrawl-delay: 7.5\n", 7.5),
                                         (b"User-agent: caspian-etl\nCrawl-delay: 3\n\nUser-agent: *\nCrawl-delay: 1\n",
                                          3.0),
                                         (b"User-agent: *\nDisallow: /x\n", None)])
def test_crawl_delay(body: bytes, delay: float | None) -> None:
    assert Robots(body).crawl_delay() == delay


def test_crawl_delay_sets_the_interval_between_two_requests(server) -> None:
    server.add("/a", Reply(200, b"a"))
    robots = Robots(b"User-agent: *\nCrawl-delay: 0.6\n")
    book = RobotsBook()
    book.add(server.url, robots)
    from caspian_etl.news.robots import polite_client

    client = polite_client(HttpClient("news", HttpPolicy(min_interval=0.0)), book, robots.crawl_delay())
    client.get(server.url + "/a")
    client.get(server.url + "/a")
    first, second = server.requests_to("/a")
    assert second.at - first.at >= 0.55


def test_a_redirect_into_a_disallowed_path_is_not_followed(server) -> None:
    server.add("/news/public/a.html", Reply(301, b"", {"Location": "/news/secret/a.html"}))
    server.add("/news/secret/a.html", Reply(200, b"secret page"))
    book = RobotsBook()
    book.add(server.url, Robots(LONGEST))
    client = HttpClient("news", HttpPolicy(max_attempts=1), redirect_check=book.refusal)
    with pytest.raises(RedirectRefused, match=r"301 redirect to .*/news/secret/a.html not followed: robots.txt "
                                              r"disallows /news/secret/a.html \(Disallow: /news/\)"):
        client.get(server.url + "/news/public/a.html")
    assert server.requests_to("/news/secret/a.html") == []


def test_every_hop_is_checked_and_allowed_redirects_are_followed(server) -> None:
    server.add("/news/public/a.html", Reply(302, b"", {"Location": "/news/public/b.html"}))
    server.add("/news/public/b.html", Reply(301, b"", {"Location": "/news/c.html"}))
    server.add("/news/c.html", Reply(200, b"no"))
    server.add("/news/public/ok.html", Reply(301, b"", {"Location": "/news/public/final.html"}))
    server.add("/news/public/final.html", Reply(200, b"final"))
    book = RobotsBook()
    book.add(server.url, Robots(LONGEST))
    client = HttpClient("news", HttpPolicy(max_attempts=1), redirect_check=book.refusal)
    assert client.get(server.url + "/news/public/ok.html").body == b"final"
    with pytest.raises(FetchError, match="not followed"):
        client.get(server.url + "/news/public/a.html")
    assert len(server.requests_to("/news/public/b.html")) == 1 and server.requests_to("/news/c.html") == []


def test_a_redirect_to_an_unknown_site_is_not_followed_by_news(server) -> None:
    book = RobotsBook()  # no loader: only the origins added may be fetched
    assert "not a site this run may fetch from" in (book.refusal("https://elsewhere.test/a") or "")


def test_the_news_source_does_not_follow_a_redirect_into_a_disallowed_path(sites, paths) -> None:  # noqa: F811
    # the feed lists /business/3982957.html (allowed); it answers 301 to /private/..., which robots.txt disallows
    feed = sites.routes["/rss"][0].body.replace(b"/sport/3982955.html", b"/business/3982957.html")
    feed = feed.replace(b"Football club wins local derby", b"Caspian freight moves to a new page")
    sites.routes["/rss"].clear()
    sites.add("/rss", Reply(200, feed, {"Content-Type": "application/rss+xml"}))
    sites.add("/business/3982957.html", Reply(301, b"", {"Location": "/private/3982956.html"}))
    result = run_source("news", paths)
    assert result.status == "ok", result.reason
    assert len(sites.requests_to("/business/3982957.html")) == 1
    assert sites.requests_to("/private/3982956.html") == []
    fetch_log = json.loads(SnapshotStore(paths, "news").latest().read(news.FETCH_LOG))
    failed = {f["url"]: f["error"] for f in fetch_log["trend"]["failed"]}
    assert "robots.txt disallows /private/3982956.html" in failed[sites.url + "/business/3982957.html"]
    assert len(sites.requests_to(TREND_ARTICLE)) == 1  # the other articles went on


def test_the_extract_command_does_not_follow_a_redirect_into_a_disallowed_path(server, capsys) -> None:
    from caspian_etl.cli import main

    server.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\n"))
    server.add("/story.html", Reply(301, b"", {"Location": "/private/story.html"}))
    server.add("/private/story.html", Reply(200, b"<html><body><p>disallowed</p></body></html>"))
    assert main(["extract", server.url + "/story.html"]) == 1  # a refused page fails the command (not a usage error)
    assert "not followed: robots.txt disallows /private/story.html" in capsys.readouterr().err
    assert server.requests_to("/private/story.html") == []
