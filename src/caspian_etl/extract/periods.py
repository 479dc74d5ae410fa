"""The period a figure refers to, in the project's period grammar (caspian_etl.contracts.periods), read from
its sentence.

Recognised: 'in 2024', 'January-November 2024', 'Jan.-Nov. 2024', 'the first 11 months of 2024', 'the first
half of 2024', 'H1 2024', '1H2024', 'the first quarter of 2024', 'the first three quarters of 2021', 'March 2024',
'last year', 'this year', 'by 2030', 'by 2022-2023', 'by year-end', 'since the beginning of the year' (the months up
to publication), 'In March' / 'this April' (a month without a year), 'the same period last year' (the period the
text stated before, a year earlier). Relative periods and a month range or 'first N months' without a year are
resolved from the publication date (the latest such period that ended before publication).
A mention right after 'than', 'on', 'compared to', 'against', 'from', 'versus' ('up 86% on 2022') is a comparison
base (`base`), never a figure's own period.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from caspian_etl.extract.numbers import WORD_NUMBERS

MONTHS = {name: i for i, names in enumerate(
    [("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",), ("june", "jun"),
     ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
     ("december", "dec")], start=1) for name in names}
_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19[89]\d|20[0-4]\d)"
# counts of months: "nine months", "first 11 months"
_MONTH_COUNTS = {word: n for word, n in WORD_NUMBERS.items() if n <= 12}
_COUNT = r"(?:\d{1,2}|" + "|".join(_MONTH_COUNTS) + r")"

_THIS_YEAR = r"(?:this|the\s+current|the\s+present)\s+year"
_LAST_YEAR = r"(?:last|the\s+(?:previous|past|preceding))\s+year"

PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("same_period", re.compile(rf"\b(?:the\s+)?(?:same|corresponding|like)\s+period\s+(?:of\s+|in\s+)?"
                               rf"(?:(?P<last>{_LAST_YEAR})|(?P<y>{_YEAR}))?", re.I)),
    ("year_earlier", re.compile(r"\b(?:a|one)\s+year\s+(?:earlier|before|ago)\b", re.I)),
    ("ytd", re.compile(rf"\b(?:since\s+the\s+(?:beginning|start)\s+of\s+(?:the\s+year|this\s+year|(?P<y>{_YEAR}))|"
                       rf"so\s+far\s+(?:this\s+year|in\s+(?P<y2>{_YEAR}))|year[-\s]to[-\s]date)\b", re.I)),
    ("year_end", re.compile(r"\b(?:by|until|till|before)\s+(?:the\s+)?(?:end\s+of\s+(?:the|this)\s+year|"
                            r"(?:this\s+)?year[-\s]?end)\b", re.I)),
    # 'January-March 2024', 'from January to March', 'between January and March this year' (the 'from' is part of
    # the range, not the mark of a comparison base; such a range is `span_word`: never promoted, see below)
    ("month_range", re.compile(rf"\b(?:(?:from|between)\s+)?(?P<m1>{_MONTH})\s?(?:-|–|—|to|through|till|until|"
                               rf"(?<=\s)and(?=\s))\s?(?P<m2>{_MONTH})"
                               rf"(?:,?\s+(?:of\s+)?(?:(?P<y>{_YEAR})|(?P<this>{_THIS_YEAR})))?\b", re.I)),
    ("first_quarters", re.compile(rf"\b(?:first|past)\s+(?P<n>two|three|2|3)\s+quarters\s+of\s+"
                                  rf"(?:(?P<y>{_YEAR})|(?P<this>{_THIS_YEAR}))", re.I)),
    ("first_months", re.compile(rf"\b(?:(?:first|past|last)\s+(?P<n>{_COUNT})\s+months"
                                rf"(?:\s+of\s+(?:(?P<y>{_YEAR})|(?P<this>{_THIS_YEAR})|the\s+year))?"
                                rf"|(?P<n2>{_COUNT})\s+months\s+of\s+(?:(?P<y2>{_YEAR})|(?P<this2>{_THIS_YEAR}))"
                                rf"|(?<![$€\d.,])(?P<n3>\d{{1,2}})M\s?(?P<y3>{_YEAR}))",
                                re.I)),
    ("half", re.compile(rf"\b(?:(?:the\s+)?(?P<which>first|second)\s+half\b(?:\s+(?:of\s+)?(?:(?P<y>{_YEAR})|"
                        rf"(?P<last>{_LAST_YEAR})|(?P<this>{_THIS_YEAR})))?"
                        rf"|(?P<h>[12])H\s?(?P<y2>{_YEAR})|H(?P<h3>[12])\s?(?P<y3>{_YEAR}))", re.I)),
    ("quarter", re.compile(rf"\b(?:(?:the\s+)?(?P<which>first|second|third|fourth)\s+quarter\b(?:\s+(?:of\s+)?"
                           rf"(?:(?P<y>{_YEAR})|(?P<last>{_LAST_YEAR})|(?P<this>{_THIS_YEAR})))?"
                           rf"|Q(?P<q>[1-4])\s?(?P<y2>{_YEAR})|(?P<q3>[1-4])Q\s?(?P<y3>{_YEAR}))", re.I)),
    ("date", re.compile(rf"\b\d{{1,2}}\s+{_MONTH},?\s+{_YEAR}\b|\b{_MONTH}\s+\d{{1,2}}(?:st|nd|rd|th)?,\s+{_YEAR}\b",
                        re.I)),  # a day ('12 March 2024', 'August 22nd, 2023'): when something happened
    ("month", re.compile(rf"\b(?:in\s+)?(?P<m>{_MONTH})\s+(?P<y>{_YEAR})\b", re.I)),
    ("bare_month", re.compile(rf"\b(?:in|this|last|during|since|by)\s+(?P<m>{_MONTH})(?!\s*\d)\b", re.I)),
    ("year_range", re.compile(rf"\b(?:(?P<by>by|until|till)\s+)?(?P<y>{_YEAR})\s?(?:-|–|—|to)\s?(?P<y2>{_YEAR})\b",
                              re.I)),
    ("by_year", re.compile(rf"\b(?:by|until|till|through)\s+(?:the\s+end\s+of\s+)?(?P<y>{_YEAR})\b", re.I)),
    ("last_year", re.compile(rf"\b{_LAST_YEAR}\b", re.I)),
    ("last_month", re.compile(r"\b(?:last|the\s+(?:previous|past))\s+month\b", re.I)),
    ("this_year", re.compile(rf"\b(?:{_THIS_YEAR}|(?<=for\s)the\s+year)\b", re.I)),
    ("year", re.compile(rf"(?<![\d.,$-])(?P<y>{_YEAR})(?![\d%]|-\d\d-\d\d|\s*(?:tons|tonnes|TEU|km))", re.I)),
]
_WHICH = {"first": 1, "second": 2, "third": 3, "fourth": 4}


# what precedes a comparison base: 'up 86% on 2022', 'than in 2022', 'compared to the same period of 2022',
# 'against 3.5 million tons a year earlier', 'from the previous year'
_BASE_BEFORE = re.compile(r"(?:\bthan(?:\s+(?:in|during|for|over))?|\bon|\bcompared\s+(?:to|with)|\bagainst|\bfrom|"
                          r"\bversus|\bvs\.?|\brelative\s+to|\bas\s+against|\bin\s+comparison\s+(?:to|with))"
                          r"\s+(?:the\s+)?(?:(?:same|corresponding)\s+period\s+(?:of|in)\s+)?(?:the\s+)?$", re.I)
# the date of an event ('launched in 2017', 'signed in June 2023') is not the period of a figure beside it
_EVENT_BEFORE = re.compile(r"\b(?:launched|founded|established|commissioned|signed|opened|started|created|set\s+up|"
                           r"built|began|inaugurated)\s+(?:\w+\s+)?(?:in|on|since)?\s*$", re.I)
_BASE_AFTER = re.compile(r"^\s*(?:levels?|figures?|volumes?)?\s*(?:a|one)\s+year\s+(?:earlier|before|ago)", re.I)
_BASE_KINDS = ("year_earlier", "same_period")  # always a base, except for the base value itself


@dataclass(frozen=True)
class PeriodMention:
    code: str  # in the period grammar
    start: int
    end: int
    kind: str  # which pattern
    from_context: bool  # the year came from the publication date, not the sentence
    deadline: bool = False  # 'by 2030': a target's deadline
    base: bool = False  # a comparison base ('up 86% on 2022'), never the figure's own period
    # 'from January to March': 'from' also introduces comparison bases ('up from 1 Mt from January to March
    # 2023'), so such a period is read but never promoted
    span_word: bool = False
    inherited: bool = False  # computed from the period another sentence stated ('the same period last year')
    yearless: bool = False  # a part of a year whose year the text does not say ('in the first half', 'In March')


def _month_num(text: str) -> int:
    return MONTHS[text.lower().rstrip(".")]


def _year_for_months(last_month: int, published: date | None) -> int | None:
    if published is None:
        return None
    # the latest such period that ended before publication
    return published.year if last_month <= published.month else published.year - 1


def _months(y: int, m1: int, m2: int) -> str:
    if m1 == 1 and m2 == 12:
        return f"{y}"
    return f"{y}-{m1:02d}" if m1 == m2 else f"{y}-{m1:02d}..{y}-{m2:02d}"


def find_periods(sentence: str, published: date | None = None, anchor: str | None = None) -> list[PeriodMention]:
    """Every period mention of the sentence; `anchor` is the last period the text stated before (for 'the same
    period last year')."""
    taken: list[tuple[int, int]] = []
    out: list[PeriodMention] = []
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(sentence):
            if any(m.start() < e and s < m.end() for s, e in taken):
                continue
            mention = _mention(kind, m, published, anchor)
            if mention is not None:
                taken.append((m.start(), m.end()))
                before = sentence[max(0, m.start() - 40):m.start()]
                base = kind == "year_earlier" or bool(_BASE_BEFORE.search(before) or _EVENT_BEFORE.search(before)) or \
                    bool(_BASE_AFTER.match(sentence[m.end():m.end() + 40]) and kind != "year")
                out.append(replace(mention, base=base) if base else mention)
    out.sort(key=lambda p: p.start)
    for i, p in enumerate(out):  # 'a year earlier' than the period the sentence stated before it
        before = [q for q in out[:i] if not q.base and re.match(r"\d{4}", q.code)]
        if p.kind == "year_earlier" and before:
            out[i] = replace(p, code=re.sub(r"\d{4}", lambda y: str(int(y.group(0)) - 1), before[-1].code),
                             inherited=False)
    out = [p for p in out if p.code != "unresolved"]
    if any(not p.base and p.kind != "same_period" for p in out):
        # 'twice as much as during the same period last year' beside the figure's own period: a base
        out = [replace(p, base=True) if p.kind == "same_period" and p.code != anchor else p for p in out]
    return sorted(out, key=lambda p: p.start)


def _this_year(g: dict, published: date | None) -> tuple[int | None, bool]:
    year = g.get("y") or g.get("y2") or g.get("y3")
    if year:
        return int(year), False
    if (g.get("this") or g.get("this2")) and published:
        return published.year, True
    if g.get("last") and published:
        return published.year - 1, True
    return None, True


def _mention(kind: str, m: re.Match[str], published: date | None, anchor: str | None) -> PeriodMention | None:
    if kind == "date":
        return PeriodMention(m.group(0), m.start(), m.end(), kind, False, base=True)
    g = m.groupdict()
    year, context = _this_year(g, published)
    code: str | None = None
    deadline = False
    if kind == "year_earlier":  # 'against 198,000 tons a year earlier': the period before, a year back
        code = re.sub(r"\d{4}", lambda y: str(int(y.group(0)) - 1), anchor) if anchor and re.match(r"\d{4}", anchor) \
            else "unresolved"
        context = True
    elif kind == "same_period" and not g.get("y") and not g.get("last"):  # 'in the corresponding period'
        code, context = anchor, True
    elif kind == "same_period":
        y = int(g["y"]) if g.get("y") else (published.year - 1 if published else None)
        if anchor and re.match(r"\d{4}", anchor):
            a = int(anchor[:4])
            y = int(g["y"]) if g.get("y") else a - 1
            code = re.sub(r"\d{4}", str(y), anchor)
        else:
            code = None if y is None else str(y)
        context = True
    elif kind == "ytd":  # the months up to publication; 'since the start of 2023' written in 2024 is all of 2023
        if year is not None and (published is None or year != published.year):
            code = None if published is None or year > published.year else \
                f"{year}-01..{published.year}-{published.month:02d}"
            context = True
        else:
            code = None if published is None else _months(published.year, 1, published.month)
            context = True
    elif kind == "year_end":
        code, context, deadline = (str(published.year) if published else None), True, True
    elif kind == "month_range":
        if re.search(r"\sand\s", m.group(0), re.I) and not m.group(0).lower().startswith("between"):
            return None  # 'in March and April': two months, not a range
        m1, m2 = _month_num(g["m1"]), _month_num(g["m2"])
        if m2 <= m1:
            return None
        y = year or (None if g.get("this") else _year_for_months(m2, published))
        code = None if y is None else _months(y, m1, m2)
    elif kind == "first_quarters":
        n = {"two": 2, "three": 3}.get(g["n"].lower()) or int(g["n"])
        code = None if year is None else _months(year, 1, 3 * n)
    elif kind == "first_months":
        raw = g.get("n") or g.get("n2") or g.get("n3")
        n = int(raw) if raw.isdigit() else _MONTH_COUNTS[raw.lower()]
        if not 1 <= n <= 12:
            return None
        y = year or (None if (g.get("this") or g.get("this2")) else _year_for_months(n, published))
        code = None if y is None else _months(y, 1, n)
    elif kind == "half":
        h = _WHICH[g["which"].lower()] if g.get("which") else int(g.get("h") or g.get("h3"))
        y = year or (published.year if published and (h == 1 and published.month > 6) else
                     (published.year - 1 if published else None))
        code = None if y is None else f"{y}-H{h}"
    elif kind == "quarter":
        q = _WHICH[g["which"].lower()] if g.get("which") else int(g.get("q") or g["q3"])
        y = year or (None if g.get("this") else (published.year if published and published.month > 3 * q else
                                                  (published.year - 1 if published else None)))
        if g.get("this") and published:
            y = published.year
        code = None if y is None else f"{y}-Q{q}"
    elif kind == "month":
        code = f"{int(g['y'])}-{_month_num(g['m']):02d}"
    elif kind == "bare_month":  # 'In March', 'this April': the year from the publication date
        mon = _month_num(g["m"])
        if published is None:
            return None
        word = m.group(0).split()[0].lower()
        y = published.year if word == "this" or mon <= published.month else published.year - 1
        if word == "last":
            y = published.year - 1 if mon >= published.month else published.year
        code, context = f"{y}-{mon:02d}", True
    elif kind == "year_range":
        a, b = int(g["y"]), int(g["y2"])
        if not a < b <= a + 10:
            return None
        code, deadline = f"{a}..{b}", bool(g.get("by"))
    elif kind == "by_year":
        code, deadline = g["y"], True
    elif kind == "last_year":
        code, context = (str(published.year - 1), True) if published else (None, True)
    elif kind == "last_month":  # the calendar month before publication
        if published is None:
            return None
        y, mon = (published.year, published.month - 1) if published.month > 1 else (published.year - 1, 12)
        code, context = f"{y}-{mon:02d}", True
    elif kind == "this_year":
        code, context = (str(published.year), True) if published else (None, True)
    elif kind == "year":
        code, context = g["y"], False
    if code is None:
        return None
    # 'in the first half', 'January-March', 'In March': which year is a guess (the publication's, or the one the
    # text spoke of before?)
    # 'since the beginning of the year': up to which month is a guess (the publication's, or the month before?)
    yearless = kind == "ytd" or kind in ("month_range", "first_months", "half", "quarter", "bare_month") and \
        not any(g.get(k) for k in ("y", "y2", "y3", "this", "this2", "last")) and \
        not (kind == "bare_month" and m.group(0).split()[0].lower() in ("this", "last"))
    inherited = kind in _BASE_KINDS and anchor is not None and not g.get("y")
    span_word = kind == "month_range" and m.group(0).lower().startswith(("from", "between"))
    return PeriodMention(code, m.start(), m.end(), kind, context, deadline, inherited=inherited, span_word=span_word,
                         yearless=yearless)


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
