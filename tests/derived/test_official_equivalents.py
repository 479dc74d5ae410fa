"""schemas/official_equivalents.yaml: official series that measure a claims metric, converted to its unit.

Every official number here is SYNTHETIC (made up for the tests, see tests/synthetic.py and
tests/fixtures/energy_institute/README.md); the claims are the shipped registry's.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

from caspian_etl.cli import main
from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.metrics import metrics
from caspian_etl.core.resources import schemas_dir
from caspian_etl.core.settings import DataPaths
from caspian_etl.derived.claim_checks import check_claims
from caspian_etl.derived.equivalents import equivalents
from caspian_etl.derived.observations import official_observations
from caspian_etl.pipeline.run import run_pipeline
from tests.synthetic import indicator_row, trade_row, write_rows

KAZ_OIL = Path(__file__).parents[1] / "fixtures" / "energy_institute" / "panel_kazakh_oil_synthetic.csv"


@pytest.fixture(scope="module")
def claims(tmp_path_factory) -> pd.DataFrame:
    paths = DataPaths(tmp_path_factory.mktemp("claims") / "data")
    assert run_pipeline(["claims"], paths, offline=True).ok
    return read_table(paths, "claims")


def official_checks(claims: pd.DataFrame, claim_id: str, paths: DataPaths) -> pd.DataFrame:
    checks = check_claims(claims, official_observations(paths))
    return checks[(checks.claim_id == claim_id) & (checks.compared_basis == "official")].set_index("compared_ref")


def test_the_vocabulary_is_plain_yaml_naming_known_metrics() -> None:
    raw = yaml.safe_load((schemas_dir() / "official_equivalents.yaml").read_text(encoding="utf-8"))
    assert {e["series"] for e in raw["equivalents"]} >= {"EI.oilprod_mt", "EI.oilprod_kbd", "EIA.INTL.57.1",
                                                         "EG.ELC.RNEW.ZS", "IS.SHP.GOOD.TU", "PA.NUS.FCRF"}
    assert all(e.metric in metrics() for e in equivalents())


def test_ingested_energy_institute_file_checks_oil_production_in_mt_and_via_kbd(tmp_path, capsys) -> None:
    paths = DataPaths(tmp_path / "data")
    assert run_pipeline(["claims"], paths, offline=True).ok
    assert main(["ingest-file", "energy_institute", str(KAZ_OIL), "--data-dir", str(paths.root)]) == 0
    checks = read_table(paths, "claim_checks")  # rebuilt by ingest-file
    oil = checks[checks.metric.eq("oil_production") & checks.compared_basis.eq("official")]
    by = {(c, r): row for c, r, row in zip(oil.claim_id, oil.compared_ref, oil.itertuples(), strict=True)}
    # the paper's "around 88 Mt" forecast for 2024: 87.8 Mt and 1770 kb/d (= 88.14 Mt at 7.33 bbl/t)
    assert by[("paper-oil-production-kaz-2024", "EI.oilprod_mt")].verdict == "consistent"
    via_kbd = by[("paper-oil-production-kaz-2024", "EI.oilprod_kbd")]
    assert via_kbd.verdict == "consistent"
    assert via_kbd.compared_value == pytest.approx(1770 * 365 * 1000 / 7.33 / 1e6, rel=1e-9)
    assert "7.33 barrels a tonne" in via_kbd.reason and "crude_conversion.yaml KAZ" in via_kbd.reason
    assert "forecast checked against the outturn" in via_kbd.reason
    # 89.9 Mt for 2023: 90.6 Mt differs beyond rounding, 1805 kb/d (89.88 Mt) agrees
    assert by[("news-inform-oil-production-kaz-2023", "EI.oilprod_mt")].verdict == "differs"
    assert by[("news-inform-oil-production-kaz-2023", "EI.oilprod_mt")].excess == pytest.approx(0.65)
    assert by[("news-inform-oil-production-kaz-2023", "EI.oilprod_kbd")].verdict == "consistent"
    assert by[("news-inform-oil-production-kaz-2022", "EI.oilprod_mt")].verdict == "consistent"
    assert ("news-inform-oil-production-kaz-2022", "EI.oilprod_kbd") not in by  # no kb/d value for 2022
    # the report's oil chart draws the official series next to the stated figures, and its CSV lists them
    chart = pd.read_csv(paths.root / "report" / "oil_production.csv")
    assert {"EI.oilprod_mt", "EI.oilprod_kbd", "paper-oil-production-kaz-2024"} <= set(chart.ref)


def test_monthly_official_rows_are_summed_to_the_year_only_when_complete(claims, tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    # SYNTHETIC EIA-like monthly production of Kazakhstan in 2023: 1805 kb/d every month (about 89.9 Mt a year)
    months = [indicator_row("EIA.INTL.57.1", "KAZ", f"2023-{m:02d}", 1805.0, "kb/d") for m in range(1, 13)]
    write_rows(paths, "energy_indicators", months)
    rows = official_checks(claims, "news-inform-oil-production-kaz-2023", paths)
    assert list(rows.index) == ["EIA.INTL.57.1"]
    assert rows.iloc[0].compared_value == pytest.approx(1805 * 365 * 1000 / 7.33 / 1e6, rel=1e-9)
    assert "sum of 12 months 2023-01..2023-12" in rows.iloc[0].compared_conversion

    partial = DataPaths(tmp_path / "partial")
    write_rows(partial, "energy_indicators", months[:11])  # December missing: never a partial sum
    assert official_checks(claims, "news-inform-oil-production-kaz-2023", partial).empty


def test_manat_claims_are_checked_through_the_official_rate(claims, tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    # SYNTHETIC: 245.3M USD of AZ-KZ turnover in 2023 at 1.7 manat per USD = 417.01M manat
    write_rows(paths, "trade_flows", [trade_row("AZE", "KAZ", "T", "2023", 245.3e6)])
    write_rows(paths, "macro_indicators", [indicator_row("PA.NUS.FCRF", "AZE", "2023", 1.7, "LCU per USD")])
    rows = official_checks(claims, "news-menafn-trade-turnover-azn-2023", paths)
    assert len(rows) == 1 and rows.iloc[0].verdict == "consistent"  # 417 stands for 416.5..417.5
    assert rows.iloc[0].compared_value == pytest.approx(245.3e6 * 1.7)
    assert "1.7 per USD (PA.NUS.FCRF AZE 2023)" in rows.iloc[0].compared_conversion


def test_energy_institute_renewables_share_is_a_ratio_of_two_series(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    write_rows(paths, "energy_indicators", [indicator_row("EI.ren_power_twh", "KAZ", "2023", 6.0, "TWh"),
                                            indicator_row("EI.elect_twh", "KAZ", "2023", 120.0, "TWh")])
    official = official_observations(paths)
    share = official[official.metric == "renewables_share_power"]
    assert list(share.value) == [pytest.approx(5.0)] and list(share.ref) == ["EI.ren_power_twh"]


def test_grain_exports_of_a_marketing_year_are_the_sum_of_its_months(claims, tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")
    periods = [f"2024-{m:02d}" for m in range(9, 13)] + [f"2025-{m:02d}" for m in range(1, 4)]
    # SYNTHETIC Comtrade-like monthly KAZ->AZE cereal exports: 54 kt a month, 55 kt in March = 379 kt
    rows = [{**trade_row("KAZ", "AZE", "X", p, 1.0e6, commodity="10"), "net_weight_kg": 55e6 if p == "2025-03"
             else 54e6} for p in periods]
    write_rows(paths, "trade_flows", rows)
    checks = official_checks(claims, "news-worldnewsam-grain-exports-kaz-aze-season", paths)
    assert len(checks) == 1
    row = checks.iloc[0]
    assert row.compared_period == "2024-09..2025-03" and row.compared_value == pytest.approx(0.379)
    assert row.verdict == "consistent" and "sum of 7 months 2024-09..2025-03" in row.compared_conversion
    # one month short: nothing to compare
    short = DataPaths(tmp_path / "short")
    write_rows(short, "trade_flows", rows[:-1])
    assert official_checks(claims, "news-worldnewsam-grain-exports-kaz-aze-season", short).empty


def _row(period: str, value: float) -> dict:
    """A SYNTHETIC official observation row (made-up TEU) in the observations shape."""
    from caspian_etl.contracts.periods import parse_period

    p = parse_period(period)
    return {"metric": "port_container_traffic", "kind": "observation", "ref": "IS.SHP.GOOD.TU", "source": "s",
            "table": "corridor_indicators", "country": "KAZ", "partner": None, "basis": "official",
            "unit": "TEU", "value": value, "period": p.code, "frequency": p.frequency, "period_start": p.start,
            "period_end": p.end, "snapshot_sha256": "5" * 64, "conversion": None}


def test_quarters_add_up_to_a_year_or_a_half_and_never_in_part() -> None:
    from caspian_etl.contracts.periods import parse_period
    from caspian_etl.derived.equivalents import aggregate_to_periods

    quarters = [_row(f"2024-Q{q}", 1000.0 * q) for q in (1, 2, 3, 4)]
    wanted = [parse_period(code).as_columns() for code in ("2024", "2024-H1", "2023")]
    sums = {r["period"]: r for r in aggregate_to_periods(quarters, wanted)}
    assert set(sums) == {"2024", "2024-H1"}  # nothing for 2023
    assert sums["2024"]["value"] == 10000.0 and sums["2024"]["low"] == sums["2024"]["high"] == 10000.0
    assert sums["2024-H1"]["value"] == 3000.0 and "sum of 2 quarters 2024-Q1..2024-Q2" in sums["2024-H1"]["conversion"]
    assert aggregate_to_periods(quarters[:3], wanted[:1]) == []
