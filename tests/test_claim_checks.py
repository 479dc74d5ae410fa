"""claim_checks: the seeds' known disagreements come out as `differs` with both sources; matching rules."""

from __future__ import annotations

import itertools

import pandas as pd
import pytest

from caspian_etl.curated import read_table
from caspian_etl.derived.claim_checks import check_claims, compare, rounding_tolerance_pct
from caspian_etl.derived.observations import official_observations
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


@pytest.mark.parametrize("a, b, value_a, value_b, publishers", [
    # BTC capacity: the paper's 60 Mt/yr (2024) against the 50 Mt/yr a news page states without a period
    ("paper-btc-capacity-2024", "news-timesca-btc-capacity", 60, 50, {"IDD (ADA University) and AIFC", "timesca.com"}),
    # 2023 turnover as the Kazakh side states it against the Azerbaijani side's figure
    ("news-inform-trade-turnover-2023", "news-menafn-trade-turnover-2023", 529.4e6, 598.47e6,
     {"en.inform.kz (Kazinform)", "menafn.com (AzerNews)"}),
])
def test_known_disagreements_differ_with_both_sources(checks, a, b, value_a, value_b, publishers) -> None:
    for x, y, vx, vy in ((a, b, value_a, value_b), (b, a, value_b, value_a)):
        row = pair(checks, x, y)
        assert row.verdict == "differs"
        assert (row.value, row.compared_value) == pytest.approx((vx, vy))
        assert {row.publisher, row.compared_publisher} == publishers
        assert row.deviation_pct == pytest.approx(100 * (vx - vy) / vy, rel=1e-5)


def test_turnover_is_matched_across_reporting_sides(checks) -> None:
    row = pair(checks, "news-inform-trade-turnover-2023", "news-menafn-trade-turnover-2023")
    assert (row.country, row.partner, row.compared_country, row.compared_partner) == ("KAZ", "AZE", "AZE", "KAZ")
    assert "reported by AZE" in row.match_note


MC_2023 = {"paper-mc-cargo-2023": 2.78, "news-trend-mc-cargo-2023": 2.75, "news-vibewire-mc-cargo-2023": 2.76,
           "news-newsaz-mc-cargo-2023": 2.7}


@pytest.mark.parametrize("a, b", list(itertools.permutations(MC_2023, 2)))
def test_middle_corridor_2023_figures_all_differ(checks, a, b) -> None:
    row = pair(checks, a, b)
    assert row.verdict == "differs" and row.period == row.compared_period == "2023"
    assert (row.value, row.compared_value) == pytest.approx((MC_2023[a], MC_2023[b]))


@pytest.mark.parametrize("a, b", [
    ("paper-trade-turnover-2024", "news-kt-trade-turnover-2024"),  # 533.4M from two documents
    ("paper-mc-cargo-2024", "news-vestikavkaza-mc-cargo-2024"),  # 4.5 Mt
    ("news-rferl-btc-capacity-2006", "news-timesca-btc-capacity"),  # 50 Mt/yr dated 2006 vs undated
    ("paper-oil-via-btc-kaz-2024", "news-timesca-oil-via-btc-kaz-2024"),  # both "over 1.4 Mt" (lower bounds)
])
def test_equal_figures_from_other_documents_are_consistent(checks, a, b) -> None:
    assert pair(checks, a, b).verdict == "consistent"


def test_dated_capacities_of_different_years_are_not_compared(checks) -> None:
    paper = checks[checks.claim_id == "paper-btc-capacity-2024"]
    assert "news-rferl-btc-capacity-2006" not in set(paper.compared_ref)


def test_claims_of_one_document_are_never_compared(checks) -> None:
    compared = checks[checks.compared_basis == "reported"]
    assert not (compared.document.eq("policy_paper") & compared.compared_document.eq("policy_paper")).any()
    assert not (compared.source_url.notna() & (compared.source_url == compared.compared_source_url)).any()


def test_every_claim_gets_a_row_and_undated_observations_are_not_matched(checks, claims) -> None:
    assert set(checks.claim_id) == set(claims.claim_id)
    undated = checks[checks.period.isna() & (checks.kind != "capacity")]
    assert (undated.verdict == "no_independent_data").all()
    assert undated.match_note.str.contains("no period stated").all()


