"""Hostile values in the claims registry: nothing bad reaches a curated table, the report, or a curated file of a
failed run. Each test runs the registry the project ships, then an edited copy of it. The added rows are
SYNTHETIC (made-up claim ids, values and publishers); every other row is the real registry."""

from __future__ import annotations

import errno
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caspian_etl.contracts import curated
from caspian_etl.contracts.curated import read_table
from caspian_etl.contracts.metrics import metrics
from caspian_etl.core.resources import default_claims_registry
from caspian_etl.derived import DERIVED
from caspian_etl.pipeline.run import run_pipeline
from caspian_etl.sources.claims import SOURCE as CLAIMS

BASE = default_claims_registry().read_text(encoding="utf-8")
LINES = BASE.splitlines(keepends=True)


def row(claim_id: str, value: str, *, period: str = "2024", kind: str = "observation", publisher: str = "synthetic",
        metric: str = "middle_corridor_cargo", unit: str = "Mt") -> str:
    return f"{claim_id},{metric},{value},{unit},{period},{kind},,,news_facts,{publisher},,,,synthetic row\n"


def claims_files(paths) -> dict[str, bytes]:
    """The bytes of every curated file the claims source owns."""
    return {t: (paths.curated / t / "claims.parquet").read_bytes() for t in CLAIMS.tables}


@pytest.fixture
def registry(paths):
    """Runs the real registry once, then returns a function that swaps in new registry text and runs again."""
    (paths.raw / "claims").mkdir(parents=True)
    target = paths.raw / "claims" / "claims.csv"
    target.write_text(BASE, encoding="utf-8")
    first = run_pipeline(["claims"], paths)
    assert first.ok, [r.reason for r in first.failed]

    def rerun(text: str):
        target.write_text(text, encoding="utf-8")
        return run_pipeline(["claims"], paths)
    return rerun


def result_of(summary, source: str = "claims"):
    return next(r for r in summary.results if r.source == source)


def corridor_2024_cargo(paths) -> list[float]:
    table = read_table(paths, "corridor_indicators")
    return sorted(table[(table["indicator"] == "middle_corridor_cargo") & (table["period"] == "2024")]["value"])


def test_non_finite_values_are_quarantined_and_the_report_still_builds(registry, paths) -> None:
    before = corridor_2024_cargo(paths)
    summary = registry(BASE + row("news-x-inf", "inf") + row("news-x-big", "1e999") + row("news-x-nan", "nan")
                       + row("news-x-neg", "-Infinity"))
    assert summary.ok, [r.reason for r in summary.failed]  # the report (publish) did not crash
    outcome = result_of(summary).tables[0]
    assert outcome.table == "claims" and outcome.rows_quarantined == 4
    text = Path(outcome.quarantine_path).read_text()
    for claim_id, value in (("news-x-inf", "inf"), ("news-x-big", "1e999"), ("news-x-nan", "nan")):
        line = next(line for line in text.splitlines() if line.startswith(claim_id))
        assert f"value: value '{value}' is not a finite number" in line
    assert corridor_2024_cargo(paths) == before
    for table in ("corridor_indicators", "trade_mirror", "claim_checks", "targets"):
        frame = read_table(paths, table)
        numbers = frame.select_dtypes("float64")
        assert not numbers.isin([float("inf"), float("-inf")]).any().any(), table


@pytest.mark.parametrize("bad", [
    row("paper-mc-cargo-2024", "9.9"),  # duplicates a real claim_id
    row("News X Cargo!", "9.9"),  # breaks the claim_id pattern
    row("news-x-country", "9.9").replace(",observation,,,", ",observation,KZ,,"),  # country not ISO3
])
def test_a_row_quarantined_in_claims_feeds_nothing_downstream(registry, paths, bad) -> None:
    summary = registry(BASE + bad)
    assert summary.ok, [r.reason for r in summary.failed]
    assert result_of(summary).tables[0].rows_quarantined == 1
    assert 9.9 not in corridor_2024_cargo(paths)
    for table in ("claim_checks", "targets"):
        frame = read_table(paths, table)
        assert not (frame.select_dtypes("float64") == 9.9).any().any(), table


def test_a_dollar_sign_in_a_publisher_does_not_break_the_report(registry, paths) -> None:
    publisher = r"$\frac{1}$ Gazette $x^$"  # broken mathtext if matplotlib parsed it
    summary = registry(BASE + row("news-x-forecast", "12", period="2030", kind="forecast", publisher=publisher))
    assert summary.ok, [r.reason for r in summary.failed]
    publish = result_of(summary, "publish")
    assert publish.status == "ok" and not publish.up_to_date
    html = next(paths.root.rglob("index.html")).read_text(encoding="utf-8")
    assert "Gazette" in html


def test_an_unterminated_quote_fails_with_the_line_and_changes_nothing(registry, paths) -> None:
    before = claims_files(paths)
    plain = [line for line in LINES[1:] if '"' not in line][:8]  # rows a stray quote would swallow
    broken = row("news-x-quote", "1").replace("synthetic row", '"synthetic row, quote left open')
    text = LINES[0] + "".join(LINES[1:20]) + broken + "".join(plain)
    summary = registry(text)
    result = result_of(summary)
    assert result.status == "failed"
    assert "claims.csv line 21: a quoted cell is not closed" in result.reason and "8 line(s)" in result.reason
    assert "\n" not in result.reason
    assert claims_files(paths) == before


