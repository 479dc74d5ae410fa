"""The metrics vocabulary (schemas/metrics.yaml): for every metric of the claims, its name, the table a figure
of it feeds and the canonical unit it is converted to there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from caspian_etl.core.resources import read_schema_yaml

INDICATOR_TABLES = ("macro_indicators", "energy_indicators", "corridor_indicators")
REPORTED_TABLES = ("trade_flows", *INDICATOR_TABLES)


@dataclass(frozen=True)
class Metric:
    id: str
    name: str
    description: str
    table: str
    unit: str
    flow: str | None = None
    commodity: str | None = None


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    raw = read_schema_yaml("metrics.yaml")["metrics"]
    return {
        mid: Metric(id=mid, name=spec["name"], description=" ".join(str(spec.get("description", "")).split()),
                    table=spec["table"], unit=spec["unit"], flow=spec.get("flow"),
                    commodity=None if spec.get("commodity") is None else str(spec["commodity"]))
        for mid, spec in raw.items()
    }
