"""One offline run of the whole pipeline on the shipped claims registry, shared by the reader-side tests.

Import the fixture into a test module (`from tests.offline_run import offline_data  # noqa: F401`); the run
happens once per session (about 3 s without Prefect) and its data dir must not be modified by the tests.
"""

from __future__ import annotations

import pytest

from caspian_etl.core.settings import DataPaths
from caspian_etl.pipeline.run import RunSummary, run_pipeline
from caspian_etl.sources import REGISTRY


@pytest.fixture(scope="session")
def offline_data(tmp_path_factory: pytest.TempPathFactory) -> tuple[DataPaths, RunSummary]:
    paths = DataPaths(tmp_path_factory.mktemp("offline") / "data")
    summary = run_pipeline(list(REGISTRY), paths, offline=True)
    assert summary.ok, [r.reason for r in summary.failed]
    return paths, summary
