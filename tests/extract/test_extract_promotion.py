"""What feeds the indicator tables (caspian_etl.extract.promotion) and the period forms added for articles not yet
seen. Every sentence here is SYNTHETIC (written for these tests); the real articles are measured in
tests/extract/test_extract_articles.py."""

from __future__ import annotations

from datetime import date

import pytest

from caspian_etl.extract import Figure, extract_figures
from caspian_etl.extract.promotion import REPORTED_THRESHOLD

PUBLISHED = date(2024, 10, 15)


def only(text: str, published: date | None = PUBLISHED) -> Figure:
    (figure,) = extract_figures(text, published=published)
    return figure


@pytest.mark.parametrize("text, period", [
    ("The Middle Corridor carried 1.2 million tons in the third quarter.", "2024-Q3"),
    ("The Middle Corridor carried 1.2 million tons in 1Q2024.", "2024-Q1"),
    ("The Middle Corridor carried 1.2 million tons in 9M 2024.", "2024-01..2024-09"),
    ("The Middle Corridor carried 1.2 million tons in 11M2024.", "2024-01..2024-11"),
    ("Last month the Middle Corridor carried 1.2 million tons.", "2024-09"),
    ("In the second half of last year the Middle Corridor carried 1.2 million tons.", "2023-H2"),
    ("The Middle Corridor carried 1.2 million tons in the first half.", "2024-H1"),
])
def test_more_period_forms(text: str, period: str) -> None:
    assert only(text).period == period


def test_a_period_whose_year_is_not_stated_is_not_promoted() -> None:
    figure = only("The Middle Corridor carried 1.2 million tons in the first half.")
    assert figure.confidence < REPORTED_THRESHOLD
    assert "the year or the last month of the period is not stated" in (figure.promotion_note or "")


def test_a_level_of_an_indicator_metric_with_its_own_period_is_promoted() -> None:
    figure = only("In 2023 the Middle Corridor carried 2.7 million tons of cargo.")
    assert (figure.metric, figure.kind, figure.period) == ("middle_corridor_cargo", "observation", "2023")
    assert figure.promotion_note is None


def test_a_metric_that_feeds_no_indicator_table_stays_in_claims() -> None:
    figure = only("In 2023 the port of Baku handled 4.2 million tons of cargo.")
    assert figure.metric == "port_cargo_baku" and figure.confidence >= REPORTED_THRESHOLD
    assert figure.promotion_note == "metric port_cargo_baku feeds no indicator table"


def test_a_growth_rate_is_not_a_level() -> None:
    figures = extract_figures("In 2023 the Middle Corridor carried 2.7 million tons of cargo, up 86% on 2022.",
                              published=PUBLISHED)
    growth = next(f for f in figures if f.unit == "%")
    assert growth.kind == "growth_rate"
    assert growth.promotion_note is not None and "growth_rate" in growth.promotion_note


def test_a_period_stated_only_in_another_clause_is_not_promoted() -> None:
    figure = extract_figures("In 2023, officials said, and the Middle Corridor carried 2.7 million tons of cargo.",
                             published=PUBLISHED)[0]
    assert (figure.period, figure.period_source) == ("2023", "sentence")
    assert figure.confidence < REPORTED_THRESHOLD and figure.promotion_note is not None


@pytest.mark.parametrize("text", [
    "Kazakhstan plans to raise the capacity of the Middle Corridor to 10 million tons per year by 2025.",
    "The Middle Corridor's capacity is expected to increase to 10 million tons a year.",
])
def test_a_planned_or_expected_capacity_is_not_promoted(text: str) -> None:
    figure = only(text)
    assert (figure.metric, figure.kind, figure.unit) == ("middle_corridor_capacity", "capacity", "Mt/yr")
    assert figure.confidence >= REPORTED_THRESHOLD
    assert (figure.promotion_note or "").startswith("a planned or expected capacity")


def test_a_stated_capacity_is_promoted() -> None:
    figure = only("The Middle Corridor has a capacity of 6 million tons a year.")
    assert (figure.metric, figure.kind, figure.promotion_note) == ("middle_corridor_capacity", "capacity", None)


@pytest.mark.parametrize("text", [
    "Aktau port handled 5 million tons in 2023. The port of Turkmenbashi is growing too. In 2023 the port handled "
    "2 million tons.",
    "Aktau port handled 5 million tons in 2023. Poti port is growing too: in 2023 the port handled 2 million tons.",
])
def test_the_port_after_another_port_is_not_the_last_known_port(text: str) -> None:
    second = extract_figures(text, published=PUBLISHED)[1]
    assert second.metric != "port_cargo_aktau" or second.confidence < REPORTED_THRESHOLD


def test_the_port_after_a_known_port_is_that_port() -> None:
    second = extract_figures("Aktau port handled 5 million tons in 2023. In 2023 the port handled 2 million tons.",
                             published=PUBLISHED)[1]
    assert (second.metric, second.confidence) == ("port_cargo_aktau", 0.9)


@pytest.mark.parametrize("text, period", [
    ("From January to March 2024 the Middle Corridor carried 1.2 million tons.", "2024-01..2024-03"),
    ("Between January and March 2024 the Middle Corridor carried 1.2 million tons.", "2024-01..2024-03"),
    ("In the period from January to August 2024 the Middle Corridor carried 1.2 million tons.", "2024-01..2024-08"),
])
def test_a_range_introduced_by_from_is_read_but_not_promoted(text: str, period: str) -> None:
    figure = only(text)
    assert figure.period == period
    assert figure.confidence < REPORTED_THRESHOLD  # 'from' also introduces comparison bases


