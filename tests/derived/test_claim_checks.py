"""claim_checks: rounding on both sides, origin, validity in time, and a reason for every verdict.

The registry's own pairs (2023 Middle Corridor cargo, 533.4M turnover, BTC capacity) are checked on the shipped
registry; each rule is also checked on small SYNTHETIC figure dicts (made-up numbers, labelled as such).
"""

from __future__ import annotations

import itertools
import math
from datetime import date
from typing import get_args

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.derived.claim_checks import Verdict, check_claims, compare, excess_beyond_rounding
from caspian_etl.derived.observations import COLUMNS, official_observations
from tests.offline_run import offline_data  # noqa: F401 - session fixture
from tests.synthetic import indicator_row, trade_row, write_rows


@pytest.fixture(scope="module")
def checks(offline_data) -> pd.DataFrame:  # noqa: F811
    paths, _ = offline_data
    return read_table(paths, "claim_checks")


@pytest.fixture(scope="module")
def claims(offline_data) -> pd.DataFrame:  # noqa: F811
    return read_table(offline_data[0], "claims")


def pair(checks: pd.DataFrame, a: str, b: str) -> pd.Series:
    rows = checks[(checks.claim_id == a) & (checks.compared_ref == b)]
    assert len(rows) == 1, f"no single check of {a} against {b}"
    return rows.iloc[0]


MINISTRY, TREND, NEWSAZ, VIBEWIRE, PAPER = ("news-ministry-mc-cargo-2023", "news-trend-mc-cargo-2023",
                                            "news-newsaz-mc-cargo-2023", "news-vibewire-mc-cargo-2023",
                                            "paper-mc-cargo-2023")
MC_2023 = {MINISTRY: 2.764, TREND: 2.75, NEWSAZ: 2.7, VIBEWIRE: 2.76, PAPER: 2.78}
MC_2023_VERDICTS = {
    frozenset({NEWSAZ, TREND}): "same_origin",  # 2.65..2.75 and 2.745..2.755 overlap; both the KZ ministry
    frozenset({TREND, VIBEWIRE}): "consistent",  # 2.745..2.755 touches 2.755..2.765
    frozenset({VIBEWIRE, MINISTRY}): "consistent",  # 2.76 is the ministry's 2.764 rounded
    frozenset({NEWSAZ, VIBEWIRE}): "differs",
    frozenset({NEWSAZ, PAPER}): "differs",
    frozenset({TREND, PAPER}): "differs",
    frozenset({VIBEWIRE, PAPER}): "differs",
    frozenset({MINISTRY, NEWSAZ}): "differs",  # 2.764 rounds to 2.8, not 2.7
    frozenset({MINISTRY, TREND}): "differs",
    frozenset({MINISTRY, PAPER}): "differs",
}


@pytest.mark.parametrize("a, b", list(itertools.permutations(MC_2023, 2)))
def test_middle_corridor_2023_figures_are_judged_with_their_rounding(checks, a, b) -> None:
    row = pair(checks, a, b)
    assert row.verdict == MC_2023_VERDICTS[frozenset({a, b})]
    assert row.period == row.compared_period == "2023"
    assert (row.value, row.compared_value) == pytest.approx((MC_2023[a], MC_2023[b]))  # Mt, the metric's unit
    assert f"{MC_2023[a]:g} Mt" in row.reason and f"{MC_2023[b]:g} Mt" in row.reason
    if row.verdict == "differs":
        assert row.excess > 0 and "beyond their rounding" in row.reason
    else:
        assert row.excess == 0


def test_a_rounded_figure_differs_by_its_excess_not_its_raw_gap(checks) -> None:
    row = pair(checks, NEWSAZ, MINISTRY)  # 2.7 (2.65..2.75) against 2.764 (2.7635..2.7645)
    assert row.excess == pytest.approx(0.0135)
    assert row.excess_pct == pytest.approx(100 * 0.0135 / 2.764, rel=1e-3)
    assert row.deviation_pct == pytest.approx(100 * (2.7 - 2.764) / 2.764, rel=1e-5)
    assert "although both cite Kazakhstan Ministry of Transport" in row.reason


