"""The report page: one static HTML file, charts embedded as data: URIs, no script, nothing fetched to view it."""

from __future__ import annotations

import base64
from html import escape

import pandas as pd

from caspian_etl.publish.report.charts import Chart, fmt
from caspian_etl.publish.report.citations import citation_section
from caspian_etl.publish.report.data import ReportData, data_as_of, explained_checks

STYLE = """
body { font-family: "DejaVu Sans", Arial, sans-serif; margin: 0 auto; max-width: 1000px; padding: 16px 24px;
       color: #222; background: #fff; line-height: 1.4; }
h1 { font-size: 1.5em; margin-bottom: 0.2em; }
h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; padding-bottom: 0.2em; }
figure { margin: 0.6em 0; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption, .meta { font-size: 0.8em; color: #555; }
table { border-collapse: collapse; font-size: 0.8em; width: 100%; margin: 0.6em 0; }
th, td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: #f3f3f3; }
td.num { text-align: right; white-space: nowrap; }
.differs { color: #b00; font-weight: bold; }
"""


def _img(chart: Chart) -> str:
    data = base64.b64encode(chart.png).decode("ascii")
    return (f'<figure id="{chart.slug}"><img src="data:image/png;base64,{data}" alt="{escape(chart.alt)}" '
            f'width="960"><figcaption>{escape(chart.caption)} Files: <a href="{escape(chart.slug)}.png">'
            f'{escape(chart.slug)}.png</a>, data as CSV: <a href="{escape(chart.slug)}.csv">{escape(chart.slug)}.csv'
            f'</a></figcaption></figure>')


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def _pct(value: object, *, signed: bool = True) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{value:+.1f}%" if signed else f"{value:.1f}%"


def _link(label: str, url: object) -> str:
    url = _text(url)
    return f'<a href="{escape(url)}">{escape(label)}</a>' if url.startswith(("http://", "https://")) else escape(label)


def _dated(label: str, published: object) -> str:
    day = _text(published)[:10]
    return f"{label}, {day}" if day else label


def checks_table(data: ReportData) -> str:
    rows = explained_checks(data.claim_checks)
    counts = data.claim_checks["verdict"].value_counts()
    summary = ", ".join(f"{counts.get(v, 0)} {v}" for v in
                        ("consistent", "differs", "same_origin", "not_comparable", "no_independent_data"))
    intro = (f"<p class=meta>All checks: {escape(summary)} (a pair of claims counts twice, once from each side). "
             "Each figure stands for its value plus or minus half a unit of its last written digit, a bound "
             "(&quot;more than&quot;) or its stated range; <i>beyond rounding</i> is the gap between those "
             "intervals. Below: every pair once, the most severe first.</p>")
    if rows.empty:
        return intro + "<p>No claim was compared with another figure.</p>"
    head = ("<tr><th>metric, period</th><th>figure (stated by, published)</th><th>compared with</th>"
            "<th>verdict</th><th>beyond rounding</th><th>reason</th></tr>")
    body = []
    for _, r in rows.iterrows():
        other = _text(r["compared_publisher"]) or f"{_text(r['compared_source'])} {_text(r['compared_ref'])}"
        periods = _text(r["period"]) or "no period"
        if _text(r["compared_period"]) != _text(r["period"]):
            periods += f" / {_text(r['compared_period']) or 'no period'}"
        verdict = _text(r["verdict"]) + (f" ({_text(r['comparability'])})" if _text(r["comparability"]) else "")
        css = " class=differs" if r["verdict"] == "differs" else ""
        body.append(
            f"<tr><td>{escape(_text(r['metric_name']))}, {escape(periods)}</td>"
            f"<td>{escape(fmt(r['value'], r['unit']))}: "
            f"{_link(_dated(_text(r['publisher']) or _text(r['document']), r['published']), r['source_url'])}</td>"
            f"<td>{escape(fmt(r['compared_value'], r['unit']))}: "
            f"{_link(_dated(other, r['compared_published']), r['compared_source_url'])}</td>"
            f"<td{css}>{escape(verdict)}</td><td class=num>{_pct(r['excess_pct'], signed=False)}</td>"
            f"<td>{escape(_text(r['reason']))}</td></tr>")
    return f"{intro}<table>{head}{''.join(body)}</table>"


