"""The claims registry: it parses cleanly, holds the seeds' figures, and feeds the indicator tables."""

import csv
import io
import shutil

import pandas as pd
import pytest

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.errors import ParseError
from caspian_etl.core.resources import default_claims_registry
from caspian_etl.pipeline.run import run_source
from caspian_etl.sources.claims import REGISTRY_COLUMNS, parse_registry, stated_precision

SHA = "1" * 64


@pytest.fixture(scope="module")
def registry() -> pd.DataFrame:
    return parse_registry(default_claims_registry().read_bytes(), SHA)


def test_registry_has_enough_figures_from_every_document(registry) -> None:
    assert len(registry) >= 60
    by_doc = registry["document"].value_counts()
    assert by_doc["policy_paper"] >= 40 and by_doc["news_facts"] >= 30 and by_doc["article"] >= 1
    assert registry["claim_id"].is_unique
    assert registry["quarantine_reason"].isna().all()


def test_news_facts_urls_are_all_transcribed(registry) -> None:
    from tests.conftest import samples_dir

    facts = pd.read_csv(samples_dir("news") / "news_facts.csv")
    missing = set(facts["url"]) - set(registry["source_url"].dropna())
    assert not missing


@pytest.mark.parametrize(
    "metric, period, value, unit",
    [
        ("trade_turnover", "2024", 533.4, "USD million"),
        ("btc_throughput", "2024", 29.47, "Mt"),
        ("btc_capacity", "2024", 60, "Mt/yr"),
        ("middle_corridor_cargo", "2024", 4.5, "Mt"),
        ("middle_corridor_cargo", "2023", 2.78, "Mt"),
        ("grain_exports", "2024", 8.1, "Mt"),
    ],
)
def test_seed_paper_figures_are_in_the_registry(registry, metric, period, value, unit) -> None:
    rows = registry[(registry.metric == metric) & (registry.period == period) & (registry.document == "policy_paper")]
    assert ((rows["value"].astype(float) == value) & (rows["unit"] == unit)).any(), rows


def test_targets_are_kinds_not_observations(registry) -> None:
    target = registry[(registry.metric == "trade_turnover") & (registry.kind == "target")]
    assert {"1"} <= set(target["value"])


def test_endnote_rows_carry_the_endnote_url(registry) -> None:
    row = registry[registry.claim_id == "paper-trade-turnover-2024"].iloc[0]
    assert row["endnote"] == 5
    assert row["source_url"].startswith("https://astanatimes.com/2025/03/")


def _registry_text(rows: list[dict]) -> bytes:
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=REGISTRY_COLUMNS)
    w.writeheader()
    w.writerows(rows)
    return out.getvalue().encode()


def test_header_problems_name_the_columns() -> None:
    with pytest.raises(ParseError, match=r"missing \['note'\], unknown \['notes'\]"):
        parse_registry(b"claim_id,metric,value,unit,period,kind,country,partner,document,publisher,endnote,"
                       b"source_url,published,notes\n", SHA)


def test_bad_period_is_flagged_with_field_and_value() -> None:
    frame = parse_registry(_registry_text([{"claim_id": "x", "metric": "trade_turnover", "value": "1", "unit": "USD",
                                            "period": "early 2024", "kind": "observation", "document": "t"}]), SHA)
    assert frame.loc[0, "quarantine_reason"] == "period: period 'early 2024' is not in the grammar " \
                                                "(2024, 2024-H1, 2024-Q1, 2024-03, 2024-03-15, A..B)"


