"""Find files that live at the top of the repository but also ship inside the installed package.

In a wheel, `schemas/` and the default claims registry are copied into the package (`caspian_etl/_schemas`,
`caspian_etl/_claims`, see pyproject.toml). In a source checkout or editable install they are read from the
repository itself, so an edit to `schemas/*.yaml` takes effect at once.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # caspian_etl/core/resources.py -> caspian_etl
_CHECKOUT_ROOT = _PACKAGE_DIR.parents[1]  # src/caspian_etl -> repository root


def _first_existing(*candidates: Path) -> Path:
    for candidate in candidates:
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"none of these exist: {', '.join(str(c) for c in candidates)}")


def schemas_dir() -> Path:
    """The folder holding the YAML table contracts, units and metrics catalogs."""
    return _first_existing(_PACKAGE_DIR / "_schemas", _CHECKOUT_ROOT / "schemas")


def default_claims_registry() -> Path:
    """The claims registry that ships with the project (used when the data dir has none of its own)."""
    return _first_existing(_PACKAGE_DIR / "_claims" / "claims.csv",
                           _CHECKOUT_ROOT / "data" / "raw" / "claims" / "claims.csv")


# libyaml's parser (PyYAML's C extension) when PyYAML was built with it: the same safe constructors, ~10x faster
# than the pure-Python parser, which was a second of every run (the contracts are read by every command)
_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_yaml(text: str) -> Any:
    """yaml.safe_load, with libyaml's parser when it is available."""
    return yaml.load(text, Loader=_SAFE_LOADER)  # noqa: S506 - a safe loader (CSafeLoader or SafeLoader)


def read_schema_yaml(name: str) -> Any:
    """A YAML file of schemas/ (a contract, units.yaml, metrics.yaml, ...), parsed."""
    return load_yaml((schemas_dir() / name).read_text(encoding="utf-8"))