@pytest.mark.parametrize("a, b, origin", [
    # the paper's 533.4M and kt.kz's repeat one Kazakh foreign-ministry readout
    ("paper-trade-turnover-2024", "news-kt-trade-turnover-2024", "Kazakhstan Ministry of Foreign Affairs"),
    # the corridor capacity of the paper and of Trend: one government release
    ("paper-mc-capacity-2024", "news-trend-mc-capacity-2024", "Government of Kazakhstan"),
    ("paper-mc-capacity-teu-2024", "news-trend-mc-capacity-teu-2024", "Government of Kazakhstan"),
    # 8.1 Mt of grain: both from Kazakhstan Temir Zholy
    ("paper-grain-exports-kaz-2024", "news-worldnewsam-grain-rail-exports-kaz-2024", "Kazakhstan Temir Zholy"),
])
def test_repetitions_of_one_origin_are_not_confirmation(checks, a, b, origin) -> None:
    for x, y in ((a, b), (b, a)):
        row = pair(checks, x, y)
        assert row.verdict == "same_origin"
        assert row.origin == row.compared_origin == origin
        assert origin in row.reason and "not an independent confirmation" in row.reason


def test_the_two_2023_volumes_of_kazakh_oil_via_btc_are_a_represented_conflict(checks) -> None:
    row = pair(checks, "news-menafn-oil-aktau-btc-2023", "news-newsaz-oil-aktau-btc-2023-whole-year")
    assert row.verdict == "differs" and row.excess == pytest.approx(0.334)
    assert "although both cite KazTransOil" in row.reason
    repeat = pair(checks, "news-newsaz-oil-aktau-btc-2023-whole-year", "news-todayaz-oil-aktau-btc-2023-whole-year")
    assert repeat.verdict == "same_origin"


@pytest.mark.parametrize("a, b, wording", [
    # an undated design figure against the paper's 2024 capacity
    ("news-timesca-btc-capacity", "paper-btc-capacity-2024", "gives no date"),
    ("paper-btc-capacity-2024", "news-timesca-btc-capacity", "gives no date"),
    # a 2006 design capacity against the 2024 one
    ("news-rferl-btc-capacity-2006", "paper-btc-capacity-2024", "valid in 2006"),
])
def test_capacities_of_other_times_are_not_comparable(checks, a, b, wording) -> None:
    row = pair(checks, a, b)
    assert (row.verdict, row.comparability) == ("not_comparable", "validity")
    assert wording in row.reason and "not comparable (validity)" in row.reason
    assert pd.isna(row.excess)


def test_turnover_is_matched_across_reporting_sides(checks) -> None:
    row = pair(checks, "news-inform-trade-turnover-2023", "news-menafn-trade-turnover-2023")
    assert (row.country, row.partner, row.compared_country, row.compared_partner) == ("KAZ", "AZE", "AZE", "KAZ")
    assert "reported by AZE" in row.match_note
    assert row.verdict == "differs" and row.excess == pytest.approx(598.465e6 - 529.45e6)


def test_both_lower_bounds_agree(checks) -> None:
    row = pair(checks, "paper-oil-via-btc-kaz-2024", "news-timesca-oil-via-btc-kaz-2024")  # both "over 1.4 Mt"
    assert row.verdict == "consistent" and "more than 1.4 Mt" in row.reason
    assert pd.isna(row.high) and row.low == pytest.approx(1.35)


def test_every_row_has_a_verdict_of_the_vocabulary_and_a_reason(checks, claims) -> None:
    assert set(checks.claim_id) == set(claims.claim_id)
    assert set(checks.verdict) <= set(get_args(Verdict))
    assert checks.reason.notna().all() and (checks.reason.str.len() > 20).all()
    assert not checks.reason.str.contains("nan|None", regex=True).any()
    undated = checks[checks.period.isna() & (checks.kind != "capacity")]
    assert (undated.verdict == "no_independent_data").all()
    assert undated.reason.str.contains("states no period").all()


