"""The report: one self-contained HTML page and a PNG per chart, drawn from the curated tables with sources."""

from __future__ import annotations

import base64
import io
import re

import pandas as pd
import pytest
from PIL import Image

from caspian_etl.cli import main
from caspian_etl.core.settings import DataPaths
from caspian_etl.pipeline.downstream import PUBLISH_SOURCE, publish
from caspian_etl.publish.report import INDEX_NAME, build_report, report_dir
from caspian_etl.publish.report.charts import CHARTS, fmt
from caspian_etl.publish.report.data import ReportData, differing_pairs, load
from tests.offline_run import offline_data  # noqa: F401 - session fixture

SLUGS = ["trade_turnover", "middle_corridor", "btc", "oil_production", "claim_checks_differ"]


@pytest.fixture(scope="module")
def page(offline_data) -> str:  # noqa: F811
    paths, _ = offline_data
    return (report_dir(paths) / INDEX_NAME).read_text(encoding="utf-8")


def test_the_run_writes_the_page_and_a_png_per_chart(offline_data) -> None:  # noqa: F811
    paths, summary = offline_data
    assert next(r for r in summary.results if r.source == PUBLISH_SOURCE).status == "ok"
    for slug in SLUGS:
        image = Image.open(report_dir(paths) / f"{slug}.png")
        assert image.format == "PNG" and image.width >= 900 and image.height >= 300


def test_the_page_embeds_every_chart_and_loads_nothing(page) -> None:
    embedded = re.findall(r'<img src="data:image/png;base64,([A-Za-z0-9+/=]+)"', page)
    assert len(embedded) == len(SLUGS)
    for data in embedded:
        assert Image.open(io.BytesIO(base64.b64decode(data))).format == "PNG"
    assert "<script" not in page
    # no stylesheet, font, image or frame from anywhere: only links a reader may click
    assert not re.search(r'<(img|link|iframe|source)[^>]+(src|href)="(?!data:)', page)


def test_every_chart_names_its_sources_and_snapshot(offline_data, page) -> None:  # noqa: F811
    paths, _ = offline_data
    snapshot = next(p.name for p in (paths.raw / "claims").iterdir() if p.is_dir())
    captions = re.findall(r"<figcaption>(.*?)</figcaption>", page, flags=re.S)
    assert len(captions) == len(SLUGS)
    for caption in captions:
        assert caption.startswith("Sources: ") and f"snapshot {snapshot}" in caption
    assert "IDD (ADA University) and AIFC policy paper" in captions[0] and "menafn.com (AzerNews)" in captions[0]


@pytest.mark.parametrize("text", [
    "529.4M USD", "598.47M USD",  # the two sides' 2023 turnover
    "60 Mt/yr", "50 Mt/yr",  # BTC capacity: paper against news
    "2.764 Mt",  # the ministry's figure
    "2.7 Mt", "2.75 Mt", "2.76 Mt", "2.78 Mt",  # Middle Corridor 2023
    "on_course", "missed",  # the targets tracker
])
def test_the_page_shows_the_seed_figures(page, text) -> None:
    assert text in page


def test_each_chart_has_its_data_as_csv_beside_the_png(offline_data, page) -> None:  # noqa: F811
    paths, _ = offline_data
    for slug in SLUGS:
        table = pd.read_csv(report_dir(paths) / f"{slug}.csv")
        assert len(table) > 0, slug
        assert f'<a href="{slug}.csv">' in page and f'<a href="{slug}.png">' in page
    cargo = pd.read_csv(report_dir(paths) / "middle_corridor.csv")
    assert {"news-ministry-mc-cargo-2023", "paper-mc-cargo-2023"} <= set(cargo.ref)


def test_the_page_explains_verdicts_with_dates_and_no_local_path(offline_data, page) -> None:  # noqa: F811
    paths, _ = offline_data
    # the embedded PNGs are base64, whose alphabet can spell "/tmp" by chance (about 1 page in 40): text only
    text = re.sub(r'src="data:image/png;base64,[A-Za-z0-9+/=]*"', 'src="data:…"', page)
    assert str(paths.root) not in text and "/tmp" not in text
    assert "Data as of: latest claim published 2025-07-15" in page  # from the data, not the clock
    # the 533.4M pair: one readout repeated; its reason and both publication dates are on the page
    assert "both repeat Kazakhstan Ministry of Foreign Affairs" in page
    assert "kt.kz (Kazakhstan Today), 2025-03-13" in page
    assert "not comparable (validity)" in page  # BTC 50 vs 60
    for status in ("met", "missed", "on_course", "undetermined", "scenario", "no_data"):
        assert f"<li><b>{status}</b>:" in page  # the key of target statuses


