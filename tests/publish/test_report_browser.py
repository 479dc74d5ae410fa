"""The report page in real headless Chromium: it renders, logs no error, fetches nothing from a network,
every chart decodes, and a full-page screenshot is not blank. Skipped (with the reason) without Chromium;
.ci/run installs Debian's `chromium`."""

from __future__ import annotations

import io
import shutil

import numpy as np
import pytest
from PIL import Image

from caspian_etl.publish.report import INDEX_NAME, report_dir
from tests.chromium import Browser, find_chromium
from tests.offline_run import offline_data  # noqa: F401 - session fixture

pytestmark = pytest.mark.skipif(find_chromium() is None,
                                reason="chromium is not installed (Debian package `chromium`; .ci/run installs it)")

CHARTS = 5


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    b = Browser(tmp_path_factory.mktemp("chromium") / "profile")
    yield b
    b.close()


@pytest.fixture(scope="module")
def visit(browser, offline_data, tmp_path_factory):  # noqa: F811
    paths, _ = offline_data
    # a copy of the report folder alone: the page must not depend on anything beside it
    alone = tmp_path_factory.mktemp("report") / "report"
    shutil.copytree(report_dir(paths), alone)
    return browser.visit((alone / INDEX_NAME).as_uri())


def test_page_renders_without_errors(visit) -> None:
    assert visit.errors == []
    assert visit.title == "caspian-etl report"


def test_page_needs_no_network(visit) -> None:
    assert visit.requests, "the browser reported no request at all"
    assert all(url.startswith(("file://", "data:", "about:")) for url in visit.requests), visit.requests


def test_every_chart_decodes(visit) -> None:
    assert len(visit.images) == CHARTS
    assert all(i["complete"] and i["naturalWidth"] > 500 and i["naturalHeight"] > 250 for i in visit.images)


def test_screenshot_is_not_blank(visit, tmp_path_factory) -> None:
    image = Image.open(io.BytesIO(visit.screenshot)).convert("RGB")
    (tmp_path_factory.getbasetemp() / "report-screenshot.png").write_bytes(visit.screenshot)
    width, height = image.size
    assert width >= 900 and height >= 3000  # the whole page: five charts and two tables
    pixels = np.asarray(image.resize((width // 4, height // 4))).reshape(-1, 3)
    assert (pixels.min(axis=1) < 235).mean() > 0.05  # ink on at least 5% of the page
    assert len(np.unique(pixels, axis=0)) > 200  # text, lines and coloured bars, not a flat fill


def test_the_checker_sees_a_broken_page(browser, tmp_path) -> None:
    """Negative control: the same checks flag a console error and an image that does not load."""
    page = tmp_path / "broken.html"
    page.write_text('<!doctype html><html><head><link rel="icon" href="data:,"><title>x</title></head><body>'
                    '<img src="missing.png"><script>console.error("boom")</script></body></html>', encoding="utf-8")
    broken = browser.visit(page.as_uri())
    assert any("boom" in e for e in broken.errors)
    assert any(not i["complete"] or i["naturalWidth"] == 0 for i in broken.images)
