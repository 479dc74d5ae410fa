"""Figure extraction: article body text -> figures with value, unit, period, metric, kind, confidence and the
span of the sentence that states them. Used by the `news` source (figures become `claims` rows) and by
`caspian-etl extract` (prints them for a person to check).

Confidence (0..1) starts at 0.9 when the sentence alone names the metric, 0.7 when the article title was needed,
0.3 when no metric fits (kept as `unclassified_figure`, never dropped); minus 0.2 when no period is found,
minus 0.1 when the period's year came from the publication date, minus 0.1 when the country pair was inferred.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from caspian_etl.extract.figures import find_figures
from caspian_etl.extract.metrics import UNCLASSIFIED, classify
from caspian_etl.extract.periods import find_periods, nearest_period
from caspian_etl.extract.sentences import split_sentences

REPORTED_THRESHOLD = 0.6  # claims below this do not feed the indicator tables

COUNTRIES = (
    ("KAZ", r"kazakh"), ("AZE", r"azerbaijan|\bazeri|\baz\b"), ("CHN", r"\bchina|chinese"), ("GEO", r"georgia"),
    ("TUR", r"turkey|türkiye|turkiye|turkish"), ("TKM", r"turkmen"), ("RUS", r"\brussia"), ("UZB", r"uzbek"),
)
_TARGET = re.compile(r"\b(?:target|goal|aim(?:s|ed)? to|plan(?:s|ned)? to|intend|intention|envisag|seek(?:s)? to|"
                     r"to (?:increase|bring|raise|boost) [^.]{0,60}\bto\b)", re.I)
_FORECAST = re.compile(r"\b(?:forecast|expected to|projected|is set to|estimated to|could reach|will reach|"
                       r"(?:is|are) to reach|to reach)\b", re.I)
_CAPACITY = re.compile(r"\b(?:capacity|capable of|designed to|throughput of up to)\b", re.I)
_ANNUAL = re.compile(r"\b(?:annual(?:ly)?|per year|a year|yearly|per annum)\b", re.I)
_RATE_CONTEXT = re.compile(r"\b(?:capacity|quota|capable of|designed to)\b", re.I)
_MASS_TO_RATE = {"t": "t/yr", "kt": "kt/yr", "Mt": "Mt/yr"}
_APPROX = re.compile(r"\b(?:about|around|approximately|nearly|almost|some|over|more than|above|exceeding|"
                     r"surpass(?:ed)?|up to|at least|less than|under)\s+$", re.I)


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    text: str  # the figure as written ('4.1 million tons')
    period: str | None
    metric: str
    kind: str  # observation, target, capacity, forecast
    confidence: float
    sentence_start: int  # span of the sentence in the text
    sentence_end: int
    figure_start: int  # span of the figure itself in the text
    figure_end: int
    country: str | None = None
    partner: str | None = None
    note: str | None = None


def _countries(text: str) -> list[str]:
    hits = [(m.start(), code) for code, pattern in COUNTRIES if (m := re.search(pattern, text, re.I))]
    return [code for _, code in sorted(hits)]


def _kind(sentence: str, fig_start: int, unit: str, deadline: bool) -> str:
    before = sentence[:fig_start]
    if unit.endswith("/yr") or _CAPACITY.search(sentence):
        return "capacity"
    if deadline or _TARGET.search(before):
        return "target"
    if _FORECAST.search(before):
        return "forecast"
    return "observation"


def _country_pair(metric: str, sentence: str, title: str | None,
                  home: str | None) -> tuple[str | None, str | None, bool]:
    """(country, partner, inferred). Bilateral trade needs both; route-wide figures have none."""
    mentioned = _countries(sentence) or _countries(title or "")
    if metric.startswith("trade_turnover") or metric in ("goods_exports", "goods_imports"):
        pair = [c for c in mentioned if c in ("KAZ", "AZE")]
        if {"KAZ", "AZE"} <= set(pair):
            first = home if home in ("KAZ", "AZE") else pair[0]
            return first, ("AZE" if first == "KAZ" else "KAZ"), True
        return None, None, True
    if metric.startswith(("oil_", "kmg_")) or metric in ("grain_exports", "grain_rail_transport", "btc_quota"):
        country = "KAZ" if metric.startswith("kmg_") or (metric.startswith("oil_exports_via") and "KAZ" in mentioned) \
            else (mentioned[0] if len(mentioned) == 1 else None)
        partner = "AZE" if metric.startswith("grain_exports") and "AZE" in mentioned and country == "KAZ" else None
        if metric == "grain_exports" and partner is None and country:
            partner = "WLD"
        return country, partner, country is not None and len(mentioned) != 1
    return None, None, False


def extract_figures(text: str, *, published: date | None = None, title: str | None = None,
                    home_country: str | None = None) -> list[Figure]:
    """Every figure with a unit in `text` (body text only), in reading order."""
    figures: list[Figure] = []
    for sentence in split_sentences(text):
        raw_figures = find_figures(sentence.text)
        if not raw_figures:
            continue
        mentions = find_periods(sentence.text, published)
        for raw in raw_figures:
            if raw.unit in _MASS_TO_RATE and _RATE_CONTEXT.search(sentence.text) and _ANNUAL.search(sentence.text):
                # 'an annual capacity of 50 million tons', 'a quota of 1.5 million tons ... annually': a rate
                raw = replace(raw, unit=_MASS_TO_RATE[raw.unit])
            metric, where = classify(raw.unit, sentence.text, title, (raw.start, raw.end))
            period = nearest_period(mentions, raw.start, raw.end)
            kind = _kind(sentence.text, raw.start, raw.unit, bool(period and period.deadline))
            country, partner, inferred = _country_pair(metric, sentence.text, title, home_country)
            confidence = {"sentence": 0.9, "title": 0.7, "none": 0.3}[where]
            notes = []
            if period is None:
                confidence -= 0.2
                notes.append("no period stated")
            elif period.from_context:
                confidence -= 0.1
                notes.append(f"year of '{sentence.text[period.start:period.end]}' taken from the publication date")
            if inferred and country:
                confidence -= 0.1
                notes.append("country inferred")
            if raw.low_high:
                notes.append(f"{raw.low_high} end of a range")
            if bound := _APPROX.search(sentence.text[:raw.start]):
                notes.append(f"approximate or bound ({bound.group(0).strip()})")
            figures.append(Figure(
                value=raw.value, unit=raw.unit, text=raw.text, period=period.code if period else None,
                metric=metric, kind=kind, confidence=round(max(0.05, min(1.0, confidence)), 2),
                sentence_start=sentence.start, sentence_end=sentence.end,
                figure_start=sentence.start + raw.start, figure_end=sentence.start + raw.end,
                country=country, partner=partner, note="; ".join(notes) or None,
            ))
    return figures


__all__ = ["REPORTED_THRESHOLD", "UNCLASSIFIED", "Figure", "extract_figures"]
