"""A deployed flow's data cannot be lost: deployments carry an absolute data root, and a flow refuses a relative
data dir inside a temporary working directory (where a Prefect process worker runs it and then deletes it)."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from caspian_etl.cli import EXIT_OK, main
from caspian_etl.core.data_location import deploy_location, flow_data_dir
from caspian_etl.core.errors import ConfigError
from caspian_etl.core.settings import DATA_DIR_ENV, load_settings
from caspian_etl.pipeline.deployments import deployment_specs


@pytest.fixture
def worker_tmp_cwd(monkeypatch):
    """The working directory a process worker gives a flow run: a fresh folder in the system temp dir."""
    with tempfile.TemporaryDirectory(suffix="prefect") as tmp:
        monkeypatch.chdir(tmp)
        monkeypatch.delenv(DATA_DIR_ENV, raising=False)
        yield Path(tmp)


def test_a_flow_refuses_a_relative_data_dir_in_a_temporary_folder(worker_tmp_cwd) -> None:
    for relative in (None, "data", "out/data"):
        with pytest.raises(ConfigError, match="refusing to write to .* relative"):
            flow_data_dir(relative, load_settings())
    assert not (worker_tmp_cwd / "data").exists()


def test_a_flow_takes_an_absolute_or_remote_root_anywhere(worker_tmp_cwd, tmp_path) -> None:
    assert flow_data_dir(str(tmp_path / "kept"), load_settings()).root == (tmp_path / "kept").resolve()


def test_a_relative_data_dir_outside_temporary_folders_still_works(monkeypatch, tmp_path) -> None:
    home = Path.home() if not str(Path.home()).startswith(tempfile.gettempdir()) else None
    if home is None:
        pytest.skip("the home folder is itself under the temporary folder")
    monkeypatch.chdir(home)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert flow_data_dir("data", load_settings()).root == (home / "data").resolve()


def test_deploy_resolves_the_data_root_and_prints_it(monkeypatch, tmp_path, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    assert deploy_location(None, load_settings()) == str((tmp_path / "data").resolve())
    assert deploy_location("s3://bucket/prefix/", load_settings()) == "s3://bucket/prefix"
    assert main(["deploy", "--list"]) == EXIT_OK
    assert f"data root: {(tmp_path / 'data').resolve()}" in capsys.readouterr().out
    specs = deployment_specs(deploy_location(None, load_settings()))
    assert all(Path(s.parameters["data_dir"]).is_absolute() for s in specs)
