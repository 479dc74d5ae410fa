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
