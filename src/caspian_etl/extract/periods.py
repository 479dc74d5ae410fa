"""The period a figure refers to, in the project's period grammar (caspian_etl.periods), read from its sentence.

Recognised: 'in 2024', 'January-November 2024', 'Jan.-Nov. 2024', 'the first 11 months of 2024', 'the first
half of 2024', 'H1 2024', '1H2024', 'the first quarter of 2024', 'March 2024', 'last year', 'this year', 'by 2030'.
A month range or 'first N months' without a year takes the year from the publication date (the latest such
period that ended before publication). The mention nearest to the figure wins, one after it first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19[89]\d|20[0-4]\d)"
_ORDINAL_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
                  "ten": 10, "eleven": 11, "twelve": 12}
_COUNT = r"(?:\d{1,2}|" + "|".join(_ORDINAL_WORDS) + r")"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("month_range", re.compile(rf"\b(?P<m1>{_MONTH})\s?(?:-|–|—|to|through)\s?(?P<m2>{_MONTH})"
                               rf"(?:,?\s+(?:of\s+)?(?P<y>{_YEAR}))?\b", re.I)),
    ("first_months", re.compile(rf"\b(?:first|past|last)\s+(?P<n>{_COUNT})\s+months"
                                rf"(?:\s+of\s+(?:(?P<y>{_YEAR})|this\s+year|the\s+year))?", re.I)),
    ("half", re.compile(rf"\b(?:(?:the\s+)?(?P<which>first|second)\s+half\s+(?:of\s+)?(?P<y>{_YEAR})?"
                        rf"|(?P<h>[12])H\s?(?P<y2>{_YEAR})|H(?P<h3>[12])\s?(?P<y3>{_YEAR}))", re.I)),
    ("quarter", re.compile(rf"\b(?:(?:the\s+)?(?P<which>first|second|third|fourth)\s+quarter\s+(?:of\s+)?"
                           rf"(?P<y>{_YEAR})?|Q(?P<q>[1-4])\s?(?P<y2>{_YEAR}))", re.I)),
    ("month", re.compile(rf"\b(?:in\s+)?(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\b", re.I)),
    ("by_year", re.compile(rf"\b(?:by|until|till|through)\s+(?:the\s+end\s+of\s+)?(?P<y>{_YEAR})\b", re.I)),
    ("last_year", re.compile(r"\b(?:last\s+year|past\s+year|previous\s+year)\b", re.I)),
    ("this_year", re.compile(r"\b(?:this\s+year|the\s+current\s+year)\b", re.I)),
    ("year", re.compile(rf"(?<![\d.,$-])(?P<y>{_YEAR})(?![\d%]|\s*(?:tons|tonnes|TEU|km))", re.I)),
]
_WHICH = {"first": 1, "second": 2, "third": 3, "fourth": 4}


@dataclass(frozen=True)
class PeriodMention:
    code: str  # in the period grammar
    start: int
    end: int
    kind: str  # which pattern
    from_context: bool  # the year came from the publication date, not the sentence
    deadline: bool = False  # 'by 2030': a target's deadline


def _month_num(text: str) -> int:
    return MONTHS[text.lower().rstrip(".")]


def _year_for_months(last_month: int, published: date | None) -> int | None:
    if published is None:
        return None
    # the latest such period that ended before publication
    return published.year if last_month < published.month or (last_month == published.month) else published.year - 1


def find_periods(sentence: str, published: date | None = None) -> list[PeriodMention]:
    taken: list[tuple[int, int]] = []
    out: list[PeriodMention] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mention = _mention(kind, m, published)
            if mention is not None:
                taken.append((m.start(), m.end()))
                out.append(mention)
    return sorted(out, key=lambda p: p.start)


def _mention(kind: str, m: re.Match[str], published: date | None) -> PeriodMention | None:
    g = m.groupdict()
    year = g.get("y") or g.get("y2") or g.get("y3")
    context = False
    code: str | None = None
    deadline = False
    if kind == "month_range":
        m1, m2 = _month_num(g["m1"]), _month_num(g["m2"])
        if m2 <= m1:
            return None
        y = int(year) if year else _year_for_months(m2, published)
        context = not year
        code = None if y is None else f"{y}-{m1:02d}..{y}-{m2:02d}"
    elif kind == "first_months":
        n = int(g["n"]) if g["n"].isdigit() else _ORDINAL_WORDS[g["n"].lower()]
        if not 1 <= n <= 12:
            return None
        y = int(year) if year else _year_for_months(n, published)
        context = not year
        if y is not None:
            code = f"{y}" if n == 12 else (f"{y}-01" if n == 1 else f"{y}-01..{y}-{n:02d}")
    elif kind == "half":
        h = _WHICH[g["which"].lower()] if g.get("which") else int(g.get("h") or g.get("h3"))
        y = int(year) if year else (published.year if published and (h == 1 and published.month > 6) else
                                    (published.year - 1 if published else None))
        context = not year
        code = None if y is None else f"{y}-H{h}"
    elif kind == "quarter":
        q = _WHICH[g["which"].lower()] if g.get("which") else int(g["q"])
        y = int(year) if year else (published.year if published and published.month > 3 * q else
                                    (published.year - 1 if published else None))
        context = not year
        code = None if y is None else f"{y}-Q{q}"
    elif kind == "month":
        code = f"{int(year)}-{_month_num(g['m']):02d}"
    elif kind == "by_year":
        code, deadline = year, True
    elif kind == "last_year":
        code, context = (str(published.year - 1), True) if published else (None, True)
    elif kind == "this_year":
        code, context = (str(published.year), True) if published else (None, True)
    elif kind == "year":
        code = year
    if code is None:
        return None
    return PeriodMention(code, m.start(), m.end(), kind, context, deadline)


def nearest_period(mentions: list[PeriodMention], fig_start: int, fig_end: int) -> PeriodMention | None:
    """The mention closest to the figure; on a tie, the one after it ('4.1 Mt in 2024' more often than not)."""
    if not mentions:
        return None

    def distance(p: PeriodMention) -> tuple[int, int]:
        if p.start >= fig_end:
            return (p.start - fig_end, 0)
        if p.end <= fig_start:
            return (fig_start - p.end, 1)
        return (0, 0)

    return min(mentions, key=distance)
