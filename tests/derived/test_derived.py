"""Derived tables are built from curated tables after the sources ran (toy derived table for the test)."""

import json

import pandas as pd
import pytest

from caspian_etl.contracts.curated import footer_metadata, read_table
from caspian_etl.derived import DERIVED, DerivedTable
from caspian_etl.pipeline.run import run_pipeline


def _turnover_as_macro(paths) -> pd.DataFrame:
    trade = read_table(paths, "trade_flows")
    t = trade[trade.flow == "T"]
    return pd.DataFrame({
        "indicator": "toy_turnover", "indicator_name": "toy", "country": t.reporter, "partner": t.partner,
        "period": t.period, "frequency": t.frequency, "period_start": t.period_start, "period_end": t.period_end,
        "value": t.value_usd, "unit": "USD", "kind": "observation", "basis": t.basis, "claim_id": t.claim_id,
        "note": None, "source": "derived", "source_url": t.source_url, "snapshot_sha256": t.snapshot_sha256})


@pytest.fixture
def toy_derived(monkeypatch):
    monkeypatch.setitem(DERIVED, "macro_indicators", DerivedTable("macro_indicators", ("trade_flows",),
                                                                  _turnover_as_macro))


def test_run_builds_derived_tables_after_the_sources(toy_derived, paths) -> None:
    summary = run_pipeline(["claims"], paths, offline=True)
    assert summary.ok
    derived = next(r for r in summary.results if r.source == "derived")
    toy = next(t for t in derived.tables if t.table == "macro_indicators")
    assert toy.rows_written > 0
    path = paths.curated / "macro_indicators" / "derived.parquet"
    inputs = json.loads(footer_metadata(path)["caspian_etl.derived_from"])
    assert list(inputs) == ["trade_flows"] and "claims.parquet" in inputs["trade_flows"]
    macro = read_table(paths, "macro_indicators")
    assert 533_400_000.0 in set(macro[macro.indicator == "toy_turnover"]["value"])
    assert any(t.table == "macro_indicators" for t in summary.tables())


def test_a_failing_derived_table_is_reported(monkeypatch, paths) -> None:
    def broken(paths):
        return pd.DataFrame({"nope": [1]})

    monkeypatch.setitem(DERIVED, "macro_indicators", DerivedTable("macro_indicators", (), broken))
    summary = run_pipeline(["claims"], paths, offline=True)
    assert not summary.ok
    derived = next(r for r in summary.results if r.source == "derived")
    assert "parsed columns do not match" in derived.reason
