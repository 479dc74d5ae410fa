"""SYNTHETIC official rows for tests: every number here is made up by the tests, none is a real statistic.

They stand in for the official sources other developers are adding (Comtrade/IMF trade, EIA oil, more World
Bank codes), written through the same contract validation and Parquet writer as a real source's rows.
"""

from __future__ import annotations

import pandas as pd

from caspian_etl.contracts.curated import write_part
from caspian_etl.contracts.periods import parse_period
from caspian_etl.contracts.schema import load_contract
from caspian_etl.contracts.validation import validate_table
from caspian_etl.core.settings import DataPaths

SHA = "5" * 64
URL = "http://127.0.0.1/synthetic"


def _period(code: str) -> dict:
    p = parse_period(code)
    return {"period": p.code, "frequency": p.frequency, "period_start": p.start, "period_end": p.end}


def indicator_row(indicator: str, country: str | None, period: str, value: float, unit: str, *,
                  partner: str | None = None, source: str = "synthetic") -> dict:
    return {"indicator": indicator, "indicator_name": f"synthetic {indicator}", "country": country,
            "partner": partner, **_period(period), "value": value, "unit": unit, "kind": "observation",
            "basis": "official", "claim_id": None, "note": "synthetic test row", "source": source,
            "source_url": URL, "snapshot_sha256": SHA}


def trade_row(reporter: str, partner: str, flow: str, period: str, value_usd: float, *,
              commodity: str = "TOTAL", source: str = "synthetic") -> dict:
    return {"reporter": reporter, "partner": partner, "flow": flow, **_period(period), "classification": "H6",
            "commodity_code": commodity, "commodity_desc": "synthetic", "value_usd": value_usd,
            "net_weight_kg": None, "quantity": None, "quantity_unit": None, "basis": "official", "claim_id": None,
            "source": source, "source_url": URL, "snapshot_sha256": SHA}


def write_rows(paths: DataPaths, table: str, rows: list[dict], source: str = "synthetic") -> None:
    contract = load_contract(table)
    result = validate_table(contract, pd.DataFrame(rows), source=source)
    assert result.n_quarantined == 0, result.quarantined
    write_part(paths, contract, source, result.valid)
