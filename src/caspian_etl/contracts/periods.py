"""One grammar for periods, shared by every table.

    2024              a calendar year                      frequency A
    2024-H1           a half year                          frequency S
    2024-Q3           a quarter                            frequency Q
    2024-03           a month                              frequency M
    2024-03-15        a day                                frequency D
    2024-01..2024-11  a cumulative range of months         frequency R
    2005..2024        a cumulative range of years          frequency R
    (empty)           no period stated                     frequency None

World Bank style codes (2024Q3, 2024M03) and SDMX style codes (2024-Q3, 2024-M03) are normalised to the above.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

_YEAR = re.compile(r"^(\d{4})$")
_HALF = re.compile(r"^(\d{4})-?[HS]([12])$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-?M?(\d{2})$")
_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


class PeriodError(ValueError):
    """A period string outside the grammar."""


@dataclass(frozen=True)
class Period:
    code: str  # the normalised text form, e.g. "2024-Q3"
    frequency: str  # A, S, Q, M, D or R
    start: date
    end: date

    def as_columns(self) -> dict[str, object]:
        """The four period columns every table shares."""
        return {"period": self.code, "frequency": self.frequency, "period_start": self.start,
                "period_end": self.end}


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _single(text: str) -> Period:
    if m := _YEAR.match(text):
        y = int(m[1])
        return Period(f"{y}", "A", date(y, 1, 1), date(y, 12, 31))
    if m := _HALF.match(text):
        y, h = int(m[1]), int(m[2])
        return Period(f"{y}-H{h}", "S", date(y, 6 * h - 5, 1), _month_end(y, 6 * h))
    if m := _QUARTER.match(text):
        y, q = int(m[1]), int(m[2])
        return Period(f"{y}-Q{q}", "Q", date(y, 3 * q - 2, 1), _month_end(y, 3 * q))
    if m := _DAY.match(text):
        try:
            d = date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as exc:
            raise PeriodError(f"not a calendar date: {text!r}") from exc
        return Period(d.isoformat(), "D", d, d)
    if m := _MONTH.match(text):
        y, mo = int(m[1]), int(m[2])
        if not 1 <= mo <= 12:
            raise PeriodError(f"month out of range in period {text!r}")
        return Period(f"{y}-{mo:02d}", "M", date(y, mo, 1), _month_end(y, mo))
    raise PeriodError(f"period {text!r} is not in the grammar (2024, 2024-H1, 2024-Q1, 2024-03, 2024-03-15, A..B)")


def parse_period(text: str) -> Period:
    """Parse one period string; raise PeriodError (naming the text) when it is outside the grammar."""
    text = text.strip()
    if ".." not in text:
        return _single(text)
    first, _, last = text.partition("..")
    a, b = _single(first.strip()), _single(last.strip())
    if a.frequency != b.frequency or a.frequency not in {"A", "M"}:
        raise PeriodError(f"range {text!r} must join two years or two months")
    if b.end < a.start:
        raise PeriodError(f"range {text!r} ends before it starts")
    return Period(f"{a.code}..{b.code}", "R", a.start, b.end)
