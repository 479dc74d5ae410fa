"""Every table in schemas/ and every check: the DataFrame path (Pandera, caspian_etl.contracts.validation) and the
streaming path (Arrow, caspian_etl.contracts.arrow_checks) accept and quarantine the same SYNTHETIC rows, with the
same reason, byte for byte.

For each table a passing row is built from its contract; then, for each check a column or the table declares (and
the checks its types imply: not-nullable, finite floats, representable dates, the named row checks), one row that
violates only that check, plus one row that violates every column check at once (the order of reasons). Each row
is validated alone, so natural-key duplicates (checked across batches by the bulk ingest) never interfere.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from caspian_etl.contracts.arrow_checks import failure_reasons
from caspian_etl.contracts.checks import COLUMN_CHECKS, NULL_TEXT, ROW_CHECKS, TYPE_CHECKS
from caspian_etl.contracts.schema import (
    TYPES,
    ColumnSpec,
    TableContract,
    _parse_contract,
    catalog_keys,
    load_contract,
    table_names,
)
from caspian_etl.contracts.validation import REASON_COLUMN, validate_table
from caspian_etl.core.errors import ContractError

SHA = "c" * 64
# a value that matches each pattern the schemas use (a new pattern fails test_every_pattern_has_an_example)
MATCHING = {
    "^(TOTAL|[0-9]{2,6})$": "010121",
    "^[0-9a-f]{64}$": SHA,
    "^[0-9a-f]{64}(,[0-9a-f]{64})*$": f"{SHA},{SHA}",
    "^[A-Z]{3}$": "KAZ",
    "^[A-Za-z0-9_.]+$": "NY.GDP.MKTP.CD",
    "^[a-z0-9][a-z0-9_.-]*$": "synthetic-claim-1",
    "^https?://": "https://example.org/synthetic",
    "^https?://.+": "https://example.org/synthetic",
}
NOT_MATCHING = "it's not \\ one"  # a quote and a backslash: the reason must quote the value the same way
TYPE_DEFAULTS: dict[str, Any] = {"string": "synthetic", "float64": 1.5, "int64": 3, "bool": True,
                                 "date": dt.date(2023, 1, 1),
                                 "timestamp": dt.datetime(2023, 1, 1, 12, 30, tzinfo=dt.timezone.utc)}


def _bounds(spec: ColumnSpec) -> tuple[float | None, float | None]:
    lo = spec.checks.get("ge", spec.checks.get("gt"))
    hi = spec.checks.get("le", spec.checks.get("lt"))
    return lo, hi


def passing_value(spec: ColumnSpec) -> Any:
    checks = spec.checks
    if "str_matches" in checks:
        return MATCHING[checks["str_matches"]]
    if "isin" in checks:
        return list(checks["isin"])[0]
    if "in_catalog" in checks:
        return sorted(catalog_keys(checks["in_catalog"]))[0]
    lo, hi = _bounds(spec)
    if lo is not None or hi is not None:
        value = lo + 1 if lo is not None else hi - 1  # strictly inside: passes ge/gt and le/lt alike
        if hi is not None and value >= hi:
            value = (lo + hi) / 2
        return int(value) if spec.type == "int64" else float(value)
    if spec.name == "period_end":
        return dt.date(2023, 12, 31)
    if spec.name == "frequency":
        return "A"
    if spec.name == "period":
        return "2023"
    return TYPE_DEFAULTS[spec.type]


def failing_values(spec: ColumnSpec) -> Iterator[tuple[str, Any]]:
    """(case name, value) for each check of the column, each value violating that check only."""
    if not spec.nullable:
        yield "not_nullable", None
    if spec.type == "float64":
        yield "finite+", float("inf")
        yield "finite-", float("-inf")
    if spec.type == "date":
        yield "date_range_high", dt.date(3024, 1, 1)
        yield "date_range_low", dt.date(1650, 6, 30)
    for kind, arg in spec.checks.items():
        if kind == "str_matches":
            assert not re.match(arg, NOT_MATCHING)
            yield kind, NOT_MATCHING
        elif kind == "isin":
            yield kind, "not-a-listed-value"
        elif kind == "in_catalog":
            yield kind, "no_such_key_in_the_catalog"
        elif kind in ("ge", "gt", "le", "lt"):
            outside = {"ge": -1, "gt": 0, "le": 1, "lt": 0}[kind]  # gt/lt fail on the bound itself
            yield kind, arg + outside if spec.type == "int64" else float(arg) + 1.25 * outside
        else:
            raise AssertionError(f"column {spec.name}: no synthetic failing value for check {kind!r}")


def good_row(contract: TableContract) -> dict[str, Any]:
    return {c.name: passing_value(c) for c in contract.columns}


def cases(contract: TableContract) -> Iterator[tuple[str, dict[str, Any]]]:
    good = good_row(contract)
    yield "passes", good
    everything: dict[str, Any] = dict(good)
    for spec in contract.columns:
        for case, value in failing_values(spec):
            yield f"{spec.name}:{case}", {**good, spec.name: value}
            if case in spec.checks:
                everything[spec.name] = value
    yield "every column check at once", everything
    if "period_parsed" in contract.row_checks:
        yield "row:period_parsed", {**good, "frequency": None}
    if "period_order" in contract.row_checks:
        yield "row:period_order", {**good, "period_start": dt.date(2024, 1, 1)}
        yield "row:period_order+frequency", {**good, "period_start": dt.date(2024, 1, 1), "frequency": "not-one"}


def dataframe_reason(contract: TableContract, row: dict[str, Any]) -> str | None:
    result = validate_table(contract, pd.DataFrame([row]))
    assert result.n_valid + result.n_quarantined == 1
    return None if result.n_valid else str(result.quarantined[REASON_COLUMN].iloc[0])


def streaming_reason(contract: TableContract, row: dict[str, Any]) -> str | None:
    schema = contract.arrow_schema()
    # as the bulk ingest builds batches: typed arrays, nulls allowed even where the contract forbids them
    table = pa.Table.from_arrays([pa.array([row[f.name]], type=f.type) for f in schema], schema=schema)
    return failure_reasons(contract, table).to_pylist()[0]


def with_strict_bounds() -> TableContract:
    """claims with gt/lt on a float and an int column: registry checks no schema uses today (synthetic)."""
    claims = load_contract("claims")
    strict = {"precision": {"gt": 0, "lt": 100}, "span_start": {"gt": 0, "lt": 10_000}}
    return replace(claims, name="claims_strict_bounds",
                   columns=tuple(replace(c, checks=strict.get(c.name, c.checks)) for c in claims.columns))


CONTRACTS = {t: load_contract(t) for t in table_names()} | {"claims_strict_bounds": with_strict_bounds()}
ALL_CASES = [(table, name, row) for table, contract in CONTRACTS.items() for name, row in cases(contract)]


@pytest.mark.parametrize(("table", "case", "row"), ALL_CASES, ids=[f"{t}-{c}" for t, c, _ in ALL_CASES])
def test_both_paths_quarantine_alike(table: str, case: str, row: dict[str, Any]) -> None:
    contract = CONTRACTS[table]
    expected = dataframe_reason(contract, row)
    assert (expected is None) == (case == "passes"), expected
    assert streaming_reason(contract, row) == expected


def test_every_pattern_has_an_example() -> None:
    patterns = {c.checks["str_matches"] for t in table_names() for c in load_contract(t).columns
                if "str_matches" in c.checks}
    assert patterns <= set(MATCHING), patterns - set(MATCHING)
    assert all(re.match(p, MATCHING[p]) for p in patterns)


def test_every_table_and_every_registry_check_is_covered() -> None:
    tables = {t for t, _, _ in ALL_CASES}
    assert set(table_names()) < tables and len(tables) >= 10
    kinds = {case.split(":")[1] for _, case, _ in ALL_CASES if ":" in case and not case.startswith("row:")}
    assert set(COLUMN_CHECKS) | {"not_nullable", "finite+", "date_range_high"} <= kinds
    assert {case.split(":")[1] for _, case, _ in ALL_CASES if case.startswith("row:")} >= set(ROW_CHECKS)


def test_every_check_a_schema_declares_is_in_the_registry() -> None:
    for table in table_names():
        contract = load_contract(table)
        for spec in contract.columns:
            assert set(spec.checks) <= set(COLUMN_CHECKS), (table, spec.name, spec.checks)
            assert spec.type in NULL_TEXT and spec.type in TYPES
        assert set(contract.row_checks) <= set(ROW_CHECKS), (table, contract.row_checks)
    assert set(TYPE_CHECKS) <= set(TYPES)


@pytest.mark.parametrize("declared", [{"checks": {"unique_values": True}}, {"row_checks": ["no_such_check"]}])
def test_a_schema_naming_a_check_the_registry_does_not_know_fails_to_load(declared: dict[str, Any]) -> None:
    doc: dict[str, Any] = {"table": "synthetic", "version": 1, "natural_key": ["a"],
                           "columns": [{"name": "a", "type": "string"}]}
    if "checks" in declared:
        doc["columns"][0]["checks"] = declared["checks"]
    else:
        doc["row_checks"] = declared["row_checks"]
    with pytest.raises(ContractError, match="unknown (row )?check"):
        _parse_contract(doc, "synthetic.yaml")
