"""What a table's rows are computed by: the source files of the modules that parse a source or build a derived
table, and of every caspian_etl module they import, transitively (found by reading their `import` statements).

Curation keys hash these bytes instead of the package version (the same for every commit), so a change to a
parser, or to a helper it uses, re-curates exactly the sources and derived tables that run that code, and
nothing else. Imports inside a function count too (they are still code the parse may run); a package's
__init__ counts only when something imports a name from the package itself. The registries and the run
orchestration (NOT_FOLLOWED) import every source: their own bytes count, but the walk does not go through
them, or every source would depend on every other one.
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

PACKAGE = "caspian_etl"
NOT_FOLLOWED = frozenset({"caspian_etl", "caspian_etl.sources", "caspian_etl.derived", "caspian_etl.pipeline.run",
                          "caspian_etl.core.results", "caspian_etl.pipeline.downstream"})
# The path every source's rows take after its parser (caspian_etl.pipeline.run.curate: validate, quarantine, write)
CURATION_PATH = ("caspian_etl.pipeline.run", "caspian_etl.contracts.validation", "caspian_etl.contracts.curated",
                 "caspian_etl.contracts.schema")
# ... and every derived table's (caspian_etl.pipeline.downstream.build_derived_table)
DERIVATION_PATH = ("caspian_etl.contracts.validation", "caspian_etl.contracts.curated", "caspian_etl.contracts.schema")


@lru_cache(maxsize=None)
def _module_file(module: str) -> Path | None:
    """The .py file of a caspian_etl module, found in the package's folder: importlib's find_spec would import
    the parents of every name it is asked about (`from x.y import name` asks about `x.y.name`), and this runs
    at every curation (seconds of imports for a source's first run in a process)."""
    if module != PACKAGE and not module.startswith(PACKAGE + "."):
        return None  # not followed: only caspian_etl's own code is hashed
    base = _package_dir().joinpath(*module.split(".")[1:])
    for candidate in (base / "__init__.py", base.with_suffix(".py")):
        if candidate.is_file():
            return candidate
    return None


@lru_cache(maxsize=1)
def _package_dir() -> Path:
    spec = importlib.util.find_spec(PACKAGE)
    assert spec is not None and spec.origin is not None
    return Path(spec.origin).parent


def _is_module(name: str) -> bool:
    return _module_file(name) is not None


def _statements(body: list[ast.stmt]) -> Iterator[ast.AST]:
    """Every statement of `body`, nested ones included. An import is always a statement, so expressions (most of
    a module's nodes) need not be walked: 0.22 -> 0.05 s for the closures of the derived tables."""
    for node in body:
        yield node
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            inner = getattr(node, name, None)
            if isinstance(inner, list):
                yield from _statements(inner)


@lru_cache(maxsize=None)
def _imports(module: str, path: Path) -> frozenset[str]:
    """The caspian_etl modules that `module`'s source imports (absolute and relative imports)."""
    tree = ast.parse(path.read_bytes(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[:len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                child = f"{base}.{alias.name}"
                # `from pkg import module` imports the module; `from module import name` imports the module
                found.add(child if _is_module(child) else base)
    return frozenset(m for m in found if m == PACKAGE or m.startswith(PACKAGE + "."))


@lru_cache(maxsize=None)
def module_closure(module: str) -> frozenset[str]:
    """`module` and every caspian_etl module it imports, transitively."""
    seen: set[str] = set()
    todo = [module]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        path = _module_file(name)
        if path is None:
            continue
        seen.add(name)
        if name not in NOT_FOLLOWED:
            todo.extend(_imports(name, path) - seen)
    return frozenset(seen)


def code_files(modules: tuple[str, ...]) -> list[Path]:
    """The source files of `modules` and of everything they import within caspian_etl, in a stable order."""
    names = set().union(*(module_closure(m) for m in modules)) if modules else set()
    files = {p for n in names if (p := _module_file(n)) is not None}
    return sorted(files, key=lambda p: _relative(p))


def _relative(path: Path) -> str:
    """A name for the file that does not depend on where the package is installed."""
    parts = path.parts
    for anchor in (PACKAGE, "flows"):
        if anchor in parts:
            return "/".join(parts[len(parts) - 1 - parts[::-1].index(anchor):])
    return path.name


def source_modules(source: object) -> tuple[str, ...]:
    """The modules whose code makes a source's rows: its parse (and own curate step) and the curation path."""
    own = {source.parse.__module__}
    if getattr(source, "curate", None) is not None:
        own.add(source.curate.__module__)  # type: ignore[attr-defined]
    return tuple(sorted(own)) + CURATION_PATH


def derived_modules(build: object) -> tuple[str, ...]:
    """The modules whose code makes a derived table's rows: its build function's module and the write path."""
    return (build.__module__, *DERIVATION_PATH)


def code_digest(modules: tuple[str, ...]) -> str:
    """sha256 over the (name, bytes) of code_files(modules)."""
    digest = hashlib.sha256()
    for path in code_files(modules):
        digest.update(_relative(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()
