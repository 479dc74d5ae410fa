"""README.md must stay true: its two set-up commands are what CI runs, and its DuckDB example works."""

import re
import subprocess
import sys
from pathlib import Path

from caspian_etl.cli import main

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def bash_blocks() -> list[str]:
    return re.findall(r"```bash\n(.*?)```", README, flags=re.S)


def test_ci_runs_the_readme_commands_verbatim() -> None:
    install_and_run, tests = bash_blocks()[:2]
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert install_and_run.strip() in ci
    assert tests.strip() in ci
    assert "caspian-etl run --offline" in install_and_run


def test_duckdb_example_works_as_written(tmp_path) -> None:
    data = tmp_path / "data"
    assert main(["run", "--offline", "--without-prefect", "--data-dir", str(data)]) == 0
    example = next(b for b in bash_blocks() if "duckdb" in b)
    code = re.search(r'-c "\n(.*)"', example, flags=re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "533.4" in out.stdout and "598.47" in out.stdout and "529.4" in out.stdout


def test_polars_example_works_as_written(tmp_path) -> None:
    data = tmp_path / "data"
    assert main(["run", "--offline", "--without-prefect", "--data-dir", str(data)]) == 0
    example = next(b for b in bash_blocks() if "import polars" in b)
    code = re.search(r'-c "\n(.*)"', example, flags=re.S).group(1)
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "shape: (4, 4)" in out.stdout  # the four metric-periods README lists after the example
    for text in ("middle_corridor_cargo", "oil_exports_via_btc", "trade_turnover", "29.58", "31.6", "11.53"):
        assert text in out.stdout


def test_readme_tables_of_variables_are_generated_from_the_settings() -> None:
    """Each table between `<!-- settings:SECTION ... -->` and `<!-- /settings:SECTION -->` is exactly what
    `caspian-etl settings --markdown SECTION` prints (regenerate it with that command when this fails)."""
    from caspian_etl.commands.settings import REGENERATE, SECTIONS, markdown

    for section in SECTIONS:
        found = re.findall(rf"<!-- settings:{section} .*?-->\n(.*?)<!-- /settings:{section} -->", README, flags=re.S)
        assert len(found) == 1, f"README has {len(found)} generated tables of section {section}"
        assert found[0] == markdown(section), f"README's {section} table is stale: `{REGENERATE}` ({section})"
