"""`caspian-etl status`: stale and failing sources give a non-zero exit, in a table or as JSON."""

import json
from datetime import datetime, timezone

import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, main
from caspian_etl.core.state import record_result
from caspian_etl.pipeline.status import previous_fire_times, source_status
from caspian_etl.sources import REGISTRY


def _result(source: str, status: str, finished: str, reason: str | None = None) -> dict:
    return {"source": source, "status": status, "finished_at": finished, "started_at": finished,
            "reason": reason, "tables": [], "window": None}


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)


def test_previous_fire_times() -> None:
    assert previous_fire_times("0 4 2 * *", NOW) == [datetime(2026, 11, 2, 4, tzinfo=timezone.utc),
                                                     datetime(2026, 10, 2, 4, tzinfo=timezone.utc)]


@pytest.mark.parametrize(
    "finished, health",
    [
        ("2026-11-02T04:10:00Z", "ok"),  # after the latest monthly run
        ("2026-10-15T00:00:00Z", "ok"),  # missed the 2 Nov run: one miss is tolerated
        ("2026-09-30T00:00:00Z", "stale"),  # no success since before 2 Oct
    ],
)
def test_staleness_follows_the_schedule(paths, finished: str, health: str) -> None:
    record_result(paths, _result("worldbank", "ok", finished))
    status = source_status(paths, "worldbank", NOW)
    assert status.health == health
    assert status.stale_after == "2026-10-02T04:00:00Z"


def test_failing_and_never(paths) -> None:
    record_result(paths, _result("worldbank", "ok", "2026-11-22T00:00:00Z"))
    record_result(paths, _result("worldbank", "failed", "2026-11-23T00:00:00Z", "worldbank: HTTP 503 [url]"))
    failing = source_status(paths, "worldbank", NOW)
    assert failing.health == "failing" and failing.last_error == "worldbank: HTTP 503 [url]"
    assert source_status(paths, "claims", NOW).health == "never"


def test_backfill_does_not_count_as_a_scheduled_success(paths) -> None:
    record_result(paths, {**_result("worldbank", "ok", "2026-11-23T11:00:00Z"), "window": {"start": "2020-01-01"}})
    assert source_status(paths, "worldbank", NOW).health == "never"


def test_command_exit_codes_and_json(paths, capsys) -> None:
    assert main(["run", "--offline", "--without-prefect", "--data-dir", str(paths.root)]) == EXIT_OK
    capsys.readouterr()
    # worldbank never succeeded (offline, no snapshot): monitoring must hear about it
    assert main(["status", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    assert "never" in capsys.readouterr().out
    for name in REGISTRY:  # every other source has just succeeded
        if name != "claims":
            record_result(paths, _result(name, "ok", datetime.now(timezone.utc).isoformat()))
    assert main(["status", "--json", "--data-dir", str(paths.root)]) == EXIT_OK
    doc = json.loads(capsys.readouterr().out)
    assert doc["ok"] is True
    assert doc["sources"]["claims"]["health"] == "ok" and doc["sources"]["claims"]["rows"]["claims"] >= 60
    assert main(["status", "--json", "--now", "2030-01-01T00:00:00Z", "--data-dir", str(paths.root)]) == 1
    assert json.loads(capsys.readouterr().out)["sources"]["claims"]["health"] == "stale"
