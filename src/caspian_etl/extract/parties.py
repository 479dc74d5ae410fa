"""Who a figure is about and who published it: the country pair and direction of a trade flow ('Azerbaijan's
exports to Kazakhstan' = AZE->KAZ), the country of a production or export figure, and the origin ('according to
the Ministry of Transport', 'KTZ said', 'the ministry's press service reported')."""

from __future__ import annotations

import re

COUNTRIES = (
    ("KAZ", r"kazakh"), ("AZE", r"azerbaijan|\bazeri|\baz\b"), ("CHN", r"\bchina|chinese"), ("GEO", r"georgia"),
    ("TUR", r"turkey|türkiye|turkiye|turkish"), ("TKM", r"turkmen"), ("RUS", r"\brussia"), ("UZB", r"uzbek"),
)
_NAMES = "|".join(f"(?P<{code}>{pattern})" for code, pattern in COUNTRIES)
_COUNTRY = re.compile(rf"(?:{_NAMES})[\w’']*", re.I)
TRADE_METRICS = ("trade_turnover", "goods_exports", "goods_imports")

# 'to Kazakhstan', 'into Azerbaijan' name the importer; 'from Kazakhstan' the exporter
_TO = re.compile(rf"\b(?:to|into)\s+(?:the\s+)?(?:{_NAMES})", re.I)
_FROM = re.compile(rf"\bfrom\s+(?:the\s+)?(?:{_NAMES})", re.I)
# a publisher's name: capitalised words, joined by of/and/for/the ('Ministry of Industry and Infrastructure
# Development'), or an institution named by its noun ('the ministry', 'the company')
_WORD = r"(?:[A-Z][\w&’'-]*(?:\.[A-Z][\w&’'-]*)*|(?:ministry|company|committee|agency|government|port)(?:[’']s)?)"
_ORG = rf"(?:the\s+)?{_WORD}(?:\s+(?:{_WORD}|of|and|for|the)){{0,7}}"
_ORIGIN = (
    re.compile(rf"\b(?i:according\s+to)\s+(?P<who>{_ORG})", re.U),
    re.compile(rf"\b(?i:citing)\s+(?:data\s+from\s+|the\s+)?(?P<who>{_ORG})", re.U),
    re.compile(rf"\b(?i:data|figures|statistics)\s+(?:from|of)\s+(?P<who>{_ORG})", re.U),
    re.compile(rf"\b(?i:report|survey|study|analysis)\s+(?:by|of|from)\s+(?P<who>{_ORG})", re.U),
    re.compile(r"\b(?P<who>(?:the\s+)?(?:[A-Z][\w.’'-]*\s+){0,4}(?:[A-Z][\w.’'-]*|ministry|ministry’s|ministry's|"
               r"company|company's|port|committee)(?:[’']s)?\s+press\s+service)\s+(?:said|reported|informed|announced)"),
    re.compile(rf"(?P<who>(?<![.!?]\s)\b[A-Z][\w&’'-]*(?:\s+(?:{_WORD}|of|and|for|the)){{0,6}})\s+(?:said|reported|"
               rf"stated|told|announced|informed)\b", re.U),
)
_NOT_NAMES = {"the", "of", "and", "for", "local media", "media"}
_NOT_ORIGIN = re.compile(r"^(?:the\s+)?(?:he|she|they|it|we|this|that|trend|report|news\.az|kazinform|caliber\.az|"
                         r"azernews|the\s+astana\s+times)$", re.I)


def countries_in(text: str) -> list[str]:
    """Country codes in order of first mention."""
    seen: list[str] = []
    for m in _COUNTRY.finditer(text):
        code = next(k for k, v in m.groupdict().items() if v)
        if code not in seen:
            seen.append(code)
    return seen


def _code(m: re.Match[str]) -> str:
    return next(k for k, v in m.groupdict().items() if v)


def trade_pair(metric: str, clause: str, sentence: str, article: list[str],
               home: str | None) -> tuple[str | None, str | None, str | None]:
    """(country, partner, direction) of a bilateral trade figure between Kazakhstan and Azerbaijan. Turnover is
    two-way ('KAZ<->AZE'); exports and imports read the direction from 'to' / 'from' / the possessive."""
    pair = [c for c in countries_in(sentence) if c in ("KAZ", "AZE")]
    if len(pair) < 2:
        pair = [c for c in article if c in ("KAZ", "AZE")]
    if not {"KAZ", "AZE"} <= set(pair) and not (len(pair) == 1 and (_TO.search(clause) or _FROM.search(clause))):
        return None, None, None  # 'Kazakhstan's foreign trade': no partner named
    if third_party_trade(clause):
        return None, None, None
    other = {"KAZ": "AZE", "AZE": "KAZ"}
    if metric.startswith("trade_turnover"):
        first = home if home in ("KAZ", "AZE") else pair[0]
        return first, other[first], "KAZ<->AZE"
    importer = exporter = None
    if (m := _TO.search(clause)) and _code(m) in other:
        importer = _code(m)
    if (m := _FROM.search(clause)) and _code(m) in other:
        exporter = _code(m)
    exporter = exporter or (other[importer] if importer else None)
    importer = importer or (other[exporter] if exporter else None)
    if exporter is None:  # "Kazakhstan's exports": the country named first exports
        named = [c for c in countries_in(clause) if c in other] or pair
        exporter, importer = named[0], other[named[0]]
        if metric == "goods_imports":
            exporter, importer = importer, exporter
    if metric == "goods_imports":
        return importer, exporter, f"{exporter}->{importer}"
    return exporter, importer, f"{exporter}->{importer}"


_WORLD_TRADE = re.compile(r"\b(?:foreign|external|overall|total|global|world)\s+trade\b", re.I)


def third_party_trade(clause: str) -> bool:
    """'trade between Azerbaijan and Turkey', 'Kazakhstan's foreign trade': not the Kazakhstan-Azerbaijan pair."""
    named = countries_in(clause)
    return bool(_WORLD_TRADE.search(clause)) or any(c not in ("KAZ", "AZE") for c in named)


def producer(metric: str, clause: str, sentence: str, article: list[str]) -> str | None:
    """The country of a production/export/port figure: the one its clause (else sentence) names, if only one."""
    for text in (clause, sentence):
        named = [c for c in countries_in(text) if c not in ("CHN", "RUS", "TUR")] or countries_in(text)
        if len(named) == 1:
            return named[0]
    return None


def origin_of(sentence: str, paragraph: str | None = None) -> str | None:
    """Who published the figure, when the sentence (else its paragraph) names it."""
    for text in (sentence, paragraph or ""):
        for pattern in _ORIGIN:
            for m in pattern.finditer(text):
                who = re.sub(r"(?:\s+(?:of|and|for|the))+$", "", m.group("who").strip(" ,.")).strip()
                who = re.sub(r"[’']s$", "", re.sub(r"^(?:the|The)\s+", "", who))
                if who and not _NOT_ORIGIN.match(who) and len(who) > 2 and who.lower() not in _NOT_NAMES:
                    return who
    return None
