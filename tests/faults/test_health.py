"""Health from what was fetched: a replay of stored snapshots is not a successful fetch, and a news run that
reaches no publisher fails with the reasons. (Every response here is synthetic, served on 127.0.0.1.)"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from caspian_etl.core.state import load_state, record_result
from caspian_etl.pipeline.run import run_source
from caspian_etl.pipeline.status import source_status
from caspian_etl.sources import worldbank
from tests.httpserver import Reply

GDP = "NY.GDP.MKTP.CD"
PATH = f"/v2/country/KAZ/indicator/{GDP}"


@pytest.fixture
def wb(server, monkeypatch):
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ")
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MAX_ATTEMPTS", "1")
    monkeypatch.setattr(worldbank, "INDICATORS", tuple(i for i in worldbank.INDICATORS if i.code == GDP))
    return server


def _page() -> bytes:  # one synthetic observation in the v2 shape
    info = {"page": 1, "pages": 1, "per_page": 1000, "total": 1, "sourceid": "2", "lastupdated": "2026-01-01"}
    row = {"indicator": {"id": GDP, "value": "synthetic"}, "country": {"id": "KZ", "value": "KAZ"},
           "countryiso3code": "KAZ", "date": "2023", "value": 1.0, "unit": "", "obs_status": "", "decimal": 1}
    return json.dumps([info, [row]]).encode()


def test_daily_replays_do_not_hide_a_fetch_that_fails_every_day(wb, paths) -> None:
    wb.add(PATH, Reply.json(_page()))
    assert run_source("worldbank", paths).status == "ok"
    wb.routes[PATH].clear()
    wb.add(PATH, Reply(503))
    for _ in range(3):  # the source's own run fails, then pipeline/daily re-curates offline
        assert run_source("worldbank", paths).status == "failed"
        assert run_source("worldbank", paths, offline=True).status == "ok"
    status = source_status(paths, "worldbank")
    assert status.health == "failing"
    state = load_state(paths, "worldbank")
    assert state["last_fetch"]["status"] == "failed" and state["last_fetch"]["mode"] == "fetch"
    assert state["last_replay"]["status"] == "ok"
    assert state["last_fetch_success"]["status"] == "ok" and state["last_fetch_success"]["fetched"]
    assert "503" in status.last_error and status.last_replay is not None


def _result(status: str, finished: datetime, *, fetched: bool) -> dict:
    at = finished.isoformat().replace("+00:00", "Z")
    return {"source": "worldbank", "status": status, "started_at": at, "finished_at": at, "reason": None,
            "tables": [], "window": None, "fetched": fetched, "mode": "fetch" if fetched else "replay"}


def test_a_source_only_replayed_for_months_is_stale(paths) -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
    record_result(paths, _result("ok", now - timedelta(days=120), fetched=True))
    for day in range(60, 0, -1):  # daily offline re-curations succeed; nobody fetched
        record_result(paths, _result("ok", now - timedelta(days=day), fetched=False))
    status = source_status(paths, "worldbank", now)
    assert status.health == "stale"
    assert status.last_success == (now - timedelta(days=120)).isoformat().replace("+00:00", "Z")


def test_news_that_reaches_no_publisher_fails_with_the_reasons(server, paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_NEWS_PUBLISHERS", "astanatimes;inform;trend")
    for name in ("ASTANATIMES", "INFORM", "TREND"):
        monkeypatch.setenv(f"CASPIAN_ETL_NEWS_{name}_BASE_URL", server.url)
    monkeypatch.setenv("CASPIAN_ETL_HTTP_MAX_ATTEMPTS", "1")
    server.add("/robots.txt", Reply(404, b"no rules"))
    # every feed and listing is down
    for feed in ("/feeds/index.rss", "/", "/category/economy/", "/rss/en.xml", "/rss", "/feed/"):
        server.add(feed, Reply(503))
    result = run_source("news", paths)
    assert result.status == "failed"
    assert "no publisher reachable" in result.reason and "503" in result.reason
    for name in ("astanatimes", "inform", "trend"):
        assert f"{name}:" in result.reason
    assert source_status(paths, "news").health == "failing"


def test_an_offline_run_with_nothing_to_replay_is_no_replay(paths) -> None:
    """`run --offline` on a source with no stored snapshot is skipped: status must not show it as replayed."""
    result = run_source("worldbank", paths, offline=True)
    assert result.status == "skipped" and result.snapshot_id is None
    state = load_state(paths, "worldbank")
    assert state["last_run"]["status"] == "skipped"
    assert "last_replay" not in state and "last_fetch" not in state
    assert source_status(paths, "worldbank").health == "never"
