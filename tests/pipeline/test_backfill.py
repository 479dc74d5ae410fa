"""Backfills re-curate exactly a window; concurrent writers lose nothing. World Bank pages here are synthetic."""

import json
import multiprocessing
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from caspian_etl.cli import EXIT_OK, main
from caspian_etl.contracts.curated import read_table, write_part
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.errors import ConfigError
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.core.state import load_state
from caspian_etl.pipeline.backfills import backfill, plan_windows
from caspian_etl.pipeline.run import run_source
from tests.httpserver import Reply
from tests.sources.test_worldbank import GDP, RENEW, obs, page, path_of, wb  # noqa: F401 - wb is a fixture


@pytest.mark.parametrize(
    "start, end, step, expected",
    [
        (date(2020, 1, 1), date(2022, 12, 31), "year",
         [(date(2020, 1, 1), date(2020, 12, 31)), (date(2021, 1, 1), date(2021, 12, 31)),
          (date(2022, 1, 1), date(2022, 12, 31))]),
        (date(2020, 6, 15), date(2021, 2, 1), "year",
         [(date(2020, 6, 15), date(2020, 12, 31)), (date(2021, 1, 1), date(2021, 2, 1))]),
        (date(2024, 1, 1), date(2024, 3, 31), "month",
         [(date(2024, 1, 1), date(2024, 1, 31)), (date(2024, 2, 1), date(2024, 2, 29)),
          (date(2024, 3, 1), date(2024, 3, 31))]),
        (date(2000, 1, 1), date(2024, 12, 31), "all", [(date(2000, 1, 1), date(2024, 12, 31))]),
    ],
)
def test_plan_windows(start, end, step, expected) -> None:
    assert [(w.start, w.end) for w in plan_windows(start, end, step)] == expected


def test_plan_windows_rejects_reversed_window() -> None:
    with pytest.raises(ConfigError, match="starts 2021-01-01 after it ends 2020-01-01"):
        plan_windows(date(2021, 1, 1), date(2020, 1, 1))


def test_sources_without_windows_refuse_a_backfill(paths) -> None:
    with pytest.raises(ConfigError, match="cannot fetch a period window"):
        backfill("claims", paths, date(2020, 1, 1), date(2020, 12, 31))


def test_backfill_replaces_exactly_its_window(wb, paths, capsys) -> None:  # noqa: F811 - the fixture
    # full run: 2019..2021
    wb.add(path_of(GDP), Reply.json(page(1, 1, [obs(GDP, "KAZ", y, 100.0 + y - 2019) for y in (2019, 2020, 2021)])))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, [obs(RENEW, "KAZ", 2020, 1.0)])))
    full = run_source("worldbank", paths)
    assert full.status == "ok"
    state_before = load_state(paths, "worldbank")
    # the source revised 2020: a backfill of 2020 only
    wb.routes[path_of(GDP)].clear()
    wb.routes[path_of(RENEW)].clear()
    wb.add(path_of(GDP), Reply.json(page(1, 1, [obs(GDP, "KAZ", 2020, 555.0)])))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, [])))
    assert main(["backfill", "--source", "worldbank", "--from", "2020", "--to", "2020", "--without-prefect",
                 "--data-dir", str(paths.root)]) == EXIT_OK
    assert "backfill worldbank: 2020-01-01..2020-12-31 ok" in capsys.readouterr().out
    assert wb.requests_to(path_of(GDP))[-1].query["date"] == ["2020:2020"]
    macro = read_table(paths, "macro_indicators").set_index("period")["value"].to_dict()
    assert macro == {"2019": 100.0, "2020": 555.0, "2021": 102.0}
    energy = read_table(paths, "energy_indicators")
    assert energy.empty  # the 2020 renewables row was in the window and the source no longer has it
    # scheduled runs' state and their latest full snapshot did not move
    state_after = load_state(paths, "worldbank")
    assert state_after["last_success"] == state_before["last_success"]
    assert state_after["last_backfill"]["window"] == {"start": "2020-01-01", "end": "2020-12-31"}
    store = SnapshotStore(paths, "worldbank")
    assert store.latest(full_only=True).snapshot_id == full.snapshot_id and len(store.list()) == 2


SHA = "3" * 64


def _rows(year: int) -> pd.DataFrame:
    return pd.DataFrame([dict(indicator="X", indicator_name="synthetic", country="KAZ", partner=None,
                              period=str(year), frequency="A", period_start=f"{year}-01-01",
                              period_end=f"{year}-12-31", value=float(year), unit="USD", kind="observation",
                              basis="official", claim_id=None, note=None, source="s", source_url=None,
                              snapshot_sha256=SHA)])


def _upsert_years(root: str, years: list[int]) -> None:
    paths, contract = DataPaths(Path(root)), load_contract("macro_indicators")
    for year in years:
        valid = validate_table(contract, _rows(year)).valid
        write_part(paths, contract, "s", valid, {"caspian_etl.snapshot_sha256": json.dumps([SHA])},
                   window=(date(year, 1, 1), date(year, 12, 31)))


def test_concurrent_backfills_of_one_table_lose_no_rows(paths) -> None:
    ctx = multiprocessing.get_context("spawn")  # fork would copy the test process's threads
    jobs = [ctx.Process(target=_upsert_years, args=(str(paths.root), list(range(start, 2040, 4))))
            for start in (2000, 2001, 2002, 2003)]
    for j in jobs:
        j.start()
    for j in jobs:
        j.join(60)
        assert j.exitcode == 0
    years = sorted(read_table(paths, "macro_indicators")["period"].astype(int))
    assert years == list(range(2000, 2040))


def test_replaying_a_window_snapshot_replaces_only_its_window(wb, paths) -> None:  # noqa: F811 - the fixture
    wb.add(path_of(GDP), Reply.json(page(1, 1, [obs(GDP, "KAZ", y, float(y)) for y in (2019, 2020, 2021)])),
           Reply.json(page(1, 1, [obs(GDP, "KAZ", 2020, 555.0)])))
    wb.add(path_of(RENEW), Reply.json(page(1, 1, [])))
    full = run_source("worldbank", paths)
    backfilled = backfill("worldbank", paths, date(2020, 1, 1), date(2020, 12, 31))[0]
    store = SnapshotStore(paths, "worldbank")
    assert store.latest().snapshot_id == backfilled.snapshot_id
    assert store.latest(full_only=True).snapshot_id == full.snapshot_id
    assert store.latest().window == (date(2020, 1, 1), date(2020, 12, 31))
    (paths.curated / "macro_indicators" / "worldbank.parquet").unlink()
    run_source("worldbank", paths, snapshot=full.snapshot_id)  # rebuild from the full snapshot...
    replay = run_source("worldbank", paths, offline=True)  # ...then the offline replay of the latest (the window)
    assert replay.snapshot_id == backfilled.snapshot_id and not replay.up_to_date
    macro = read_table(paths, "macro_indicators").set_index("period")["value"].to_dict()
    assert macro == {"2019": 2019.0, "2020": 555.0, "2021": 2021.0}
