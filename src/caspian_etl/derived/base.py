"""What a derived table is: its name, the curated tables it reads, and the function that builds its rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from caspian_etl.core.settings import DataPaths

DERIVED_SOURCE = "derived"  # the file name (and `source` value) of derived rows


@dataclass(frozen=True)
class DerivedTable:
    name: str  # the table built; its contract is schemas/<name>.yaml
    inputs: tuple[str, ...]  # curated tables it reads (via caspian_etl.contracts.curated.read_table)
    build: Callable[[DataPaths], pd.DataFrame]  # rows in the contract's shape
    description: str = ""