def test_a_bad_row_lands_in_quarantine_and_the_rest_is_curated(paths) -> None:
    (paths.raw / "claims").mkdir(parents=True)
    shutil.copy(default_claims_registry(), paths.raw / "claims" / "claims.csv")
    with open(paths.raw / "claims" / "claims.csv", "a", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerow(["test-bad-unit", "trade_turnover", "12", "furlongs", "2024", "observation", "KAZ",
                                 "AZE", "test", "", "", "", "", "synthetic bad row"])
    result = run_source("claims", paths)
    claims = next(t for t in result.tables if t.table == "claims")
    assert result.status == "ok" and claims.rows_quarantined == 1
    quarantined = pd.read_csv(claims.quarantine_path)
    assert quarantined["claim_id"].tolist() == ["test-bad-unit"]
    reason = quarantined.loc[0, "quarantine_reason"]
    assert "unit: not a key of schemas/units.yaml failed for value 'furlongs'" in reason
    assert quarantined.loc[0, "snapshot_id"] == result.snapshot_id
    assert claims.rows_written == len(parse_registry(default_claims_registry().read_bytes(), SHA))


def test_claims_feed_the_indicator_tables_as_reported(paths) -> None:
    assert run_source("claims", paths).status == "ok"
    trade = read_table(paths, "trade_flows")
    kz_2024 = trade.query("reporter == 'KAZ' and partner == 'AZE' and flow == 'T' and period == '2024'")
    assert set(kz_2024["value_usd"]) == {533_400_000.0}
    assert set(kz_2024["basis"]) == {"reported"} and kz_2024["claim_id"].notna().all()
    corridor = read_table(paths, "corridor_indicators")
    mc = corridor[(corridor.indicator == "middle_corridor_cargo") & (corridor.period == "2024")]
    assert set(mc["value"]) == {4.5, 4.484} and set(mc["unit"]) == {"Mt"}  # the documents and the ministry
    mc_2021 = corridor[(corridor.indicator == "middle_corridor_cargo") & (corridor.period == "2021")]
    assert sorted(mc_2021["value"]) == [0.586, 0.84]  # 586 kt and 840,000 t converted to the canonical Mt
    energy = read_table(paths, "energy_indicators")
    btc = energy[energy.indicator == "btc_capacity"].set_index("claim_id")
    assert btc.loc["paper-btc-capacity-2024", ["value", "kind"]].tolist() == [60, "capacity"]
    # targets stay in the claims table only
    assert not (energy["claim_id"].str.contains("target")).any()


@pytest.mark.parametrize("written, precision", [
    ("2.7", 0.05), ("2.70", 0.005), ("2.764", 0.0005), ("88", 0.5), ("840000", 0.5), ("0.25", 0.005),
    ("n/a", None),
])
def test_precision_is_half_a_unit_of_the_last_digit_written(written, precision) -> None:
    assert stated_precision(written) == (None if precision is None else pytest.approx(precision))


def test_every_claim_names_its_origin_and_targets_their_type(registry) -> None:
    assert registry["origin"].notna().all()
    targets = registry[registry["kind"] == "target"]
    assert set(targets["target_type"]) <= {"goal", "plan", "scenario"} and targets["target_type"].notna().all()
    by_id = registry.set_index("claim_id")
    assert by_id.loc["paper-mc-cargo-2021", "precision"] == "5000"  # "approximately 840,000 t"
    assert by_id.loc["paper-mc-cargo-2023", "precision"] == pytest.approx(0.005)  # derived from "2.78"
    assert by_id.loc["paper-oil-production-aze-2024", ["kind", "stated_on"]].tolist() == ["forecast", "2024-11-25"]


def test_a_registry_without_the_later_columns_still_reads() -> None:
    old = ("claim_id,metric,value,unit,period,kind,country,partner,document,publisher,endnote,source_url,published,"
           "note\nsyn-1,middle_corridor_cargo,2.70,Mt,2023,observation,,,news_facts,synthetic,,,,synthetic row\n")
    rows = parse_registry(old.encode(), SHA)
    assert rows.loc[0, "quarantine_reason"] is None or pd.isna(rows.loc[0, "quarantine_reason"])
    assert pd.isna(rows.loc[0, "origin"]) and rows.loc[0, "precision"] == pytest.approx(0.005)
