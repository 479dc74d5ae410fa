"""targets: each target claim with the latest observed value, progress and the growth still needed."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived.observations import official_observations
from caspian_etl.derived.targets import annual_growth_pct, track, track_targets, years_between
from tests.offline_run import offline_data  # noqa: F401 - session fixture
from tests.synthetic import indicator_row, write_rows


@pytest.fixture(scope="module")
def targets(offline_data) -> pd.DataFrame:  # noqa: F811
    return read_table(offline_data[0], "targets").set_index("claim_id")


def test_every_target_claim_is_tracked_once(offline_data, targets) -> None:  # noqa: F811
    claims = read_table(offline_data[0], "claims")
    listed = [c for ids in targets.claim_ids for c in ids.split("; ")]
    assert sorted(listed) == sorted(claims.claim_id[claims.kind == "target"])


def test_a_restated_target_is_listed_once_with_every_document(targets) -> None:
    billion = targets[(targets.metric == "trade_turnover") & (targets.target_value == 1e9)]
    assert list(billion.index) == ["paper-trade-turnover-target-2024"]
    row = billion.iloc[0]
    assert row.claim_ids.split("; ") == ["news-astanatimes-trade-turnover-target", "news-kt-trade-turnover-target",
                                         "paper-trade-turnover-target-2024"]  # first stated first
    assert "astanatimes.com (2023-06-22, no year)" in row.stated_by and "kt.kz" in row.stated_by
    assert row.first_stated == date(2023, 6, 22)
    assert (row.target_period, row.status) == ("2024", "missed")


@pytest.mark.parametrize("claim_id, target_type, status", [
    ("paper-ebrd-transit-time-scenario", "scenario", "scenario"),  # an EBRD assumption, never met or missed
    # a plan for 2024 is judged by 2024 alone (no yearly 2024 figure offline), not by 2023's 89.9 Mt
    ("news-vestikavkaza-oil-production-kaz-plan-2024", "plan", "no_data"),
    ("paper-mc-cargo-target-2030", "goal", "on_course"),
])
def test_targets_are_told_from_scenarios_and_plans(targets, claim_id, target_type, status) -> None:
    assert (targets.loc[claim_id, "target_type"], targets.loc[claim_id, "status"]) == (target_type, status)


def test_a_start_year_is_met_by_starting_no_later(targets) -> None:
    assert targets.loc["paper-focl-construction-start", "direction"] == "lower"
    target = _figure(2025.0, "2025", kind="target", ref="t", metric="focl_construction_start")
    assert track(target, [_figure(2026.0, "2026", ref="late", metric="focl_construction_start")],
                 "start")["status"] == "missed"
    assert track(target, [_figure(2025.0, "2025", ref="on-time", metric="focl_construction_start")],
                 "start")["status"] == "met"


@pytest.mark.parametrize("claim_id, latest, period, progress, required, status", [
    # 10 Mt by 2030 from 4.5 Mt in 2024: (10/4.5)^(1/6) - 1 = 14.23% a year; 2023->2024 grew 62%
    ("paper-mc-cargo-target-2030", 4.5, "2024", 45.0, 14.2347, "on_course"),
    # 1 billion USD for 2024, 533.4M reached: the deadline has passed
    ("paper-trade-turnover-target-2024", 533.4e6, "2024", 53.34, None, "missed"),
    # Kazakh oil via BTC: 2.2 Mt/yr short term, 20 Mt/yr long term, 1.5 Mt in 2025; 2024 is "more than 1.4 Mt",
    # a bound that cannot say whether any of them is reached
    ("paper-oil-via-btc-kaz-target-short-term", 1.4, "2024", 63.6364, None, "undetermined"),
    ("paper-oil-via-btc-kaz-target-long-term", 1.4, "2024", 7.0, None, "undetermined"),
    ("news-timesca-oil-via-btc-kaz-target-2025", 1.4, "2024", 93.3333, 7.14286, "undetermined"),
    # 15 days is a cut: progress is target / latest; 2024 is stated as 19-23 days
    ("paper-mc-transit-time-goal", 23.0, "2024", 65.2174, None, "no_deadline"),
    # no official renewables series offline: nothing to track yet
    ("paper-renewables-share-target-kaz-2030", None, None, None, None, "no_data"),
])
def test_seed_targets(targets, claim_id, latest, period, progress, required, status) -> None:
    row = targets.loc[claim_id]
    assert row.status == status
    if latest is None:
        assert pd.isna(row.latest_value)
        return
    assert (row.latest_value, row.latest_period) == (pytest.approx(latest), period)
    assert row.progress_pct == pytest.approx(progress, rel=1e-4)
    assert (pd.isna(row.required_annual_growth_pct) if required is None
            else row.required_annual_growth_pct == pytest.approx(required, rel=1e-4))


def test_latest_value_names_its_date_source_and_spread(targets) -> None:
    row = targets.loc["paper-mc-transit-time-goal"]
    assert row.direction == "lower" and row.latest_date == date(2024, 12, 31)
    assert (row.latest_count, row.latest_min, row.latest_max) == (2, 19.0, 23.0)
    trade = targets.loc["paper-trade-turnover-target-2024"]
    # the target's own side (KAZ) and document first; the previous year from the same side, not AZE's 598.47M
    assert trade.latest_ref == "paper-trade-turnover-2024" and trade.latest_source == "claims"
    assert trade.previous_value == pytest.approx(529.4e6)


def test_an_official_series_feeds_the_renewables_target(offline_data, tmp_path) -> None:  # noqa: F811
    paths = DataPaths(tmp_path / "data")
    # SYNTHETIC World Bank-shaped rows (renewable electricity share of KAZ), not real figures
    write_rows(paths, "energy_indicators", [indicator_row("EG.ELC.RNEW.ZS", "KAZ", "2020", 10.0, "%",
                                                          source="worldbank"),
                                            indicator_row("EG.ELC.RNEW.ZS", "KAZ", "2022", 12.1, "%",
                                                          source="worldbank")], source="worldbank")
    claims = read_table(offline_data[0], "claims")
    rows = track_targets(claims, official_observations(paths)).set_index("claim_id")
    row = rows.loc["paper-renewables-share-target-kaz-2030"]
    assert (row.latest_value, row.latest_period, row.latest_basis, row.latest_ref) == (12.1, "2022", "official",
                                                                                        "EG.ELC.RNEW.ZS")
    assert row.years_left == 8.0
    assert row.required_annual_growth_pct == pytest.approx(((15 / 12.1) ** (1 / 8) - 1) * 100, rel=1e-5)
    assert row.recent_annual_growth_pct == pytest.approx(10.0, rel=1e-3)  # 10 -> 12.1 over two years
    assert row.status == "on_course"


@pytest.mark.parametrize("start, end, years", [
    (date(2024, 12, 31), date(2030, 12, 31), 6.0),
    (date(2024, 6, 30), date(2024, 12, 31), 0.5 + 1 / 365.25),
    (date(2024, 12, 31), date(2024, 12, 31), 0.0),
])
def test_years_between(start, end, years) -> None:
    assert years_between(start, end) == pytest.approx(years)


@pytest.mark.parametrize("start, end, years, growth", [
    (4.5, 10.0, 6.0, 14.2347),
    (23.0, 15.0, 2.0, -19.2427),  # a cut: negative growth needed
    (4.5, 10.0, 0.0, None),  # no time left
    (0.0, 10.0, 3.0, None),  # no base to grow from
])
def test_annual_growth(start, end, years, growth) -> None:
    result = annual_growth_pct(start, end, years)
    assert result is None if growth is None else result == pytest.approx(growth, rel=1e-5)


def _figure(value, period, *, kind="observation", basis="reported", ref="x", metric="middle_corridor_cargo",
            published=None, stated_on=None, low=None, high=None):
    from caspian_etl.contracts.periods import parse_period

    p = parse_period(period) if period else None
    return {"metric": metric, "kind": kind, "country": None, "partner": None, "period": period,
            "frequency": p.frequency if p else None, "period_start": p.start if p else None,
            "period_end": p.end if p else None, "value": value, "unit": "Mt", "basis": basis, "source": "s",
            "ref": ref, "document": "d", "publisher": "p", "document_key": "d|", "source_url": None,
            "published": published, "stated_on": stated_on, "snapshot_sha256": "0" * 64, "bound": None,
            "low": value if low is None else low, "high": value if high is None else high}


@pytest.mark.parametrize("target_value, target_period, history, status", [
    (10.0, "2030", [(4.0, "2023"), (5.0, "2024")], "on_course"),  # +25%/yr against 12.1% needed
    (10.0, "2030", [(4.9, "2023"), (5.0, "2024")], "behind"),
    (10.0, "2024", [(5.0, "2024")], "missed"),
    (4.0, "2030", [(5.0, "2024")], "met"),
    (10.0, "2030", [(5.0, "2024")], "in_progress"),  # no earlier year to compare with
    (10.0, None, [(5.0, "2024")], "no_deadline"),
    (10.0, "2030", [], "no_data"),
])
def test_status(target_value, target_period, history, status) -> None:
    target = _figure(target_value, target_period, kind="target", ref="t")
    pool = [_figure(v, p, ref=f"o{i}") for i, (v, p) in enumerate(history)]
    assert track(target, pool, "name")["status"] == status


def test_partial_year_figures_do_not_count_as_the_latest_year() -> None:
    target = _figure(10.0, "2030", kind="target", ref="t")
    pool = [_figure(4.5, "2024", ref="year"), _figure(4.1, "2025-01..2025-11", ref="jan-nov")]
    assert track(target, pool, "name")["latest_ref"] == "year"


def test_ties_are_broken_by_date_not_by_id() -> None:
    target = _figure(10.0, "2030", kind="target", ref="t")
    # neither document is dated, but the figures are: the later statement wins, whatever its id
    pool = [_figure(4.4, "2024", ref="a-older", stated_on=date(2025, 1, 10)),
            _figure(4.6, "2024", ref="z-newer", stated_on=date(2025, 6, 1))]
    assert track(target, pool, "name")["latest_ref"] == "z-newer"


@pytest.mark.parametrize("target_value, status", [(1.5, "undetermined"), (1.3, "met")])
def test_a_bound_counts_as_the_interval_it_states(target_value, status) -> None:
    target = _figure(target_value, "2030", kind="target", ref="t", metric="oil_exports_via_btc")
    more_than = _figure(1.4, "2024", ref="over", metric="oil_exports_via_btc", low=1.35, high=float("inf"))
    assert track(target, [more_than], "name")["status"] == status


@pytest.mark.parametrize("history, status", [
    ([(89.9, "2023")], "no_data"),  # last year's figure is no measure of this year's plan
    ([(89.9, "2023"), (87.8, "2024")], "missed"),
    ([(89.9, "2023"), (88.5, "2024")], "met"),
])
def test_a_plan_is_judged_by_its_own_year(history, status) -> None:
    target = {**_figure(88.4, "2024", kind="target", ref="plan", metric="oil_production"), "target_type": "plan"}
    pool = [_figure(v, p, ref=f"o{i}", metric="oil_production") for i, (v, p) in enumerate(history)]
    assert track(target, pool, "name")["status"] == status
