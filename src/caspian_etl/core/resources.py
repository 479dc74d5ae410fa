"""Find files that live at the top of the repository but also ship inside the installed package.

In a wheel, `schemas/` and the default claims registry are copied into the package (`caspian_etl/_schemas`,
`caspian_etl/_claims`, see pyproject.toml). In a source checkout or editable install they are read from the
repository itself, so an edit to `schemas/*.yaml` takes effect at once.
"""

from __future__ import annotations

from pathlib import Path

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
