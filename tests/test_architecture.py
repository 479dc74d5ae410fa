"""The package's floors, kept by CI: import-linter's contracts (pyproject.toml), module sizes, the top floor."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "caspian_etl"
FLOWS = ROOT / "flows"
MAX_LINES = 400
MAX_TOP_FLOOR = 10
# flows/ ships as caspian_etl.flows but lives outside src/, so import-linter does not see it: they may use
# the pipeline and everything below it, never the commands or the CLI that start them
FLOWS_MAY_NOT_IMPORT = ("caspian_etl.cli", "caspian_etl.commands")


def test_import_linter_contracts_are_kept() -> None:
    exe = shutil.which("lint-imports", path=str(Path(__import__("sys").executable).parent))
    if exe is None:
        pytest.skip("import-linter is not installed (it is in the test extras)")
    done = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "0 broken" in done.stdout


def test_no_module_imports_itself_back() -> None:
    """No cycle between any two modules, a package's __init__ included (import-linter's sibling contract does
    not see a module importing its own package, which breaks at import time as surely)."""
    grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (test extras)")
    graph = grimp.build_graph("caspian_etl")
    edges = {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(v: str) -> None:  # Tarjan: strongly connected components of more than one module are cycles
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(edges):
        if module not in index:
            visit(module)
    assert cycles == []


def test_top_floor_is_small() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_FLOOR, top


@pytest.mark.parametrize("path", sorted([*PACKAGE.rglob("*.py"), *FLOWS.rglob("*.py")]), ids=lambda p: p.name)
def test_module_is_short(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(ROOT)} has {lines} lines; split it by job"


def test_flows_stay_below_the_commands() -> None:
    for path in FLOWS.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else \
                [a.name for a in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                assert not name.startswith(FLOWS_MAY_NOT_IMPORT), f"{path.name} imports {name}"


def test_tests_mirror_the_package_layout() -> None:
    """A test module lives in the folder of the floor it tests (tests/core for caspian_etl/core, …); only
    cross-cutting suites (fault injection) and the checks of the repository itself sit elsewhere."""
    tests = Path(__file__).resolve().parent
    floors = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} | {"flows"}
    folders = {p.name for p in tests.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    orphans = sorted(folders - floors - {"faults"})
    assert not orphans, f"test folders with no package floor: {orphans}"
    top = sorted(p.name for p in tests.glob("test_*.py"))
    assert top == ["test_architecture.py", "test_packaging.py", "test_readme.py"], top


def _readme_floor_picture() -> dict[str, str]:
    """README's picture of the floors: each `name/` (or `cli.py`) line and the text that follows it."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = next(b for b in re.findall(r"^```[a-z]*\n(.*?)^```", readme, flags=re.S | re.M) if b.startswith("cli.py"))
    floors: dict[str, str] = {}
    current = None
    for line in block.splitlines():
        head = re.match(r"^([a-z_]+)(/|\.py)\s", line)
        if head:
            current = head.group(1)
            floors[current] = ""
        if current:
            floors[current] += line + "\n"
    return floors


def test_readme_picture_of_the_floors_matches_the_code() -> None:
    """README draws the floors top-down in the order import-linter enforces and names every module of each."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    layers = next(c["layers"] for c in config["tool"]["importlinter"]["contracts"] if c.get("type") == "layers")
    declared = [name.removeprefix("caspian_etl.") for name in layers]
    picture = _readme_floor_picture()
    assert list(picture) == declared, f"README draws {list(picture)}, import-linter enforces {declared}"
    for floor in declared:
        folder = PACKAGE / floor
        if not folder.is_dir():
            continue
        modules = {p.stem for p in folder.glob("*.py") if p.stem != "__init__"}
        modules |= {p.name for p in folder.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
        missing = sorted(m for m in modules if not re.search(rf"\b{m}\b", picture[floor]))
        assert not missing, f"README's picture of {floor}/ does not name {missing}"


# The one module that reads the process environment (caspian_etl.core.settings loads every variable once, at
# the entry points); and the redaction guard, which must see every secret of the live environment, including a
# variable nobody declared (any *_TOKEN): it reads values only to keep them out of outputs, never configuration.
READS_ENVIRONMENT = {PACKAGE / "core" / "settings.py", PACKAGE / "core" / "redaction.py"}


def _environment_reads(path: Path) -> list[str]:
    """Each `os.environ` / `os.getenv` / `environ` / `getenv` use in a module, as 'line: code'."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        name = node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None
        if name in ("environ", "getenv", "putenv", "unsetenv", "environb"):
            found.append(f"{node.lineno}: {ast.get_source_segment(path.read_text(encoding='utf-8'), node)}")
        if isinstance(node, ast.ImportFrom) and node.module == "os" and any(
                a.name in ("environ", "getenv") for a in node.names):
            found.append(f"{node.lineno}: from os import ...")
    return found


@pytest.mark.parametrize("path", sorted(p for p in [*PACKAGE.rglob("*.py"), *FLOWS.rglob("*.py")]
                                        if p not in READS_ENVIRONMENT), ids=lambda p: str(p.relative_to(ROOT)))
def test_only_settings_reads_the_environment(path: Path) -> None:
    """Settings are loaded once at the entry points and carried in the run context (DataPaths.settings)."""
    reads = _environment_reads(path)
    assert not reads, (f"{path.relative_to(ROOT)} touches the environment ({'; '.join(reads)}): declare the "
                       "variable in caspian_etl.core.settings and take it from the run's Settings")


def test_the_cli_starts_without_the_libraries_of_single_steps() -> None:
    """Beautiful Soup and trafilatura (0.1-0.2 s to load) and the figure extractor (0.06 s: it compiles its
    patterns) are imported where a page is read, Pandera (0.3 s) where a DataFrame is validated: a bulk ingest
    starts streaming without them (and loads Pandera only if a derived table has rows), and commands that read no page
    never load the page libraries."""
    import sys

    probe = ("import sys, caspian_etl.cli; print(sorted(m for m in sys.modules if m.split('.')[0] in "
             "('bs4', 'trafilatura', 'pandera') or m.startswith('caspian_etl.extract')))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "[]"
