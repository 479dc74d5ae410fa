"""Curation keys follow the code that makes the rows: a changed parser (or a helper it imports) re-curates
exactly the sources and derived tables that run it; nothing else moves."""

from __future__ import annotations

from pathlib import Path

import pytest

from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.derived import DERIVED
from caspian_etl.pipeline import code_version
from caspian_etl.pipeline.code_version import code_files, derived_modules, source_modules
from caspian_etl.pipeline.downstream import build_derived
from caspian_etl.pipeline.run import curation_key, run_source
from caspian_etl.sources import REGISTRY


def _edit(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str) -> None:
    """Make `module`'s source file look edited (a copy with one more line), as after a commit to it."""
    real = code_version._module_file
    original = real(module)
    edited = tmp_path / f"{module}.py"
    edited.write_bytes(original.read_bytes() + b"\n# a parser fix\n")

    def module_file(name: str) -> Path | None:
        return edited if name == module else real(name)

    monkeypatch.setattr(code_version, "_module_file", module_file)


def _names(modules: tuple[str, ...]) -> set[str]:
    return {code_version._relative(p) for p in code_files(modules)}


def test_code_of_a_source_is_its_parser_and_the_helpers_it_imports() -> None:
    claims = _names(source_modules(REGISTRY["claims"]))
    assert {"caspian_etl/sources/claims.py", "caspian_etl/sources/reported.py", "caspian_etl/contracts/units.py",
            "caspian_etl/contracts/periods.py", "caspian_etl/contracts/validation.py",
            "caspian_etl/pipeline/run.py"} <= claims
    assert "caspian_etl/sources/worldbank.py" not in claims and "caspian_etl/publish/report/charts.py" not in claims
    bulk = _names(source_modules(REGISTRY["comtrade"]))
    assert {"caspian_etl/sources/comtrade/bulk.py", "caspian_etl/sources/comtrade/rows.py"} <= bulk
    checks = _names(derived_modules(DERIVED["claim_checks"].build))
    assert "caspian_etl/derived/observations.py" in checks and "caspian_etl/derived/trade_mirror.py" not in checks


def test_a_changed_parser_recurates_its_source_and_nothing_else(paths, monkeypatch, tmp_path) -> None:
    assert run_source("claims", paths).status == "ok"
    build_derived(paths)
    assert run_source("claims", paths).up_to_date  # nothing changed: no parse, no write
    claims_snapshot = SnapshotStore(paths, "claims").latest()
    worldbank_before = {n: curation_key(REGISTRY[n], claims_snapshot) for n in REGISTRY if n != "claims"}

    _edit(monkeypatch, tmp_path, "caspian_etl.sources.reported")  # the claims -> indicator tables helper
    again = run_source("claims", paths)
    assert again.status == "ok" and not again.up_to_date  # re-parsed with the new code
    assert {t.table for t in again.tables} == set(REGISTRY["claims"].tables)
    others_after = {n: curation_key(REGISTRY[n], claims_snapshot) for n in REGISTRY if n != "claims"}
    changed = {n for n in others_after if others_after[n] != worldbank_before[n]}
    # news turns figures into indicator rows with caspian_etl.sources.reported; citations reads pages with news's code
    assert changed == {"news", "citations"}
    assert run_source("claims", paths).up_to_date  # and then it is current again


def test_a_changed_derived_module_rebuilds_that_table_only(paths, monkeypatch, tmp_path) -> None:
    assert run_source("claims", paths).status == "ok"
    build_derived(paths)
    assert all(t.up_to_date for t in build_derived(paths).tables)
    _edit(monkeypatch, tmp_path, "caspian_etl.derived.targets")
    rebuilt = {t.table for t in build_derived(paths).tables if not t.up_to_date}
    assert rebuilt == {"targets"}
    _edit(monkeypatch, tmp_path, "caspian_etl.derived.observations")  # shared by claim checks and targets
    rebuilt = {t.table for t in build_derived(paths).tables if not t.up_to_date}
    assert rebuilt == {"claim_checks", "targets"}


def test_every_import_of_every_module_is_found_without_walking_expressions() -> None:
    """The statement walk finds the same imports as a walk of every node (deferred imports included)."""
    import ast

    package = code_version._package_dir()
    checked = 0
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        module = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        tree = ast.parse(path.read_bytes())
        walked = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
        stated = [n for n in code_version._statements(tree.body) if isinstance(n, (ast.Import, ast.ImportFrom))]
        assert sorted(map(ast.dump, walked)) == sorted(map(ast.dump, stated)), module
        checked += len(walked)
    assert checked > 300  # the package's imports were really read
