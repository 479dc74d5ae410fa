"""Comtrade's names and codes shared by the API source and the bulk reader (a leaf: imports nothing of ours)."""

from __future__ import annotations

NAME = "comtrade"
TABLE = "trade_flows"

# Comtrade quantity unit codes (bulk files give only the code; the API also gives the abbreviation)
QTY_UNITS = {"5": "u", "8": "kg", "7": "l", "12": "m³"}
NO_QUANTITY_UNITS = frozenset({"-1", "1"})  # N/A and "No Quantity"


def quantity_unit(code: object) -> str | None:
    """The unit of a Comtrade qtyUnitCode: its abbreviation where known, else the code itself (never a guess)."""
    text = str(code).strip()
    if not text or text in NO_QUANTITY_UNITS:
        return None
    return QTY_UNITS.get(text, f"qtyUnitCode {text}")


# the value each breakdown dimension has on a total row; any other value breaks the total down (by second
# partner, mode of transport or customs procedure), and trade_flows keeps totals only
TOTALS = {"partner2Code": ("", "0"), "motCode": ("", "0"), "customsCode": ("", "C00")}


def is_total(dimension: str, value: object) -> bool:
    """Whether a breakdown dimension's value (JSON number or text) marks a total row."""
    return value is None or str(value).strip() in TOTALS[dimension]


def period_text(period: object) -> str:
    """A Comtrade period (2023, 202303) as the project writes periods (2023, 2023-03); anything else as it is."""
    text = str(period).strip()
    return f"{text[:4]}-{text[4:]}" if len(text) == 6 and text.isdigit() else text
