"""Find figures with units in a sentence: '4.1 million tons', '$184.9 million', '50,500 TEUs', '63 percent',
'six new container vessels', '2.7 times', 'fivefold', 'doubled'.

A number counts as a figure only with a unit, a currency or a counted thing (trains, vessels, berths, ...); bare
numbers (years, ordinals, dates) are not figures. Each match gives the value as written and a unit of
schemas/units.yaml; scales that the units vocabulary has no unit for (e.g. billion tonnes) are multiplied into
the value. A range ('5-6 million tons', '12 to 14 tankers') is one figure, its low end (the note says the range);
'from 109 to 529 million dollars' is two figures, both in the unit written once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caspian_etl.extract.numbers import (
    MULTIPLE_WORDS,
    NUMBER_PATTERN,
    SCALE_WORDS,
    SCALES,
    WORD_NUMBERS,
    WORD_PATTERN,
    parse_number,
)

_NUM = rf"(?:{NUMBER_PATTERN}|{WORD_PATTERN})"
_SCALE = r"thousand|million|billion|trillion|mln|mn|bln|bn|m|b|k"
_CURRENCY = r"US\$|\$|USD|AZN|EUR|€"
# counted things; up to three describing words may stand between the number and the noun ('three oil loading
# berths', 'six new container vessels', '16 passenger and cargo flights')
_COUNTED = (r"trains|wagons|containers|vessels|ships|carriers|tankers|ferries|berths|terminals|flights|jobs|"
            r"railway\s+cars|rail\s+cars")
_NOT_DESCRIBING = (r"(?:of|and|in|on|to|the|from|for|with|per|a|an|every|their|its|his|her|our|these|those|"
                   r"some|many|more|" + "|".join(WORD_NUMBERS) + r")\b")
_COUNT_NOUN = re.compile(rf"\s+(?:(?!{_NOT_DESCRIBING})[A-Za-z][\w-]*\s+"
                         rf"(?:and\s+(?=(?!{_NOT_DESCRIBING})[A-Za-z][\w-]*\s+(?:{_COUNTED})))?){{0,3}}"
                         rf"(?P<noun>{_COUNTED}|train|wagon|container|vessel|ship|carrier|tanker|ferry|berth|"
                         rf"terminal|flight|job)\b", re.I)
# (a tonne-kilometre is not a tonne)
_UNIT = (r"(?:metric\s+)?(?:tonnes|tonne|tons|ton)\b(?![-\s]?(?:km|kilomet))|Mt\b|TEUs?\b|days?\b|hours?\b|"
         r"minutes?\b|years?\b|"
         r"per\s*cent\b|percent\b|%|km\b|kilomet(?:er|re)s?\b|Tbps\b|terabits?\s+per\s+second\b|"
         r"cubic\s+met(?:er|re)s\b|bcm\b|m3\b|MW\b|GW\b|megawatts?\b|gigawatts?\b|"
         r"(?:kWh|kilowatt[-\s]hours?)\b|centners?\s+per\s+hectare\b|c/ha\b|met(?:er|re)s\b|"
         r"(?:U\.?S\.?\s+)?dollars?\b|US\s+dollars\b|USD\b|manats?\b|AZN\b|"
         r"euros?\b|EUR\b|barrels\s+(?:per|a)\s+day\b|bpd\b|b/d\b|times\b|-?fold\b")
_RATE = re.compile(r"\s*(?:per\s+year|a\s+year(?!\s+(?:earlier|before|ago|later))|per\s+annum|annually|"
                   r"/\s*y(?:ea)?r)\b", re.I)
_PER = re.compile(r"[^,.;:]{0,30}?\s(?:(?:per|a|every|in\s+a|each)\s+(?P<per>year|month|week|day)|"
                  r"(?P<ly>annually|monthly|weekly|daily))\b", re.I)
_RATE_UNITS = {("trains", "year"): "trains/yr", ("trains", "week"): "trains/week",
               ("tankers", "month"): "tankers/month",
               ("ferries", "day"): "ferries/day", ("flights", "week"): "flights/week", ("TEU", "month"): "TEU/month",
               ("TEU", "year"): "TEU/yr"}
_NOUN_UNITS = {"train": "trains", "wagon": "wagons", "railway cars": "wagons", "rail cars": "wagons",
               "container": "containers", "vessel": "vessels", "ship": "vessels", "carrier": "vessels",
               "tanker": "tankers", "ferry": "ferries", "ferrie": "ferries", "berth": "berths", "terminal": "terminals",
               "flight": "flights", "job": "jobs"}

FIGURE = re.compile(
    rf"(?<![\w.,/-])(?P<from>from\s+)?(?P<cur>(?:{_CURRENCY})\s?)?"
    rf"(?P<num>{_NUM})"
    rf"(?:\s?(?:-|–|—|to)\s?(?P<cur2>(?:{_CURRENCY})\s?)?(?P<num2>{_NUM}))?"
    rf"(?:\s?(?P<scale>{_SCALE})\b\.?)?"
    rf"(?:\s?(?P<unit>{_UNIT}))?",
    re.I,
)
# a multiple written as one word: 'fivefold', 'doubled', 'twice', 'halved'
MULTIPLE = re.compile(r"\b(?P<word>" + "|".join(sorted(MULTIPLE_WORDS, key=len, reverse=True)) + r")\b", re.I)
_RUNS_TO = re.compile(rf"\s+(?:up\s+)?to\s+{_NUM}\s?(?:{_SCALE})\b\.?\s?(?P<unit>(?:metric\s+)?(?:tonnes|tons))\b",
                      re.I)
_YEARS_NOT_A_FIGURE = re.compile(r"\s*(?:ago|in\s+a\s+row|old|later|earlier)\b", re.I)


@dataclass(frozen=True)
class RawFigure:
    value: float
    unit: str  # a key of schemas/units.yaml
    start: int  # offsets in the sentence
    end: int
    text: str
    low_high: str | None = None  # "low" for a range's low end ('5-6 million tons'), "from" for 'from X to Y'
    range_text: str | None = None  # the range as written, when the figure is its low end


def _mass_unit(scale: str | None, rate: bool) -> tuple[str, float]:
    if scale == "thousand":
        return ("kt/yr" if rate else "kt"), 1.0
    if scale in ("million", "billion", "trillion"):
        return ("Mt/yr" if rate else "Mt"), {"million": 1.0, "billion": 1e3, "trillion": 1e6}[scale]
    return ("t/yr" if rate else "t"), 1.0


def _scaled(scale: str | None, units_by_scale: dict[str | None, str], base: str) -> tuple[str, float]:
    """The unit that carries this scale, or the base unit with the scale multiplied into the value."""
    if scale in units_by_scale:
        return units_by_scale[scale], 1.0
    return base, SCALES.get(scale or "", 1.0) if scale else 1.0


def _resolve(unit_text: str | None, currency: str | None, scale: str | None, rate: bool) -> tuple[str, float] | None:
    u = (unit_text or "").lower().replace(" ", "")
    c = (currency or "").strip().upper()
    if u in ("%",) or u.startswith("percent") or u.startswith("percent"):
        return "%", 1.0
    if u.startswith("tonne") or u.startswith("ton") or u.startswith("metric"):
        return _mass_unit(scale, rate)
    if u == "mt":
        return ("Mt/yr" if rate else "Mt"), 1.0
    if u.startswith("teu"):
        return _scaled(scale, {"thousand": "thousand TEU", "million": "million TEU", None: "TEU"}, "TEU")
    for prefix, name in (("day", "days"), ("hour", "hours"), ("minute", "minutes"), ("year", "years")):
        if u.startswith(prefix):
            return (name, 1.0) if scale is None else None
    if u.startswith("km") or u.startswith("kilomet"):
        return "km", SCALES.get(scale or "", 1.0) if scale else 1.0
    if u == "tbps" or u.startswith("terabit"):
        return "Tbps", 1.0
    if u.startswith("kwh") or u.startswith("kilowatt"):
        return ("million kWh/yr", {"million": 1.0, "billion": 1e3}[scale]) if scale in ("million", "billion") else None
    if u.startswith("centner") or u == "c/ha":
        return "c/ha", 1.0
    if u.startswith("meter") or u.startswith("metre"):
        return "m", SCALES.get(scale or "", 1.0) if scale else 1.0
    if u.startswith("cubicmet") or u in ("bcm", "m3"):
        if u == "bcm":
            return "bcm", 1.0
        return _scaled(scale, {"billion": "bcm", "million": "mcm"}, "mcm") if scale else None
    if u in ("mw", "gw") or u.startswith("megawatt") or u.startswith("gigawatt"):
        return ("GW" if u.startswith("g") else "MW"), 1.0
    if u.startswith("barrels") or u in ("bpd", "b/d"):
        return _scaled(scale, {"thousand": "kb/d", "million": "Mb/d", None: "b/d"}, "b/d")
    if u in ("times", "fold", "-fold"):
        return ("ratio", 1.0) if scale is None else None
    if u.startswith("manat") or u == "azn" or c == "AZN":
        return _scaled(scale, {"million": "AZN million", "billion": "AZN billion", None: "AZN"}, "AZN")
    if u.startswith("euro") or u == "eur" or c in ("EUR", "€"):
        return _scaled(scale, {"billion": "EUR billion", None: "EUR"}, "EUR")
    if "dollar" in u or u == "usd" or c in ("$", "US$", "USD"):
        return _scaled(scale, {"thousand": "USD thousand", "million": "USD million", "billion": "USD billion",
                               None: "USD"}, "USD")
    return None


def _counted(sentence: str, m: re.Match[str]) -> tuple[str, int] | None:
    """('trains', end) when a counted noun follows the bare number ('287 block trains')."""
    noun = _COUNT_NOUN.match(sentence, m.end())
    if noun is None or m.group("scale") or m.group("cur") or re.fullmatch(r"(?:19|20)\d\d", m.group("num")):
        return None  # 'in 2022 TITR container traffic': a year, not a count
    word = re.sub(r"\s+", " ", noun.group("noun").lower())
    unit = _NOUN_UNITS.get(word) or _NOUN_UNITS.get(word.rstrip("s")) or _NOUN_UNITS.get(word[:-2] if
                                                                                        word.endswith("es") else word)
    return (unit, noun.end()) if unit else None


def _per(sentence: str, unit: str, end: int) -> tuple[str, int]:
    """'12 tankers every month' -> tankers/month; 'trains per year' -> trains/yr."""
    per = _PER.match(sentence, end)
    if per is None:
        return unit, end
    span = (per.group("per") or {"annually": "year", "monthly": "month", "weekly": "week", "daily": "day"}[
        per.group("ly").lower()]).lower()
    rated = _RATE_UNITS.get((unit, span))
    return (rated, per.end()) if rated else (unit, end)


def find_figures(sentence: str) -> list[RawFigure]:
    """Every figure with a unit in one sentence, left to right."""
    found: list[RawFigure] = []
    for m in FIGURE.finditer(sentence):
        unit_text, currency = m.group("unit"), m.group("cur") or m.group("cur2")
        scale_raw = m.group("scale")
        scale = SCALE_WORDS.get(scale_raw.lower()) if scale_raw else None
        end = m.end()
        counted = None
        if not unit_text and not currency and scale_raw and (runs_to := _RUNS_TO.match(sentence, m.end())):
            unit_text = runs_to.group("unit")  # 'by 10 mln up to 30 mln tons': the unit written once, at the end
        if not unit_text and not currency:
            if scale_raw or (counted := _counted(sentence, m)) is None:
                continue  # 'four million' alone, a year, an ordinal: not a figure
        if scale_raw and scale_raw.lower() in ("m", "b", "k") and not currency and not unit_text:
            continue  # '5 m' is five metres or minutes unless a currency says millions
        if counted:
            unit, end = _per(sentence, counted[0], counted[1])
            resolved: tuple[str, float] | None = (unit, 1.0)
        else:
            if unit_text and unit_text.lower().startswith("year") and _YEARS_NOT_A_FIGURE.match(sentence, end):
                continue  # '10 to 15 years ago', 'two years in a row'
            rate = bool(_RATE.match(sentence, end)) and bool(unit_text) and unit_text.lower()[:2] in ("to", "mt", "me")
            if rate:
                end = _RATE.match(sentence, end).end()  # type: ignore[union-attr]
            resolved = _resolve(unit_text, currency, scale, rate)
            if resolved and resolved[0] == "TEU" and _RATE.match(sentence, end):
                resolved, end = ("TEU/yr", 1.0), _RATE.match(sentence, end).end()  # type: ignore[union-attr]
        if resolved is None:
            continue
        unit, multiplier = resolved
        start = m.start("cur") if m.group("cur") else m.start("num")
        text = sentence[start:end]
        if m.group("num2"):
            found.extend(_two_numbers(sentence, m, unit, multiplier, end))
        else:
            found.append(RawFigure(_value(m.group("num"), multiplier), unit, start, end, text))
    found.extend(_word_multiples(sentence, found))
    return sorted(found, key=lambda f: (f.start, f.low_high == "from"))


def _two_numbers(sentence: str, m: re.Match[str], unit: str, multiplier: float, end: int) -> list[RawFigure]:
    low, high = parse_number(m.group("num")), parse_number(m.group("num2"))
    start = m.start("cur") if m.group("cur") else m.start("num")
    text = sentence[start:end]
    if m.group("from"):  # 'from 109 to 529 million dollars': two levels, the unit written once
        second = m.start("cur2") if m.group("cur2") else m.start("num2")
        out = [RawFigure(_value(m.group("num2"), multiplier), unit, second, end, sentence[second:end])]
        if 0 < low and 0.01 <= high / low <= 100:
            out.insert(0, RawFigure(_value(m.group("num"), multiplier), unit, start, second, text, "from"))
        return out
    if 0 < low < high <= 10 * low:  # '5-6 million tons', '38-53 days': one figure, the low end
        return [RawFigure(_value(m.group("num"), multiplier), unit, start, end, text, "low", text)]
    # 'from 250,000 to 1.392 million tons' without 'from': the first number has no unit of its own
    second = m.start("cur2") if m.group("cur2") else m.start("num2")
    return [RawFigure(_value(m.group("num2"), multiplier), unit, second, end, sentence[second:end])]


def _word_multiples(sentence: str, found: list[RawFigure]) -> list[RawFigure]:
    out = []
    for m in MULTIPLE.finditer(sentence):
        if any(f.start <= m.start() < f.end for f in found):
            continue
        out.append(RawFigure(MULTIPLE_WORDS[m.group("word").lower()], "ratio", m.start(), m.end(), m.group(0)))
    return out


def _value(raw: str, multiplier: float) -> float:
    return float(f"{parse_number(raw) * multiplier:.12g}")
