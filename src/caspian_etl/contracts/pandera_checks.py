"""The registry's checks (caspian_etl.contracts.checks) as Pandera checks, for the DataFrame path.

Pandera stays the contract language the DataFrame path validates with; each `pandera.Check` made here calls
the registry's one vectorised Arrow implementation on the coerced column (or the row check's columns) and
carries the registry's label as its error, which is what a quarantine reason quotes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa
import pyarrow as pyarrow_lib

from caspian_etl.contracts.checks import TYPE_CHECKS, ColumnCheck, RowCheck, TypeCheck, column_check, column_passes


def _as_arrow(series: pd.Series) -> pyarrow_lib.Array:
    return pyarrow_lib.array(series, from_pandas=True)  # NaN, NaT and <NA> become nulls (not judged)


def _as_series(passes: pyarrow_lib.Array | pyarrow_lib.ChunkedArray, index: pd.Index) -> pd.Series:
    return pd.Series(np.asarray(passes.fill_null(True), dtype=bool), index=index)


SeriesCheck = Callable[[pd.Series], pd.Series]  # what pandera.Check calls on a column


def _on_column(check: ColumnCheck, arg: Any) -> SeriesCheck:
    return lambda series: _as_series(column_passes(check, _as_arrow(series), arg), series.index)


def _on_type(check: TypeCheck) -> SeriesCheck:
    return lambda series: _as_series(check.passes(_as_arrow(series)), series.index)


def pandera_column_checks(column: str, type_name: str, declared: dict[str, Any]) -> list[pa.Check]:
    """A column's checks: the one its float type implies (finite), then those it declares, in order."""
    checks: list[pa.Check] = []
    if type_name == "float64":  # dates are range-checked before coercion (a failed coercion fails the column)
        finite = TYPE_CHECKS["float64"]
        checks.append(pa.Check(_on_type(finite), name=finite.name, error=finite.why))
    for kind, arg in declared.items():
        check = column_check(kind, column)
        checks.append(pa.Check(_on_column(check, arg), name=kind, error=check.label(arg)))
    return checks


def pandera_row_check(check: RowCheck) -> pa.Check:
    """A row check over the frame; a column Pandera could not coerce yet passes here (its rows fail coercion,
    are set aside, and the next pass checks the rest)."""

    def passes(frame: pd.DataFrame) -> pd.Series:
        try:
            table = pyarrow_lib.table({c: _as_arrow(frame[c]) for c in check.columns})
        except (pyarrow_lib.ArrowInvalid, pyarrow_lib.ArrowTypeError):
            return pd.Series(True, index=frame.index)
        return _as_series(check.passes(table), frame.index)

    return pa.Check(passes, name=check.name, error=check.reason)
