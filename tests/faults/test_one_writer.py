"""One writer: every read-modify-write of state and curated files goes through one lock, so concurrent runs,
backfills and ingests lose nothing. (All results and rows here are synthetic.)"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

from caspian_etl.core.settings import DataPaths
from caspian_etl.core.state import load_state, record_derived_build, record_result

FOLDS = 400


def _result(i: int, *, window: bool) -> dict:
    moment = f"2026-11-23T00:{i // 60:02d}:{i % 60:02d}Z"
    return {"source": "worldbank", "status": "ok", "started_at": moment, "finished_at": moment, "reason": None,
            "tables": [], "fetched": True, "mode": "fetch", "snapshot_id": f"synthetic-{i}",
            "window": {"start": "2020-01-01", "end": "2020-12-31"} if window else None}


def _fold(root: str, who: str, start: multiprocessing.Event) -> None:
    paths = DataPaths(Path(root))
    start.wait()
    for i in range(1, FOLDS + 1):
        # a run and a backfill fold their results into state/worldbank.json at the same time
        record_result(paths, _result(i, window=(who == "backfill")))
        # and both record derived builds in state/derived.json
        record_derived_build(paths, f"{who}-{i}", f"key-{i}")


def test_two_processes_folding_400_results_each_lose_nothing(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=_fold, args=(str(tmp_path), who, start)) for who in ("run", "backfill")]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=300)
        assert p.exitcode == 0
    paths = DataPaths(tmp_path)
    built = load_state(paths, "derived")["built"]
    lost = [f"{who}-{i}" for who in ("run", "backfill") for i in range(1, FOLDS + 1) if f"{who}-{i}" not in built]
    assert lost == [], f"{len(lost)} of {2 * FOLDS} updates lost"
    state = load_state(paths, "worldbank")
    assert state["last_run"]["snapshot_id"] == f"synthetic-{FOLDS}"
    assert state["last_backfill"]["snapshot_id"] == f"synthetic-{FOLDS}"


# ---- a run, a backfill and an ingest writing trade_flows at once ------------------------------------------------

API_YEARS = range(2022, 2030)  # API rows that bulk files take over, one reporter-year per ingest
BACKFILL_YEARS = range(2000, 2016)  # windows a backfill upserts into the same comtrade.parquet meanwhile


def _api_row(year: int, value: float) -> dict:
    return dict(reporter="KAZ", partner="AZE", flow="X", period=str(year), frequency="A",
                period_start=f"{year}-01-01", period_end=f"{year}-12-31", classification="H6",
                commodity_code="2709", commodity_desc=None, value_usd=value, net_weight_kg=None, quantity=None,
                quantity_unit=None, basis="official", claim_id=None, source="comtrade", source_url=None,
                snapshot_sha256="0" * 64)


def _frame(rows: list[dict]):  # noqa: ANN202
    import pandas as pd

    return pd.DataFrame(rows).astype({"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"})


def _backfill(root: str, start: multiprocessing.Event) -> None:
    from datetime import date

    from caspian_etl.contracts.curated import write_part
    from caspian_etl.contracts.schema import load_contract

    paths, contract = DataPaths(Path(root)), load_contract("trade_flows")
    start.wait()
    for year in BACKFILL_YEARS:
        write_part(paths, contract, "comtrade", _frame([_api_row(year, 1.0)]),
                   window=(date(year, 1, 1), date(year, 12, 31)))
        time.sleep(0.15)  # windows spread over the ingests' time


def _ingest(root: str, start: multiprocessing.Event) -> None:
    import gzip

    import pyarrow.parquet as pq

    from caspian_etl.pipeline.run import ingest_files

    read_table = pq.read_table

    def slow_read(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202 - a slow disk widens the read-to-write gap
        table = read_table(*args, **kwargs)
        time.sleep(0.3)
        return table

    pq.read_table = slow_read  # this child process only
    paths = DataPaths(Path(root))
    start.wait()
    header = "freqCode\tperiod\treporterCode\tflowCode\tpartnerCode\tpartner2Code\tclassificationCode\tcmdCode\t" \
             "customsCode\tmotCode\tqtyUnitCode\tqty\tnetWgt\tprimaryValue\n"
    for year in API_YEARS:
        file = Path(root).parent / f"bulk-{year}.gz"  # SYNTHETIC bulk row: reporter KAZ (398), partner AZE (31)
        file.write_bytes(gzip.compress((header + f"A\t{year}\t398\tX\t31\t0\tH6\t2709\tC00\t0\t8\t1\t1\t5\n").encode()))
        assert ingest_files("comtrade", paths, [file]).status == "ok"


def _run(root: str, start: multiprocessing.Event) -> None:
    from caspian_etl.pipeline.run import run_source

    paths = DataPaths(Path(root))
    start.wait()
    for _ in range(3):
        assert run_source("claims", paths).status == "ok"


def test_run_backfill_and_ingest_at_once_lose_nothing(tmp_path: Path) -> None:
    import pyarrow.parquet as pq

    from caspian_etl.contracts.curated import read_table, write_part
    from caspian_etl.contracts.schema import load_contract

    root = tmp_path / "data"
    paths = DataPaths(root)
    write_part(paths, load_contract("trade_flows"), "comtrade", _frame([_api_row(y, 1.0) for y in API_YEARS]))
    ctx = multiprocessing.get_context("fork")
    start = ctx.Event()
    procs = [ctx.Process(target=job, args=(str(root), start)) for job in (_backfill, _ingest, _run)]
    for p in procs:
        p.start()
    start.set()
    for p in procs:
        p.join(timeout=600)
        assert p.exitcode == 0
    api = pq.read_table(root / "curated" / "trade_flows" / "comtrade.parquet").to_pandas()
    # every backfilled window is there, and every reporter-year a bulk file took over left the API file
    assert sorted(api["period"]) == [str(y) for y in BACKFILL_YEARS]
    trade = read_table(paths, "trade_flows")
    bulk = trade[trade["source"] == "comtrade"]
    assert sorted(set(bulk["period"])) == sorted(str(y) for y in [*BACKFILL_YEARS, *API_YEARS])
    assert (trade["source"] == "claims").any()
    state = load_state(paths, "comtrade")
    assert state["last_run"]["status"] == "ok"
