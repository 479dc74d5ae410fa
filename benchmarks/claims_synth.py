"""SYNTHETIC claims registries of any size: every value here is generated, none is a real figure.

The rows reuse the metrics, units, kinds and countries of the shipped registry (so they map into the indicator
tables like real claims) with generated claim ids, periods and values, and a note saying they are synthetic.
Used by benchmarks/bench_claims_scale.py and the scale test.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from caspian_etl.core.resources import default_claims_registry
from caspian_etl.sources.claims import ALL_COLUMNS

COUNTRIES = ("KAZ", "AZE", "GEO", "TUR", "CHN", "UZB", "TKM", "RUS")


def template_rows() -> list[dict[str, str]]:
    with open(default_claims_registry(), encoding="utf-8-sig", newline="") as fh:
        return [row for row in csv.DictReader(fh) if row["metric"]]


def write_registry(path: Path, rows: int, *, seed: int = 7, shape: str = "varied") -> Path:
    """Write a SYNTHETIC registry of `rows` rows to `path` (deterministic for a seed).

    shape "varied": generated periods (1995-2034, a third monthly), countries and values;
    shape "replicated": the shipped rows repeated under new claim ids (many figures for one metric, pair and
    period: the worst case for comparing figures with each other)."""
    rng = random.Random(seed)
    templates = template_rows()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=ALL_COLUMNS)
        writer.writeheader()
        for i in range(rows):
            row = dict(templates[i % len(templates)])
            if shape == "replicated":
                row.update(claim_id=f"synthetic-{i:08d}", note="SYNTHETIC benchmark row (a repeated template)")
                writer.writerow(row)
                continue
            year = 1995 + (i // len(templates)) % 40
            if rng.random() < 0.3:
                period = f"{year}-{rng.randint(1, 12):02d}"
            else:
                period = str(year)
            country = rng.choice(COUNTRIES)
            # a partner only where the template has one (a trade figure names both sides)
            partner = rng.choice([c for c in COUNTRIES if c != country]) if row["partner"] else ""
            row.update(claim_id=f"synthetic-{i:08d}", period=period, value=f"{rng.uniform(0.1, 5000):.3f}",
                       country=country if row["country"] else "", partner=partner,
                       note="SYNTHETIC benchmark row (generated, not a real figure)", source_url="",
                       endnote="")
            writer.writerow(row)
    return path
