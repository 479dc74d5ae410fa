"""The installed package carries its contracts, the default claims registry and the flows."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    # build from a copy so the build's by-products (build/, *.egg-info) never land in the checkout
    src = tmp_path_factory.mktemp("src")
    for item in ("pyproject.toml", "README.md", "src", "flows", "schemas", "data/raw/claims"):
        (shutil.copytree if (REPO / item).is_dir() else shutil.copy)(REPO / item, src / item)
    out = tmp_path_factory.mktemp("wheel")
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                            "-w", str(out), str(src)], capture_output=True, text=True, timeout=300)
    if build.returncode != 0:
        pytest.fail(f"wheel build failed: {build.stderr[-2000:]}")
    return zipfile.ZipFile(next(out.glob("caspian_etl-*.whl")))


def test_wheel_ships_schemas_registry_and_flows(wheel) -> None:
    names = set(wheel.namelist())
    for schema in (REPO / "schemas").glob("*.yaml"):
        assert f"caspian_etl/_schemas/{schema.name}" in names
        assert wheel.read(f"caspian_etl/_schemas/{schema.name}") == schema.read_bytes()
    assert wheel.read("caspian_etl/_claims/claims.csv") == (REPO / "data/raw/claims/claims.csv").read_bytes()
    assert {"caspian_etl/flows/pipeline.py", "caspian_etl/flows/source_flows.py"} <= names
    assert "caspian_etl/sources/worldbank.py" in names
    # every module of every subpackage ships (a missing package breaks its imports in an installed wheel)
    modules = {f"caspian_etl/{p.relative_to(REPO / 'src' / 'caspian_etl').as_posix()}"
               for p in (REPO / "src" / "caspian_etl").rglob("*.py")}
    assert modules - names == set()
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "caspian-etl = caspian_etl.cli:entry" in wheel.read(entry_points).decode()
