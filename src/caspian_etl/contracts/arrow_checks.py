"""A table contract's checks, applied to Arrow batches with vectorised compute (for streaming ingest).

The same YAML contract that builds the Pandera schema (caspian_etl.contracts.schema) is read here: per column
nullability, finiteness of floats, str_matches, isin, in_catalog, ge/le/gt/lt; the named row checks; the Arrow
types. Pandera on pandas costs seconds per million rows on the slow checks; these run on the batch as it
streams, so a bulk file is validated row by row without becoming one DataFrame. Natural-key uniqueness spans
batches and is left to the caller (see caspian_etl.sources.comtrade.bulk). A contract naming a check this module
does not know is an error, never a check silently skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import pyarrow as pa
import pyarrow.compute as pc

from caspian_etl.contracts.schema import CATALOG_FILES, TableContract, catalog_keys
from caspian_etl.core.errors import ContractError

_COMPARE = {"ge": (pc.greater_equal, "greater_than_or_equal_to"), "le": (pc.less_equal, "less_than_or_equal_to"),
            "gt": (pc.greater, "greater_than"), "lt": (pc.less, "less_than")}


def _period_parsed(table: pa.Table) -> pa.Array:
    has_period = pc.and_(pc.is_valid(table["period"]), pc.greater(pc.utf8_length(table["period"]), 0))
    return pc.or_(pc.invert(has_period), pc.is_valid(table["frequency"]))


def _period_order(table: pa.Table) -> pa.Array:
    start, end = table["period_start"], table["period_end"]
    return pc.or_kleene(pc.or_kleene(pc.is_null(start), pc.is_null(end)), pc.less_equal(start, end))


# Arrow twins of caspian_etl.contracts.schema.ROW_CHECKS (same names, same meaning)
ROW_CHECKS: dict[str, tuple[Callable[[pa.Table], pa.Array], str]] = {
    "period_parsed": (_period_parsed, "row check period_parsed: a stated period must have been parsed"),
    "period_order": (_period_order, "row check period_order: period_start must not fall after period_end"),
}


def _anchored(pattern: str) -> str:
    # Pandera's str_matches is re.match: anchored at the start only
    return pattern if pattern.startswith("^") else f"^(?:{pattern})"


def _matches(column: pa.ChunkedArray | pa.Array, pattern: str) -> pa.Array:
    """Regex on the distinct values only, then broadcast (codes repeat a lot in trade data)."""
    distinct = pc.unique(column)
    if len(distinct) * 4 > len(column):
        return pc.match_substring_regex(column, _anchored(pattern))
    good = distinct.filter(pc.fill_null(pc.match_substring_regex(distinct, _anchored(pattern)), False))
    return pc.is_in(column, value_set=good)


def _column_check(table: pa.Table, name: str, kind: str, arg: object) -> tuple[pa.Array, str]:
    """(passes per row, check name); nulls pass, as in Pandera (nullability is checked on its own)."""
    column = table[name]
    if kind == "str_matches":
        return _matches(column, str(arg)), f"str_matches('{arg}')"
    if kind == "isin":
        values = pa.array(list(arg), type=column.type)  # type: ignore[arg-type]
        return pc.is_in(column, value_set=values), f"isin({list(arg)})"  # type: ignore[arg-type]
    if kind == "in_catalog":
        values = pa.array(sorted(catalog_keys(str(arg))), type=column.type)
        return pc.is_in(column, value_set=values), f"in_catalog_{arg} (a key of schemas/{CATALOG_FILES[str(arg)]})"
    if kind in _COMPARE:
        compare, label = _COMPARE[kind]
        return compare(column, pa.scalar(arg, type=column.type)), f"{label}({arg})"
    raise ContractError(f"column {name}: check {kind!r} has no vectorised form in caspian_etl.contracts.arrow_checks")


def _reason(prefix: str, column: pa.ChunkedArray | pa.Array, failed: pa.Array) -> pa.Array:
    """'<prefix> '<value>'' where `failed`, null elsewhere."""
    text = pc.cast(column, pa.string())
    message = pc.binary_join_element_wise(pa.scalar(prefix + " for value '"), pc.fill_null(text, "None"),
                                          pa.scalar("'"), "")
    return pc.if_else(failed, message, pa.scalar(None, pa.string()))


def check_schema(contract: TableContract, table: pa.Table) -> None:
    """The batch must have the contract's columns, in order, with its Arrow types (a bug otherwise)."""
    expected = contract.arrow_schema()
    got = [(f.name, f.type) for f in table.schema]
    want = [(f.name, f.type) for f in expected]
    if got != want:
        raise ContractError(f"table {contract.name}: batch columns {got} do not match the contract {want}")


def failure_reasons(contract: TableContract, table: pa.Table) -> pa.Array:
    """One reason string per row ('; '-joined failures), null for a row that passes every check."""
    check_schema(contract, table)
    reasons: list[pa.Array] = []
    for spec in contract.columns:
        column = table[spec.name]
        if not spec.nullable and column.null_count:
            reasons.append(pc.if_else(pc.is_null(column), pa.scalar(f"{spec.name}: not_nullable failed"),
                                      pa.scalar(None, pa.string())))
        if pa.types.is_floating(column.type):  # NaN, inf, 1e999: never a measurement (nulls are checked above)
            failed = pc.fill_null(pc.invert(pc.is_finite(column)), False)
            if pc.any(failed).as_py():
                reasons.append(_reason(f"{spec.name}: not a finite number", column, failed))
        for kind, arg in spec.checks.items():
            passes, label = _column_check(table, spec.name, kind, arg)
            failed = pc.and_(pc.invert(pc.fill_null(passes, True)), pc.is_valid(column))
            if pc.any(failed).as_py():
                reasons.append(_reason(f"{spec.name}: {label} failed", column, failed))
    for name in contract.row_checks:
        if name not in ROW_CHECKS:
            raise ContractError(f"table {contract.name}: row check {name!r} has no vectorised form")
        check, message = ROW_CHECKS[name]
        failed = pc.invert(pc.fill_null(check(table), True))
        if pc.any(failed).as_py():
            reasons.append(pc.if_else(failed, pa.scalar(message), pa.scalar(None, pa.string())))
    return join_reasons(reasons, table.num_rows)


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
