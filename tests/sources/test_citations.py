"""The `citations` source and the derived `citation_checks` table, against a loopback server.

Synthetic throughout: the registry rows below are written for this test (figures taken from the seeds' facts,
claim ids and pairings invented), and the pages served are the synthetic pages of tests/fixtures/news,
served at the cited paths with CASPIAN_ETL_CITATIONS_HOST_MAP pointing the cited hosts at 127.0.0.1."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.pipeline.downstream import build_derived
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources import citations
from tests.httpserver import Reply
from tests.news.test_news import fixture, html

AT = "https://astanatimes.com"
TREND_PAGE = "/2024/12/cargo-transport-via-middle-corridor-surges-to-4-1-million-tons-in-11-months/"
INFORM_PAGE = "/news/kazakhstan-and-azerbaijan-trade-grows-in-first-half-8a91b7/"
GENERIC_PAGE = "/business/3974518.html"
HEADER = "claim_id,metric,value,unit,period,kind,country,partner,document,publisher,endnote,source_url,published,note"
REGISTRY = [  # synthetic rows
    f"paper-cargo-11m,middle_corridor_cargo,4.1,Mt,2024-01..2024-11,observation,,,policy_paper,P,1,"
    f"{AT}{TREND_PAGE}#:~:text=4.1,,",
    f"paper-cargo-rounded,middle_corridor_cargo,4100,kt,2024-01..2024-11,observation,,,policy_paper,P,1,{AT}{TREND_PAGE},,",
    f"paper-cargo-rounded-up,middle_corridor_cargo,4,Mt,2024-01..2024-11,observation,,,policy_paper,P,2,{AT}{TREND_PAGE},,",
    f"paper-turnover-2023,trade_turnover,533.4,USD million,2023,observation,KAZ,AZE,policy_paper,P,3,"
    f"https://en.inform.kz{INFORM_PAGE},,",
    f"paper-btc-capacity,btc_capacity,50,Mt/yr,,capacity,,,policy_paper,P,4,https://en.trend.az{GENERIC_PAGE},,",
    "paper-gone,trade_turnover,1,USD billion,2024,target,KAZ,AZE,policy_paper,P,5,https://en.trend.az/business/1.html,,",
    "paper-private,trade_turnover,1,USD billion,2024,target,KAZ,AZE,policy_paper,P,6,"
    "https://en.trend.az/private/2.html,,",
    "paper-moved,trade_turnover,1,USD billion,2024,target,KAZ,AZE,policy_paper,P,7,https://en.trend.az/business/3.html,,",
    "paper-pdf,trade_turnover,1,USD billion,2024,target,KAZ,AZE,policy_paper,P,8,https://en.trend.az/docs/report.pdf,,",
    "paper-no-url,trade_turnover,1,USD billion,2024,target,KAZ,AZE,policy_paper,P,9,,,",
]


@pytest.fixture
def cited(server, paths, monkeypatch):
    monkeypatch.setenv(citations.HOST_MAP_ENV, ";".join(
        f"{origin}={server.url}" for origin in (AT, "https://en.inform.kz", "https://en.trend.az")))
    registry = paths.raw / "claims" / "claims.csv"
    registry.parent.mkdir(parents=True, exist_ok=True)
    registry.write_text("\n".join([HEADER, *REGISTRY]) + "\n", encoding="utf-8")
    server.add("/robots.txt", Reply(200, b"User-agent: *\nDisallow: /private/\nDisallow: /*.pdf$\n"))
    server.add(TREND_PAGE, html(fixture("trend_article.html")))
    server.add(INFORM_PAGE, html(fixture("inform_article.html")))
    server.add(GENERIC_PAGE, html(fixture("generic_article.html")))
    server.add("/business/1.html", Reply(404, b"gone"))
    server.add("/business/3.html", Reply(301, b"", {"Location": "/private/3.html"}))
    server.add("/private/3.html", html(fixture("trend_article.html")))
    return server


def checks_after_run(paths) -> pd.DataFrame:
    assert run_source("claims", paths).status == "ok"
    result = run_source("citations", paths)
    assert result.status == "ok", result.reason
    derived = build_derived(paths, ["citation_checks"])
    assert derived.status == "ok", derived.reason
    return read_table(paths, "citation_checks").set_index("claim_id")


def test_every_verdict_with_its_reason(cited, paths) -> None:
    checks = checks_after_run(paths)
    verdicts = checks["verdict"].to_dict()
    assert verdicts == {
        "paper-cargo-11m": "supported", "paper-cargo-rounded": "supported", "paper-cargo-rounded-up": "supported",
        "paper-turnover-2023": "states_other", "paper-btc-capacity": "not_stated", "paper-gone": "unreachable",
        "paper-private": "blocked", "paper-moved": "blocked", "paper-pdf": "blocked"}
    assert checks["reason"].str.len().gt(20).all()  # one readable sentence for every verdict
    ok = checks.loc["paper-cargo-11m"]
    assert (ok["page_value"], ok["page_unit"], ok["page_period"]) == (4.1, "Mt", "2024-01..2024-11")
    assert "4.1 million tons" in ok["reason"]
    assert checks.loc["paper-cargo-rounded", "deviation_pct"] == 0  # 4100 kt is 4.1 Mt: compared in the base unit
    # '4' stands for 3.5..4.5 (half a unit of its last digit: 12.5%), so the page's 4.1 supports it
    assert checks.loc["paper-cargo-rounded-up", "tolerance_pct"] == 12.5
    other = checks.loc["paper-turnover-2023"]
    assert other["other_figures"] == "529.4 USD million (2023)" and "529.4 USD million" in other["reason"]
    assert checks.loc["paper-gone", "http_status"] == 404 and "HTTP 404" in checks.loc["paper-gone", "reason"]
    assert "Disallow: /private/" in checks.loc["paper-private", "robots_rule"]
    assert "redirect" in checks.loc["paper-moved", "reason"] and "Disallow: /private/" in checks.loc["paper-moved",
                                                                                                     "robots_rule"]
    assert "Disallow: /*.pdf$" in checks.loc["paper-pdf", "robots_rule"]
    assert cited.requests_to("/private/3.html") == [] and cited.requests_to("/private/2.html") == []
    assert cited.requests_to("/docs/report.pdf") == []


def test_each_url_is_fetched_once_and_kept_as_a_snapshot(cited, paths) -> None:
    checks_after_run(paths)
    assert len(cited.requests_to(TREND_PAGE)) == 1  # three claims, one fetch (fragment dropped)
    snap = SnapshotStore(paths, "citations").latest()
    page = snap.entry(citations.page_name(AT + TREND_PAGE))
    assert snap.read(page.name) == fixture("trend_article.html")
    figures = read_table(paths, "cited_figures")
    assert set(figures.loc[figures["source_url"].str.contains("cargo-transport"), "snapshot_sha256"]) == {page.sha256}
    assert run_source("citations", paths).status == "ok"
    assert len(cited.requests_to(TREND_PAGE)) == 1 and len(cited.requests_to(INFORM_PAGE)) == 1  # fetch once
    assert len(cited.requests_to("/business/1.html")) == 2  # a failed fetch is tried again next run


def test_a_page_that_is_not_html_is_not_stated(cited, paths, monkeypatch) -> None:
    cited.add("/files/report.bin", Reply(200, b"%PDF-1.7 synthetic", {"Content-Type": "application/pdf"}))
    registry = paths.raw / "claims" / "claims.csv"
    registry.write_text(registry.read_text().replace("/docs/report.pdf", "/files/report.bin"), encoding="utf-8")
    checks = checks_after_run(paths)
    assert checks.loc["paper-pdf", "verdict"] == "not_stated"
    assert "not an HTML page (application/pdf)" in checks.loc["paper-pdf", "reason"]


def test_same_snapshot_gives_identical_tables(cited, paths) -> None:
    checks_after_run(paths)
    first = (paths.curated / "cited_figures" / "citations.parquet").read_bytes()
    assert run_source("citations", paths, offline=True).status == "ok"
    assert (paths.curated / "cited_figures" / "citations.parquet").read_bytes() == first


def test_offline_without_a_snapshot_is_skipped_and_the_table_is_empty(paths) -> None:
    assert run_source("claims", paths).status == "ok"
    result = run_source("citations", paths, offline=True)
    assert result.status == "skipped" and "no stored snapshot" in result.reason
    assert build_derived(paths, ["citation_checks"]).status == "ok"
    assert read_table(paths, "citation_checks").empty


def test_a_bad_host_map_is_a_one_line_error(paths, monkeypatch) -> None:
    monkeypatch.setenv(citations.HOST_MAP_ENV, "astanatimes.com->127.0.0.1")
    result = run_source("citations", paths)
    assert result.status == "failed" and citations.HOST_MAP_ENV in result.reason


def test_the_report_shows_the_citation_checks(cited, paths) -> None:
    from caspian_etl.publish.report import INDEX_NAME, build_report, report_dir

    checks_after_run(paths)
    build_report(paths)
    page = (report_dir(paths) / INDEX_NAME).read_text(encoding="utf-8")
    section = page[page.index("<h2>Citation checks</h2>"):]
    assert ("9 claims checked against the page they cite: supported: 3, states other: 1, not stated: 1, "
            "unreachable: 1, blocked: 3.") in section
    assert "paper-turnover-2023" in section and "529.4 USD million (2023)" in section


def test_a_host_whose_robots_txt_fails_is_unreachable_not_blocked(cited, paths, monkeypatch) -> None:
    from tests.httpserver import ScriptedServer

    with ScriptedServer() as down:
        down.add("/robots.txt", Reply(503, b"busy"))
        monkeypatch.setenv(citations.HOST_MAP_ENV, os.environ[citations.HOST_MAP_ENV].replace(
            f"https://en.trend.az={cited.url}", f"https://en.trend.az={down.url}"))
        checks = checks_after_run(paths)
    gone = checks.loc["paper-gone"]
    assert gone["verdict"] == "unreachable" and "robots.txt of" in gone["reason"]
    assert "could not be fetched" in gone["reason"] and down.requests_to("/business/1.html") == []
    assert checks.loc["paper-cargo-11m", "verdict"] == "supported"  # the other hosts went on


def test_a_redirect_to_another_host_is_checked_against_that_hosts_robots(cited, paths, monkeypatch) -> None:
    from tests.httpserver import ScriptedServer

    with ScriptedServer() as other:
        other.add("/robots.txt", Reply(200, b"User-agent: caspian-etl\nDisallow: /\n"))
        other.add("/moved.html", html(fixture("trend_article.html")))
        cited.routes["/business/1.html"].clear()
        cited.add("/business/1.html", Reply(301, b"", {"Location": other.url + "/moved.html"}))
        checks = checks_after_run(paths)
    gone = checks.loc["paper-gone"]
    assert gone["verdict"] == "blocked" and "robots.txt disallows /moved.html (Disallow: /)" in gone["robots_rule"]
    assert other.requests_to("/moved.html") == [] and len(other.requests_to("/robots.txt")) == 1
    snap = SnapshotStore(paths, "citations").latest()
    assert any(e.name.startswith("robots__") and e.url == other.url + "/robots.txt" for e in snap.entries)


CLAIM = {"claim_id": "c", "metric": "middle_corridor_cargo", "value": 88.0, "unit": "Mt", "period": "2023",
         "kind": "observation", "document": "policy_paper", "source_url": "https://x.test/a", "snapshot_sha256": "0"}


def page(*figures: tuple) -> list[dict]:
    """cited_figures rows of one read page (synthetic): (metric, value, unit, period, kind) per figure."""
    base = {"page_status": "read", "http_status": 200, "detail": None, "snapshot_sha256": "1"}
    return [{**base, "figure_index": i, "metric": m, "value": v, "unit": u, "period": p, "kind": k,
             "as_written": f"{v:g} {u}"} for i, (m, v, u, p, k) in enumerate(figures, start=1)]


@pytest.mark.parametrize("figures, verdict", [
    ([("middle_corridor_cargo", 88.4, "Mt", "2023", "observation")], "supported"),  # within half a unit of '88'
    ([("middle_corridor_cargo", 88.6, "Mt", "2023", "observation")], "states_other"),
    ([("unclassified_figure", 88000, "kt", None, "observation")], "supported"),  # no period on the page for it
    ([("middle_corridor_cargo", 88, "Mt/yr", "2023", "capacity")], "supported"),  # a mass and a mass rate compare
    ([("middle_corridor_cargo", 88, "Mt", "2022", "observation")], "not_stated"),  # another period
    ([("middle_corridor_cargo", 95, "Mt", "2023", "forecast")], "not_stated"),  # another kind accuses nothing
    ([("middle_corridor_cargo", 88, "USD million", "2023", "observation")], "not_stated"),  # another dimension
    ([], "not_stated"),
])
def test_verdict_rules(figures: list[tuple], verdict: str) -> None:
    from caspian_etl.derived.citation_checks import check_claim

    rows = page(*figures) or [{"page_status": "read", "http_status": 200, "detail": "no figure", "figure_index": 0,
                               "value": None, "unit": None, "snapshot_sha256": "1"}]
    row = check_claim(CLAIM, rows)
    assert row["verdict"] == verdict and row["reason"].endswith(".")
