"""Find figures with units in a sentence: '4.1 million tons', '$184.9 million', '50,500 TEUs', '63 percent'.

A number counts as a figure only with a unit or a currency; bare numbers (years, counts of things, dates) are
not figures. Each match gives the value as written and a unit of schemas/units.yaml; scales that the units
vocabulary has no unit for (e.g. billion tonnes) are multiplied into the value.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caspian_etl.extract.numbers import NUMBER_PATTERN, SCALE_WORDS, SCALES, WORD_PATTERN, parse_number

_NUM = rf"(?:{NUMBER_PATTERN}|{WORD_PATTERN})"
_SCALE = r"thousand|million|billion|trillion|mln|mn|bln|bn|m|b|k"
_CURRENCY = r"US\$|\$|USD|AZN|EUR|€"
_UNIT = (r"(?:metric\s+)?(?:tonnes|tonne|tons|ton)\b|Mt\b|TEUs?\b|days?\b|per\s*cent\b|percent\b|%|"
         r"km\b|kilomet(?:er|re)s?\b|Tbps\b|(?:U\.?S\.?\s+)?dollars?\b|US\s+dollars\b|USD\b|manats?\b|AZN\b|"
         r"euros?\b|EUR\b|barrels\s+(?:per|a)\s+day\b|bpd\b|b/d\b|times\b|-?fold\b")
_RATE = re.compile(r"\s*(?:per\s+year|a\s+year|per\s+annum|annually|/\s*y(?:ea)?r)\b", re.I)

FIGURE = re.compile(
    rf"(?<![\w.,/-])(?P<cur>(?:{_CURRENCY})\s?)?"
    rf"(?P<num>{_NUM})"
    rf"(?:\s?(?:-|–|—|to)\s?(?P<cur2>(?:{_CURRENCY})\s?)?(?P<num2>{_NUM}))?"
    rf"(?:\s?(?P<scale>{_SCALE})\b\.?)?"
    rf"(?:\s?(?P<unit>{_UNIT}))?",
    re.I,
)


@dataclass(frozen=True)
class RawFigure:
    value: float
    unit: str  # a key of schemas/units.yaml
    start: int  # offsets in the sentence
    end: int
    text: str
    low_high: str | None = None  # "low"/"high" for the two ends of a range ('5-6 million tons')


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
    if u in ("%", "percent", "percent.", "percent,") or u.startswith("percent") or u.startswith("percent"):
        return "%", 1.0
    if u.startswith("tonne") or u.startswith("ton") or u.startswith("metric"):
        return _mass_unit(scale, rate)
    if u == "mt":
        return ("Mt/yr" if rate else "Mt"), 1.0
    if u.startswith("teu"):
        return _scaled(scale, {"thousand": "thousand TEU", "million": "million TEU", None: "TEU"}, "TEU")
    if u.startswith("day"):
        return ("days", 1.0) if scale is None else None
    if u.startswith("km") or u.startswith("kilomet"):
        return "km", SCALES.get(scale or "", 1.0) if scale else 1.0
    if u == "tbps":
        return "Tbps", 1.0
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


def find_figures(sentence: str) -> list[RawFigure]:
    """Every figure with a unit in one sentence, left to right; a range gives two figures (low, high)."""
    found: list[RawFigure] = []
    for m in FIGURE.finditer(sentence):
        unit_text, currency = m.group("unit"), m.group("cur") or m.group("cur2")
        scale_raw = m.group("scale")
        scale = SCALE_WORDS.get(scale_raw.lower()) if scale_raw else None
        if scale_raw and scale_raw.lower() in ("m", "b", "k") and not currency:
            # '5 m' is five metres or minutes unless a currency says millions
            if not unit_text:
                continue
        if not unit_text and not currency:
            continue
        if unit_text and unit_text.lower() in ("m", "b"):
            continue
        end = m.end()
        rate = bool(_RATE.match(sentence, end)) and bool(unit_text) and unit_text.lower()[:2] in ("to", "mt", "me")
        if rate:
            end = _RATE.match(sentence, end).end()  # type: ignore[union-attr]
        resolved = _resolve(unit_text, currency, scale, rate)
        if resolved is None:
            continue
        unit, multiplier = resolved
        text = sentence[m.start():end]
        if m.group("num2"):
            low, high = parse_number(m.group("num")), parse_number(m.group("num2"))
            if 0 < low < high <= 10 * low:  # '5-6 million tons', '38-53 days'
                for part, label in (("num", "low"), ("num2", "high")):
                    found.append(RawFigure(_value(m.group(part), multiplier), unit, m.start(), end, text, label))
            else:  # 'from 250,000 to 1.392 million tons': the first number has no unit of its own
                start = m.start("cur2") if m.group("cur2") else m.start("num2")
                found.append(RawFigure(_value(m.group("num2"), multiplier), unit, start, end, sentence[start:end]))
        else:
            found.append(RawFigure(_value(m.group("num"), multiplier), unit, m.start(), end, text))
    return found


def _value(raw: str, multiplier: float) -> float:
    return float(f"{parse_number(raw) * multiplier:.12g}")
