"""What the report shows, as plain frames: the figures of each chart and where they come from.

Everything is read from the curated tables (claims, the official rows of the indicator tables and
trade_flows, claim_checks, targets) through caspian_etl.derived.observations, so the report shows exactly
what a reader of the Parquet files would get. Provenance names, for every chart, the publishers and
caspian-etl sources of the figures drawn and the raw snapshot (id and date) they were parsed from.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from caspian_etl.contracts.curated import read_table
from caspian_etl.core.settings import DataPaths
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.derived.observations import claim_observations, official_observations
from caspian_etl.sources import REGISTRY

DOCUMENT_LABELS = {"policy_paper": "policy paper", "article": "article"}


@dataclass(frozen=True)
class SnapshotRef:
    source: str
    snapshot_id: str
    created_at: str  # ISO UTC


def snapshot_index(paths: DataPaths) -> dict[str, SnapshotRef]:
    """sha256 of every stored raw file -> the snapshot that holds it (the earliest, when several reuse it)."""
    index: dict[str, SnapshotRef] = {}
    sources = sorted(set(REGISTRY) | ({p.name for p in paths.raw.iterdir() if p.is_dir()} if paths.raw.is_dir()
                                      else set()))
    for source in sources:
        for snapshot in SnapshotStore(paths, source).list():
            for sha in snapshot.sha256s:
                index.setdefault(sha, SnapshotRef(source, snapshot.snapshot_id, snapshot.created_at))
    return index


@dataclass
class ReportData:
    observations: pd.DataFrame  # claims and official figures, one shape (see derived.observations.COLUMNS)
    claim_checks: pd.DataFrame
    targets: pd.DataFrame
    snapshots: dict[str, SnapshotRef] = field(default_factory=dict)
    citation_checks: pd.DataFrame = field(default_factory=pd.DataFrame)

    def figures(self, metric: str, *, kind: str = "observation", frequency: str | None = "A",
                pair: set[str] | None = None, country: str | None = None) -> pd.DataFrame:
        """Figures of one metric and kind (annual by default), optionally for one country or unordered pair."""
        obs = self.observations
        rows = obs[(obs["metric"] == metric) & (obs["kind"] == kind)]
        if frequency is not None:
            rows = rows[rows["frequency"] == frequency]
        if pair is not None:
            rows = rows[is_pair(rows, pair)]
        if country is not None:
            rows = rows[rows["country"] == country]
        return rows.assign(year=pd.to_datetime(rows["period_end"]).dt.year).sort_values(["period_end", "ref"])

    def provenance(self, *frames: pd.DataFrame) -> str:
        """'Sources: ...' naming the publishers, caspian-etl sources and snapshots of the rows drawn."""
        rows = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) else None
        if rows is None:
            return "Sources: none (no figures in the curated tables yet)."
        parts = []
        for source, group in rows.groupby("source", sort=True):
            if source in REGISTRY and REGISTRY[source].network:
                who = [REGISTRY[source].producer]
            else:
                who = sorted({_publisher_label(p, d) for p, d in zip(group["publisher"], group["document"],
                                                                   strict=True)})
            shas = sorted({s for joined in group["snapshot_sha256"].dropna() for s in str(joined).split(",")})
            refs = sorted({self.snapshots[s] for s in shas if s in self.snapshots}, key=lambda r: r.snapshot_id)
            when = ", ".join(f"snapshot {r.snapshot_id} ({r.created_at[:10]})" for r in refs) or "snapshot not found"
            parts.append(f"{'; '.join(who)} (caspian-etl source '{source}', {when})")
        return "Sources: " + " | ".join(parts) + "."


def is_pair(frame: pd.DataFrame, pair: set[str]) -> pd.Series:
    """Rows whose country and partner are the two countries of `pair`, in either order."""
    return pd.Series([{c, p} == pair for c, p in zip(frame["country"], frame["partner"], strict=True)],
                     index=frame.index, dtype=bool)


def _publisher_label(publisher: object, document: object) -> str:
    name = "unknown publisher" if publisher is None or pd.isna(publisher) else str(publisher)
    label = DOCUMENT_LABELS.get(str(document))
    return f"{name} {label}" if label else name


def load(paths: DataPaths) -> ReportData:
    claims = read_table(paths, "claims")
    observed, _ = claim_observations(claims)
    official = official_observations(paths)
    frames = [f for f in (observed, official) if len(f)]
    observations = pd.concat(frames, ignore_index=True) if frames else observed
    return ReportData(observations=observations, claim_checks=read_table(paths, "claim_checks"),
                      targets=read_table(paths, "targets"), snapshots=snapshot_index(paths),
                      citation_checks=read_table(paths, "citation_checks"))


def once_per_pair(checks: pd.DataFrame) -> pd.DataFrame:
    """Each pair of claims once (A vs B, not also B vs A); checks against official series all kept."""
    claim_pair = checks["compared_basis"] == "reported"
    return checks[~claim_pair | (checks["claim_id"] < checks["compared_ref"])].copy()


def differing_pairs(checks: pd.DataFrame) -> pd.DataFrame:
    """The claim checks that differ, each pair once, the largest excess beyond rounding first."""
    differ = checks[checks["verdict"] == "differs"]
    if differ.empty:
        return differ.copy()
    differ = once_per_pair(differ)
    return differ.sort_values(["excess_pct", "metric", "period", "claim_id"],
                              ascending=[False, True, True, True], na_position="last")


VERDICT_ORDER = {"differs": 0, "same_origin": 1, "not_comparable": 2, "consistent": 3, "no_independent_data": 4}


def explained_checks(checks: pd.DataFrame) -> pd.DataFrame:
    """Every check that compared two figures (not no_independent_data), each pair once, most severe first."""
    rows = once_per_pair(checks[checks["verdict"] != "no_independent_data"])
    rows["_order"] = rows["verdict"].map(VERDICT_ORDER)
    return rows.sort_values(["_order", "excess_pct", "metric", "period", "claim_id"],
                            ascending=[True, False, True, True, True], na_position="last").drop(columns="_order")


def data_as_of(data: ReportData) -> str:
    """The latest date the data itself carries: the newest publication of a claim and the newest official
    period (never the clock), so the same tables give the same page."""
    obs = data.observations
    published = [d for d in obs["published"].dropna()] if "published" in obs else []
    official = obs[obs["basis"] == "official"]["period_end"].dropna()
    parts = []
    if published:
        parts.append(f"latest claim published {max(published).isoformat()}")
    if len(official):
        parts.append(f"latest official figure for a period ending {max(official).isoformat()}")
    return "; ".join(parts) or "no dated figure yet"
