"""The streaming validator: a table contract's checks on Arrow batches (bulk ingest), from the one registry.

Every check is evaluated by its implementation in caspian_etl.contracts.checks, the same function the Pandera
schema of the DataFrame path calls, and every reason is built there, so a row is quarantined with the same
words on either path (tests/contracts/test_check_parity.py holds them to it for every table and check). The
order of reasons follows the DataFrame path: a value its type cannot hold (a non-finite float, a date outside
pandas' range) is the row's only reason; otherwise the row checks come first, then each column's not-null and
declared checks in contract order. Natural-key uniqueness spans batches and is left to the caller (see
caspian_etl.sources.comtrade.bulk). A contract naming a check the registry does not know is an error, never a
check silently skipped.
"""

from __future__ import annotations

from functools import partial

import pyarrow as pa
import pyarrow.compute as pc

from caspian_etl.contracts.checks import (
    NOT_NULLABLE,
    NULL_TEXT,
    ROW_CHECKS,
    TYPE_CHECKS,
    any_failed,
    check_failed,
    column_check,
    column_passes,
    failed_mask,
    reasons_where,
    value_problem,
)
from caspian_etl.contracts.schema import TableContract
from caspian_etl.core.errors import ContractError

_NULL = pa.scalar(None, pa.string())


def check_schema(contract: TableContract, table: pa.Table) -> None:
    """The batch must have the contract's columns, in order, with its Arrow types (a bug otherwise)."""
    expected = contract.arrow_schema()
    got = [(f.name, f.type) for f in table.schema]
    want = [(f.name, f.type) for f in expected]
    if got != want:
        raise ContractError(f"table {contract.name}: batch columns {got} do not match the contract {want}")


def _value_problems(contract: TableContract, table: pa.Table) -> list[pa.Array]:
    reasons = []
    for spec in contract.columns:
        check = TYPE_CHECKS.get(spec.type)
        if check is None:
            continue
        column = table[spec.name]
        passes = check.passes(column)
        if any_failed(passes):
            reasons.append(reasons_where(failed_mask(passes), column, partial(_problem, spec.name, check.why)))
    return reasons


def _problem(column: str, why: str, value: object) -> str:
    return value_problem(column, value, why)


def _check_failures(contract: TableContract, table: pa.Table) -> list[pa.Array]:
    reasons: list[pa.Array] = []
    for name in contract.row_checks:
        if name not in ROW_CHECKS:
            raise ContractError(f"table {contract.name}: row check {name!r} is not in caspian_etl.contracts.checks")
        row_check = ROW_CHECKS[name]
        passes = row_check.passes(table)
        if any_failed(passes):
            reasons.append(pc.if_else(failed_mask(passes), pa.scalar(row_check.reason), _NULL))
    for spec in contract.columns:
        column = table[spec.name]
        if not spec.nullable and column.null_count:
            reason = check_failed(spec.name, NOT_NULLABLE, NULL_TEXT[spec.type])
            reasons.append(pc.if_else(pc.is_null(column), pa.scalar(reason), _NULL))
        for kind, arg in spec.checks.items():
            check = column_check(kind, spec.name)
            passes = column_passes(check, column, arg)
            if any_failed(passes):
                describe = partial(check_failed, spec.name, check.label(arg))
                reasons.append(reasons_where(failed_mask(passes), column, describe))
    return reasons


def failure_reasons(contract: TableContract, table: pa.Table) -> pa.Array:
    """One reason string per row ('; '-joined failures), null for a row that passes every check."""
    check_schema(contract, table)
    checked = join_reasons(_check_failures(contract, table), table.num_rows)
    problems = _value_problems(contract, table)
    if not problems:
        return checked
    # a value the column's type cannot hold is the row's only reason, as on the DataFrame path (which sets
    # such rows aside before Pandera runs)
    value_reasons = join_reasons(problems, table.num_rows)
    return pc.if_else(pc.is_valid(value_reasons), value_reasons, checked)


def join_reasons(reasons: list, n: int) -> pa.Array:
    """Join per-row reason arrays with '; ', skipping nulls; null where every reason is null.

    (binary_join_element_wise's null_handling="skip" drops the rows where all inputs are null in pyarrow 26,
    so the nulls are handled here.)"""
    joined: pa.Array = pa.nulls(n, pa.string())
    for reason in reasons:
        reason = reason.combine_chunks() if isinstance(reason, pa.ChunkedArray) else reason
        both = pc.binary_join_element_wise(joined, reason, "; ")
        joined = pc.if_else(pc.is_null(joined), reason, pc.if_else(pc.is_null(reason), joined, both))
    return joined
