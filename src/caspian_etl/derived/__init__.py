"""Derived tables: built from curated tables (not from a source's snapshot) after the sources have run.

A derived table is a contract in schemas/<name>.yaml plus a `DerivedTable` registered here. Its rows are
validated and written like a source's, into data/curated/<name>/derived.parquet, with the footer listing the
curated files it was built from (and their snapshot hashes), so the same inputs give the same bytes.
Adding one = a module with a DerivedTable + one entry in DERIVED.
"""

from __future__ import annotations

from caspian_etl.derived import citation_checks, claim_checks, targets, trade_mirror
from caspian_etl.derived.base import DERIVED_SOURCE, DerivedTable

# name -> DerivedTable, in the order they are built (a derived table may read an earlier one)
DERIVED: dict[str, DerivedTable] = {
    trade_mirror.NAME: DerivedTable(trade_mirror.NAME, trade_mirror.INPUTS, trade_mirror.build,
                                    "each side's exports vs the other side's imports, turnover and claims"),
    claim_checks.NAME: claim_checks.TABLE,
    targets.NAME: targets.TABLE,
    citation_checks.NAME: citation_checks.TABLE,
}

__all__ = ["DERIVED", "DERIVED_SOURCE", "DerivedTable"]
