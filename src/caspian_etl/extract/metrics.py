"""Which metric of schemas/metrics.yaml a figure belongs to, from the words of its sentence (and the title).

Rules are tried in order for the figure's unit dimension; the first whose words all occur wins. Words are
matched case-insensitively as regular expressions on the sentence. A figure no rule claims is kept as
`unclassified_figure` with a low confidence, for a person to classify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from caspian_etl.units import get_unit

UNCLASSIFIED = "unclassified_figure"

CORRIDOR = r"middle corridor|\btitr\b|trans-caspian (?:international )?(?:transport )?route|trans-caspian corridor"
BTC = r"\bbtc\b|baku-tbilisi-ceyhan"
CPC = r"\bcpc\b|caspian pipeline consortium"
OIL = r"\boil\b|crude|condensate"
TRADE = r"trade|turnover|traded"
GROWTH = r"increas|grew|grow|rose|rise|up by|jump|surge|soar|climb|decline|decreas|fell|drop|down by|expand"
CAPACITY = r"capacity|capable of|throughput of up to|designed to"
CONTAINERS = r"\bteu|container"


@dataclass(frozen=True)
class Rule:
    metric: str
    dimensions: tuple[str, ...]
    words: tuple[str, ...]  # every pattern must match the sentence


RULES: tuple[Rule, ...] = (
    # mass and mass rates
    Rule("btc_quota", ("mass", "mass_rate"), (BTC, r"quota")),
    Rule("btc_capacity", ("mass", "mass_rate"), (BTC, CAPACITY)),
    Rule("oil_exports_via_cpc", ("mass",), (CPC,)),
    Rule("oil_exports_via_btc", ("mass",), (BTC, r"kazakh")),
    Rule("oil_exports_via_btc", ("mass",), (r"kazakh", OIL, r"aktau|baku|caspian sea|tanker")),
    Rule("btc_throughput", ("mass",), (BTC,)),
    Rule("middle_corridor_capacity", ("mass", "mass_rate"), (CORRIDOR, CAPACITY + r"|per year|annually|a year")),
    Rule("caspian_seaport_cargo", ("mass",), (CORRIDOR + r"|trans-caspian", r"seaport|sea port|ports of")),
    Rule("middle_corridor_cargo", ("mass",), (CORRIDOR,)),
    Rule("aktau_port_capacity", ("mass", "mass_rate"), (r"aktau", CAPACITY)),
    Rule("grain_rail_transport", ("mass",), (r"grain", r"transport|rail")),
    Rule("grain_exports", ("mass",), (r"grain|wheat", r"export")),
    Rule("kmg_oil_condensate_production", ("mass",), (r"kmg|kazmunaygas|kazmunaigas", r"produc")),
    Rule("oil_exports", ("mass",), (OIL, r"export")),
    Rule("oil_production", ("mass",), (OIL, r"produc|output|extract")),
    # containers
    Rule("middle_corridor_container_capacity", ("containers", "container_rate"), (CORRIDOR, CAPACITY)),
    Rule("aktau_baku_containers_kmtf", ("containers",), (r"kazmortransflot|kmtf",)),
    Rule("middle_corridor_containers", ("containers",), (CORRIDOR,)),
    Rule("aktau_baku_containers", ("containers",), (r"aktau", r"baku")),
    # money
    Rule("goods_exports", ("money_usd",), (r"export",), ),
    Rule("goods_imports", ("money_usd",), (r"import",)),
    Rule("trade_turnover", ("money_usd",), (TRADE,)),
    Rule("trade_turnover_azn", ("money_azn",), (TRADE,)),
    Rule("focl_investment", ("money_usd",), (r"fib(?:er|re)|cable|focl", r"invest|cost")),
    # shares and growth
    Rule("middle_corridor_containers_growth", ("share",), (CORRIDOR + r"|" + CONTAINERS, CONTAINERS, GROWTH)),
    Rule("middle_corridor_cargo_growth", ("share",), (CORRIDOR, GROWTH)),
    Rule("trade_turnover_growth", ("share",), (TRADE, GROWTH)),
    Rule("btc_throughput_tkm_kaz_share", ("share",), (BTC, r"turkmen", r"kazakh")),
    Rule("middle_corridor_containers_growth_multiple", ("ratio",), (CONTAINERS,)),
    Rule("middle_corridor_cargo_growth_multiple", ("ratio",), (CORRIDOR,)),
    Rule("grain_exports_growth_multiple", ("ratio",), (r"grain|wheat",)),
    Rule("oil_exports_via_btc_growth_multiple", ("ratio",), (BTC + r"|aktau", OIL)),
    # time, length, bandwidth
    Rule("middle_corridor_transit_time", ("duration",), (r"transit|deliver|travel|journey|shipping time|days to",)),
    Rule("focl_length", ("length",), (r"fib(?:er|re)|cable|focl",)),
    Rule("focl_bandwidth", ("bandwidth",), ()),
)

# exports/imports must not catch "trade turnover ... exports rose": turnover wins when both are said
_TURNOVER = re.compile(r"turnover|trade volume|bilateral trade", re.I)


# metrics told apart by one word: the rule applies only when its own word is nearer the figure than the rival's
# ('exported $24.5 million ... imports amounted to $256.1 million')
_RIVALS = {"goods_exports": (r"export", r"import"), "goods_imports": (r"import", r"export"),
           "btc_quota": (r"quota", CAPACITY), "btc_capacity": (CAPACITY, r"quota")}


def _distance(pattern: str, text: str, start: int, end: int) -> int:
    spans = [(m.start(), m.end()) for m in re.finditer(pattern, text, re.I)]
    return min((max(0, s - end, start - e) for s, e in spans), default=10**9)


def classify(unit: str, sentence: str, title: str | None = None,
             span: tuple[int, int] | None = None) -> tuple[str, str]:
    """(metric, where) with where = 'sentence', 'title' (only the title's words made it fit) or 'none'.

    `span` is the figure's position in the sentence (for rival words such as export/import)."""
    dimension = get_unit(unit).dimension
    start, end = span or (0, 0)
    with_title = f"{title or ''} {sentence}"
    for text, where, offset in ((sentence, "sentence", 0), (with_title, "title", len(title or "") + 1)):
        for rule in RULES:
            if dimension not in rule.dimensions:
                continue
            if rule.metric in ("goods_exports", "goods_imports") and _TURNOVER.search(text):
                continue
            if not all(re.search(w, text, re.I) for w in rule.words):
                continue
            if rule.metric in _RIVALS and span is not None:
                own, rival = _RIVALS[rule.metric]
                a, b = start + offset, end + offset
                if _distance(rival, text, a, b) < _distance(own, text, a, b):
                    continue
            return rule.metric, where
        if not title:
            break
    return UNCLASSIFIED, "none"
