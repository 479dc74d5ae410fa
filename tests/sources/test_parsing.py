"""The row helpers every parser of an official answer shares (caspian_etl.sources.parsing)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import REASON_COLUMN
from caspian_etl.sources.parsing import finish_row, official_row, rows_of_entries


@dataclass
class Entry:
    name: str
    url: str = "https://example.invalid/a"
    sha256: str = "0" * 64


KEYS = {
    "trade_flows": ({"reporter": "KAZ", "partner": "AZE", "flow": "X"},
                    {"classification": "HS", "commodity_code": "27", "commodity_desc": "fuels", "value_usd": 1.0,
                     "net_weight_kg": None, "quantity": None, "quantity_unit": None}, {}),
    "energy_indicators": ({"indicator": "X.Y", "indicator_name": "x", "country": "KAZ", "partner": None},
                          {"value": 1.0, "unit": "kb/d", "kind": "observation"}, {"note": None}),
}


@pytest.mark.parametrize("table", sorted(KEYS))
def test_an_official_row_has_the_contract_columns_in_contract_order(table: str) -> None:
    keys, measures, notes = KEYS[table]
    row = official_row("src", Entry("a.json"), keys, measures, **notes)
    finish_row(row, "2023", field="year", reasons=[], prefix="a.json")
    assert list(row) == load_contract(table).column_names + [REASON_COLUMN]
    assert (row["basis"], row["claim_id"], row["source"], row["period"], row["frequency"]) == (
        "official", None, "src", "2023", "A")
    assert row[REASON_COLUMN] is None


def test_finish_row_names_the_file_and_every_problem() -> None:
    row = official_row("src", Entry("a.json"), {"indicator": "X"}, {"value": None})
    finish_row(row, "20x3", field="date", reasons=["value 'n/a' is not a number"], prefix="a.json")
    assert row[REASON_COLUMN].startswith("a.json: value 'n/a' is not a number; a.json: date: ")
    assert row["period"] is None


def test_rows_of_entries_keeps_the_snapshot_order() -> None:
    class Snap:
        entries = (Entry("b"), Entry("a"))

        @staticmethod
        def read(name: str) -> bytes:
            return {"a": b"1,2", "b": b"3"}[name]

    rows = rows_of_entries(Snap, lambda body, e: body.decode().split(","),  # type: ignore[arg-type]
                           lambda value, e: {"file": e.name, "value": value})
    assert rows == [{"file": "b", "value": "3"}, {"file": "a", "value": "1"}, {"file": "a", "value": "2"}]
