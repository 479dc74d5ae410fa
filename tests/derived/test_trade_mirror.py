"""trade_mirror on a small SYNTHETIC trade_flows fixture (official figures invented for the test), next to the
real claims registry (529.4M / 598.47M for 2023, 533.4M and the $1B target for 2024). Expected values are
computed by hand in the comments."""

import re
import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from caspian_etl.cli import main
from caspian_etl.contracts.curated import read_table, write_part
from caspian_etl.contracts.schema import load_contract
from caspian_etl.pipeline.downstream import build_derived_table
from caspian_etl.pipeline.run import run_source
from tests.conftest import REPO_ROOT

M = 1e6


def flow(source, reporter, partner, flow, value, period="2023", code="TOTAL", classification="H6"):
    start, end = (f"{period}-01-01", f"{period}-12-31") if len(period) == 4 else (f"{period}-01", f"{period}-28")
    return dict(reporter=reporter, partner=partner, flow=flow, period=period, frequency="A" if len(period) == 4
                else "M", period_start=start, period_end=end, classification=classification, commodity_code=code,
                commodity_desc=f"synthetic {code}", value_usd=value, net_weight_kg=None, quantity=None,
                quantity_unit=None, basis="official", claim_id=None, source=source, source_url=None,
                snapshot_sha256="a" * 64)


SYNTHETIC = {
    "comtrade": [
        flow("comtrade", "KAZ", "AZE", "X", 300 * M),                     # KZ exports to AZ
        flow("comtrade", "KAZ", "AZE", "M", 100 * M),                     # KZ imports from AZ
        flow("comtrade", "AZE", "KAZ", "M", 330 * M, classification="H5"),  # AZ imports from KZ (older HS)
        flow("comtrade", "AZE", "KAZ", "X", 90 * M, classification="H5"),   # AZ exports to KZ
        flow("comtrade", "KAZ", "AZE", "X", 200 * M, code="27"),          # AZ reports no chapter 27 imports
        flow("comtrade", "KAZ", "WLD", "X", 1000 * M),                    # world: no mirror
        flow("comtrade", "KAZ", "AZE", "X", 25 * M, period="2023-01"),    # monthly: not in the annual mirror
    ],
    "imf_imts": [
        flow("imf_imts", "KAZ", "AZE", "X", 310 * M, classification="TOTAL"),
        flow("imf_imts", "AZE", "KAZ", "M", 335 * M, classification="TOTAL"),
    ],
}


@pytest.fixture
def mirror(paths):
    assert run_source("claims", paths).status == "ok"  # the real registry: claims and reported trade rows
    contract = load_contract("trade_flows")
    for source, rows in SYNTHETIC.items():
        frame = pd.DataFrame(rows).astype({"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"})
        write_part(paths, contract, source, frame)
    outcome = build_derived_table("trade_mirror", paths)
    assert outcome.error is None and outcome.rows_quarantined == 0
    return read_table(paths, "trade_mirror").set_index(["source", "exporter", "importer", "period", "commodity_code"])


def test_both_directions_gap_and_turnover(mirror) -> None:
    kz_az = mirror.loc[("comtrade", "KAZ", "AZE", "2023", "TOTAL")]
    assert (kz_az.exports_usd, kz_az.imports_usd) == (300 * M, 330 * M)
    assert kz_az.gap_usd == 30 * M and kz_az.gap_pct == pytest.approx(10.0)  # 30 / 300
    assert kz_az.exporter_turnover_usd == 400 * M  # KZ side: 300 + 100
    assert kz_az.importer_turnover_usd == 420 * M  # AZ side: 330 + 90
    az_kz = mirror.loc[("comtrade", "AZE", "KAZ", "2023", "TOTAL")]
    assert (az_kz.exports_usd, az_kz.imports_usd, az_kz.gap_usd) == (90 * M, 100 * M, 10 * M)
    assert az_kz.gap_pct == pytest.approx(100 / 9)  # 10 / 90
    assert (az_kz.exporter_turnover_usd, az_kz.importer_turnover_usd) == (420 * M, 400 * M)


