"""Figure extraction: article body text -> figures with value, unit, period, metric, kind, bound, direction, origin,
a confidence and the span of the sentence that states them. Used by the `news` source (figures become `claims`
rows) and by `caspian-etl extract` (prints them for a person to check).

Each figure's meaning comes from the clause that governs it (caspian_etl.extract.clauses): its period is the
nearest period mention of that clause that is not a comparison base ('up 86% on 2022' is not the figure's period),
else of its sentence, else (for reported levels and growth rates) the period the previous sentence of the same
paragraph stated. Kinds, bounds and signs: caspian_etl.extract.kinds; metrics: caspian_etl.extract.metrics.

Confidence (0..1) is a score calibrated on the dev part of the real articles (caspian_etl.extract.gold_eval) so
that figures at or above REPORTED_THRESHOLD are fully right (metric, period, kind, unit, direction) at least 95% of
the time; `confidence_note` says what lowered it, and becomes the claim's promotion note below the threshold.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

from caspian_etl.contracts.units import get_unit
from caspian_etl.extract.clauses import clause_of
from caspian_etl.extract.figures import RawFigure, find_figures
from caspian_etl.extract.kinds import bound_of, is_decline, kind_of, states_modality
from caspian_etl.extract.metrics import UNCLASSIFIED, classify, growth_metric, ports_named, with_port
from caspian_etl.extract.parties import TRADE_METRICS, countries_in, origin_of, producer, trade_pair
from caspian_etl.extract.periods import PeriodMention, find_periods, nearest_period
from caspian_etl.extract.promotion import NATIONAL_METRICS, REPORTED_THRESHOLD, promotion_note
from caspian_etl.extract.sentences import Sentence, split_sentences

_RATE_CONTEXT = re.compile(r"\b(?:capacity|quota|capable of|designed to)\b", re.I)
_ANNUAL = re.compile(r"\b(?:annual(?:ly)?|per year|a year|yearly|per annum)\b", re.I)
_TO_RATE = {"t": "t/yr", "kt": "kt/yr", "Mt": "Mt/yr", "TEU": "TEU/yr"}
_YEARLY_LEVEL = re.compile(r"\b(?:annual|yearly)\s+(?:\w+\s+){0,2}(?:volumes?|throughput|traffic|turnover|"
                           r"output|shipments)\b[^,;]*$", re.I)
_SINCE = re.compile(r"\bsince\s+$", re.I)
_PERIOD_KINDS = ("observation", "growth_rate", "share")
_VAGUE = re.compile(r"\b(?:previous|recent|past|coming|next)\s+years\b|\btoday\b|\bat\s+present\b|\bcurrently\b|"
                    r"\bprior\s+to\b|\bbefore\s+the\b|\bago\b|\bin\s+the\s+long\s+term\b|\bnowadays\b", re.I)
_COUNT_DIMENSIONS = ("vessels", "tankers", "ferries", "berths", "terminals", "flights", "jobs", "wagons",
                     "container_count", "tanker_rate", "ferry_rate", "flight_rate")
_FLOW_DIMENSIONS = ("mass", "containers", "money_usd", "money_azn", "money_eur", "gas_volume", "trains", "share",
                    "ratio", "mass_rate", "container_rate")  # kinds whose period the context may give
_DATE_MARKER = re.compile(r"^\s*date\s+\d{4}-\d{2}-\d{2}\s")


@dataclass(frozen=True)
class Figure:
    value: float
    unit: str
    text: str  # the figure as written ('4.1 million tons')
    period: str | None
    metric: str
    kind: str  # a claims.kind: observation, target, plan, forecast, capacity, change, growth_rate, share
    confidence: float
    sentence_start: int  # span of the sentence in the text
    sentence_end: int
    figure_start: int  # span of the figure itself in the text
    figure_end: int
    country: str | None = None
    partner: str | None = None
    note: str | None = None
    bound: str | None = None  # '>' more than, '<' up to, '~' about; None when exact
    direction: str | None = None  # trade flows: 'KAZ->AZE', 'AZE->KAZ', 'KAZ<->AZE'
    origin: str | None = None  # who the text says published the figure ('Ministry of Transport')
    confidence_note: str | None = None  # what lowered the confidence
    period_source: str | None = None  # where the period was read: clause, sentence, context (carried) or none
    part_of_country: bool = False  # a company's, field's or region's figure of a national metric
    future: bool = False  # a capacity its clause plans or expects, or a period after publication or a deadline

    @property
    def promotion_note(self) -> str | None:
        """None when the figure feeds the indicator tables, else why not (caspian_etl.extract.promotion)."""
        return promotion_note(confidence=self.confidence, confidence_note=self.confidence_note, kind=self.kind,
                              metric=self.metric, unit=self.unit, period=self.period,
                              period_source=self.period_source, future=self.future,
                              part_of_country=self.part_of_country, country=self.country)


@dataclass(frozen=True)
class _Context:
    published: date | None
    title: str | None
    home: str | None
    article_countries: list[str]
    text: str
    headline: str | None  # the first line of a plain text, when no title is given


_INCLUDING = re.compile(r"\b(?:including|of\s+which|among\s+them)\b", re.I)
_PART_OF_COUNTRY = re.compile(r"\b(?:fields?|regions?|oblast|project|consortium|operator|compan(?:y|ies)|socar|kmg|"
                              r"kazmunay?gas|kazmunaigas|tengizchevroil|tco|ncoc|kpo|kashagan|karachaganak|tengiz|"
                              r"chevron|exxon\w*|eni|shell|lukoil|bp|acg|shah\s+deniz|azeri-chirag\w*)\b", re.I)


_BASE_MARK = re.compile(r"\b(?:against|compared\s+(?:to|with)|versus|vs\.?|from|than)\s+(?:the\s+)?"
                        r"(?:(?:about|around|nearly|almost|over|more\s+than)\s+)?$", re.I)


def _is_base_value(sentence: str, raw: RawFigure, p: PeriodMention) -> bool:
    """'against 198,000 tons a year earlier', 'compared to 3.5 Mt in the same period of 2022': the figure right
    after a comparison word, its base period right after it, is the base value (an observation of that period)."""
    between = sentence[raw.end:p.start]
    return p.start >= raw.end and len(between) <= 30 and not re.search(r"[,;]|\d", between) and \
        bool(_BASE_MARK.search(sentence[max(0, raw.start - 40):raw.start]))


def _own_period(mentions: list[PeriodMention], raw: RawFigure, clause: tuple[int, int], kind: str,
                sentence: str, carried: PeriodMention | None) -> tuple[PeriodMention | None, str]:
    """(period, where it came from: clause / sentence / context / none)."""
    def own(p: PeriodMention) -> bool:
        if p.base:  # a comparison base is the period of the base value only ('against 198,000 t a year earlier')
            return _is_base_value(sentence, raw, p)
        if _SINCE.search(sentence[max(0, p.start - 8):p.start]):  # 'since 2020': the start of a growth, not its period
            return raw.low_high == "from" or (kind not in ("growth_rate", "change") and
                                              not re.search(r"\bgr[oe]wn?\b|increas|rose", sentence, re.I))
        return True

    candidates = [p for p in mentions if own(p)]
    in_clause = [p for p in candidates if clause[0] <= p.start < clause[1]]
    if in_clause:
        return nearest_period(in_clause, raw.start, raw.end), "clause"
    if candidates:
        return nearest_period(candidates, raw.start, raw.end), "sentence"
    if carried is not None and kind in _PERIOD_KINDS and get_unit(raw.unit).dimension in _FLOW_DIMENSIONS:
        return carried, "context"
    return None, "none"


# calibrated on the dev articles (benchmarks/extraction_articles.py): a metric read from the figure's own clause
# with the period of that clause is right about nine times in ten; every weaker source of the metric or period
# (a route named only outside the clause, a period carried from the sentence before, no period for a flow)
# was right at most two times in three there, so each alone puts the figure below REPORTED_THRESHOLD.
# a period that is not plainly the figure's own (stated outside its clause, computed from another sentence's,
# introduced by 'from', or without its year) takes even a clause-named metric (0.9) below REPORTED_THRESHOLD
NOT_OWN = 0.35
_METRIC_SCORE = {"clause": 0.9, "sentence": 0.75, "entity": 0.55, "title": 0.55, "context": 0.45, "none": 0.3}
_METRIC_NOTE = {"entity": "route, port or pipeline named only outside the figure's clause",
                "sentence": "metric read from the whole sentence", "title": "metric from the title",
                "context": "metric from the sentences before", "none": "no metric recognised"}


def _confidence(where_metric: str, where_period: str, period: PeriodMention | None, kind: str, ambiguous: bool,
                metric: str, flow: bool, count: bool) -> tuple[float, list[str]]:
    score = _METRIC_SCORE[where_metric]
    notes = [_METRIC_NOTE[where_metric]] if where_metric in _METRIC_NOTE else []
    if where_period == "sentence":
        score -= NOT_OWN
        notes.append("period stated outside the figure's clause")
    elif where_period == "context":
        score -= 0.4
        notes.append("period carried from an earlier sentence")
    elif where_period == "none" and ((flow and kind != "capacity") or kind in ("forecast", "plan")):
        score -= 0.35
        notes.append("no period stated")
    if period is not None and period.from_context:
        score -= 0.05
        notes.append("period resolved from the publication date")
    if period is not None and period.inherited:
        score -= NOT_OWN  # a period never comes from another sentence into the indicator tables
        notes.append("period computed from another sentence's period")
    if period is not None and period.span_word:
        score -= NOT_OWN
        notes.append("a period introduced by 'from' or 'between' (also the words of a comparison base)")
    if period is not None and period.yearless:
        score -= NOT_OWN  # which year is a guess
        notes.append("the year or the last month of the period is not stated")
    if ambiguous:
        score -= 0.35
        notes.append("several periods in the clause")
    if count and metric != UNCLASSIFIED:  # 'three berths': which berths, the metric does not say
        score = min(score, 0.55)
        notes.append("a count of things")
    if metric in TRADE_METRICS and where_metric != "clause":
        score -= 0.1
        notes.append("trade partner read outside the clause")
    return round(max(0.05, min(1.0, score)), 2), notes


def _figure(raw: RawFigure, sentence: Sentence, mentions: list[PeriodMention], carried: PeriodMention | None,
            ctx: _Context, paragraph: str, paragraph_before: str, neighbours: list[RawFigure]) -> Figure:
    text = sentence.text
    cs, ce = clause_of(text, raw.start)
    clause, before = text[cs:ce], text[cs:raw.start]
    # the figure's own phrase: from the figure before it (or the clause start) to the figure after it
    own_from = max([cs] + [r.end for r in neighbours if r.end <= raw.start and
                           not re.fullmatch(r"\s*(?:to|and|-|–)\s*", text[r.end:raw.start])])
    own_to = min([ce] + [r.start for r in neighbours if r.start >= raw.end])
    annual = _ANNUAL.search(text[own_from:own_to])
    quota = re.search(r"\bquota\b", clause, re.I) and _ANNUAL.search(text)  # a quota is a yearly allotment
    if raw.unit in _TO_RATE and ((_RATE_CONTEXT.search(clause) and (annual or quota or raw.unit == "TEU")) or
                                 (annual and _YEARLY_LEVEL.search(text[own_from:raw.start]))):
        # 'an annual capacity of 50 million tons', 'a quota of 1.5 million tons ... annually', 'yearly container
        # volumes of 15,000 TEU': a rate (a capacity only when the clause speaks of capacity)
        raw = replace(raw, unit=_TO_RATE[raw.unit])
    kind = kind_of(clause, before, raw.unit, text[raw.end:ce])
    value = raw.value
    if kind == "growth_rate" and raw.unit == "%" and is_decline(before):
        value = -value
    preceding = ctx.text[:sentence.start]
    # 'the port' -> ' (port of Baku)': the port named last before the clause (its own sentence included)
    hint = with_port(clause, ctx.text[:sentence.start + cs])[len(clause):]
    metric, where = classify(raw.unit, text, ctx.title or ctx.headline, (raw.start, raw.end), (cs, ce),
                             context=with_port(paragraph_before + " the port", preceding), hint=hint,
                             names_from=preceding)
    period, where_period = _own_period(mentions, raw, (cs, ce), kind, text, carried)
    own_in_clause = [p for p in mentions if not p.base and cs <= p.start < ce]
    ambiguous = len({p.code for p in own_in_clause}) > 1
    country = partner = direction = None
    trade = metric in TRADE_METRICS or metric.startswith("trade_turnover")
    if trade:
        country, partner, direction = trade_pair(metric, clause, text, ctx.article_countries, ctx.home)
    elif metric != UNCLASSIFIED:
        country = producer(metric, clause, text, ctx.article_countries)
    flow = get_unit(raw.unit).dimension in _FLOW_DIMENSIONS
    count = get_unit(raw.unit).dimension in _COUNT_DIMENSIONS
    confidence, why = _confidence(where, where_period, period, kind, ambiguous, metric, flow, count)
    if trade and direction is None:  # the catalog's trade metrics are the Kazakhstan-Azerbaijan pair's
        confidence = min(confidence, 0.5)
        why.append("trade partners not the Kazakhstan-Azerbaijan pair, or not named")
    if metric.startswith(("port_", "aktau_port", "aktau_container_hub")) and len(ports_named(clause)) > 1:
        # 'through the ports of Aktau and Kuryk': the total of both, not one port's figure
        confidence = min(confidence, 0.5)
        why.append("the clause names several ports")
    # a capacity that will be reached, or any level of a period that had not begun when the text was written, is a
    # plan or an expectation whatever its kind says
    future = (kind == "capacity" and states_modality(clause)) or (period is not None and period.deadline) or \
        (period is not None and ctx.published is not None and int(period.code[:4]) > ctx.published.year)
    # 'SOCAR produced', 'the Kashagan field', 'including 29 million tons at Tengiz': a part, not the country's total
    part = metric in NATIONAL_METRICS and bool(_INCLUDING.search(before) or
                                               _PART_OF_COUNTRY.search(text[own_from:own_to]))
    notes = []
    if raw.range_text:
        notes.append(f"range {raw.range_text} (value = low end)")
    if period is not None and where_period == "context":
        notes.append(f"period {period.code} from the previous sentence")
    return Figure(
        value=value, unit=raw.unit, text=raw.text, period=period.code if period else None, metric=metric, kind=kind,
        confidence=confidence, sentence_start=sentence.start, sentence_end=sentence.end,
        figure_start=sentence.start + raw.start, figure_end=sentence.start + raw.end, country=country,
        partner=partner, note="; ".join(notes) or None, bound=bound_of(before), direction=direction,
        origin=origin_of(text, paragraph), confidence_note="; ".join(why) or None, period_source=where_period,
        future=future, part_of_country=part,
    )


def _linked(found: list[Figure], body: str, offset: int, previous: Figure | None) -> list[Figure]:
    """A growth rate or multiple measures the level its clause states ('rose by 62% to 4.5 million tons'):
    it takes that level's metric; one whose clause names nothing ('growth was 2%') continues the figure before it
    in the paragraph (with that figure's confidence at most, never above the threshold). A converted amount in
    brackets ('€50 billion (US$55 billion)') takes the bound of the amount it converts."""
    out: list[Figure] = []
    for i, f in enumerate(found):
        start = f.figure_start - offset
        if f.kind == "growth_rate":
            clause = clause_of(body, start)
            levels = [g for g in found if g.kind not in ("growth_rate", "share") and g.metric != UNCLASSIFIED
                      and clause[0] <= g.figure_start - offset < clause[1]]
            if levels:
                level = min(levels, key=lambda g: abs(g.figure_start - f.figure_start))
                metric = growth_metric(level.metric, f.unit)
                if metric != f.metric:
                    f = replace(f, metric=metric, confidence=min(f.confidence, level.confidence) if
                                f.metric == UNCLASSIFIED else f.confidence)
            elif f.metric == UNCLASSIFIED and previous is not None and previous.metric != UNCLASSIFIED:
                level = previous.metric.removesuffix("_growth_multiple").removesuffix("_growth")
                f = replace(f, metric=growth_metric(level, f.unit), confidence=min(0.5, previous.confidence),
                            confidence_note=f"metric of the figure before ({previous.text}); {f.confidence_note}")
        if i and f.bound is None and body[:start].rstrip().endswith("(") and out[-1].bound:
            f = replace(f, bound=out[-1].bound)
        out.append(f)
    return out


# 'Last year the route carried 2.7 Mt, up 86% on 2022': last year was 2023, so the text was written in 2024
_LAST_YEAR_ON = re.compile(r"\blast\s+year\b(?:[^.;]|\.\d){0,120}?\b(?:on|than(?:\s+in)?|compared\s+(?:to|with)|"
                           r"from|over)\s+(?P<y>(?:19[89]\d|20[0-4]\d))\b", re.I)


def _implied_date(text: str) -> date | None:
    """When the page gives no publication date, the year a year-on-year comparison implies (the last day of that
    year: relative periods resolve to it, flagged as resolved from the publication date)."""
    m = _LAST_YEAR_ON.search(text)
    return date(int(m.group("y")) + 2, 12, 31) if m else None


def extract_figures(text: str, *, published: date | None = None, title: str | None = None,
                    home_country: str | None = None) -> list[Figure]:
    """Every figure with a unit in `text` (body text only), in reading order."""
    published = published or _implied_date(text)
    first_line = text.strip().split("\n", 1)[0]
    headline = None if title or len(first_line) > 200 or "\n" not in text.strip() else first_line
    ctx = _Context(published, title, home_country, countries_in(f"{title or ''} {text}"), text, headline)
    figures: list[Figure] = []
    anchor: str | None = None  # the last period the text stated (for 'the same period last year')
    carried: PeriodMention | None = None  # the last period of the previous sentence, same paragraph
    paragraph_start, previous_end = 0, 0
    for sentence in split_sentences(text):
        if "\n" in text[previous_end:sentence.start]:
            paragraph_start = sentence.start
        previous_end = sentence.end
        body = _DATE_MARKER.sub(lambda m: " " * len(m.group(0)), sentence.text)
        mentions = find_periods(body, published, anchor)
        paragraph_end = text.find("\n", sentence.end)
        paragraph = text[paragraph_start:paragraph_end if paragraph_end >= 0 else len(text)]
        before = text[paragraph_start:sentence.start]
        if _VAGUE.search(body):  # 'in previous years', 'today': the period stated before does not hold here
            carried = None
        raws = find_figures(body)
        found = [_figure(raw, replace(sentence, text=body), mentions, carried, ctx, paragraph, before, raws)
                 for raw in raws]
        previous = figures[-1] if figures and figures[-1].figure_start >= paragraph_start else None
        figures.extend(_linked(found, body, sentence.start, previous))
        own = [p for p in mentions if not p.base and not p.deadline]
        if own:
            carried = own[-1]
            anchor = own[-1].code
    return figures


__all__ = ["REPORTED_THRESHOLD", "UNCLASSIFIED", "Figure", "extract_figures"]