def test_differing_pairs_lists_each_pair_once(offline_data) -> None:  # noqa: F811
    data = load(offline_data[0])
    pairs = differing_pairs(data.claim_checks)
    keys = {frozenset((a, b)) for a, b in zip(pairs.claim_id, pairs.compared_ref, strict=True)}
    # Middle Corridor 2021 (586 kt vs 840 kt) 1 + trade 2023 1 + Middle Corridor 2023 7 (of 10 pairs: two agree
    # within rounding, one is a repetition of the ministry) + Kazakh oil via BTC 2023, 1.392 vs 1.057 Mt: 2 x 3
    assert len(keys) == len(pairs) == 15
    assert list(pairs.excess_pct) == sorted(pairs.excess_pct, reverse=True)  # severity follows the excess


def test_same_tables_give_the_same_report(offline_data, tmp_path) -> None:  # noqa: F811
    paths, _ = offline_data
    again = build_report(paths, tmp_path / "again")
    for path in (again.html, *again.pngs, *again.csvs):
        assert path.read_bytes() == (report_dir(paths) / path.name).read_bytes(), path.name


def test_charts_draw_without_any_figures() -> None:
    """A fresh data dir before the first run, or a run whose sources all failed: placeholders, no crash."""
    from caspian_etl.contracts.schema import load_contract
    from caspian_etl.derived.observations import COLUMNS

    empty = ReportData(observations=pd.DataFrame(columns=COLUMNS),
                       claim_checks=load_contract("claim_checks").empty_frame(),
                       targets=load_contract("targets").empty_frame())
    for chart in CHARTS:
        drawn = chart(empty)
        assert Image.open(io.BytesIO(drawn.png)).format == "PNG"
        assert "none" in drawn.caption


def test_report_command_needs_curated_tables(tmp_path, capsys) -> None:
    assert main(["report", "--data-dir", str(tmp_path / "nothing")]) == 2
    assert "run `caspian-etl run` first" in capsys.readouterr().err


def test_a_failing_report_fails_the_run_but_keeps_the_catalog(tmp_path) -> None:
    paths = DataPaths(tmp_path / "data")

    def broken(_: DataPaths) -> None:
        raise ValueError("injected chart failure")

    result = publish(paths, report_step=broken)
    assert result.status == "failed" and "report failed: ValueError: injected chart failure" in result.reason
    assert (paths.curated / "CATALOG.md").is_file()


@pytest.mark.parametrize("value, unit, text", [
    (529.4e6, "USD", "529.4M USD"), (1e9, "USD", "1B USD"), (2.78, "Mt", "2.78 Mt"), (2025, "year", "2025"),
    (100000, "TEU", "100,000 TEU"), (0.25, "Mt", "0.25 Mt"), (60, "Mt/yr", "60 Mt/yr"),
])
def test_value_format(value, unit, text) -> None:
    assert fmt(value, unit) == text


def test_provenance_names_official_producers_and_missing_snapshots() -> None:
    from caspian_etl.derived.observations import COLUMNS
    from caspian_etl.publish.report.data import SnapshotRef

    rows = pd.DataFrame([dict.fromkeys(COLUMNS) | {"source": "worldbank", "snapshot_sha256": "a" * 64},
                         dict.fromkeys(COLUMNS) | {"source": "claims", "publisher": "kt.kz", "document": "news_facts",
                                                   "snapshot_sha256": "b" * 64}], columns=COLUMNS)
    data = ReportData(rows, pd.DataFrame(), pd.DataFrame(),
                      snapshots={"b" * 64: SnapshotRef("claims", "20250101T000000Z", "2025-01-01T00:00:00Z")})
    text = data.provenance(rows)
    assert "kt.kz (caspian-etl source 'claims', snapshot 20250101T000000Z (2025-01-01))" in text
    assert "World Bank (caspian-etl source 'worldbank', snapshot not found)" in text