def test_claims_of_one_document_are_never_compared(checks) -> None:
    compared = checks[checks.compared_basis == "reported"]
    assert not (compared.document.eq("policy_paper") & compared.compared_document.eq("policy_paper")).any()
    assert not (compared.source_url.notna() & (compared.source_url == compared.compared_source_url)).any()


def test_figures_are_only_compared_with_figures_of_their_kind(checks, claims) -> None:
    kind_of = dict(zip(claims.claim_id, claims.kind, strict=True))
    with_claims = checks[checks.compared_basis == "reported"]
    assert (with_claims.compared_ref.map(kind_of) == with_claims.kind).all()
    # a target is never "wrong" against a measurement
    assert not checks[checks.kind == "target"].compared_basis.eq("official").any()


# ---- the rules on SYNTHETIC figures (every number below is made up for the test) ----

def _fig(value, *, precision=0.0, bound=None, basis="reported", origin=None, low=None, high=None, ref="x"):
    lo = value - precision if low is None else low
    hi = value + precision if high is None else high
    if bound == "lower":
        hi = math.inf
    if bound == "upper":
        lo = -math.inf
    return {"value": value, "stated_value": value, "stated_unit": "Mt", "unit": "Mt", "bound": bound,
            "basis": basis, "origin": origin, "low": lo, "high": hi, "ref": ref, "publisher": f"pub-{ref}",
            "document": "d", "source": "synthetic", "kind": "observation", "range_of": None, "conversion": None}


@pytest.mark.parametrize("claim, other, verdict, excess", [
    (_fig(2.7, precision=0.05), _fig(2.75, precision=0.005), "consistent", 0.0),
    (_fig(2.7, precision=0.05), _fig(2.76, precision=0.005), "differs", 0.005),
    (_fig(88, precision=0.5), _fig(87.6, basis="official"), "consistent", 0.0),  # official values are exact
    (_fig(88, precision=0.5), _fig(88.6, basis="official"), "differs", 0.1),
    (_fig(50, precision=0.5, bound="lower"), _fig(60, basis="official"), "consistent", 0.0),  # "more than 50"
    (_fig(50, precision=0.5, bound="lower"), _fig(45, basis="official"), "differs", 4.5),
    (_fig(19, low=18.5, high=23.5), _fig(21, precision=0.5), "consistent", 0.0),  # the range 19-23
    (_fig(19, low=18.5, high=23.5), _fig(25, precision=0.5), "differs", 1.0),
    (_fig(4.5, precision=0.05, origin="M"), _fig(4.5, precision=0.05, origin="m"), "same_origin", 0.0),
    (_fig(4.5, precision=0.05, origin="M"), _fig(4.7, precision=0.05, origin="M"), "differs", 0.1),
])
def test_compare_uses_both_intervals(claim, other, verdict, excess) -> None:
    got, got_excess, _, reason = compare(claim, other)
    assert got == verdict
    assert got_excess == pytest.approx(excess)
    assert excess_beyond_rounding(claim, other) == pytest.approx(excess)
    assert reason.endswith(".") and "pub-x" in reason