def test_claims_sit_next_to_each_side(mirror) -> None:
    kz_az = mirror.loc[("comtrade", "KAZ", "AZE", "2023", "TOTAL")]
    assert kz_az.claimed_turnover_exporter_side_usd == pytest.approx(529.4 * M)  # Kazakh side, 2023
    assert kz_az.claimed_turnover_importer_side_usd == pytest.approx(598.47 * M)  # Azerbaijani side, 2023
    assert "news-inform-trade-turnover-2023" in kz_az.claims_note
    assert "news-menafn-trade-turnover-2023" in kz_az.claims_note
    az_kz = mirror.loc[("comtrade", "AZE", "KAZ", "2023", "TOTAL")]
    assert az_kz.claimed_turnover_exporter_side_usd == pytest.approx(598.47 * M)
    # 2024: only the claims speak (533.4M, KZ side) with the $1B target
    only = mirror.loc[("claims", "KAZ", "AZE", "2024", "TOTAL")]
    assert only.claimed_turnover_exporter_side_usd == pytest.approx(533.4 * M)
    assert pd.isna(only.exports_usd) and pd.isna(only.claimed_turnover_importer_side_usd)
    assert only.target_turnover_usd == 1e9 and only.target_claim_id == "paper-trade-turnover-target-2024"
    assert mirror.loc[("claims", "AZE", "KAZ", "2024", "TOTAL")].claimed_turnover_importer_side_usd == pytest.approx(
        533.4 * M)
    assert ("claims", "KAZ", "AZE", "2023", "TOTAL") not in mirror.index  # 2023 has official rows


def test_missing_side_stays_empty_and_sources_are_not_mixed(mirror) -> None:
    oil = mirror.loc[("comtrade", "KAZ", "AZE", "2023", "27")]
    assert oil.exports_usd == 200 * M and pd.isna(oil.imports_usd) and pd.isna(oil.gap_usd)
    assert pd.isna(oil.exporter_turnover_usd) and pd.isna(oil.claimed_turnover_exporter_side_usd)
    imf = mirror.loc[("imf_imts", "KAZ", "AZE", "2023", "TOTAL")]
    assert (imf.exports_usd, imf.imports_usd, imf.gap_usd) == (310 * M, 335 * M, 25 * M)
    assert pd.isna(imf.exporter_turnover_usd)  # IMF rows here give KZ exports only, not KZ imports
    assert not any(code == "WLD" for code in mirror.index.get_level_values("importer"))
    assert set(mirror["frequency"]) == {"A"}
    assert len(mirror.loc["comtrade"]) == 3


def test_reads_in_duckdb_and_rebuilds_to_the_same_bytes(mirror, paths) -> None:
    path = paths.curated / "trade_mirror" / "derived.parquet"
    first = path.read_bytes()
    assert build_derived_table("trade_mirror", paths).error is None
    assert path.read_bytes() == first
    gap = duckdb.connect().execute(
        f"SELECT gap_pct FROM read_parquet('{paths.curated}/trade_mirror/*.parquet') "
        "WHERE source = 'comtrade' AND exporter = 'KAZ' AND commodity_code = 'TOTAL'").fetchone()[0]
    assert gap == pytest.approx(10.0)


def test_readme_trade_mirror_example_runs_on_the_offline_data(tmp_path) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    example = next(b for b in re.findall(r"```bash\n(.*?)```", readme, flags=re.S) if "trade_mirror/" in b)
    assert main(["run", "--offline", "--without-prefect", "--data-dir", str(tmp_path / "data")]) == 0
    code = re.search(r'-c "\n(.*)"', example, flags=re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "598.47" in out.stdout and "529.4" in out.stdout and "533.4" in out.stdout and "1000.0" in out.stdout


def test_every_derived_table_builds_from_empty_inputs(paths) -> None:
    """Inputs that exist but hold no rows (a registry without trade figures): empty tables, never an error."""
    from caspian_etl.derived import DERIVED

    for table in sorted({t for spec in DERIVED.values() for t in spec.inputs} - set(DERIVED)):
        write_part(paths, load_contract(table), "claims", load_contract(table).empty_frame())
    for name in DERIVED:
        outcome = build_derived_table(name, paths)
        assert outcome.error is None, outcome.error
        assert outcome.rows_written == 0 and read_table(paths, name).empty


def test_a_turnover_claim_with_no_partner_is_left_out_not_a_crash() -> None:
    """SYNTHETIC rows: a turnover target and a reported turnover naming only one side (no partner) cannot be
    put in a mirror of two sides; the mirror is built without them (it used to fail sorting the pair)."""
    from caspian_etl.derived.trade_mirror import build_mirror

    period = dict(period="2030", frequency="A", period_start=pd.Timestamp("2030-01-01"),
                  period_end=pd.Timestamp("2030-12-31"))
    claims = pd.DataFrame([{
        "claim_id": "synthetic-no-partner", "metric": "trade_turnover", "kind": "target", "country": "KAZ",
        "partner": None, "value": 1e9, "unit": "USD", **period, "document": "synthetic", "source": "claims",
        "snapshot_sha256": "b" * 64}], columns=load_contract("claims").column_names)
    reported = {**flow("claims", "KAZ", None, "T", 900 * M, period="2030"), "basis": "reported",
                "claim_id": "synthetic-no-partner-2"}
    trade = pd.DataFrame([reported], columns=load_contract("trade_flows").column_names).astype(
        {"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"})
    mirror = build_mirror(trade, claims)
    assert mirror.empty or not mirror["importer"].isna().any()
