"""The metrics vocabulary (schemas/metrics.yaml): for every metric of the claims, its name, the table a figure
of it feeds and the canonical unit it is converted to there."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import yaml

from caspian_etl.core.resources import schemas_dir

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
    raw = yaml.safe_load((schemas_dir() / "metrics.yaml").read_text(encoding="utf-8"))["metrics"]
    return {
        mid: Metric(id=mid, name=spec["name"], description=" ".join(str(spec.get("description", "")).split()),
                    table=spec["table"], unit=spec["unit"], flow=spec.get("flow"),
                    commodity=None if spec.get("commodity") is None else str(spec["commodity"]))
        for mid, spec in raw.items()
    }
