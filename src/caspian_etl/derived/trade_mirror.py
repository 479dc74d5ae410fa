"""`trade_mirror`: each side's figures for the same flow side by side (see schemas/trade_mirror.yaml).

Kazakhstan's exports to Azerbaijan should equal Azerbaijan's imports from Kazakhstan; they never do (CIF
against FOB, timing, partner attribution, confidentiality). This table puts the two next to each other per
source, year and commodity, with the gap, each side's turnover and the turnover figures the literature states
for each side (e.g. 529.4M from the Kazakh side against 598.47M from the Azerbaijani side for 2023) and the
turnover target ($1B). Official and reported rows are compared within their source only, never mixed.
"""

from __future__ import annotations

import pandas as pd
import pyarrow.compute as pc

from caspian_etl.contracts.curated import first_rows, read_table
from caspian_etl.contracts.units import convert
from caspian_etl.core.settings import DataPaths

NAME = "trade_mirror"
INPUTS = ("trade_flows", "claims")
KEY = ["source", "exporter", "importer", "period", "commodity_code"]
PERIOD = ["frequency", "period_start", "period_end"]
CLAIMS_SOURCE = "claims"


def _merge(left: pd.DataFrame, right: pd.DataFrame, **kwargs: object) -> pd.DataFrame:
    """DataFrame.merge that also works on empty inputs: an empty Arrow-backed string column has no chunks,
    and pandas cannot join on several such keys ("cannot construct ChunkedArray from empty vector"). Empty
    frames are given plain object columns; empty inputs then give an empty table, not an error."""
    def safe(frame: pd.DataFrame) -> pd.DataFrame:
        return frame.astype(object) if frame.empty else frame
    return safe(left).merge(safe(right), **kwargs)  # type: ignore[arg-type]


def _annual_flows(trade: pd.DataFrame) -> pd.DataFrame:
    """Annual X and M rows between two countries, one per source/reporter/partner/flow/year/commodity."""
    hs_family = trade["classification"].astype("str").str.fullmatch(r"TOTAL|HS|H[0-9]")
    rows = trade[(trade["frequency"] == "A") & trade["flow"].isin(["X", "M"]) & (trade["partner"] != "WLD")
                 & (trade["reporter"] != trade["partner"]) & hs_family & trade["value_usd"].notna()]
    # a reporter-year is classified in one HS version; should two appear, the later version is kept
    rows = rows.sort_values(["classification"], kind="mergesort")
    return rows.drop_duplicates(["source", "reporter", "partner", "flow", "period", "commodity_code"], keep="last")


def _side(flows: pd.DataFrame, flow: str, column: str) -> pd.DataFrame:
    part = flows[flows["flow"] == flow]
    exporter, importer = ("reporter", "partner") if flow == "X" else ("partner", "reporter")
    part = part.rename(columns={exporter: "exporter", importer: "importer", "value_usd": column})
    return part[KEY + PERIOD + ["commodity_desc", column]]


def _turnover(flows: pd.DataFrame) -> pd.DataFrame:
    """Exports plus imports as one reporter states them, where it states both."""
    by = ["source", "reporter", "partner", "period", "commodity_code"]
    wide = flows.pivot_table(index=by, columns="flow", values="value_usd", aggfunc="first")
    for flow in ("X", "M"):
        if flow not in wide.columns:
            wide[flow] = float("nan")
    return (wide["X"] + wide["M"]).rename("turnover").reset_index()


def _claimed(trade: pd.DataFrame) -> pd.DataFrame:
    """Reported annual turnover figures: one row per (reporter, partner, year) side, claims listed."""
    t = trade[(trade["basis"] == "reported") & (trade["flow"] == "T") & (trade["frequency"] == "A")
              & (trade["commodity_code"] == "TOTAL") & trade["value_usd"].notna()]
    rows = []
    for (reporter, partner, period), group in t.groupby(["reporter", "partner", "period"], sort=True):
        group = group.sort_values("claim_id")
        values = group["value_usd"].unique()
        rows.append({"reporter": reporter, "partner": partner, "period": period,
                     "value": values[0] if len(values) == 1 else None,
                     "note": "; ".join(f"{c} ({reporter} side) {v / 1e6:g}M"
                                       for c, v in zip(group["claim_id"], group["value_usd"], strict=False))})
    return pd.DataFrame(rows, columns=["reporter", "partner", "period", "value", "note"])


def _targets(claims: pd.DataFrame) -> pd.DataFrame:
    """Turnover targets with a year, as (pair, year) -> value in USD."""
    t = claims[(claims["metric"] == "trade_turnover") & (claims["kind"] == "target") & (claims["frequency"] == "A")
               & claims["country"].notna() & claims["partner"].notna()]  # a mirror needs both sides
    rows = []
    for _, c in t.sort_values("claim_id").iterrows():
        pair = frozenset((c["country"], c["partner"]))
        rows.append({"pair": pair, "period": c["period"], "value": convert(float(c["value"]), c["unit"], "USD"),
                     "claim_id": c["claim_id"]})
    if not rows:
        return pd.DataFrame(columns=["pair", "period", "value", "claim_id"])
    frame = pd.DataFrame(rows)
    return frame.groupby(["pair", "period"], sort=False).agg(
        value=("value", lambda v: v.iloc[0] if v.nunique() == 1 else None),
        claim_id=("claim_id", lambda ids: "; ".join(ids))).reset_index()


