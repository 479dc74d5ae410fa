"""Derived tables: built from curated tables (not from a source's snapshot) after the sources have run.

A derived table is a contract in schemas/<name>.yaml plus a `DerivedTable` registered here. Its rows are
validated and written like a source's, into data/curated/<name>/derived.parquet, with the footer listing the
curated files it was built from (and their snapshot hashes), so the same inputs give the same bytes.
Adding one = a module with a DerivedTable + one entry in DERIVED.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from caspian_etl.core.settings import DataPaths
from caspian_etl.derived import trade_mirror

DERIVED_SOURCE = "derived"  # the file name (and `source` value) of derived rows


@dataclass(frozen=True)
class DerivedTable:
    name: str  # the table built; its contract is schemas/<name>.yaml
    inputs: tuple[str, ...]  # curated tables it reads (via caspian_etl.contracts.curated.read_table)
    build: Callable[[DataPaths], pd.DataFrame]  # rows in the contract's shape
    description: str = ""


# name -> DerivedTable, in the order they are built (a derived table may read an earlier one)
DERIVED: dict[str, DerivedTable] = {
    trade_mirror.NAME: DerivedTable(trade_mirror.NAME, trade_mirror.INPUTS, trade_mirror.build,
                                    "each side's exports vs the other side's imports, turnover and claims"),
}

# Tables whose modules build their own DerivedTable (imported here, after DerivedTable exists).
from caspian_etl.derived import citation_checks, claim_checks, targets  # noqa: E402

DERIVED[claim_checks.NAME] = claim_checks.TABLE
DERIVED[targets.NAME] = targets.TABLE
DERIVED[citation_checks.NAME] = citation_checks.TABLE