def test_figures_are_only_compared_with_figures_of_their_kind(checks, claims) -> None:
    kind_of = dict(zip(claims.claim_id, claims.kind, strict=True))
    with_claims = checks[checks.compared_basis == "reported"]
    assert (with_claims.compared_ref.map(kind_of) == with_claims.kind).all()
    # a target or a forecast is never "wrong" against a measurement
    assert not checks[checks.kind.isin(["target", "forecast"])].compared_basis.eq("official").any()
    assert "paper-trade-turnover-target-2024" not in set(with_claims.compared_ref[with_claims.kind == "observation"])


@pytest.mark.parametrize("stated, expected", [
    (88, 100 * 0.5 / 88),  # "around 88 Mt": 87.5..88.5
    (533.4, 0.1),  # finer than the 0.1% floor
    (840000, 100 * 5000 / 840000),  # 840 thousand t: the last stated digit is the ten-thousand
    (0.25, 2.0),
    (1, 5.0),  # capped: "1 billion" would otherwise allow 50%
])
def test_rounding_tolerance_follows_the_last_stated_digit(stated, expected) -> None:
    assert rounding_tolerance_pct(stated) == pytest.approx(expected)


def _fig(value, *, bound=None, basis="reported"):
    return {"value": value, "stated_value": value, "bound": bound, "basis": basis}


@pytest.mark.parametrize("claim, other, verdict", [
    (_fig(88), _fig(87.6, basis="official"), "consistent"),  # rounds to the stated 88
    (_fig(88), _fig(88.6, basis="official"), "differs"),
    (_fig(88), _fig(87.6), "differs"),  # two documents stating different numbers disagree as stated
    (_fig(50, bound="lower"), _fig(60, basis="official"), "consistent"),  # "more than 50%"
    (_fig(50, bound="lower"), _fig(45, basis="official"), "differs"),
    (_fig(50, bound="upper"), _fig(45, basis="official"), "consistent"),  # "less than 50%"
    (_fig(60), _fig(50, bound="lower"), "consistent"),  # the other side's bound counts too
    (_fig(2.75), _fig(2.76), "differs"),
    (_fig(1.4), _fig(1.4), "consistent"),
])
def test_compare_verdicts(claim, other, verdict) -> None:
    assert compare(claim, other)[2] == verdict


@pytest.fixture
def official_paths(tmp_path):
    """A data dir holding only SYNTHETIC official rows (see tests/synthetic.py)."""
    from caspian_etl.settings import DataPaths

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
    write_rows(official_paths, "trade_flows", [trade_row("AZE", "KAZ", "T", "2023", 598.5e6),
                                               trade_row("AZE", "KAZ", "X", "2023", 1.0e6),
                                               trade_row("AZE", "KAZ", "M", "2023", 2.0e6)])
    official = official_observations(official_paths)
    turnover = official[official.metric == "trade_turnover"]
    assert list(turnover.ref) == ["T:H6:TOTAL"]
    checks = check_claims(claims, official).set_index(["claim_id", "compared_basis"])
    assert checks.loc[("news-menafn-trade-turnover-2023", "official"), "verdict"] == "consistent"


@pytest.mark.parametrize("value, unit, verdict", [
    (87.6, "Mt", "consistent"),
    (88.49, "Mt", "consistent"),
    (88.6, "Mt", "differs"),
    (86.0, "Mt", "differs"),
    (1800.0, "kb/d", None),  # a rate does not convert to tonnes without a density: not compared
])
def test_official_oil_production_checks_the_papers_88_mt(claims, official_paths, value, unit, verdict) -> None:
    write_rows(official_paths, "energy_indicators", [indicator_row("oil_production", "KAZ", "2024", value, unit)])
    checks = check_claims(claims, official_observations(official_paths))
    rows = checks[(checks.claim_id == "paper-oil-production-kaz-2024") & (checks.compared_basis == "official")]
    assert list(rows.verdict) == ([verdict] if verdict else [])


def test_world_bank_code_listed_as_equivalent_is_matched(claims, official_paths) -> None:
    # synthetic fuel share of Kazakh merchandise exports in 2024; the paper says "more than 50%"
    write_rows(official_paths, "energy_indicators", [indicator_row("TX.VAL.FUEL.ZS.UN", "KAZ", "2024", 57.0, "%")])
    checks = check_claims(claims, official_observations(official_paths))
    row = checks[(checks.claim_id == "paper-energy-exports-share-kaz-2024") & (checks.compared_basis == "official")]
    assert list(row.verdict) == ["consistent"] and list(row.compared_partner) == ["WLD"]
    assert "TX.VAL.FUEL.ZS.UN" in row.iloc[0].match_note