def _claims_only_rows(mirror: pd.DataFrame, claimed: pd.DataFrame, targets: pd.DataFrame,
                      periods: pd.DataFrame) -> pd.DataFrame:
    """TOTAL rows (both directions) for pair-years that only the claims speak about."""
    covered = set(zip(mirror["exporter"], mirror["importer"], mirror["period"], strict=False)) if len(mirror) else set()
    pairs = [frozenset(p) for p in zip(claimed["reporter"], claimed["partner"], strict=True)] + list(targets["pair"])
    years = list(claimed["period"]) + list(targets["period"])
    wanted = {(*sorted(pair), year) for pair, year in zip(pairs, years, strict=True)
              if len(pair) == 2 and all(isinstance(side, str) for side in pair)}
    rows = []
    for a, b, year in sorted(wanted):
        for exporter, importer in ((a, b), (b, a)):
            if (exporter, importer, year) not in covered:
                rows.append({"source": CLAIMS_SOURCE, "exporter": exporter, "importer": importer, "period": year,
                             "commodity_code": "TOTAL"})
    frame = pd.DataFrame(rows, columns=["source", "exporter", "importer", "period", "commodity_code"])
    return _merge(frame, periods, on="period", how="left")


def build_mirror(trade: pd.DataFrame, claims: pd.DataFrame,
                 trade_periods: pd.DataFrame | None = None) -> pd.DataFrame:
    """The mirror rows of `trade` (trade_flows, or at least its annual flows and reported turnovers) and the
    turnover claims and targets of `claims`. `trade_periods`: the first annual row of each period of the whole
    trade_flows table, when `trade` holds only some of its rows (read_table with MIRROR_FILTER)."""
    flows = _annual_flows(trade)
    exports = _side(flows, "X", "exports_usd")
    imports = _side(flows, "M", "imports_usd")
    mirror = _merge(exports, imports, on=KEY, how="outer", suffixes=("", "_m"))
    for column in PERIOD + ["commodity_desc"]:
        mirror[column] = mirror[column].where(mirror[column].notna(), mirror[f"{column}_m"])
    mirror = mirror[KEY + PERIOD + ["commodity_desc", "exports_usd", "imports_usd"]]

    claimed = _claimed(trade)
    targets = _targets(claims)
    periods = pd.concat([trade[["period"] + PERIOD] if trade_periods is None else trade_periods,
                         claims[["period"] + PERIOD]])
    periods = periods[periods["frequency"] == "A"].drop_duplicates("period")
    mirror = pd.concat([mirror, _claims_only_rows(mirror, claimed, targets, periods)], ignore_index=True)

    mirror["gap_usd"] = mirror["imports_usd"] - mirror["exports_usd"]
    mirror["gap_pct"] = (mirror["gap_usd"] / mirror["exports_usd"].where(mirror["exports_usd"] != 0)) * 100
    turnover = _turnover(flows)
    for side, reporter, partner in (("exporter", "exporter", "importer"), ("importer", "importer", "exporter")):
        t = turnover.rename(columns={"reporter": reporter, "partner": partner, "turnover": f"{side}_turnover_usd"})
        mirror = _merge(mirror, t, on=KEY, how="left")

    total = mirror["commodity_code"] == "TOTAL"
    notes = pd.Series([None] * len(mirror), index=mirror.index, dtype="object")
    for side, reporter, partner in (("exporter", "exporter", "importer"), ("importer", "importer", "exporter")):
        c = claimed.rename(columns={"reporter": reporter, "partner": partner, "value": f"claimed_{side}",
                                    "note": f"note_{side}"})
        mirror = _merge(mirror, c, on=[reporter, partner, "period"], how="left")
        mirror[f"claimed_turnover_{side}_side_usd"] = mirror[f"claimed_{side}"].where(total)
        side_note = mirror[f"note_{side}"].where(total)
        notes = notes.combine(side_note, lambda a, b: "; ".join(x for x in (a, b) if isinstance(x, str)) or None)
    mirror["claims_note"] = notes.values
    mirror = mirror.drop(columns=["claimed_exporter", "note_exporter", "claimed_importer", "note_importer"])

    pair = [frozenset(p) for p in zip(mirror["exporter"], mirror["importer"], strict=False)]
    target_of = {(p, y): (v, c) for p, y, v, c in zip(targets["pair"], targets["period"], targets["value"],
                                                       targets["claim_id"], strict=False)}
    found = [target_of.get((p, y), (None, None)) if is_total else (None, None)
             for p, y, is_total in zip(pair, mirror["period"], total, strict=False)]
    mirror["target_turnover_usd"] = [f[0] for f in found]
    mirror["target_claim_id"] = [f[1] for f in found]
    mirror["source"] = mirror["source"].astype("str")
    return mirror


# the rows build_mirror can use, tested at the Parquet scan (build_mirror applies its own tests again): annual
# exports and imports, and the annual TOTAL turnovers the claims report; the columns it reads
MIRROR_FILTER = ((pc.field("frequency") == "A") & pc.field("value_usd").is_valid()
                 & (pc.field("flow").isin(["X", "M"]) | ((pc.field("basis") == "reported") & (pc.field("flow") == "T")
                                                         & (pc.field("commodity_code") == "TOTAL"))))
MIRROR_COLUMNS = ["source", "reporter", "partner", "flow", *PERIOD, "period", "classification", "commodity_code",
                  "commodity_desc", "value_usd", "basis", "claim_id"]


def build(paths: DataPaths) -> pd.DataFrame:
    trade = read_table(paths, "trade_flows", columns=MIRROR_COLUMNS, filter=MIRROR_FILTER)
    periods = first_rows(paths, "trade_flows", "period", PERIOD, filter=pc.field("frequency") == "A")
    return build_mirror(trade, read_table(paths, "claims"), periods)