STATUS_KEY = {
    "met": "the latest figure reaches the target",
    "missed": "the deadline has passed without reaching it",
    "on_course": "the last yearly change is at least the change still needed each year",
    "behind": "the last yearly change is less than the change still needed each year",
    "in_progress": "not reached; no earlier figure to measure the pace",
    "no_deadline": "not reached; the target states no year",
    "undetermined": "the latest figure is a bound or range that straddles the target",
    "scenario": "a study's assumption, shown for reference, never met or missed",
    "no_data": "no figure of the metric yet",
}


def status_key() -> str:
    items = "".join(f"<li><b>{escape(k)}</b>: {escape(v)}</li>" for k, v in STATUS_KEY.items())
    return f"<p class=meta>Status key:</p><ul class=meta>{items}</ul>"


def targets_table(data: ReportData) -> str:
    targets = data.targets.sort_values(["metric", "claim_id"])
    if targets.empty:
        return "<p>No targets in the curated tables yet.</p>"
    head = ("<tr><th>target</th><th>by</th><th>stated by</th><th>latest</th><th>progress</th>"
            "<th>needed per year</th><th>last yearly change</th><th>status</th></tr>")
    body = []
    for _, t in targets.iterrows():
        latest = "no observation"
        if not pd.isna(t["latest_value"]):
            spread = ""
            if t["latest_count"] and t["latest_min"] != t["latest_max"]:
                spread = f" (figures range {fmt(t['latest_min'], t['unit'])} to {fmt(t['latest_max'], t['unit'])})"
            who = _text(t["latest_publisher"]) or _text(t["latest_source"])
            latest = f"{fmt(t['latest_value'], t['unit'])} in {_text(t['latest_period'])}, {who}{spread}"
        pair = _text(t["country"]) + (f"-{_text(t['partner'])}" if _text(t["partner"]) else "")
        body.append(
            f"<tr><td>{escape(_text(t['metric_name']))}: {escape(fmt(t['target_value'], t['unit']))} "
            f"{f' <span class=meta>({escape(pair)})</span>' if pair else ''}</td>"
            f"<td>{escape(_text(t['target_period']) or 'no year')}</td>"
            f"<td>{_link(_text(t['publisher']), t['source_url'])} <span class=meta>"
            f"({escape(_text(t['target_type']))}; stated by {escape(_text(t['stated_by']))})</span></td>"
            f"<td>{escape(latest)}</td>"
            f"<td class=num>{_pct(t['progress_pct'], signed=False)}</td>"
            f"<td class=num>{_pct(t['required_annual_growth_pct'])}</td>"
            f"<td class=num>{_pct(t['recent_annual_growth_pct'])}</td><td>{escape(_text(t['status']))}</td></tr>")
    return f"<table>{head}{''.join(body)}</table>"


def render(data: ReportData, charts: list[Chart]) -> str:
    by_slug = {c.slug: c for c in charts}
    # the snapshots the figures on this page were parsed from (not every snapshot kept in raw/)
    shas = {s for joined in data.observations["snapshot_sha256"].dropna() for s in str(joined).split(",")}
    snapshots = sorted({(r.source, r.snapshot_id, r.created_at) for sha, r in data.snapshots.items() if sha in shas})
    used = ", ".join(f"{s} {i} ({c[:10]})" for s, i, c in snapshots) or "none"
    sections = [
        ("Trade turnover", ["trade_turnover"], ""),
        ("Middle Corridor", ["middle_corridor"], ""),
        ("Oil: the BTC pipeline", ["btc"], ""),
        ("Oil production", ["oil_production"], ""),
        ("Claim checks", ["claim_checks_differ"], checks_table(data)),
        ("Targets tracker", [], targets_table(data) + status_key()),
        ("Citation checks", [], citation_section(data.citation_checks)),
    ]
    parts = []
    for title, slugs, extra in sections:
        figures = "".join(_img(by_slug[s]) for s in slugs if s in by_slug)
        parts.append(f"<section><h2>{escape(title)}</h2>{figures}{extra}</section>")
    return (
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<link rel=\"icon\" href=\"data:,\"><title>caspian-etl report</title>"
        f"<style>{STYLE}</style></head><body>"
        "<h1>Kazakhstan-Azerbaijan partnership and the Middle Corridor: figures, claim checks and targets</h1>"
        f"<p class=meta>Data as of: {escape(data_as_of(data))}. Built by <code>caspian-etl report</code> from the "
        f"curated tables, parsed from the raw snapshots {escape(used)}. Figures stated in "
        "documents are shown as stated (converted to one unit); official series are marked as such. "
        "Calendar-year figures only in the charts.</p>"
        + "".join(parts)
        + "</body></html>\n"
    )
