import pandas as pd
import pyarrow as pa
import pytest

from caspian_etl.contracts.schema import load_contract, table_names
from caspian_etl.contracts.validation import REASON_COLUMN, validate_table
from caspian_etl.core.errors import ContractError

SHA = "0" * 64


def row(**overrides: object) -> dict:
    base = dict(indicator="middle_corridor_cargo", indicator_name="Middle Corridor cargo", country=None,
                partner=None, period="2024", frequency="A", period_start="2024-01-01", period_end="2024-12-31",
                value=1.0, unit="Mt", kind="observation", basis="reported", claim_id="c1", note=None,
                source="test", source_url="https://example.org/a", snapshot_sha256=SHA)
    base.update(overrides)
    return base


CONTRACT = load_contract("corridor_indicators")


def test_valid_rows_are_coerced_to_contract_types() -> None:
    result = validate_table(CONTRACT, pd.DataFrame([row(value="2.5")]))
    assert result.n_quarantined == 0
    assert result.valid.loc[0, "value"] == 2.5
    assert str(result.valid["period_start"].dtype).startswith("datetime64")


@pytest.mark.parametrize(
    "bad, reason",
    [
        (dict(value="abc"), "value: coerce_dtype('float64') failed for value 'abc'"),
        (dict(country="kaz"), "country: str_matches"),
        (dict(unit="furlongs"), "unit: not a key of schemas/units.yaml failed for value 'furlongs'"),
        (dict(kind="target"), "kind: isin"),
        (dict(snapshot_sha256="xyz"), "snapshot_sha256: str_matches"),
        (dict(frequency=None), "period_parsed"),
        (dict(period_start="2024-12-31", period_end="2024-01-01"), "period_order"),
        (dict(source=None), "source: not_nullable"),
    ],
)
def test_bad_row_is_quarantined_with_its_reason(bad: dict, reason: str) -> None:
    frame = pd.DataFrame([row(claim_id="good"), row(claim_id="bad", **bad)])
    result = validate_table(CONTRACT, frame)
    assert result.valid["claim_id"].tolist() == ["good"]
    assert result.quarantined["claim_id"].tolist() == ["bad"]
    assert reason in result.quarantined.loc[0, REASON_COLUMN]


def test_duplicate_natural_key_keeps_the_first_row() -> None:
    frame = pd.DataFrame([row(value=1.0), row(value=2.0), row(claim_id="other")])
    result = validate_table(CONTRACT, frame)
    assert sorted(result.valid["value"]) == [1.0, 1.0]
    assert result.quarantined["value"].tolist() == [2.0]
    assert "duplicate natural key" in result.quarantined.loc[0, REASON_COLUMN]


def test_parser_flagged_rows_go_straight_to_quarantine() -> None:
    frame = pd.DataFrame([dict(row(), **{REASON_COLUMN: None}),
                          dict(row(claim_id="x"), **{REASON_COLUMN: "unit does not convert"})])
    result = validate_table(CONTRACT, frame)
    assert result.n_valid == 1
    assert result.quarantined[REASON_COLUMN].tolist() == ["unit does not convert"]


def test_nothing_is_lost() -> None:
    frame = pd.DataFrame([row(claim_id=f"c{i}", value=("bad" if i % 3 == 0 else i)) for i in range(30)])
    result = validate_table(CONTRACT, frame)
    assert result.n_valid + result.n_quarantined == 30
    assert result.n_quarantined == 10


def test_missing_column_fails_the_whole_table_naming_it() -> None:
    frame = pd.DataFrame([row()]).drop(columns=["unit"])
    with pytest.raises(ContractError, match=r"missing \['unit'\]"):
        validate_table(CONTRACT, frame, source="test")


@pytest.mark.parametrize("value", ["inf", "-inf", "1e999", "-1E999", "nan", " NaN ", "Infinity", float("inf")])
def test_non_finite_numbers_are_quarantined_with_the_reason(value) -> None:
    result = validate_table(CONTRACT, pd.DataFrame([row(value=value), row(value="2.5", claim_id="c2")]))
    assert result.n_valid == 1 and result.n_quarantined == 1
    assert "is not a finite number" in result.quarantined.loc[0, REASON_COLUMN]


def test_a_missing_value_is_not_a_non_finite_one() -> None:
    result = validate_table(CONTRACT, pd.DataFrame([row(value=None)]))
    assert result.n_valid == 1


@pytest.mark.parametrize("start, end", [("3024-01-01", "3024-12-31"), ("1650-01-01", "1650-12-31")])
def test_a_date_outside_the_representable_range_is_one_quarantined_row(start, end) -> None:
    import datetime as dt

    frame = pd.DataFrame([row(period_start=dt.date.fromisoformat(start), period_end=dt.date.fromisoformat(end)),
                          row(claim_id="c2")])
    result = validate_table(CONTRACT, frame)
    assert result.n_valid == 1 and result.n_quarantined == 1
    assert "outside the representable date range" in result.quarantined.loc[0, REASON_COLUMN]


def test_the_pandera_schema_itself_rejects_infinity() -> None:
    import pandera.pandas as pa

    with pytest.raises(pa.errors.SchemaError, match="finite"):
        CONTRACT.pandera_schema().validate(pd.DataFrame([row(value=float("inf"))]))


@pytest.mark.parametrize("table", table_names())
def test_an_empty_table_gets_the_frame_pandera_would_make_of_it(table) -> None:
    """The shortcut for tables with no row gives what Pandera gives: same columns, dtypes and Arrow table."""
    contract = load_contract(table)
    by_pandera = contract.pandera_schema().validate(contract.empty_frame())
    typed = pd.DataFrame({c: pd.Series([], dtype=str(t)) for c, t in by_pandera.dtypes.items()})
    for frame in (contract.empty_frame(), typed):
        result = validate_table(contract, frame)
        assert list(result.valid.columns) == contract.column_names
        assert result.valid.dtypes.to_dict() == by_pandera.dtypes.to_dict()
        assert result.n_quarantined == 0
    assert pa.Table.from_pandas(result.valid, preserve_index=False).equals(
        pa.Table.from_pandas(by_pandera.reset_index(drop=True), preserve_index=False))


def test_rows_that_all_fail_leave_an_empty_typed_table() -> None:
    frame = pd.DataFrame([row(value="not a number"), row(period_start="not a date")])
    result = validate_table(CONTRACT, frame)
    assert result.n_valid == 0 and result.n_quarantined == 2
    by_pandera = CONTRACT.pandera_schema().validate(CONTRACT.empty_frame())
    assert result.valid.dtypes.to_dict() == by_pandera.dtypes.to_dict()
