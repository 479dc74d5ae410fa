from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml

from caspian_etl.contracts.metrics import INDICATOR_TABLES, metrics
from caspian_etl.contracts.schema import _parse_contract, catalog_keys, load_contract, table_names
from caspian_etl.contracts.units import get_unit
from caspian_etl.core.errors import ContractError
from caspian_etl.core.resources import schemas_dir

REQUIRED_TABLES = {"claims", "macro_indicators", "trade_flows", "energy_indicators", "corridor_indicators"}
LINEAGE = {"source", "snapshot_sha256"}


def test_schemas_dir_is_the_repository_folder() -> None:
    # an editable install reads the contracts from the repository, so an edit takes effect at once
    assert schemas_dir() == Path(__file__).resolve().parents[2] / "schemas"


def test_every_required_table_has_a_contract() -> None:
    assert REQUIRED_TABLES <= set(table_names())


@pytest.mark.parametrize("table", sorted(REQUIRED_TABLES))
def test_contract_builds_both_schemas(table: str) -> None:
    c = load_contract(table)
    assert c.natural_key and set(c.natural_key) <= set(c.column_names)
    assert LINEAGE <= set(c.column_names)
    assert all(col.description for col in c.columns), "every column needs a description"
    arrow = c.arrow_schema()
    assert arrow.names == c.column_names
    assert arrow.metadata[b"caspian_etl.table"] == table.encode()
    assert set(c.pandera_schema().columns) == set(c.column_names)


def test_indicator_tables_share_one_long_format() -> None:
    shapes = {t: [(col.name, col.type, col.nullable, tuple(sorted(col.checks.items(), key=str)))
                  for col in load_contract(t).columns] for t in INDICATOR_TABLES}
    first = shapes[INDICATOR_TABLES[0]]
    assert all(shape == first for shape in shapes.values())


def test_types_readers_get() -> None:
    arrow = load_contract("trade_flows").arrow_schema()
    assert arrow.field("period_start").type == pa.date32()
    assert arrow.field("commodity_code").type == pa.string()  # HS 0101 keeps its leading zero
    assert arrow.field("value_usd").metadata[b"unit"] == b"USD"


def test_metrics_catalog_is_consistent() -> None:
    allowed_tables = {"claims", "trade_flows", *INDICATOR_TABLES}
    for m in metrics().values():
        assert m.table in allowed_tables, m.id
        get_unit(m.unit)  # raises for an unknown unit
        if m.table == "trade_flows":
            assert m.flow in {"X", "M", "T"} and m.commodity, m.id


def test_catalogs_are_loaded_from_yaml() -> None:
    assert "Mt" in catalog_keys("units") and "trade_turnover" in catalog_keys("metrics")


@pytest.mark.parametrize(
    "mutation, message",
    [
        (lambda d: d["columns"][0].update(type="text"), "unknown type 'text'"),
        (lambda d: d.update(natural_key=["nope"]), "natural key column 'nope'"),
        (lambda d: d.update(row_checks=["imaginary"]), "unknown row check 'imaginary'"),
        (lambda d: d.pop("columns"), "malformed"),
    ],
)
def test_malformed_contract_is_a_clear_error(mutation, message: str) -> None:
    doc = yaml.safe_load((schemas_dir() / "claims.yaml").read_text())
    mutation(doc)
    with pytest.raises(ContractError, match=message):
        _parse_contract(doc, "claims.yaml (mutated)")


def test_empty_frame_validates() -> None:
    from caspian_etl.contracts.validation import validate_table

    c = load_contract("macro_indicators")
    result = validate_table(c, c.empty_frame())
    assert result.n_valid == 0 and result.n_quarantined == 0
    assert list(result.valid.columns) == c.column_names
    assert isinstance(result.valid, pd.DataFrame)
