"""Score the extractor on whole articles: research/samples/news/articles/ (texts, index.csv, gold.csv; the
conventions are in that folder's SOURCE.txt). Used by benchmarks/extraction_articles.py and a floor test.

Matching: per article, an extracted figure matches a gold figure of equal value in the same unit dimension after
scaling (4.5 Mt = 4,500,000 t), in reading order. Then for each matched pair:
- period: exact / coarser (the extracted period contains the gold one: 2024 for 2024-01..2024-10) / wrong /
  missing (the gold states a period, nothing was extracted) / spurious (no gold period, one was extracted);
- metric: right when equal, when the extracted metric's words (singular) are all words of the gold metric (a
  coarser name of the same thing: oil_production for oil_production_socar), or by ALIASES; for the growth kinds the
  extractor's `_growth` / `_growth_multiple` suffix is dropped first (gold files growth under the level metric);
- kind, direction (trade flows), bound: equal.
A figure is *fully right* when metric, period (exact, or both empty), kind, unit and direction are right.

The split into a dev part and a held-out part is deterministic: per publisher, the articles sorted by the
sha256 of their path, the first third (rounded, at least one when the publisher has two or more) held out.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Literal

from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.units import UnitError, get_unit
from caspian_etl.extract import UNCLASSIFIED, Figure, extract_figures

Part = Literal["dev", "heldout", "all"]
PeriodVerdict = Literal["exact", "coarser", "wrong", "missing", "spurious", "none"]
DEFAULT_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "research" / "samples" / "news" / "articles"

# catalog metrics that name the same thing as a gold metric with other words
ALIASES = {
    "middle_corridor_transit_time": ("transit_time",),
    "aktau_port_capacity": ("port_capacity_aktau",),
    "caspian_seaport_cargo": ("port_cargo",),
    "focl_length": ("caspian_fiber_cable_length",),
    "focl_bandwidth": ("caspian_fiber_cable_capacity",),
    "focl_investment": ("investment_caspian_fiber_cable",),
}


@dataclass(frozen=True)
class Case:
    case: str
    publisher: str
    published: date | None
    url: str


@dataclass(frozen=True)
class Gold:
    case: str
    line: int
    value: float
    unit: str
    period: str | None
    metric: str
    kind: str
    direction: str | None
    bound: str | None
    note: str

    def key(self) -> tuple[str, float] | None:
        try:
            u = get_unit(self.unit)
        except UnitError:
            return None
        return u.dimension, round(self.value * u.factor, 6)


@dataclass(frozen=True)
class Pair:
    gold: Gold
    figure: Figure
    period: PeriodVerdict
    metric_ok: bool
    kind_ok: bool
    direction_ok: bool
    bound_ok: bool

    @property
    def fully_right(self) -> bool:
        return self.metric_ok and self.kind_ok and self.direction_ok and self.period in ("exact", "none")


@dataclass
class CaseResult:
    case: Case
    gold: list[Gold]
    figures: list[Figure]
    pairs: list[Pair] = field(default_factory=list)

    @property
    def missed(self) -> list[Gold]:
        matched = {id(p.gold) for p in self.pairs}
        return [g for g in self.gold if id(g) not in matched]

    @property
    def extra(self) -> list[Figure]:
        matched = {id(p.figure) for p in self.pairs}
        return [f for f in self.figures if id(f) not in matched]


def _figure_key(f: Figure) -> tuple[str, float]:
    u = get_unit(f.unit)
    return u.dimension, round(f.value * u.factor, 6)


def _date(cell: str) -> date | None:
    try:
        return date.fromisoformat(cell.strip())
    except ValueError:
        return None


def load_cases(folder: Path) -> list[Case]:
    with open(folder / "index.csv", newline="", encoding="utf-8") as fh:
        return [Case(r["case"], r["publisher"], _date(r["published"]), r["url"]) for r in csv.DictReader(fh)]


def load_gold(folder: Path) -> dict[str, list[Gold]]:
    out: dict[str, list[Gold]] = defaultdict(list)
    with open(folder / "gold.csv", newline="", encoding="utf-8") as fh:
        for line, r in enumerate(csv.DictReader(fh), start=2):
            out[r["case"]].append(Gold(r["case"], line, float(r["value"]), r["unit"], r["period"] or None,
                                       r["metric"], r["kind"], r["direction"] or None, r["bound"] or None,
                                       r["note"]))
    return out


def split(cases: list[Case]) -> dict[str, Literal["dev", "heldout"]]:
    by_publisher: dict[str, list[Case]] = defaultdict(list)
    for c in cases:
        by_publisher[c.publisher].append(c)
    parts: dict[str, Literal["dev", "heldout"]] = {}
    for group in by_publisher.values():
        ordered = sorted(group, key=lambda c: hashlib.sha256(c.case.encode()).hexdigest())
        held = max(1, round(len(ordered) / 3)) if len(ordered) >= 2 else 0
        for i, c in enumerate(ordered):
            parts[c.case] = "heldout" if i < held else "dev"
    return parts


def period_verdict(gold: str | None, found: str | None) -> PeriodVerdict:
    if gold is None:
        return "none" if found is None else "spurious"
    if found is None:
        return "missing"
    try:
        g, f = parse_period(gold), parse_period(found)
    except PeriodError:
        return "wrong"
    if (g.start, g.end) == (f.start, f.end):  # 2020-H1 is 2020-01..2020-06
        return "exact"
    return "coarser" if f.start <= g.start and g.end <= f.end else "wrong"


def _words(metric: str) -> set[str]:
    """The words of a metric name, singular ('vessels' = 'vessel')."""
    return {w[:-1] if w.endswith("s") and len(w) > 3 else w for w in metric.split("_")}


def metric_right(gold: Gold, figure: Figure) -> bool:
    found = figure.metric
    if gold.kind in ("growth_rate", "change", "share"):
        for suffix in ("_growth_multiple", "_growth", "_change"):
            found = found.removesuffix(suffix)
    if found == UNCLASSIFIED:
        return False
    candidates = (found, *ALIASES.get(found, ()))
    return any(c == gold.metric or _words(c) <= _words(gold.metric) for c in candidates)


def metric_exact(gold: Gold, figure: Figure) -> bool:
    """Stricter than metric_right, for promoted figures: the gold metric is the figure's, or the figure's plus the
    figure's country ('oil_production' of KAZ = 'oil_production_kaz'); a coarser name ('oil_production' for
    'oil_production_socar') is a wrong indicator row."""
    found = figure.metric
    candidates = {found, *ALIASES.get(found, ())}
    if figure.country:
        candidates |= {f"{c}_{figure.country.lower()}" for c in list(candidates)}
    return gold.metric in candidates


def _match(case: Case, gold: list[Gold], figures: list[Figure]) -> list[Pair]:
    open_gold = [g for g in gold if g.key() is not None]
    pairs = []
    for f in figures:
        hit = next((g for g in open_gold if g.key() == _figure_key(f)), None)
        if hit is None:
            continue
        open_gold.remove(hit)
        pairs.append(Pair(hit, f, period_verdict(hit.period, f.period), metric_right(hit, f), hit.kind == f.kind,
                          hit.direction == getattr(f, "direction", None), hit.bound == getattr(f, "bound", None)))
    return pairs


def evaluate(folder: Path = DEFAULT_DIR, part: Part = "dev") -> list[CaseResult]:
    cases = load_cases(folder)
    gold = load_gold(folder)
    parts = split(cases)
    results = []
    for c in cases:
        if part != "all" and parts[c.case] != part:
            continue
        text = (folder / c.case).read_text(encoding="utf-8")
        figures = extract_figures(text, published=c.published)
        result = CaseResult(c, gold.get(c.case, []), figures)
        result.pairs = _match(c, result.gold, figures)
        results.append(result)
    return results


@dataclass(frozen=True)
class Scores:
    gold: int
    extracted: int
    matched: int
    periods: dict[str, int]
    metric_right: int
    kind_right: int
    direction_right: int
    bound_right: int
    unclassified: int
    fully_right: int

    @property
    def recall(self) -> float:
        return self.matched / self.gold if self.gold else 0.0

    @property
    def precision(self) -> float:
        return self.matched / self.extracted if self.extracted else 0.0

    @property
    def period_stated(self) -> int:
        return sum(self.periods.get(k, 0) for k in ("exact", "coarser", "wrong", "missing"))

    @property
    def period_exact_rate(self) -> float:
        return self.periods.get("exact", 0) / self.period_stated if self.period_stated else 0.0

    def rate(self, n: int) -> float:
        return n / self.matched if self.matched else 0.0


def scores(results: list[CaseResult]) -> Scores:
    pairs = [p for r in results for p in r.pairs]
    periods: dict[str, int] = defaultdict(int)
    for p in pairs:
        periods[p.period] += 1
    return Scores(
        gold=sum(len(r.gold) for r in results), extracted=sum(len(r.figures) for r in results), matched=len(pairs),
        periods=dict(periods), metric_right=sum(p.metric_ok for p in pairs), kind_right=sum(p.kind_ok for p in pairs),
        direction_right=sum(p.direction_ok for p in pairs), bound_right=sum(p.bound_ok for p in pairs),
        unclassified=sum(p.figure.metric == UNCLASSIFIED for p in pairs), fully_right=sum(p.fully_right for p in pairs),
    )


def confident(results: list[CaseResult], threshold: float, *, promoted_only: bool = False,
              exact_metric: bool = False) -> tuple[int, int, int]:
    """(figures at or above the threshold, of which fully right, of which with a wrong period); extracted figures
    that match no gold figure count as not right. promoted_only: only the figures that feed the indicator tables
    (caspian_etl.extract.promotion); exact_metric: right only with the exact metric (metric_exact)."""
    total = right = wrong_period = 0
    for r in results:
        matched = {id(p.figure): p for p in r.pairs}
        for f in r.figures:
            if f.confidence < threshold or (promoted_only and f.promotion_note is not None):
                continue
            total += 1
            p = matched.get(id(f))
            right += bool(p and p.fully_right and (not exact_metric or metric_exact(p.gold, f)))
            wrong_period += bool(p and p.period in ("wrong", "coarser", "spurious"))
    return total, right, wrong_period


def errors(results: list[CaseResult]) -> list[str]:
    """One line per error: missed and extra figures, and each wrong field of a matched one."""
    out = []
    for r in results:
        for g in r.missed:
            out.append(f"{r.case.case}: MISSED {g.value:g} {g.unit} ({g.metric}, {g.kind}, {g.period or '-'})")
        for f in r.extra:
            out.append(f"{r.case.case}: EXTRA {f.text!r} -> {f.value:g} {f.unit} {f.metric} {f.kind}")
        for p in r.pairs:
            g, f = p.gold, p.figure
            wrong = []
            if p.period not in ("exact", "none"):
                wrong.append(f"period {p.period}: gold {g.period or '-'} got {f.period or '-'}")
            if not p.metric_ok:
                wrong.append(f"metric: gold {g.metric} got {f.metric}")
            if not p.kind_ok:
                wrong.append(f"kind: gold {g.kind} got {f.kind}")
            if not p.direction_ok:
                wrong.append(f"direction: gold {g.direction or '-'} got {getattr(f, 'direction', None) or '-'}")
            if not p.bound_ok:
                wrong.append(f"bound: gold {g.bound or '-'} got {getattr(f, 'bound', None) or '-'}")
            if wrong:
                out.append(f"{r.case.case}: {f.text!r} [{f.confidence:.2f}] " + "; ".join(wrong))
    return out
