from datetime import date

import pytest

from caspian_etl.contracts.periods import PeriodError, parse_period


@pytest.mark.parametrize(
    "text, code, frequency, start, end",
    [
        ("2024", "2024", "A", date(2024, 1, 1), date(2024, 12, 31)),
        ("2024-H1", "2024-H1", "S", date(2024, 1, 1), date(2024, 6, 30)),
        ("2024-H2", "2024-H2", "S", date(2024, 7, 1), date(2024, 12, 31)),
        ("2024-Q1", "2024-Q1", "Q", date(2024, 1, 1), date(2024, 3, 31)),
        ("2024Q4", "2024-Q4", "Q", date(2024, 10, 1), date(2024, 12, 31)),  # World Bank style
        ("2024-02", "2024-02", "M", date(2024, 2, 1), date(2024, 2, 29)),  # leap year
        ("2023M02", "2023-02", "M", date(2023, 2, 1), date(2023, 2, 28)),  # World Bank style
        ("2024-M11", "2024-11", "M", date(2024, 11, 1), date(2024, 11, 30)),  # SDMX style
        ("2024-03-15", "2024-03-15", "D", date(2024, 3, 15), date(2024, 3, 15)),
        ("2024-01..2024-11", "2024-01..2024-11", "R", date(2024, 1, 1), date(2024, 11, 30)),
        ("2005..2024", "2005..2024", "R", date(2005, 1, 1), date(2024, 12, 31)),
        (" 2024 ", "2024", "A", date(2024, 1, 1), date(2024, 12, 31)),
    ],
)
def test_grammar(text: str, code: str, frequency: str, start: date, end: date) -> None:
    p = parse_period(text)
    assert (p.code, p.frequency, p.start, p.end) == (code, frequency, start, end)


@pytest.mark.parametrize("text", ["", "24", "2024-13", "2024-Q5", "2024-H3", "2024-02-30", "by 2030",
                                  "2024..2023", "2024-01..2024", "2024-Q1..2024-Q2", "January 2024"])
def test_outside_grammar_is_a_clear_error(text: str) -> None:
    with pytest.raises(PeriodError) as err:
        parse_period(text)
    assert repr(text.strip()) in str(err.value) or "range" in str(err.value)
