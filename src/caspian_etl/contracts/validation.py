"""Validate a parsed table against its contract; split off the rows that fail instead of dropping them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pyarrow_lib

from caspian_etl.contracts.checks import TYPE_CHECKS, check_failed, failed_mask, value_problem
from caspian_etl.contracts.schema import TYPES, TableContract
from caspian_etl.core.errors import ContractError

REASON_COLUMN = "quarantine_reason"
_MAX_PASSES = 4


@dataclass
class ValidationResult:
    valid: pd.DataFrame  # coerced to the contract's dtypes, in the contract's column order
    quarantined: pd.DataFrame  # the failing rows as parsed, plus `quarantine_reason`

    @property
    def n_valid(self) -> int:
        return len(self.valid)

    @property
    def n_quarantined(self) -> int:
        return len(self.quarantined)


def _describe(failure: pd.Series, contract: TableContract) -> str:
    check = str(failure["check"])
    if failure["schema_context"] == "DataFrameSchema":
        # table-wide checks are reported once per column of the row; one reason per row is enough
        if check == "multiple_fields_uniqueness":
            return f"duplicate natural key ({', '.join(contract.natural_key)}): an earlier row has the same key"
        return check if check.startswith("row check") else f"row check {check} failed"
    column = failure["column"] if isinstance(failure["column"], str) else "?"
    return check_failed(column, check, failure["failure_case"])


_NAN_TEXT = ("nan", "+nan", "-nan")


def _as_float(column: pd.Series) -> pyarrow_lib.Array:
    """A parsed column as the floats it would coerce to, NaN kept where the text says "nan".

    A missing value is null, never NaN text: "nan" in a source means something went wrong upstream; in a float
    column pandas cannot tell NaN from null, so there it is null."""
    if pd.api.types.is_float_dtype(column.dtype):
        return pyarrow_lib.array(column, from_pandas=True)
    numeric = pd.to_numeric(column, errors="coerce")
    unread = column[numeric.isna() & column.notna()]  # few rows: text that is not a number, or 'nan'
    nan_text = unread.map(lambda v: isinstance(v, str) and v.strip().lower() in _NAN_TEXT).astype(bool)
    missing = numeric.isna().to_numpy(dtype=bool, copy=True)
    missing[column.index.get_indexer(nan_text[nan_text].index)] = False
    return pyarrow_lib.array(numeric.to_numpy(dtype="float64", na_value=np.nan), mask=missing)


def _as_datetime(column: pd.Series) -> pyarrow_lib.Array | None:
    """A parsed date column as timestamps (None when its values are of mixed types: the contract's own
    coercion check reports those)."""
    try:
        converted = pd.to_datetime(column, errors="coerce") if column.dtype == object else column
        naive = converted.dt.tz_localize(None) if getattr(converted.dt, "tz", None) is not None else converted
        return pyarrow_lib.array(naive, from_pandas=True)
    except (AttributeError, TypeError, ValueError, pyarrow_lib.ArrowException):
        return None


def _value_problems(contract: TableContract, frame: pd.DataFrame) -> dict[int, list[str]]:
    """Per-row reasons that Pandera cannot give one row at a time: the registry's type checks (non-finite
    numbers in float columns, dates outside the representable range: a failed datetime coercion fails the
    whole column in Pandera), on the values as parsed."""
    reasons: dict[int, list[str]] = {}
    for spec in contract.columns:
        check = TYPE_CHECKS.get(spec.type)
        if check is None or spec.name not in frame.columns:
            continue
        column = frame[spec.name]
        values = _as_float(column) if spec.type == "float64" else _as_datetime(column)
        if values is None:
            continue
        bad = failed_mask(check.passes(values)).to_numpy(zero_copy_only=False)
        for index in column.index[bad]:
            reasons.setdefault(int(index), []).append(value_problem(spec.name, column[index], check.why))
    return reasons


def typed_empty_frame(contract: TableContract) -> pd.DataFrame:
    """A zero-row frame with the contract's columns in the dtypes Pandera coerces them to (schema.TYPES): what
    Pandera makes of an empty frame (a test compares the two for every table), without loading Pandera. A table
    with no row is common (derived tables before any claim is ingested): Pandera spent about 75 ms on each, and
    its import (about 0.45 s) delayed a bulk ingest whose derived tables are all empty."""
    return pd.DataFrame({c.name: pd.Series([], dtype=TYPES[c.type][0]) for c in contract.columns})


def _settle(contract: TableContract, remaining: pd.DataFrame, reasons: dict[int, list[str]],
            source: str | None) -> pd.DataFrame:
    """Validate with Pandera, removing the failing rows (their reasons added to `reasons`) until the rest passes."""
    import pandera.pandas as pa  # here, like the schema (TableContract.pandera_schema)

    schema = contract.pandera_schema()
    for _ in range(_MAX_PASSES):
        try:
            return schema.validate(remaining, lazy=True)
        except pa.errors.SchemaErrors as err:
            failures = err.failure_cases
            per_row = failures[failures["index"].notna()]
            if per_row.empty:
                detail = "; ".join(dict.fromkeys(_describe(f, contract) for _, f in failures.iterrows()))
                raise ContractError(f"table {contract.name} fails its contract as a whole: {detail}",
                                    source=source) from None
            for _, failure in per_row.iterrows():
                reasons.setdefault(int(failure["index"]), []).append(_describe(failure, contract))
            remaining = remaining.drop(index=sorted({int(i) for i in per_row["index"]}))
    raise ContractError(f"table {contract.name}: validation did not settle after {_MAX_PASSES} passes",
                        source=source)


def validate_table(contract: TableContract, frame: pd.DataFrame, *, source: str | None = None) -> ValidationResult:
    """Lazily validate `frame`; return the valid rows (coerced) and the failing rows with their reasons.

    Pandera leaves a column uncoerced when any of its values fails coercion, which makes the column's other
    checks fail as a whole (no row index). So failing rows are removed and the rest validated again, until
    only valid rows remain. A failure that belongs to no row (a missing column, say) fails the whole table.
    """
    flagged = pd.DataFrame()
    if REASON_COLUMN in frame.columns:  # rows the parser itself could not interpret, with its reason
        is_flagged = frame[REASON_COLUMN].notna()
        flagged = frame[is_flagged]
        frame = frame[~is_flagged].drop(columns=[REASON_COLUMN])
    missing = [c for c in contract.column_names if c not in frame.columns]
    extra = [c for c in frame.columns if c not in contract.column_names]
    if missing or extra:
        raise ContractError(
            f"table {contract.name}: parsed columns do not match schemas/{contract.name}.yaml "
            f"(missing {missing}, unexpected {extra})", source=source)
    frame = frame.reset_index(drop=True)
    n_in = len(frame) + len(flagged)
    reasons: dict[int, list[str]] = _value_problems(contract, frame)
    remaining = frame.drop(index=sorted(reasons))
    valid = _settle(contract, remaining, reasons, source) if len(remaining) else typed_empty_frame(contract)

    bad_index = sorted(reasons)
    quarantined = frame.loc[bad_index].copy()
    quarantined[REASON_COLUMN] = ["; ".join(dict.fromkeys(reasons[i])) for i in bad_index]
    if len(flagged):
        quarantined = pd.concat([flagged, quarantined], ignore_index=True)
    result = ValidationResult(valid=valid[contract.column_names].reset_index(drop=True),
                              quarantined=quarantined.reset_index(drop=True))
    if result.n_valid + result.n_quarantined != n_in:  # every row in is written or quarantined, never lost
        raise ContractError(f"table {contract.name}: {n_in} rows in but {result.n_valid} valid + "
                            f"{result.n_quarantined} quarantined", source=source)
    return result
