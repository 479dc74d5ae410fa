"""Which metric of schemas/metrics.yaml a figure belongs to, from the words of its clause (then its sentence, then
the title).

Rules are tried in order; the first whose unit dimensions include the figure's and whose words all occur wins.
Words are matched case-insensitively as regular expressions. A growth rate or multiple ('%', ratio) is about a
level: the rules are tried for the level ('container shipments rose by 73%' is about containers), and the metric
is the level's `_growth` (%) / `_growth_multiple` (ratio) metric when the catalog has one, else the level metric
itself (claims.kind says growth_rate). A figure no rule claims is kept as `unclassified_figure` with a low
confidence, for a person to classify.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from caspian_etl.contracts.metrics import metrics
from caspian_etl.contracts.units import get_unit

UNCLASSIFIED = "unclassified_figure"

# a bilateral trade figure names the pair, or says bilateral / mutual / between
BILATERAL = r"turnover|bilateral|mutual|between|two countries|kazakh|azerbaijan"
# exports of cargo (tonnes) or of non-oil goods are not the goods_exports (all goods, USD) of the trade tables
NOT_GOODS = r"cargo|freight|transit|\btons|\btonnes|non-oil|non-fossil|non-energy"
CORRIDOR = (r"middle corridor|\btitr\b|\btmtm\b|trans-?caspian\b|"
            r"transcaspian|\bthe corridor\b")
BTC = r"\bbtc\b|baku-tbilisi-ceyhan"
CPC = r"\bcpc\b|caspian pipeline consortium"
OTHER_ROUTE = r"suez|red sea|northern corridor|around africa|cape of good hope|southern tip"
KAZ = r"kazakh|\bkmg\b|kazmunaigas|kazmunaygas"
TIME = r"\btime|\bdays\b|\bhours\b|journey|travel|\btake|within|lasts|needs"
OIL = r"\boil\b|crude|condensate|petroleum"
TRADE = r"trade|turnover|traded"
CAPACITY = r"capacity|capable of|throughput of up to|designed to"
CONTAINERS = r"\bteus?\b|container"
CARGO = (r"cargo|freight|turnover|handl|transship|tranship|shipments|throughput|traffic|volume|moved|"
         r"transport(?:ed|ation)|carr(?:y|ies|ying|ied)|shipped")
PORTS = {"baku": r"baku (?:international )?(?:sea )?(?:trade )?port|port of (?:baku|alat|alyat)|baku port|alat port",
         "aktau": r"aktau (?:commercial )?(?:sea)?port|port of aktau|aktau's port",
         "kuryk": r"\bkuryk\b"}
# goods a country sells to or buys from another ('supplied goods worth $200 million to Azerbaijan')
EXPORT = r"export|\bsuppl(?:y|ied|ies)\b|\bsold\b|\bsells?\b"
IMPORT = r"import|\bbought\b|\bbuys?\b|\bpurchased\b"
MASS = ("mass", "mass_rate")
LEVEL_DIMENSIONS = ("mass", "containers", "money_usd", "money_azn", "gas_volume", "trains", "duration")
GROWTH = ("share", "ratio")  # a growth rate or multiple borrows the metric of its level


@dataclass(frozen=True)
class Rule:
    metric: str
    dimensions: tuple[str, ...]
    words: tuple[str, ...]  # every pattern must match the text
    unless: str | None = None  # a pattern that must not match
    generic: bool = False  # names no route, port or company: tried only when no named metric fits

    @property
    def commodity(self) -> str | None:
        """The commodity the rule is about ('grain', 'oil'), from its words."""
        words = " ".join(self.words)
        if self.metric.startswith("port_cargo"):
            return "cargo"  # all cargo: not a tonnage of oil or grain alone
        return "grain" if "grain" in words else ("oil" if "oil" in words or self.metric.startswith(("oil", "btc"))
                                                 else None)


def _port_rules() -> tuple[Rule, ...]:
    rules: list[Rule] = []
    for port, name in PORTS.items():
        capacity = "aktau_port_capacity" if port == "aktau" else f"port_capacity_{port}"
        container_capacity = "aktau_container_hub_capacity" if port == "aktau" else f"port_container_capacity_{port}"
        rules += [Rule(container_capacity, ("container_rate",), (name,)),
                  Rule(f"port_containers_{port}", ("containers", "container_rate"), (name, CONTAINERS)),
                  Rule(capacity, MASS, (name, CAPACITY)),
                  Rule(f"port_cargo_{port}", ("mass",), (name, CARGO))]
    return tuple(rules)


RULES: tuple[Rule, ...] = (
    Rule("btc_quota", MASS, (BTC, r"quota")),
    Rule("btc_capacity", MASS, (BTC, CAPACITY)),
    Rule("oil_exports_via_cpc", ("mass",), (CPC,)),
    Rule("oil_exports_via_btc", MASS, (BTC, KAZ)),
    Rule("oil_exports_via_btc", MASS, (KAZ, OIL, r"azerbaijan|\bbaku\b|tanker|ceyhan"), unless=r"\bport\b"),
    Rule("btc_throughput", ("mass",), (BTC,)),
    *_port_rules(),
    Rule("block_train_containers", ("containers",), (r"(?:block|container) trains?",)),
    Rule("block_trains", ("trains", "train_rate"), (r"train",)),
    Rule("middle_corridor_container_capacity", ("container_rate",), (CORRIDOR,)),
    Rule("middle_corridor_capacity", MASS, (CORRIDOR, CAPACITY)),
    Rule("middle_corridor_capacity", ("mass_rate",), (CORRIDOR,)),
    Rule("aktau_baku_containers_kmtf", ("containers",), (r"kazmortransflot|kmtf",)),
    Rule("middle_corridor_containers", ("containers",), (CORRIDOR, CONTAINERS),
         unless=OTHER_ROUTE),
    Rule("middle_corridor_length", ("length",), (CORRIDOR + r"|route|corridor", r"span|long|length|stretch"),
         unless=r"reduc|shorter"),
    Rule("grain_terminal_capacity", MASS, (r"grain", r"terminal", CAPACITY)),
    Rule("caspian_seaport_cargo", ("mass",), (CORRIDOR + r"|trans-caspian", r"\bseaports|\bsea ports|\bports of")),
    Rule("grain_rail_transport", ("mass",), (r"grain", r"transport|rail")),
    Rule("grain_exports", ("mass",), (r"grain|wheat", r"export")),
    Rule("kmg_oil_condensate_production", ("mass",), (r"kmg|kazmunaygas|kazmunaigas", r"produc")),
    Rule("oil_refining", ("mass",), (r"refin",), unless=r"refined products"),
    Rule("oil_exports", ("mass",), (OIL, r"export")),
    Rule("oil_production", ("mass",), (OIL, r"produc|output|extract")),
    Rule("middle_corridor_cargo", ("mass",), (CORRIDOR, CARGO), unless=OTHER_ROUTE + r"|\broad\b|\bexport"),
    Rule("road_cargo", ("mass",), (r"\broad\b|\btrucks?\b|\bmotor\b", CARGO), generic=True),
    Rule("transit_cargo", ("mass",), (r"\btransit\b", CARGO), generic=True),
    Rule("exports_tonnes", ("mass",), (r"\bexport",), generic=True),
    Rule("gas_exports", ("gas_volume",), (r"\bgas\b", r"export",)),
    Rule("gas_consumption", ("gas_volume",), (r"\bgas\b", r"consum",)),
    Rule("gas_processing", ("gas_volume",), (r"\bgas\b", r"process",)),
    Rule("gas_production", ("gas_volume",), (r"\bgas\b",)),
    Rule("goods_exports", ("money_usd",), (EXPORT,), unless=NOT_GOODS),
    Rule("goods_imports", ("money_usd",), (IMPORT,), unless=NOT_GOODS),
    Rule("trade_turnover", ("money_usd",), (TRADE, BILATERAL), unless=OTHER_ROUTE),
    Rule("trade_turnover_azn", ("money_azn",), (TRADE, BILATERAL), unless=OTHER_ROUTE),
    Rule("focl_investment", ("money_usd",), (r"fib(?:er|re)|cable|focl", r"invest|cost")),
    Rule("investment", ("money_usd", "money_eur"), (r"invest",), generic=True),
    Rule("vessel_handling_time", ("duration",), (r"vessel|ship", r"load|unload|handl|process", TIME)),
    Rule("ferry_processing_time", ("duration",), (r"ferry", r"handl|process|cycle", TIME)),
    Rule("middle_corridor_transit_time", ("duration",), (CORRIDOR, r"transit|deliver|travel|journey|shipping time|"
                                                         r"days to|goods", TIME), unless=OTHER_ROUTE),
    Rule("focl_length", ("length",), (r"fib(?:er|re)|cable|focl",)),
    Rule("focl_bandwidth", ("bandwidth",), ()),
    Rule("port_berths", ("berths",), ()),
    Rule("port_terminals", ("terminals",), (r"port|terminal",)),
    Rule("oil_tankers", ("tankers", "tanker_rate"), ()),
    Rule("ferry_fleet", ("ferries",), (r"fleet|own|build|operat",)),
    Rule("ferry_capacity", ("ferry_rate", "wagons"), (r"ferr(?:y|ies)",)),
    Rule("fleet_vessels", ("vessels",), ()),
    Rule("flights", ("flights", "flight_rate"), ()),
    Rule("jobs_created", ("jobs",), ()),
    Rule("solar_capacity", ("power",), (r"solar|photovoltaic",)),
    Rule("renewable_capacity", ("power",), (r"renewable|wind",)),
)

# exports/imports must not catch "trade turnover ... exports rose": turnover wins when both are said
_TURNOVER = re.compile(r"turnover|trade volume|bilateral trade", re.I)
# metrics told apart by one word: the rule applies only when its own word is nearer the figure than the rival's
# ('exported $24.5 million ... imports amounted to $256.1 million')
_RIVALS = {"goods_exports": (EXPORT, IMPORT), "goods_imports": (IMPORT, EXPORT),
           "btc_quota": (r"quota", CAPACITY), "btc_capacity": (CAPACITY, r"quota")}


def _distance(pattern: str, text: str, start: int, end: int) -> int:
    spans = [(m.start(), m.end()) for m in re.finditer(pattern, text, re.I)]
    return min((max(0, s - end, start - e) for s, e in spans), default=10**9)


def _match(dimensions: tuple[str, ...], text: str, span: tuple[int, int] | None, own: str,
           generic: bool = False, after: str = "") -> str | None:
    """The first rule that fits `text`; a capacity metric also needs a capacity word in `own` (the figure's
    clause), so a capacity stated in a neighbouring sentence does not turn a volume into one."""
    named = _OWN_COMMODITY.search(after)
    for rule in RULES:
        if rule.generic != generic:
            continue
        if named and rule.commodity and _commodity(named.group("c")) != rule.commodity:
            continue  # '1.2 million tons of metal and 0.8 million tons of grain': the metal is not grain
        if "capacity" in rule.metric and set(dimensions) & {"mass", "containers", "container_rate"} and \
                not re.search(CAPACITY, own, re.I):
            continue
        if not set(rule.dimensions) & set(dimensions):
            continue
        if rule.metric in ("goods_exports", "goods_imports") and _TURNOVER.search(text):
            continue
        if not all(re.search(w, text, re.I) for w in rule.words):
            continue
        if rule.unless and re.search(rule.unless, text, re.I):
            continue
        if rule.metric in _RIVALS and span is not None:
            own, rival = _RIVALS[rule.metric]
            if _distance(rival, text, *span) < _distance(own, text, *span):
                continue
        return rule.metric
    return None


@lru_cache(maxsize=1)
def _catalog() -> frozenset[str]:
    return frozenset(metrics())


def growth_metric(level: str, unit: str) -> str:
    suffix = "_growth_multiple" if unit == "ratio" else "_growth"
    return level + suffix if level + suffix in _catalog() else level


ENTITIES = re.compile("|".join((CORRIDOR, BTC, CPC, KAZ, *PORTS.values())), re.I)
# the commodity a tonnage names right after itself: '1.2 million tons of metal'
_OWN_COMMODITY = re.compile(r"^[^,;]{0,25}?\bof\s+(?:\w+\s+){0,2}?(?P<c>grain|wheat|barley|oil|crude|metals?|coal|"
                            r"fertili[sz]ers?|ore|cotton|hydrogen|uranium|polymers?|chemicals?|steel|cargo)\b", re.I)


def _commodity(word: str) -> str:
    word = word.lower()
    return "grain" if word in ("grain", "wheat", "barley") else ("oil" if word in ("oil", "crude") else word)


# the growth of a price is not the growth of the volume its clause names
_PRICE = re.compile(r"\b(?:costs?|prices?|tariffs?|fees?|charges?|freight\s+rates?)\b", re.I)
_THE_PORT = re.compile(r"\b(?:the|this|its|that)\s+port\b|\bthe\s+port's\b", re.I)


# any named port ('the port of Turkmenbashi', 'Poti port'): when the last port the text named is not one of PORTS,
# 'the port' after it is that other port, not the last known one
_ANY_PORT = (re.compile(r"\bport\s+of\s+[A-Z][\w-]+", re.I),
             re.compile(r"\b[A-Z][\w-]+(?:\s+(?:International|Commercial|Sea|Trade))*\s+(?:sea\s*)?port\b"))
_NOT_A_NAME = re.compile(r"^(?:The|This|That|Its|A|An|Sea|International|Commercial|Trade)\b")


def last_port(text: str) -> str | None:
    """The port the text named last ('Baku Port ... the port handled': the port is Baku); None when the last port
    named is another one ('Aktau ... the port of Turkmenbashi ... the port handled')."""
    hits = [(m.start(), port) for port, name in PORTS.items() for m in re.finditer(name, text, re.I)]
    others = [m.start() for p in _ANY_PORT for m in p.finditer(text) if not _NOT_A_NAME.match(m.group(0))
              and not any(re.search(name, m.group(0), re.I) for name in PORTS.values())
              and not re.match(r"port\s+of\s+(?:the|a|an|its|this)\b", m.group(0), re.I)]
    if not hits or (others and max(others) > max(hits)[0]):
        return None
    return max(hits)[1]


def ports_named(text: str) -> set[str]:
    """The known ports a text names ('the ports of Aktau and Kuryk' -> aktau, kuryk)."""
    both = re.search(r"\bports\s+of\s+(\w+)\s+and\s+(\w+)", text, re.I)
    named = {port for port, name in PORTS.items() if re.search(name, text, re.I)}
    if both:
        named |= {w.lower() for w in both.groups() if w.lower() in PORTS}
    return named


def with_port(text: str, preceding: str) -> str:
    """'the port handled 4.2 million tons' -> the same text naming the port the preceding text named."""
    if _THE_PORT.search(text) and last_port(text) is None and (port := last_port(preceding)):
        return f"{text} (port of {port.capitalize()})"
    return text


def classify(unit: str, sentence: str, title: str | None = None, span: tuple[int, int] | None = None,
             clause: tuple[int, int] | None = None, context: str | None = None, hint: str = "",
             names_from: str = "") -> tuple[str, str]:
    """(metric, where) with where = 'clause' (the figure's own clause names it), 'sentence', 'title' (only the
    title's words made it fit), 'context' (the paragraph before the sentence did) or 'none'. `span` is the
    figure's position in the sentence (for rival words such as export/import), `clause` its clause's."""
    dimension = get_unit(unit).dimension
    dimensions = LEVEL_DIMENSIONS if dimension in GROWTH else (dimension,)
    lead = sentence[clause[0] if clause is not None else 0:span[0] if span is not None else len(sentence)]
    if dimension in GROWTH and _PRICE.search(lead):
        return UNCLASSIFIED, "none"  # 'the cost of shipping a container rose 30%': a price, not a volume
    start, end = span or (0, 0)
    texts = []
    own = (sentence[clause[0]:clause[1]] if clause is not None else sentence) + hint
    if clause is not None:
        texts.append((own, "clause", (start - clause[0], end - clause[0])))
        # the clause plus the names (corridor, port, pipeline, country) the sentence and the text before use:
        # 'the route's cargo volume went up by 62%' is Middle Corridor cargo when the text is about the corridor
        names = " ".join(m.group(0) for m in ENTITIES.finditer(f"{names_from} {title or ''} {sentence}"))
        if names:
            texts.append((f"{own} ({names})", "entity", (start - clause[0], end - clause[0])))
    texts.append((sentence, "sentence", (start, end)))
    if title:
        offset = len(title) + 1
        texts.append((f"{title} {sentence}", "title", (start + offset, end + offset)))
    if context:
        texts.append((f"{context} {sentence}", "context", (start + len(context) + 1, end + len(context) + 1)))
    if dimension == "power":  # 'a 40 gigawatt desalination plant': the words after the figure say what it is
        texts = [(sentence[end:end + 40], "clause", (0, 0))]
    # named metrics (a route, port, pipeline, company) first, through every level; then the generic ones
    for generic, levels in ((False, texts), (True, texts[:1])):
        for text, where, local in levels:
            found = _match(dimensions, text, local if span is not None else None, own, generic, sentence[end:end + 60])
            if found is not None:
                return (growth_metric(found, unit) if dimension in GROWTH else found), where
    return UNCLASSIFIED, "none"
