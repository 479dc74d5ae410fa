"""The claims path stays linear in the registry's size: counted, never timed.

A SYNTHETIC registry states one made-up figure N times; a check of every claim against every other claim
(the quadratic path, 17 GB at 100,000 rows) would examine N x (N - 1) pairs. These tests count the pairs that
claim_checks, targets and the official aggregation look at and assert they stay within a constant per claim.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from caspian_etl.derived import claim_checks, equivalents, targets
from caspian_etl.derived.observations import COLUMNS

N = 200  # repeats: N x (N - 1) = 39,800 pairs on the quadratic path, at most N x (MAX_COMPARED + 1) here


def _repeats(n: int, *, kind: str = "observation", one_document: bool = False, value: float = 5e8,
             period: str = "2023") -> pd.DataFrame:
    """n SYNTHETIC claims of one figure (turnover KAZ-AZE), each in its own news page unless one_document."""
    rows = []
    for i in range(n):
        url = "http://127.0.0.1/one" if one_document else f"http://127.0.0.1/page-{i}"
        rows.append({
            "claim_id": f"syn-{i:05d}", "metric": "trade_turnover", "kind": kind, "country": "KAZ", "partner": "AZE",
            "value": value, "unit": "USD", "period": period, "frequency": "A",
            "period_start": date(int(period), 1, 1), "period_end": date(int(period), 12, 31),
            "document": "news", "publisher": f"synthetic publisher {i}", "source_url": url, "endnote": None,
            "note": "SYNTHETIC", "span_start": None, "span_end": None, "confidence": None, "source": "synthetic",
            "snapshot_sha256": "5" * 64, "precision": None, "target_type": None, "stated_on": None, "origin": None,
            "published": None})
    return pd.DataFrame(rows)


def _counting(monkeypatch, module, name: str) -> list[int]:
    calls = [0]
    original = getattr(module, name)

    def counted(*args, **kwargs):
        calls[0] += 1
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return calls


@pytest.mark.parametrize("kind", ["observation", "capacity", "forecast"])
def test_claims_of_one_figure_are_compared_at_most_max_compared_times_each(monkeypatch, kind) -> None:
    timed = _counting(monkeypatch, claim_checks, "_time")  # called once per candidate pair looked at
    checks = claim_checks.check_claims(_repeats(N, kind=kind), pd.DataFrame(columns=COLUMNS))
    assert timed[0] <= N * (claim_checks.MAX_COMPARED + 1)
    per_claim = checks.groupby("claim_id").size()
    assert len(per_claim) == N and per_claim.max() == claim_checks.MAX_COMPARED
    assert checks["match_note"].str.contains(f"first {claim_checks.MAX_COMPARED} independent").all()
    assert set(checks["verdict"]) == {"consistent"}


def test_a_document_repeating_itself_is_not_scanned_claim_by_claim(monkeypatch) -> None:
    looked_at = _counting(monkeypatch, claim_checks, "_independent")
    checks = claim_checks.check_claims(_repeats(N, one_document=True), pd.DataFrame(columns=COLUMNS))
    assert looked_at[0] <= N
    assert set(checks["verdict"]) == {"no_independent_data"} and len(checks) == N


def test_few_repeats_are_all_compared_without_a_cap_note() -> None:
    checks = claim_checks.check_claims(_repeats(3), pd.DataFrame(columns=COLUMNS))
    assert len(checks) == 6 and checks["match_note"].isna().all()


def test_targets_look_up_their_observations_instead_of_scanning_them(monkeypatch) -> None:
    # N distinct targets (values differ, so none is a restatement) and N observations of the same pair
    registry = pd.concat([_repeats(N, value=4e8),
                          _repeats(N, kind="target", period="2030").assign(
                              value=[1e9 + i * 1e6 for i in range(N)], claim_id=lambda f: f["claim_id"] + "-t")],
                         ignore_index=True)
    keyed = _counting(monkeypatch, targets, "pair_key")  # the quadratic path keyed every figure per target
    table = targets.track_targets(registry, pd.DataFrame(columns=COLUMNS))
    assert len(table) == N and (table["latest_count"] == N).all()
    assert keyed[0] <= 4 * 2 * N


def test_official_months_are_summed_once_per_distinct_period(monkeypatch) -> None:
    months = [{"basis": "official", "frequency": "M", "unit": "USD", "metric": "trade_turnover",
               "kind": "observation", "ref": "T:H6:TOTAL", "source": "synthetic", "table": "trade_flows",
               "country": "KAZ", "partner": "AZE", "period": f"2023-{m:02d}", "value": 1.0,
               "snapshot_sha256": "5" * 64, "conversion": None} for m in range(1, 13)]
    wanted = [{"period": "2023", "frequency": "A", "period_start": date(2023, 1, 1),
               "period_end": date(2023, 12, 31)}] * N
    parts = _counting(monkeypatch, equivalents, "_parts")
    summed = equivalents.aggregate_to_periods(months, wanted)
    assert len(summed) == 1 and summed[0]["value"] == 12.0
    assert parts[0] == 1


def test_an_official_capacity_row_still_checks_an_observation_of_its_period() -> None:
    """SYNTHETIC official row of kind capacity: the index must not hide it from an observation claim."""
    official = pd.DataFrame([{**{c: None for c in COLUMNS}, "metric": "trade_turnover", "kind": "capacity",
                              "country": "KAZ", "partner": "AZE", "period": "2023", "frequency": "A",
                              "period_start": date(2023, 1, 1), "period_end": date(2023, 12, 31), "value": 5e8,
                              "unit": "USD", "stated_value": 5e8, "stated_unit": "USD", "basis": "official",
                              "source": "synthetic", "table": "trade_flows", "ref": "T:H6:TOTAL",
                              "document_key": "official|synthetic", "snapshot_sha256": "6" * 64, "low": 5e8,
                              "high": 5e8}], columns=COLUMNS)
    checks = claim_checks.check_claims(_repeats(1), official)
    assert list(checks["compared_basis"]) == ["official"] and list(checks["verdict"]) == ["consistent"]