def test_every_row_is_written_or_quarantined(registry, paths) -> None:
    extra = [row("news-x-ok", "3"), row("news-x-bad-unit", "3", unit="furlongs"), row("news-x-inf", "inf"),
             row("news-x-period", "3", period="2024-13"), row("paper-mc-cargo-2024", "3")]
    summary = registry(BASE + "".join(extra))
    outcome = result_of(summary).tables[0]
    rows_in = sum(1 for line in (BASE + "".join(extra)).splitlines()[1:] if line.strip())
    assert outcome.rows_written + outcome.rows_quarantined == rows_in
    assert outcome.rows_quarantined == 4


@pytest.mark.parametrize("period", ["3024", "1650", "2024-01..3024-12"])
def test_a_period_outside_the_representable_range_is_a_quarantined_row(registry, paths, period) -> None:
    summary = registry(BASE + row("news-x-typo", "9.9", period=period))
    result = result_of(summary)
    assert result.status == "ok", result.reason
    outcome = result.tables[0]
    assert outcome.rows_quarantined == 1
    assert "outside the representable date range" in Path(outcome.quarantine_path).read_text()
    assert 9.9 not in corridor_2024_cargo(paths)


def test_a_truncated_registry_is_refused_unless_allowed(registry, paths, monkeypatch) -> None:
    before = claims_files(paths)
    summary = registry(LINES[0])  # saved with its header only
    result = result_of(summary)
    assert result.status == "failed" and "refusing to replace" in result.reason and "--allow-shrink" in result.reason
    assert claims_files(paths) == before
    monkeypatch.setenv("CASPIAN_ETL_ALLOW_SHRINK", "1")
    allowed = result_of(registry(LINES[0]))
    assert allowed.status == "ok", allowed.reason
    assert pq.read_metadata(paths.curated / "claims" / "claims.parquet").num_rows == 0


def test_the_shrink_share_is_configurable(registry, paths, monkeypatch) -> None:
    kept = LINES[0] + "".join(line for i, line in enumerate(LINES[1:]) if i % 5 < 2)  # 60% of the rows gone
    refused = result_of(registry(kept))
    assert refused.status == "failed" and "more than CASPIAN_ETL_MAX_SHRINK=0.5" in refused.reason
    monkeypatch.setenv("CASPIAN_ETL_MAX_SHRINK", "0.9")
    allowed = result_of(registry(kept))
    assert allowed.status == "ok", allowed.reason


def feeding(table: str) -> list[str]:
    """Registry lines whose metric feeds `table` (schemas/metrics.yaml)."""
    catalog = metrics()
    return [line for line in LINES[1:] if (m := catalog.get(line.split(",")[1])) is not None and m.table == table]


def test_a_failed_table_leaves_every_file_of_the_source_as_it_was(registry, paths) -> None:
    """Only corridor_indicators would shrink too far; claims, trade_flows, ... must not be rewritten either."""
    before = claims_files(paths)
    gone = set(feeding("corridor_indicators"))
    summary = registry("".join(line for line in LINES if line not in gone))
    result = result_of(summary)
    assert result.status == "failed" and "table corridor_indicators: refusing" in result.reason
    assert "no table of claims was written" in result.reason
    assert claims_files(paths) == before


def test_a_full_disk_fails_the_source_before_any_curated_file_changes(registry, paths, monkeypatch) -> None:
    before = claims_files(paths)
    calls = []
    real = curated.pq.write_table

    def second_write_fails(table, where, **kwargs):  # noqa: ANN001, ANN202
        calls.append(where)
        if len(calls) == 2:
            Path(where).write_bytes(b"partial")  # a half-written file, as a full disk leaves one
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, **kwargs)

    monkeypatch.setattr(curated.pq, "write_table", second_write_fails)
    summary = registry(BASE + row("news-x-disk", "4"))
    result = result_of(summary)
    assert result.status == "failed"
    assert "No space left on device" in result.reason and "no curated file of claims was changed" in result.reason
    assert "\n" not in result.reason and "Traceback" not in result.reason
    assert claims_files(paths) == before
    assert not any(paths.staging.iterdir())  # nothing half-written left behind


def test_a_registry_with_no_trade_figure_builds_every_derived_table(registry, paths, monkeypatch) -> None:
    monkeypatch.setenv("CASPIAN_ETL_ALLOW_SHRINK", "1")  # trade_flows' claims rows go from 13 to none, on purpose
    gone = set(feeding("trade_flows"))
    summary = registry("".join(line for line in LINES if line not in gone))
    assert result_of(summary).status == "ok"
    assert pq.read_metadata(paths.curated / "trade_flows" / "claims.parquet").num_rows == 0
    derived = result_of(summary, "derived")
    assert derived.status == "ok", derived.reason
    assert {t.table for t in derived.tables if t.error is None} == set(DERIVED)


def test_run_allow_shrink_flag_lets_an_intended_cut_through(registry, paths, monkeypatch, capsys) -> None:
    from caspian_etl.cli import main

    monkeypatch.setenv("CASPIAN_ETL_ALLOW_SHRINK", "")  # restored after the test (the flag sets it in-process)
    (paths.raw / "claims" / "claims.csv").write_text(LINES[0], encoding="utf-8")
    args = ["run", "--without-prefect", "--source", "claims", "--data-dir", str(paths.root)]
    assert main(args) == 1
    assert "refusing to replace" in capsys.readouterr().out
    assert main([*args, "--allow-shrink"]) == 0
    assert pq.read_metadata(paths.curated / "claims" / "claims.parquet").num_rows == 0
