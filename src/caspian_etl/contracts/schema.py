"""Table contracts: `schemas/<table>.yaml` is the single source of truth, read here at run time.

From one YAML file this module builds the Pandera schema that validates the table and the Arrow schema
(with column descriptions and units as field metadata) that writes it, so validation and output cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
import pyarrow as pyarrow_lib

from caspian_etl.contracts.checks import CATALOG_FILES, COLUMN_CHECKS, ROW_CHECKS, catalog_keys
from caspian_etl.core.errors import ContractError
from caspian_etl.core.resources import load_yaml, schemas_dir

if TYPE_CHECKING:
    import pandera.pandas as pa

__all__ = ["CATALOG_FILES", "TYPES", "ColumnSpec", "TableContract", "catalog_keys", "load_contract", "table_names"]

# type name in YAML -> (pandas dtype Pandera coerces to, Arrow type written to Parquet)
TYPES: dict[str, tuple[str, pyarrow_lib.DataType]] = {
    "string": ("str", pyarrow_lib.string()),
    "float64": ("float64", pyarrow_lib.float64()),
    "int64": ("Int64", pyarrow_lib.int64()),
    "bool": ("boolean", pyarrow_lib.bool_()),
    "date": ("datetime64[ns]", pyarrow_lib.date32()),
    # UTC with microseconds: what DuckDB reads as TIMESTAMPTZ and Polars as Datetime(us, UTC)
    "timestamp": ("datetime64[ns, UTC]", pyarrow_lib.timestamp("us", tz="UTC")),
}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    nullable: bool
    description: str
    unit: str | None
    checks: dict[str, Any]


@dataclass(frozen=True)
class TableContract:
    name: str
    version: int
    title: str
    description: str
    natural_key: tuple[str, ...]
    columns: tuple[ColumnSpec, ...]
    row_checks: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def pandera_schema(self) -> pa.DataFrameSchema:
        # Pandera (with pydantic and typeguard: about 0.3 s to import) loads with the first DataFrame validation;
        # a bulk ingest validates with the Arrow checks and starts streaming without it
        import pandera.pandas as pa

        from caspian_etl.contracts.pandera_checks import pandera_column_checks, pandera_row_check

        columns = {
            c.name: pa.Column(TYPES[c.type][0], checks=pandera_column_checks(c.name, c.type, c.checks),
                              nullable=c.nullable, coerce=True, description=c.description, title=c.name)
            for c in self.columns
        }
        row_checks = [pandera_row_check(ROW_CHECKS[name]) for name in self.row_checks]
        return pa.DataFrameSchema(
            columns,
            checks=row_checks,
            strict=True,
            unique=list(self.natural_key),
            # a duplicate keeps its first row; only the later copies are quarantined
            report_duplicates="exclude_first",
            name=self.name,
        )

    def arrow_schema(self, extra_metadata: dict[str, str] | None = None) -> pyarrow_lib.Schema:
        fields = []
        for c in self.columns:
            meta = {"description": c.description}
            if c.unit:
                meta["unit"] = c.unit
            fields.append(pyarrow_lib.field(c.name, TYPES[c.type][1], nullable=c.nullable, metadata=meta))
        metadata = {
            "caspian_etl.table": self.name,
            "caspian_etl.schema_version": str(self.version),
            "caspian_etl.title": self.title,
            "caspian_etl.description": self.description,
            "caspian_etl.natural_key": ",".join(self.natural_key),
        }
        metadata.update(extra_metadata or {})
        return pyarrow_lib.schema(fields, metadata=metadata)

    def empty_frame(self) -> pd.DataFrame:
        """A zero-row frame with this table's columns (a source with nothing for the table writes this)."""
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in self.column_names})


def _parse_contract(doc: dict[str, Any], origin: str) -> TableContract:
    try:
        columns = tuple(
            ColumnSpec(
                name=c["name"], type=c["type"], nullable=bool(c.get("nullable", False)),
                description=c.get("description", ""), unit=c.get("unit"), checks=dict(c.get("checks") or {}),
            )
            for c in doc["columns"]
        )
        contract = TableContract(
            name=doc["table"], version=int(doc["version"]), title=doc.get("title", doc["table"]),
            description=" ".join(str(doc.get("description", "")).split()),
            natural_key=tuple(doc.get("natural_key", [])), columns=columns,
            row_checks=tuple(doc.get("row_checks", [])),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ContractError(f"schema file {origin} is malformed: {exc!r}") from exc
    names = contract.column_names
    problems = [f"column {c.name}: unknown type {c.type!r}" for c in columns if c.type not in TYPES]
    problems += [f"natural key column {k!r} is not a column" for k in contract.natural_key if k not in names]
    problems += [f"unknown row check {r!r}" for r in contract.row_checks if r not in ROW_CHECKS]
    problems += [f"column {c.name}: unknown check {k!r}" for c in columns for k in c.checks if k not in COLUMN_CHECKS]
    if len(set(names)) != len(names):
        problems.append("duplicate column names")
    if problems:
        raise ContractError(f"schema file {origin}: " + "; ".join(problems))
    return contract


@lru_cache(maxsize=None)
def load_contract(table: str) -> TableContract:
    path = schemas_dir() / f"{table}.yaml"
    if not path.exists():
        raise ContractError(f"no contract for table {table!r} (expected {path})")
    return _parse_contract(load_yaml(path.read_text(encoding="utf-8")), str(path))


def table_names() -> list[str]:
    """Every table that has a contract in schemas/ (vocabulary files excluded)."""
    vocab = set(CATALOG_FILES.values()) | {"crude_conversion.yaml", "official_equivalents.yaml"}  # not contracts
    return sorted(p.stem for p in schemas_dir().glob("*.yaml") if p.name not in vocab)


def contract_files(tables: tuple[str, ...]) -> list[Path]:
    """The schema files a table's contents depend on: its contract and the units and metrics vocabularies."""
    names = [f"{t}.yaml" for t in tables] + ["units.yaml", "metrics.yaml"]
    return [schemas_dir() / n for n in names if (schemas_dir() / n).exists()]