def _capacity_claims(stated_on: str, period: str) -> pd.DataFrame:
    """Two SYNTHETIC capacity claims of one metric in the claims table's shape."""
    from caspian_etl.contracts.periods import parse_period

    base = {"metric": "btc_capacity", "unit": "Mt/yr", "kind": "capacity", "country": None, "partner": None,
            "endnote": None, "note": None, "span_start": None, "span_end": None, "confidence": None,
            "source": "synthetic", "snapshot_sha256": "5" * 64, "precision": None, "target_type": None,
            "stated_on": None, "origin": None, "published": None}
    p = parse_period(period)
    dated = {**base, "claim_id": "syn-dated", "value": 60.0, "period": p.code, "frequency": p.frequency,
             "period_start": p.start, "period_end": p.end, "document": "syn-a", "publisher": "A",
             "source_url": "http://127.0.0.1/a"}
    stated = {**base, "claim_id": "syn-stated", "value": 50.0, "period": None, "frequency": None,
              "period_start": None, "period_end": None, "document": "syn-b", "publisher": "B",
              "source_url": "http://127.0.0.1/b", "stated_on": date.fromisoformat(stated_on)}
    return pd.DataFrame([dated, stated])


@pytest.mark.parametrize("stated_on, verdict", [("2024-05-02", "differs"), ("2019-05-02", "not_comparable")])
def test_a_capacity_is_compared_only_at_an_overlapping_time(stated_on, verdict) -> None:
    frame = check_claims(_capacity_claims(stated_on, "2024"), pd.DataFrame(columns=COLUMNS))
    row = frame[(frame.claim_id == "syn-stated") & (frame.compared_ref == "syn-dated")].iloc[0]
    assert row.verdict == verdict


@pytest.fixture
def official_paths(tmp_path):
    """A data dir holding only SYNTHETIC official rows (see tests/synthetic.py)."""
    from caspian_etl.core.settings import DataPaths

    return DataPaths(tmp_path / "data")


def test_official_exports_plus_imports_check_a_turnover_claim(claims, official_paths) -> None:
    # synthetic Kazakh statistics: 300.0M exports + 229.4M imports = 529.4M turnover with AZE in 2023
    write_rows(official_paths, "trade_flows", [trade_row("KAZ", "AZE", "X", "2023", 300.0e6),
                                               trade_row("KAZ", "AZE", "M", "2023", 229.4e6)])
    checks = check_claims(claims, official_observations(official_paths))
    official = checks[checks.compared_basis == "official"].set_index("claim_id")
    assert official.loc["news-inform-trade-turnover-2023", "verdict"] == "consistent"
    assert official.loc["news-inform-trade-turnover-2023", "compared_ref"] == "X+M:H6:TOTAL"
    assert official.loc["news-menafn-trade-turnover-2023", "verdict"] == "differs"  # the other side's figure
    assert "exports plus imports" in official.loc["news-menafn-trade-turnover-2023", "match_note"]


def test_an_official_turnover_row_is_used_instead_of_summing_its_legs(claims, official_paths) -> None:
    # exact to the dollar: the claim's 598.47M stands for 598.465M..598.475M
    write_rows(official_paths, "trade_flows", [trade_row("AZE", "KAZ", "T", "2023", 598.47e6),
                                               trade_row("AZE", "KAZ", "X", "2023", 1.0e6),
                                               trade_row("AZE", "KAZ", "M", "2023", 2.0e6)])
    official = official_observations(official_paths)
    turnover = official[official.metric == "trade_turnover"]
    assert list(turnover.ref) == ["T:H6:TOTAL"]
    checks = check_claims(claims, official).set_index(["claim_id", "compared_basis"])
    assert checks.loc[("news-menafn-trade-turnover-2023", "official"), "verdict"] == "consistent"


def test_world_bank_code_listed_as_equivalent_is_matched(claims, official_paths) -> None:
    # synthetic fuel share of Kazakh merchandise exports in 2024; the paper says "more than 50%"
    write_rows(official_paths, "energy_indicators", [indicator_row("TX.VAL.FUEL.ZS.UN", "KAZ", "2024", 57.0, "%")])
    checks = check_claims(claims, official_observations(official_paths))
    row = checks[(checks.claim_id == "paper-energy-exports-share-kaz-2024") & (checks.compared_basis == "official")]
    assert list(row.verdict) == ["consistent"] and list(row.compared_partner) == ["WLD"]
    assert "TX.VAL.FUEL.ZS.UN" in row.iloc[0].match_note
