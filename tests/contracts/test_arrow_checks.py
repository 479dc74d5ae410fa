"""The vectorised contract checks (bulk ingest) flag exactly the rows Pandera flags (synthetic rows)."""

from dataclasses import replace

import pandas as pd
import pyarrow as pa
import pytest

from caspian_etl.contracts.arrow_checks import failure_reasons, join_reasons
from caspian_etl.contracts.schema import ColumnSpec, load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.errors import ContractError

SHA = "b" * 64


def good(**changes):
    row = dict(reporter="KAZ", partner="AZE", flow="X", period="2023", frequency="A", period_start="2023-01-01",
               period_end="2023-12-31", classification="H6", commodity_code="010121", commodity_desc=None,
               value_usd=10.0, net_weight_kg=None, quantity=None, quantity_unit=None, basis="official",
               claim_id=None, source="comtrade", source_url=None, snapshot_sha256=SHA)
    row.update(changes)
    return row


ROWS = [
    good(),
    good(reporter="KZ", commodity_code="0102"),          # not ISO3
    good(partner=None, commodity_code="0103"),           # null in a non-nullable column
    good(flow="DX", commodity_code="0104"),              # not a known flow
    good(commodity_code="1A"),                           # not an HS code
    good(value_usd=-1.0, commodity_code="0105"),         # negative value
    good(net_weight_kg=-5.0, commodity_code="0106"),     # negative weight
    good(frequency=None, commodity_code="0107"),         # period stated but not parsed
    good(period_start="2024-01-01", commodity_code="0108"),  # starts after it ends
    good(basis="estimated", commodity_code="0109"),
    good(snapshot_sha256="xyz", commodity_code="0110"),
    good(value_usd=None, commodity_code="0111"),         # nullable: fine
]


def test_same_rows_fail_as_with_pandera() -> None:
    contract = load_contract("trade_flows")
    frame = pd.DataFrame(ROWS)
    pandera = validate_table(contract, frame.copy())
    pandera_bad = set(pandera.quarantined["commodity_code"])
    typed = frame.astype({"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"})
    plain, schema = pa.Table.from_pandas(typed, preserve_index=False), contract.arrow_schema()
    # as the bulk ingest builds batches: from arrays (a cast to the schema would refuse nulls in required columns)
    table = pa.Table.from_arrays([plain[f.name].cast(f.type) for f in schema], schema=schema)
    reasons = failure_reasons(contract, table).to_pylist()
    arrow_bad = {code for code, reason in zip(frame["commodity_code"], reasons, strict=True) if reason}
    assert arrow_bad == pandera_bad and len(arrow_bad) == 10
    by_code = dict(zip(frame["commodity_code"], reasons, strict=True))
    assert by_code["0102"] == "reporter: str_matches('^[A-Z]{3}$') failed for value 'KZ'"
    # the same words as the DataFrame path (row checks first): tests/contracts/test_check_parity.py
    assert by_code["0103"] == "partner: not_nullable failed for value 'nan'"
    assert by_code["0107"] == ("row check period_parsed: A row that states a period must have had it parsed "
                               "(frequency is filled in by the parser).; "
                               "frequency: not_nullable failed for value 'nan'")
    assert by_code["0108"].startswith("row check period_order")


def test_a_check_the_registry_does_not_know_is_an_error() -> None:
    contract = load_contract("trade_flows")
    odd = replace(contract, columns=tuple(replace(c, checks={"unique_values": True}) if c.name == "flow" else c
                                          for c in contract.columns))
    table = pa.Table.from_pylist([], schema=contract.arrow_schema())
    with pytest.raises(ContractError, match="column flow: unknown check 'unique_values'"):
        failure_reasons(odd, table)
    assert isinstance(odd.column("flow"), ColumnSpec)


def test_join_reasons_keeps_every_row() -> None:
    joined = join_reasons([pa.array(["a", None, None]), pa.array([None, "b", None]), pa.array(["c", "d", None])], 3)
    assert joined.to_pylist() == ["a; c", "b; d", None]


def test_non_finite_floats_fail_in_arrow() -> None:
    from caspian_etl.contracts.curated import to_arrow

    contract = load_contract("trade_flows")
    codes = ["0101", "0102", "0103", "0104"]
    frame = pd.DataFrame([good(commodity_code=c) for c in codes]).astype({"period_start": "datetime64[ns]",
                                                                         "period_end": "datetime64[ns]"})
    batch = to_arrow(contract, frame)
    # NaN kept as NaN (not null), as a CSV reader gives it for the text "nan"
    values = pa.array([10.0, float("inf"), float("nan"), None], type=pa.float64(), from_pandas=False)
    batch = batch.set_column(batch.schema.get_field_index("value_usd"), batch.schema.field("value_usd"), values)
    reasons = failure_reasons(contract, batch).to_pylist()
    assert reasons[0] is None and reasons[3] is None  # a null is a missing value, not a non-finite one
    assert reasons[1] == "value_usd: value 'inf' is not a finite number"
    assert reasons[2] == "value_usd: value 'nan' is not a finite number"  # as the DataFrame path says of "nan" text
