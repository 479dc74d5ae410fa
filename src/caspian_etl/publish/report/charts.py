"""The report's charts, drawn with matplotlib (Agg: no display, no pyplot global state) into PNG bytes.

Each function takes the report data and returns a Chart: the PNG and the caption naming sources and
snapshots, which is also printed inside the image so a PNG copied onto a slide keeps its sources.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, NullFormatter

from caspian_etl.publish.report.data import ReportData, differing_pairs, is_pair

DPI = 100
WIDTH_IN = 9.6
COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f"]
KZ_AZ = {"KAZ", "AZE"}


@dataclass(frozen=True)
class Chart:
    slug: str  # file name stem of the PNG
    title: str
    caption: str  # sources and snapshots
    png: bytes
    alt: str  # what the chart shows, in words (the img alt text)
    data: pd.DataFrame | None = None  # the figures drawn, written beside the PNG as <slug>.csv


CSV_COLUMNS = ["metric", "kind", "country", "partner", "period", "value", "unit", "stated_value", "stated_unit",
               "bound", "basis", "source", "ref", "publisher", "published", "origin", "conversion", "source_url"]


def chart_data(*frames: pd.DataFrame) -> pd.DataFrame:
    """The observation rows a chart draws, in a stable order and the columns a reader needs."""
    rows = [f for f in frames if f is not None and len(f)]
    if not rows:
        return pd.DataFrame(columns=CSV_COLUMNS)
    frame = pd.concat(rows, ignore_index=True)
    frame = frame[[c for c in CSV_COLUMNS if c in frame.columns]].drop_duplicates()
    return frame.sort_values(["metric", "kind", "period", "basis", "ref"], na_position="first").reset_index(drop=True)


def fmt(value: float, unit: str) -> str:
    """A value as people read it: USD in millions, others with their unit."""
    if unit == "year":
        return f"{value:.0f}"
    if unit == "USD":
        return f"{value / 1e6:,.6g}M USD" if abs(value) < 1e9 else f"{value / 1e9:,.6g}B USD"
    return f"{value:,.4f}".rstrip("0").rstrip(".") + f" {unit}"


def _name(value: object) -> str:
    return "unknown" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _representative(rows: pd.DataFrame) -> pd.DataFrame:
    """One figure per year and series: official first, then the most recently published, then the id."""
    ranked = rows.assign(_official=rows["basis"] != "official",
                         _published=rows["published"].map(lambda d: d.toordinal() if hasattr(d, "toordinal") else 0))
    ranked = ranked.sort_values(["year", "_official", "_published", "ref"], ascending=[True, True, False, True])
    return ranked.groupby("year", sort=True).head(1)


def _finish(fig: Figure, slug: str, title: str, caption: str, alt: str,
            data: pd.DataFrame | None = None) -> Chart:
    wrapped = textwrap.fill(caption, width=165)
    lines = wrapped.count("\n") + 1
    bottom = (0.22 + 0.13 * lines) / fig.get_figheight()
    fig.text(0.01, 0.01, wrapped, fontsize=6.5, color="#444444", va="bottom", ha="left")
    fig.suptitle(title, fontsize=12, fontweight="bold", x=0.01, ha="left")
    fig.tight_layout(rect=(0, bottom, 1, 0.97))
    buffer = io.BytesIO()
    FigureCanvasAgg(fig)
    fig.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return Chart(slug, title, caption, buffer.getvalue(), alt, data)


def _empty(ax, text: str = "no figures in the curated tables yet") -> None:  # noqa: ANN001
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="#888888")
    ax.set_xticks([])
    ax.set_yticks([])


def trade_turnover(data: ReportData) -> Chart:
    rows = data.figures("trade_turnover", pair=KZ_AZ)
    targets = data.targets[(data.targets["metric"] == "trade_turnover") & is_pair(data.targets, KZ_AZ)]
    fig = Figure(figsize=(WIDTH_IN, 5.2))
    ax = fig.subplots()
    series = sorted({(b, c) for b, c in zip(rows["basis"], rows["country"], strict=True)})
    years = sorted(rows["year"].unique())
    width = 0.8 / max(len(series), 1)
    for i, (basis, reporter) in enumerate(series):
        chosen = _representative(rows[(rows["basis"] == basis) & (rows["country"] == reporter)])
        xs = [years.index(y) + (i - (len(series) - 1) / 2) * width for y in chosen["year"]]
        label = f"{'official statistics' if basis == 'official' else 'stated in documents'}, reported by {reporter}"
        bars = ax.bar(xs, chosen["value"] / 1e6, width=width * 0.95, color=COLORS[i % len(COLORS)], label=label)
        ax.bar_label(bars, labels=[f"{v / 1e6:,.6g}" for v in chosen["value"]], fontsize=8, padding=2)
    for value in sorted(set(targets["target_value"])):
        same = targets[targets["target_value"] == value]
        who = []
        for deadline, group in same.groupby(same["deadline"].map(lambda d: f"by {d.year}" if not pd.isna(d)
                                                                   else "no year"), sort=True):
            # every document stating the target (restatements are merged into one target row)
            stated = sorted({part.rsplit(" (", 1)[0] for text in group["stated_by"].dropna()
                             for part in text.split("; ")}
                            or set(group["publisher"].map(_name)))
            who.append(f"{deadline}: {', '.join(stated)}")
        ax.axhline(value / 1e6, color="#333333", linestyle="--", linewidth=1.2)
        ax.text(-0.5, value / 1e6, f" target {value / 1e6:,.0f}M USD ({'; '.join(who)})", va="bottom", fontsize=8)
    ax.set_ylim(0, max([*(rows["value"] / 1e6), *(targets["target_value"] / 1e6), 1]) * 1.12)
    if years:
        ax.set_xticks(range(len(years)), [str(y) for y in years])
        ax.set_xlim(-0.6, len(years) - 0.4)
        ax.set_ylabel("USD million")
        ax.legend(loc="upper left", bbox_to_anchor=(0, 0.87), fontsize=8, frameon=False)
        ax.grid(axis="y", alpha=0.3)
    else:
        _empty(ax)
    latest = targets.dropna(subset=["progress_pct"])
    alt = (f"Bars of the KZ-AZ goods trade turnover by year ({', '.join(map(str, years))}) and reporting side, "
           f"against the 1 billion USD target line"
           + (f"; the latest value reaches {latest['progress_pct'].max():.0f}% of it." if len(latest) else "."))
    return _finish(fig, "trade_turnover", "Kazakhstan-Azerbaijan trade turnover by year and reporting side",
                   data.provenance(rows, data.figures("trade_turnover", kind="target", frequency=None, pair=KZ_AZ)),
                   alt, chart_data(rows, data.figures("trade_turnover", kind="target", frequency=None, pair=KZ_AZ)))


def middle_corridor(data: ReportData) -> Chart:
    cargo = data.figures("middle_corridor_cargo")
    capacity = data.figures("middle_corridor_capacity", kind="capacity")
    forecasts = data.figures("middle_corridor_cargo", kind="forecast")
    target_claims = data.figures("middle_corridor_cargo", kind="target")
    targets = data.targets[data.targets["metric"] == "middle_corridor_cargo"]
    fig = Figure(figsize=(WIDTH_IN, 5.2))
    ax = fig.subplots()
    if cargo.empty:
        _empty(ax)
    else:
        ax.scatter(cargo["year"], cargo["value"], s=22, color=COLORS[0], alpha=0.6, zorder=3,
                   label="cargo stated by each document (Mt)")
        line = _representative(cargo)
        ax.plot(line["year"], line["value"], color=COLORS[0], linewidth=2, zorder=2)
        for year, group in cargo.groupby("year"):
            low, high = group["value"].min(), group["value"].max()
            text = f"{low:g}" if low == high else f"{low:g}-{high:g}"
            ax.annotate(text, (year, high), textcoords="offset points", xytext=(0, 7), ha="center", fontsize=8)
        for _, row in capacity.drop_duplicates(["year", "value"]).iterrows():
            ax.hlines(row["value"], row["year"] - 0.4, row["year"] + 6.4, colors=COLORS[2], linestyles=":")
            ax.text(row["year"] + 6.4, row["value"], f"capacity {row['value']:g} Mt/yr ({row['year']})",
                    color=COLORS[2], fontsize=8, va="bottom", ha="right")
        for _, row in forecasts.iterrows():
            ax.scatter([row["year"]], [row["value"]], marker="D", facecolors="none", edgecolors=COLORS[3], s=45,
                       zorder=4)
            ax.annotate(f"forecast {row['value']:g} Mt ({_name(row['publisher'])})", (row["year"],
                        row["value"]), textcoords="offset points", xytext=(-8, 6), ha="right", fontsize=8,
                        color=COLORS[3])
        last = line.iloc[-1]
        for _, target in targets.dropna(subset=["deadline"]).iterrows():
            year = target["deadline"].year
            ax.scatter([year], [target["target_value"]], marker="*", s=160, color=COLORS[1], zorder=5)
            ax.plot([last["year"], year], [last["value"], target["target_value"]], color=COLORS[1], linestyle="--")
            growth = target["required_annual_growth_pct"]
            needs = "" if pd.isna(growth) else f", needs {growth:+.1f}%/yr from {int(last['year'])}"
            ax.annotate(f"target {target['target_value']:g} Mt by {year}{needs}", (year, target["target_value"]),
                        textcoords="offset points", xytext=(-10, 8), ha="right", fontsize=8, color=COLORS[1])
        ax.set_ylabel("million tonnes (Mt)")
        tops = [*cargo["value"], *capacity["value"], *forecasts["value"], *targets["target_value"]]
        ax.set_ylim(0, max(tops) * 1.15)
        ax.grid(axis="y", alpha=0.3)
        ax.legend(loc="upper left", fontsize=8, frameon=False)
        ax.xaxis.get_major_locator().set_params(integer=True)
    years = sorted(cargo["year"].unique())
    alt = (f"Middle Corridor cargo by year ({', '.join(map(str, years))}) as stated by each document, with the "
           f"stated capacity and the 2030 target of 10 Mt.")
    return _finish(fig, "middle_corridor", "Middle Corridor (TITR) cargo against capacity and the 2030 target",
                   data.provenance(cargo, capacity, forecasts, target_claims), alt,
                   chart_data(cargo, capacity, forecasts, target_claims))


def btc(data: ReportData) -> Chart:
    throughput = data.figures("btc_throughput")
    capacity = data.figures("btc_capacity", kind="capacity", frequency=None)
    kazakh = data.figures("oil_exports_via_btc", country="KAZ")
    quota = data.figures("btc_quota", kind="capacity", frequency=None, country="KAZ")
    target_claims = data.figures("oil_exports_via_btc", kind="target", frequency=None, country="KAZ")
    targets = data.targets[(data.targets["metric"] == "oil_exports_via_btc") & (data.targets["country"] == "KAZ")]
    fig = Figure(figsize=(WIDTH_IN, 5.4))
    left, right = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1, 1.3]})
    if throughput.empty and capacity.empty:
        _empty(left)
    else:
        chosen = _representative(throughput)
        bars = left.bar([str(y) for y in chosen["year"]], chosen["value"], color=COLORS[0], width=0.5)
        left.bar_label(bars, labels=[f"{v:g} Mt carried" for v in chosen["value"]], fontsize=8)
        for i, (value, group) in enumerate(capacity.groupby("value", sort=True)):
            who = "; ".join(sorted({f"{_name(r['publisher'])}, {_name(r['period']).replace('unknown', 'no period')}"
                                    for _, r in group.iterrows()}))
            left.axhline(value, color=COLORS[1 + i % 3], linestyle="--", linewidth=1)
            left.text(-0.45, value, f"capacity {value:g} Mt/yr ({who})", fontsize=7, va="bottom",
                      color=COLORS[1 + i % 3])
        left.set_ylim(0, max([*capacity["value"], *throughput["value"], 1]) * 1.25)
        left.set_xlim(-0.5, max(len(chosen), 1) - 0.5)
        left.set_ylabel("million tonnes (Mt, Mt/yr)")
        left.set_title("BTC pipeline: throughput against capacity", fontsize=10)
        left.grid(axis="y", alpha=0.3)
    if kazakh.empty:
        _empty(right)
    else:
        chosen = _representative(kazakh)
        right.plot(chosen["year"], chosen["value"], marker="o", color=COLORS[0], label="Kazakh oil via BTC (Mt)")
        for _, row in chosen.iterrows():
            right.annotate(f"{row['value']:g}", (row["year"], row["value"]), textcoords="offset points",
                           xytext=(0, -13), ha="center", fontsize=8)
        lines = [(t["target_value"], f"target {t['target_value']:g} Mt "
                  f"({t['target_period'] if isinstance(t['target_period'], str) else 'no year'}, "
                  f"{_name(t['target_type'])})") for _, t in targets.iterrows()]
        lines += [(q["value"], f"quota {q['value']:g} Mt/yr ({q['publisher']})") for _, q in quota.iterrows()]
        merged: dict[float, list[str]] = {}
        for value, label in sorted(lines):
            merged.setdefault(value, []).append(label)
        for i, (value, labels) in enumerate(merged.items()):
            right.axhline(value, color=COLORS[1 + i % 4], linestyle="--", linewidth=1)
            right.text(chosen["year"].min() - 0.4, value, textwrap.shorten("; ".join(labels), 80), fontsize=7,
                       va="bottom", color=COLORS[1 + i % 4])
        right.set_yscale("log")
        right.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        right.yaxis.set_minor_formatter(NullFormatter())
        low, high = min(chosen["value"].min(), *merged) / 1.5, max(chosen["value"].max(), *merged) * 1.5
        right.set_yticks([t for t in (0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 50) if low <= t <= high])
        right.set_ylabel("million tonnes (log scale)")
        right.set_xlim(chosen["year"].min() - 0.5, chosen["year"].max() + 0.5)
        right.xaxis.get_major_locator().set_params(integer=True)
        right.set_title("Kazakh oil shipped via BTC against targets (log scale)", fontsize=10)
        right.grid(axis="y", alpha=0.3)
        right.legend(loc="lower right", fontsize=8, frameon=False)
    alt = ("Left: BTC throughput against the capacities stated by different documents. Right: Kazakh oil shipped "
           "via BTC by year against the short-term, long-term and 2025 targets.")
    return _finish(fig, "btc", "Baku-Tbilisi-Ceyhan pipeline: throughput, capacity and Kazakh volumes",
                   data.provenance(throughput, capacity, kazakh, quota, target_claims), alt,
                   chart_data(throughput, capacity, kazakh, quota, target_claims))


def oil_production(data: ReportData) -> Chart:
    rows = data.figures("oil_production")
    forecasts = data.figures("oil_production", kind="forecast")
    plans = data.figures("oil_production", kind="target")
    fig = Figure(figsize=(WIDTH_IN, 5.0))
    ax = fig.subplots()
    if rows.empty and forecasts.empty:
        _empty(ax)
    else:
        # official series drawn next to the stated figures: one line per country and series; stated labels
        # above the points, official ones below, so labels of one year never sit on each other
        series = rows.assign(_series=[r if b == "official" else "stated in documents"
                                      for r, b in zip(rows["ref"], rows["basis"], strict=True)])
        below: dict[str, int] = {}  # official series per country so far: each one's labels one line lower
        for i, ((country, name), group) in enumerate(series.groupby(["country", "_series"], sort=True)):
            chosen = _representative(group)
            official = name != "stated in documents"
            offset = 7
            if official:
                below[country] = below.get(country, 0) + 1
                offset = -2 - 11 * below[country]
            ax.plot(chosen["year"], chosen["value"], marker="s" if official else "o", color=COLORS[i % len(COLORS)],
                    linestyle="-" if official else "--",
                    label=f"{country}: {'official ' + name if official else name}")
            for _, row in chosen.iterrows():
                ax.annotate(f"{row['value']:.4g}", (row["year"], row["value"]), textcoords="offset points",
                            xytext=(0, offset), ha="center", fontsize=8, color=COLORS[i % len(COLORS)])
        for _, row in forecasts.iterrows():
            ax.scatter([row["year"]], [row["value"]], marker="D", facecolors="none", edgecolors=COLORS[3], s=45,
                       zorder=4)
            ax.annotate(f"forecast {row['stated_value']:g} ({row['country']})", (row["year"], row["value"]),
                        textcoords="offset points", xytext=(14, -6), fontsize=8, color=COLORS[3])
        for _, plan in plans.iterrows():
            ax.scatter([plan["year"]], [plan["value"]], marker="*", s=140, color=COLORS[1], zorder=5)
            ax.annotate(f"plan {plan['value']:g} Mt ({plan['country']}, {plan['year']})", (plan["year"], plan["value"]),
                        textcoords="offset points", xytext=(14, 8), fontsize=8, color=COLORS[1])
        ax.set_ylabel("million tonnes (Mt)")
        ax.set_ylim(0, max([*rows["value"], *forecasts["value"], *plans["value"], 1]) * 1.15)
        ax.set_xlim(rows["year"].min() - 0.3 if len(rows) else None, ax.get_xlim()[1] + 0.5)
        ax.grid(axis="y", alpha=0.3)
        ax.xaxis.get_major_locator().set_params(integer=True)
        ax.legend(loc="lower left", fontsize=8, frameon=False)
    alt = ("Oil production of Kazakhstan and Azerbaijan by year: figures stated in documents, forecasts and "
           "plans, next to the official series (Energy Institute, EIA) when they are in the curated tables.")
    return _finish(fig, "oil_production", "Oil production, Kazakhstan and Azerbaijan: stated and official",
                   data.provenance(rows, forecasts, plans), alt, chart_data(rows, forecasts, plans))


def differing_checks(data: ReportData) -> Chart:
    pairs = differing_pairs(data.claim_checks)
    height = max(3.2, 1.8 + 0.5 * len(pairs))
    fig = Figure(figsize=(WIDTH_IN, height))
    ax = fig.subplots()
    if pairs.empty:
        _empty(ax, "no claim check differs")
        provenance = data.provenance()
    else:
        labels = []
        for _, row in pairs.iterrows():
            periods = _name(row["period"]).replace("unknown", "no period")
            if _name(row["compared_period"]) != _name(row["period"]):
                periods += " vs " + _name(row["compared_period"]).replace("unknown", "no period")
            other = row["compared_publisher"] if isinstance(row["compared_publisher"], str) else row["compared_source"]
            labels.append(textwrap.shorten(f"{row['metric_name']}, {periods}", 60) + "\n" + textwrap.shorten(
                f"{row['publisher']} {fmt(row['value'], row['unit'])} vs {other} "
                f"{fmt(row['compared_value'], row['unit'])}", 75))
        ys = list(range(len(pairs)))[::-1]
        excess = pairs["excess_pct"].fillna(0)
        colors = [COLORS[1] if d < 0 else COLORS[0] for d in pairs["deviation_pct"].fillna(0)]
        bars = ax.barh(ys, excess, color=colors, height=0.6)
        ax.bar_label(bars, labels=[f"{e:.2g}% (raw {d:+.1f}%)" for e, d in
                                   zip(excess, pairs["deviation_pct"].fillna(0), strict=True)], fontsize=8, padding=3)
        ax.set_yticks(ys, labels, fontsize=7)
        ax.axvline(0, color="#333333", linewidth=0.8)
        ax.set_xlim(0, max(excess.max(), 0.1) * 1.6)
        ax.set_xlabel("gap beyond rounding, % of the second figure (blue: first higher, red: lower)", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        claims = data.observations[data.observations["ref"].isin(set(pairs["claim_id"]) | set(pairs["compared_ref"]))]
        provenance = data.provenance(claims)
    alt = f"{len(pairs)} pairs of figures that disagree beyond their rounding, as the excess in percent."
    table = pairs[["claim_id", "compared_ref", "metric", "period", "value", "compared_value", "unit",
                   "deviation_pct", "excess", "excess_pct", "reason"]] if len(pairs) else None
    return _finish(fig, "claim_checks_differ", "Claim checks that differ beyond rounding", provenance, alt, table)


CHARTS = (trade_turnover, middle_corridor, btc, oil_production, differing_checks)


# Report text comes from the data (publishers, notes, claim ids): a '$' in it must print as '$', never start
# matplotlib's mathtext (a publisher named "$x^$" would otherwise fail the whole report). The page escapes the
# same text for HTML.
PLAIN_TEXT = {"text.parse_math": False, "text.usetex": False}


def draw_all(data: ReportData) -> list[Chart]:
    with rc_context(PLAIN_TEXT):
        return [chart(data) for chart in CHARTS]
