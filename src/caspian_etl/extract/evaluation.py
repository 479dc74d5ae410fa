"""Score the extractor against hand-annotated figures: the short quotes of research/samples/news/news_facts.csv
(each row: a quote, the figure(s) it states as value + unit, and the period). Used by the tests (a recall floor)
and by benchmarks/extraction_news_facts.py (prints the numbers).

Counting: an expected figure is *findable* when its number is written in the quote (some rows annotate figures
from the rest of the article). An extracted figure is a true positive when it equals (value and unit, compared
in the unit's base) an expected figure of the row not matched yet. `precision` counts every other extracted
figure as wrong, though many are real figures the row does not annotate (growth rates beside a tonnage);
`precision_same_dimension` judges only extracted figures of a dimension the row annotates.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from caspian_etl.contracts.periods import PeriodError, parse_period
from caspian_etl.contracts.units import get_unit
from caspian_etl.extract import Figure, extract_figures
from caspian_etl.extract.numbers import NUMBER_PATTERN, WORD_NUMBERS, parse_number

# the unit column of news_facts.csv, in the units vocabulary
EXPECTED_UNITS = {
    "million usd": "USD million", "billion usd": "USD billion", "tonnes": "t", "million tonnes": "Mt",
    "million tonnes (approx.)": "Mt", "teu": "TEU", "thousand teu": "thousand TEU",
    "million azn (manat)": "AZN million",
    "million tonnes/year (incl. 100,000 teu)": "Mt/yr", "million tonnes per year": "Mt/yr",
}


@dataclass(frozen=True)
class Expected:
    value: float
    unit: str

    def base(self) -> tuple[str, float]:
        u = get_unit(self.unit)
        return u.dimension, round(self.value * u.factor, 6)


@dataclass
class RowResult:
    line: int
    quote: str
    expected: list[Expected]
    findable: list[Expected]
    extracted: list[Figure]
    matched: list[tuple[Figure, Expected]] = field(default_factory=list)
    expected_period: str | None = None


@dataclass
class Score:
    rows: list[RowResult]

    @property
    def true_positives(self) -> int:
        return sum(len(r.matched) for r in self.rows)

    @property
    def extracted(self) -> int:
        return sum(len(r.extracted) for r in self.rows)

    @property
    def findable(self) -> int:
        return sum(len(r.findable) for r in self.rows)

    @property
    def annotated(self) -> int:
        return sum(len(r.expected) for r in self.rows)

    @property
    def recall(self) -> float:
        return self.true_positives / self.findable if self.findable else 0.0

    @property
    def precision(self) -> float:
        return self.true_positives / self.extracted if self.extracted else 0.0

    @property
    def extracted_same_dimension(self) -> int:
        n = 0
        for r in self.rows:
            dims = {e.base()[0] for e in r.expected}
            n += sum(1 for f in r.extracted if get_unit(f.unit).dimension in dims)
        return n

    @property
    def precision_same_dimension(self) -> float:
        n = self.extracted_same_dimension
        return self.true_positives / n if n else 0.0

    def period_agreement(self) -> tuple[int, int, int]:
        """Over matched figures whose row states one period of the grammar: (same period, another period, no
        period found -- the quote does not state it)."""
        agree = wrong = none = 0
        for r in self.rows:
            if r.expected_period is None:
                continue
            for figure, _ in r.matched:
                if figure.period is None:
                    none += 1
                elif figure.period == r.expected_period:
                    agree += 1
                else:
                    wrong += 1
        return agree, wrong, none


def _expected_values(cell: str) -> list[float]:
    values = []
    for m in re.finditer(rf"(?<![\w.])(x)?({NUMBER_PATTERN})(%?)", cell):
        if m.group(1) or m.group(3):  # 'x94.7' is a multiple, '94%' a share: not the row's unit
            continue
        number = parse_number(m.group(2))
        if number.is_integer() and 1990 <= number <= 2040:  # a year in parentheses
            continue
        values.append(number)
    return values


def _quote_numbers(quote: str) -> set[float]:
    numbers = {parse_number(m.group(0)) for m in re.finditer(NUMBER_PATTERN, quote)}
    numbers |= {float(v) for w, v in WORD_NUMBERS.items() if re.search(rf"\b{w}\b", quote, re.I)}
    return numbers


def _published(cell: str) -> date | None:
    try:
        return date.fromisoformat(cell.strip())
    except ValueError:
        return None


def _grammar_period(cell: str) -> str | None:
    try:
        return parse_period(cell.strip()).code
    except PeriodError:
        return None


def load_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def score(path: Path) -> Score:
    rows = []
    for line, row in enumerate(load_rows(path), start=2):
        unit = EXPECTED_UNITS.get(row["unit"].strip().lower())
        if unit is None:
            raise ValueError(f"{path}:{line}: unit {row['unit']!r} has no mapping in EXPECTED_UNITS")
        quote = row["short_quote"]
        expected = [Expected(v, unit) for v in _expected_values(row["value"])]
        present = _quote_numbers(quote)
        findable = [e for e in expected if e.value in present]
        title = row["title_as_seen"] if not row["title_as_seen"].startswith("(") else None
        figures = extract_figures(quote, published=_published(row["published"]), title=title)
        result = RowResult(line, quote, expected, findable, figures, expected_period=_grammar_period(row["period"]))
        open_expected = list(findable)
        for figure in figures:
            key = (get_unit(figure.unit).dimension, round(figure.value * get_unit(figure.unit).factor, 6))
            hit = next((e for e in open_expected if e.base() == key), None)
            if hit is not None:
                open_expected.remove(hit)
                result.matched.append((figure, hit))
        rows.append(result)
    return Score(rows)
