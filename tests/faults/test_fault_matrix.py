"""Fault injection: a 127.0.0.1 server misbehaves for one source while another runs next to it.

For every fault: the failing source is retried or fails with a message naming the source and the URL; the
other source still runs; no curated file of the failing source changes; nothing already in quarantine is
lost. All bodies are synthetic. (The fault -> outcome table is in README's Operations section.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from caspian_etl.pipeline.run import run_pipeline
from caspian_etl.sources import worldbank
from tests.httpserver import Reply
from tests.news.test_news import TREND_ARTICLE, fixture, html, sites  # noqa: F401 - `sites` is a fixture
from tests.sources.test_worldbank import GDP, obs, page

GOOD = page(1, 1, [obs(GDP, "KAZ", 2023, 1.0)])
ROUTE = f"/v2/country/KAZ/indicator/{GDP}"

# fault -> (replies the server gives, extra environment, expected status, text the reason must contain)
FAULTS = {
    "429 with Retry-After, then 200": ([Reply(429, b"slow down", {"Retry-After": "1"}), Reply.json(GOOD)], {},
                                       "ok", None),
    "500 every time": ([Reply(500, b"synthetic error")], {}, "failed", "HTTP 500"),
    "502 every time": ([Reply(502)], {}, "failed", "HTTP 502"),
    "503 every time": ([Reply(503)], {}, "failed", "HTTP 503"),
    "read timeout": ([Reply(200, GOOD, delay=1.0)], {"CASPIAN_ETL_HTTP_READ_TIMEOUT": "0.2"}, "failed",
                     "ReadTimeout"),
    "connection reset": ([Reply(reset=True)], {}, "failed", "ConnectionError"),
    "truncated body": ([Reply(200, GOOD, truncate_to=20)], {}, "failed", "truncated"),
    "wrong content type (HTML)": ([Reply(200, b"<html><body>We are down for maintenance</body></html>",
                                         {"Content-Type": "text/html"})], {}, "failed", "answer is not JSON"),
    "huge body": ([Reply(200, b" " * 400_000, {"Content-Type": "application/json"}, chunked=True)],
                  {"CASPIAN_ETL_HTTP_MAX_BYTES": "100000"}, "failed", "cap"),
}


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()} \
        if folder.exists() else {}


@pytest.fixture
def one_indicator(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ")
    monkeypatch.setattr(worldbank, "INDICATORS", tuple(i for i in worldbank.INDICATORS if i.code == GDP))
    return server


@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault(fault: str, one_indicator, paths, monkeypatch) -> None:
    replies, env, expected, message = FAULTS[fault]
    server = one_indicator
    server.add(ROUTE, Reply.json(page(1, 1, [obs(GDP, "KAZ", 2022, 9.0), obs(GDP, "KAZ", 2023, "bad")])))
    first = run_pipeline(["claims", "worldbank"], paths)  # a good run first (with one row to quarantine)
    assert first.ok
    curated_before = {t: _files(paths.curated / t) for t in worldbank.TABLES}
    quarantine_before = _files(paths.quarantine)
    assert quarantine_before  # the "bad" value is there

    server.routes[ROUTE].clear()
    server.add(ROUTE, *replies)
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    summary = run_pipeline(["claims", "worldbank"], paths)
    wb = next(r for r in summary.results if r.source == "worldbank")
    claims = next(r for r in summary.results if r.source == "claims")
    assert claims.status == "ok"  # the other source still ran
    assert wb.status == expected, wb.reason
    quarantine_after = _files(paths.quarantine)
    assert {k: v for k, v in quarantine_after.items() if k in quarantine_before} == quarantine_before
    if expected == "failed":
        assert wb.reason.startswith("worldbank: ") and server.url + ROUTE in wb.reason and message in wb.reason
        assert {t: _files(paths.curated / t) for t in worldbank.TABLES} == curated_before
    else:
        assert len(server.requests_to(ROUTE)) >= 3  # the first run, the 429, the retry


def test_a_page_without_a_body_fails_the_page_not_the_run(sites, paths) -> None:  # noqa: F811 - the fixture
    """A news page that yields no article body (a listing served where an article was expected): an error for
    that page (quarantined, with the page's URL), while the other pages and the other sources go on."""
    sites.routes[TREND_ARTICLE].clear()
    sites.add(TREND_ARTICLE, html(fixture("inform_listing.html")))
    summary = run_pipeline(["claims", "news"], paths)
    news, claims = (next(r for r in summary.results if r.source == s) for s in ("news", "claims"))
    assert news.status == "ok" and claims.status == "ok"
    outcome = next(t for t in news.tables if t.table == "claims")
    assert outcome.rows_written > 0 and outcome.rows_quarantined == 1
    reasons = Path(outcome.quarantine_path).read_text()
    assert "no article body" in reasons and sites.url + TREND_ARTICLE in reasons
