"""The one registry of checks a contract in schemas/ can declare, each written once, vectorised over Arrow.

A check is declared once here: its YAML name, the label a quarantine reason gives it, and how it is evaluated
(pyarrow.compute over a column or a table). Both validators are generated from this registry and call these
same functions: the Pandera schema of the DataFrame path (caspian_etl.contracts.schema wraps each one in a
`pandera.Check`) and the streaming validator of the bulk ingest (caspian_etl.contracts.arrow_checks). The reason
texts are built here too, so a row fails with the same words on either path.

Besides the checks a column declares under `checks:`, a column's type implies some (`TYPE_CHECKS`: a float
must be finite, a date must fit pandas' nanosecond range) and its nullability one (`not_nullable`).
Table-wide checks that span columns are `ROW_CHECKS`, named under `row_checks:`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from caspian_etl.contracts.metrics import metrics
from caspian_etl.contracts.units import units
from caspian_etl.core.errors import ContractError

Column = pa.Array | pa.ChunkedArray
CATALOG_FILES = {"units": "units.yaml", "metrics": "metrics.yaml"}


@lru_cache(maxsize=None)
def catalog_keys(catalog: str) -> frozenset[str]:
    """Keys of a vocabulary file in schemas/ (units.yaml -> `units:`, metrics.yaml -> `metrics:`)."""
    readers = {"units": units, "metrics": metrics}  # the files are read once, by the modules that own them
    if catalog not in readers:
        raise ContractError(f"unknown catalog {catalog!r}; known: {sorted(CATALOG_FILES)}")
    return frozenset(readers[catalog]())


# ---------------------------------------------------------------- column checks declared in YAML

def _anchored(pattern: str) -> str:
    # Pandera's str_matches is re.match: anchored at the start only
    return pattern if pattern.startswith("^") else f"^(?:{pattern})"


def _matches(column: Column, pattern: str) -> Column:
    """Regex on the distinct values only, then broadcast (codes repeat a lot in trade data): one hashing pass
    gives both the distinct values and each row's position among them."""
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    encoded = column if pa.types.is_dictionary(column.type) else pc.dictionary_encode(column)
    if len(encoded.dictionary) * 4 > len(column) and encoded is not column:
        return pc.match_substring_regex(column, _anchored(pattern))
    return pc.match_substring_regex(encoded.dictionary, _anchored(pattern)).take(encoded.indices)


def _isin(column: Column, values: list[Any]) -> Column:
    return pc.is_in(column, value_set=pa.array(list(values), type=column.type))


def _in_catalog(column: Column, catalog: str) -> Column:
    return pc.is_in(column, value_set=pa.array(sorted(catalog_keys(catalog)), type=column.type))


def _compare(function: Callable[[Column, pa.Scalar], Column]) -> Callable[[Column, Any], Column]:
    return lambda column, bound: function(column, pa.scalar(bound, type=column.type))


@dataclass(frozen=True)
class ColumnCheck:
    kind: str  # its key under a column's `checks:` in schemas/*.yaml
    label: Callable[[Any], str]  # its name in a reason (for the built-ins, the name Pandera gives them)
    passes: Callable[[Column, Any], Column]  # true where the value passes; null (not judged) where it is null
    describe: Callable[[Any], str]  # what it asks, in the data dictionary (docs/CATALOG.md)


def _one_of(values: list[Any]) -> str:
    return "one of " + ", ".join(f"`{v}`" for v in values)


COLUMN_CHECKS: dict[str, ColumnCheck] = {c.kind: c for c in (
    ColumnCheck("str_matches", lambda arg: f"str_matches('{arg}')", _matches, lambda arg: f"matches `{arg}`"),
    ColumnCheck("isin", lambda arg: f"isin({list(arg)})", _isin, _one_of),
    ColumnCheck("in_catalog", lambda arg: f"not a key of schemas/{CATALOG_FILES[arg]}", _in_catalog,
                lambda arg: f"a key of schemas/{CATALOG_FILES[str(arg)]}"),
    ColumnCheck("ge", lambda arg: f"greater_than_or_equal_to({arg})", _compare(pc.greater_equal), lambda a: f"≥ {a}"),
    ColumnCheck("le", lambda arg: f"less_than_or_equal_to({arg})", _compare(pc.less_equal), lambda a: f"≤ {a}"),
    ColumnCheck("gt", lambda arg: f"greater_than({arg})", _compare(pc.greater), lambda a: f"> {a}"),
    ColumnCheck("lt", lambda arg: f"less_than({arg})", _compare(pc.less), lambda a: f"< {a}"),
)}


def column_check(kind: str, column_name: str) -> ColumnCheck:
    try:
        return COLUMN_CHECKS[kind]
    except KeyError:
        raise ContractError(f"column {column_name}: unknown check {kind!r} "
                            f"(known: {sorted(COLUMN_CHECKS)}; see caspian_etl.contracts.checks)") from None


# ---------------------------------------------------------------- checks implied by a column's type

def _finite(column: Column) -> Column:
    return pc.is_finite(column)


