"""The report's citation-checks section: how many claims their cited page supports, and each verdict's reason."""

from __future__ import annotations

from html import escape

import pandas as pd

VERDICT_ORDER = ("supported", "states_other", "not_stated", "unreachable", "blocked")


def _text(value: object) -> str:
    return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def citation_section(checks: pd.DataFrame) -> str:
    """Counts by verdict, then one row per claim (problems first)."""
    if checks.empty:
        return ("<p>No citation checked yet: run the <code>citations</code> source (it fetches the pages the "
                "claims registry cites) and the pipeline builds this table.</p>")
    counts = checks["verdict"].value_counts()
    summary = ", ".join(f"{escape(v.replace('_', ' '))}: {int(counts.get(v, 0))}" for v in VERDICT_ORDER)
    order = {v: i for i, v in enumerate(("states_other", "not_stated", "unreachable", "blocked", "supported"))}
    rows = checks.assign(_o=checks["verdict"].map(order)).sort_values(["_o", "claim_id"])
    head = "<tr><th>claim</th><th>figure</th><th>cited page</th><th>verdict</th><th>reason</th></tr>"
    body = []
    for _, r in rows.iterrows():
        url = _text(r["source_url"])
        host = url.split("/")[2] if url.count("/") >= 2 else url
        figure = f"{r['value']:g} {_text(r['unit'])}" + (f" ({_text(r['period'])})" if _text(r["period"]) else "")
        css = " class=differs" if r["verdict"] == "states_other" else ""
        body.append(f"<tr><td>{escape(_text(r['claim_id']))}</td><td class=num>{escape(figure)}</td>"
                    f"<td><a href=\"{escape(url)}\">{escape(host)}</a></td>"
                    f"<td{css}>{escape(_text(r['verdict']).replace('_', ' '))}</td>"
                    f"<td>{escape(_text(r['reason']))}</td></tr>")
    intro = f"<p>{len(checks)} claims checked against the page they cite: {summary}.</p>"
    return f"{intro}<table>{head}{''.join(body)}</table>"