def test_two_months_joined_by_and_are_not_a_range() -> None:
    assert only("In March and April 2024 the Middle Corridor carried 1.2 million tons.").period != "2024-03..2024-04"


def test_a_total_of_two_ports_is_not_one_ports_figure() -> None:
    figure = only("In 2023 the volume of cargo shipped through the ports of Aktau and Kuryk totalled 5 million tons.")
    assert figure.confidence < REPORTED_THRESHOLD and "several ports" in (figure.confidence_note or "")


def test_cargo_carried_or_transported_along_the_corridor_is_its_cargo() -> None:
    figure = only("In 2023 KTZ transported 1.2 million tons via the Middle Corridor.")
    assert (figure.metric, figure.period) == ("middle_corridor_cargo", "2023")


@pytest.mark.parametrize("text, value, unit", [
    ("In 2023 the Middle Corridor carried 2 700 thousand tons.", 2700.0, "kt"),  # a space groups thousands
    ("In 2023 the Middle Corridor carried two and a half million tons.", 2.5, "Mt"),
    ("In 2023 the Middle Corridor carried seventy thousand tons.", 70.0, "kt"),
    ("In 2023 700 tons were shipped along the Middle Corridor.", 700.0, "t"),  # a year is not a thousands group
])
def test_numbers_as_pages_write_them(text: str, value: float, unit: str) -> None:
    figure = only(text)
    assert (figure.value, figure.unit) == (value, unit)


def test_a_tonne_kilometre_is_not_a_tonne() -> None:
    assert extract_figures("In 2023 the Middle Corridor moved 1.5 billion tonne-km of cargo.") == []


@pytest.mark.parametrize("text", [
    "In 2023 Kazakhstan's foreign trade turnover amounted to $140 billion.",
    "In 2023 the trade turnover between Azerbaijan and Turkey reached $7 billion.",
])
def test_trade_of_another_pair_is_not_promoted(text: str) -> None:
    figure = only(text)
    assert figure.direction is None and figure.confidence < REPORTED_THRESHOLD
    assert figure.promotion_note is not None


def test_trade_of_the_pair_is_promoted() -> None:
    figure = only("In 2023 Kazakhstan's trade with Azerbaijan reached $500 million.")
    assert (figure.metric, figure.direction, figure.promotion_note) == ("trade_turnover", "KAZ<->AZE", None)


@pytest.mark.parametrize("text, value", [
    ("In 2023 SOCAR produced 7 million tons of oil.", 7.0),
    ("In 2023 the Kashagan field produced 18 million tons of oil.", 18.0),
    ("In 2023 Kazakhstan's oil output reached 90 million tons, including 29 million tons at Tengiz.", 29.0),
    ("In 2023 oil exports through the terminal amounted to 1 million tons.", 1.0),  # whose? no country named
])
def test_a_part_of_a_country_is_not_the_countrys_figure(text: str, value: float) -> None:
    figure = next(f for f in extract_figures(text, published=PUBLISHED) if f.value == value)
    assert figure.metric in ("oil_production", "oil_exports")
    assert "not the country's" in (figure.promotion_note or "")


def test_a_countrys_oil_output_is_promoted() -> None:
    figures = extract_figures("In 2023 Kazakhstan's oil output reached 90 million tons, including 29 million tons "
                              "at Tengiz.", published=PUBLISHED)
    assert (figures[0].value, figures[0].country, figures[0].promotion_note) == (90.0, "KAZ", None)


def test_a_corridor_that_is_expected_to_carry_tonnes_carries_cargo() -> None:
    figure = only("This year the Middle Corridor is expected to carry 4 million tons.")
    assert (figure.metric, figure.kind, figure.period) == ("middle_corridor_cargo", "forecast", "2024")
    assert figure.promotion_note is not None  # a forecast is not a level


def test_the_growth_of_a_price_is_not_the_growth_of_a_volume() -> None:
    figure = only("In 2023 the cost of shipping a container along the Middle Corridor rose 30%.")
    assert figure.metric == "unclassified_figure" and figure.kind == "growth_rate"


def test_a_cut_is_a_decline() -> None:
    figure = only("Tariffs on the Middle Corridor were cut by 20% in 2023.")
    assert (figure.kind, figure.value) == ("growth_rate", -20.0)


@pytest.mark.parametrize("text, period", [
    ("Since the start of 2024 the Middle Corridor carried 2 million tons.", "2024-01..2024-10"),
    ("So far in 2024 the Middle Corridor carried 2 million tons.", "2024-01..2024-10"),
    ("Since the start of 2023 the Middle Corridor carried 2 million tons.", "2023-01..2024-10"),
    ("Since the beginning of the year the Middle Corridor carried 2 million tons.", "2024-01..2024-10"),
])
def test_year_to_date_is_read_but_not_promoted(text: str, period: str) -> None:
    figure = only(text)
    assert figure.period == period
    assert figure.confidence < REPORTED_THRESHOLD  # up to which month is a guess


@pytest.mark.parametrize("text, metric, direction", [
    ("In 2023 Kazakhstan supplied goods worth $200 million to Azerbaijan.", "goods_exports", "KAZ->AZE"),
    ("In 2023 Kazakhstan bought goods worth $95 million from Azerbaijan.", "goods_imports", "AZE->KAZ"),
])
def test_goods_supplied_or_bought_are_exports_or_imports(text: str, metric: str, direction: str) -> None:
    figure = only(text)
    assert (figure.metric, figure.direction) == (metric, direction)