# pandas' datetime64[ns] holds 1677-09-21 00:12:43 .. 2262-04-11 23:47:16 (whole days 1677-09-22..2262-04-11)
_NS_BOUNDS_US = (-9223372036854775, 9223372036854775)  # Timestamp.min/max in whole microseconds
_NS_BOUNDS_DAYS = (dt.date(1677, 9, 22), dt.date(2262, 4, 11))


def _representable(column: Column) -> Column:
    if pa.types.is_date32(column.type):
        values, (low, high) = column, (pa.scalar(d, pa.date32()) for d in _NS_BOUNDS_DAYS)
    else:  # safe=False: nanoseconds truncated to microseconds cannot move a value across the bounds
        values = pc.cast(column, pa.timestamp("us", tz=getattr(column.type, "tz", None)), safe=False).cast(pa.int64())
        low, high = (pa.scalar(b, pa.int64()) for b in _NS_BOUNDS_US)
    extremes = pc.min_max(values)  # one cheap pass: nearly every batch lies well inside the range
    smallest, largest = extremes["min"].as_py(), extremes["max"].as_py()
    if smallest is None or (smallest >= low.as_py() and largest <= high.as_py()):
        return pa.nulls(len(values), pa.bool_())  # nothing out of range (null: not judged)
    return pc.and_(pc.greater_equal(values, low), pc.less_equal(values, high))


@dataclass(frozen=True)
class TypeCheck:
    name: str
    why: str  # "<column>: value '<value>' is <why>"
    passes: Callable[[Column], Column]


_IN_DATE_RANGE = TypeCheck("representable_date", "outside the representable date range 1677-09-22..2262-04-11",
                           _representable)
TYPE_CHECKS: dict[str, TypeCheck] = {
    "float64": TypeCheck("finite", "not a finite number", _finite),  # inf, 1e999, NaN: never a measurement
    "date": _IN_DATE_RANGE,
    "timestamp": _IN_DATE_RANGE,
}

# how a missing value reads in a not_nullable reason: as pandas shows the null of the column's coerced dtype
NULL_TEXT = {"string": "nan", "float64": "nan", "int64": "<NA>", "bool": "<NA>", "date": "NaT", "timestamp": "NaT"}
NOT_NULLABLE = "not_nullable"


# ---------------------------------------------------------------- row checks across columns

def _period_parsed(table: pa.Table) -> Column:
    has_period = pc.and_(pc.is_valid(table["period"]), pc.greater(pc.utf8_length(table["period"]), 0))
    return pc.or_(pc.invert(has_period), pc.is_valid(table["frequency"]))


def _period_order(table: pa.Table) -> Column:
    start, end = table["period_start"], table["period_end"]
    return pc.or_kleene(pc.or_kleene(pc.is_null(start), pc.is_null(end)), pc.less_equal(start, end))


@dataclass(frozen=True)
class RowCheck:
    name: str
    reason: str  # the whole reason a failing row gets
    columns: tuple[str, ...]  # the columns it reads
    passes: Callable[[pa.Table], Column]


ROW_CHECKS: dict[str, RowCheck] = {c.name: c for c in (
    RowCheck("period_parsed", "row check period_parsed: A row that states a period must have had it parsed "
             "(frequency is filled in by the parser).", ("period", "frequency"), _period_parsed),
    RowCheck("period_order", "row check period_order: period_start must not fall after period_end.",
             ("period_start", "period_end"), _period_order),
)}


# ---------------------------------------------------------------- reasons

def check_failed(column: str, label: str, value: object) -> str:
    """The reason of a failed column check, e.g. "flow: isin(['X', 'M']) failed for value 'Q'"."""
    text = str(value)
    if len(text) > 80:
        text = text[:77] + "..."
    return f"{column}: {label} failed for value {text!r}"


def value_problem(column: str, value: object, why: str) -> str:
    """The reason of a failed type check, e.g. "value_usd: value 'inf' is not a finite number"."""
    return f"{column}: value {str(value)[:40]!r} is {why}"


def column_passes(check: ColumnCheck, column: Column, arg: Any) -> Column:
    """check.passes, null where the value is null: a missing value is judged by not_nullable alone."""
    passes = check.passes(column, arg)
    return passes if not column.null_count else pc.if_else(pc.is_valid(column), passes, pa.scalar(None, pa.bool_()))


def any_failed(passes: Column) -> bool:
    """Whether any row failed: one reduction, cheaper than building the mask when (as usual) none did."""
    return pc.all(passes).as_py() is False


def failed_mask(passes: Column) -> pa.Array:
    """True where a check failed; a null result (the value was null) is not a failure."""
    mask = pc.invert(pc.fill_null(passes, True))
    return mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask


def reasons_where(failed: pa.Array, column: Column, describe: Callable[[object], str]) -> pa.Array:
    """describe(value) where `failed`, null elsewhere; each distinct failing value is described once."""
    values = column.filter(failed)
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    distinct = pc.unique(values)
    texts = pa.array([describe(v) for v in distinct.to_pylist()], pa.string())
    return pc.replace_with_mask(pa.nulls(len(failed), pa.string()), failed,
                                texts.take(pc.index_in(values, value_set=distinct)))
