"""The meaning attached to each figure: its own clause's period, comparison bases, relative periods, changes vs
levels, multiples and growth rates, ranges, number words, counted units, direction of trade, plans and forecasts,
bounds and who published the figure. Every sentence here is SYNTHETIC (written for these tests, in the styles of
the failure classes of issue 9); the real articles are measured in tests/extract/test_extract_articles.py."""

from __future__ import annotations

from datetime import date

import pytest

from caspian_etl.extract import Figure, extract_figures
from caspian_etl.sources.news import promotion_note


def figures(text: str, published: date | None = None) -> list[Figure]:
    return extract_figures(text, published=published)


def by_value(text: str, value: float, published: date | None = None) -> Figure:
    return next(f for f in figures(text, published) if f.value == value)


def test_a_comparison_base_is_not_the_figures_period() -> None:
    text = ("Cargo on the Middle Corridor reached 1.7 million tons in January-July 2023, up 86% on the same period "
            "of 2022.")
    level, growth = figures(text)
    assert (level.period, growth.period) == ("2023-01..2023-07", "2023-01..2023-07")
    assert (growth.kind, growth.unit, growth.value) == ("growth_rate", "%", 86.0)


def test_a_stated_base_value_is_an_observation_of_the_base_period() -> None:
    text = "In 2024 Aktau port handled 254,200 tons of grain, against 198,000 tons a year earlier."
    assert [(f.value, f.unit, f.period) for f in figures(text)] == [(254200.0, "t", "2024"), (198000.0, "t", "2023")]


def test_each_clause_keeps_its_own_period() -> None:
    text = ("In 2024, Azerbaijan received 287 block trains from China, while within the seven months of this year "
            "the count already reached 225 trains.")
    found = figures(text, date(2025, 8, 7))
    assert [(f.value, f.unit, f.period) for f in found] == [(287.0, "trains", "2024"),
                                                            (225.0, "trains", "2025-01..2025-07")]


@pytest.mark.parametrize("text, published, period", [
    ("Trade turnover between Kazakhstan and Azerbaijan was $529.4 million last year.", date(2024, 8, 8), "2023"),
    ("The ministry expects oil exports to reach 4.2 million tons this year.", date(2023, 6, 9), "2023"),
    ("Since the beginning of the year, Kuryk port handled 1.5 million tons of cargo.", date(2024, 9, 26),
     "2024-01..2024-09"),
    ("In March, Kazakhstan shipped 20,000 tons of oil to Baku.", date(2023, 4, 11), "2023-03"),
    ("Baku port moved 38,600 TEU in the first four months of this year.", date(2025, 6, 3), "2025-01..2025-04"),
    ("It handled 4.2 million tons in the first three quarters of 2021.", None, "2021-01..2021-09"),
])
def test_relative_periods_resolve_from_the_publication_date(text: str, published: date | None, period: str) -> None:
    assert figures(text, published)[0].period == period


def test_a_year_on_year_base_dates_an_undated_page() -> None:
    text = ("Last year the Middle Corridor carried more than 2.7 million tons of cargo, up 86% on 2022, and this year "
            "it is expected to handle 4 million tons.")
    assert [(f.value, f.period, f.kind) for f in figures(text)] == [
        (2.7, "2023", "observation"), (86.0, "2023", "growth_rate"), (4.0, "2024", "forecast")]


def test_changes_are_not_levels() -> None:
    grew = figures("Trade between Kazakhstan and Azerbaijan grew by $7.5 million in 2024.")[0]
    assert (grew.kind, grew.value, grew.unit) == ("change", 7.5, "USD million")
    by, to = figures("Kuryk port will raise its capacity by 10 mln up to 30 mln tons.")
    assert (by.value, by.unit, by.kind) == (10.0, "Mt", "change")
    assert (to.value, to.unit, to.kind) == (30.0, "Mt", "capacity")


@pytest.mark.parametrize("text, value", [
    ("Container traffic on the Middle Corridor grew 2.7 times.", 2.7),
    ("Trade between the two countries increased fivefold.", 5.0),
    ("Grain shipments rose seven-fold.", 7.0),
    ("Middle Corridor cargo doubled.", 2.0),
    ("The journey time will be halved.", 0.5),
])
def test_multiples_are_growth_rates_in_ratio(text: str, value: float) -> None:
    f = figures(text)[0]
    assert (f.value, f.unit, f.kind) == (value, "ratio", "growth_rate")


def test_declines_are_negative_and_the_level_they_reach_names_the_metric() -> None:
    text = "Middle Corridor cargo in 2022 dipped 3.5% to 257,500 tons."
    decline, level = figures(text)
    assert (decline.value, decline.kind) == (-3.5, "growth_rate")
    assert level.metric == "middle_corridor_cargo" and decline.metric == "middle_corridor_cargo_growth"


def test_ranges_number_words_and_counted_units() -> None:
    found = figures("The port handles four million tons, half a million tons of grain, 12 to 14 tankers every month, "
                    "54 railway cars, 310 block trains and 6-8 hours per ferry.")
    assert [(f.value, f.unit) for f in found] == [(4.0, "Mt"), (0.5, "Mt"), (12.0, "tankers/month"), (54.0, "wagons"),
                                                   (310.0, "trains"), (6.0, "hours")]
    assert "range 6-8 hours" in found[-1].note


def test_per_year_is_a_capacity_only_when_the_sentence_speaks_of_capacity() -> None:
    assert figures("Kuryk port has an annual capacity of 6 million tons.")[0].kind == "capacity"
    volume = figures("In 2023 Aktau port handled 5 million tons of cargo a year.")[0]
    assert volume.kind == "observation" and volume.metric == "port_cargo_aktau"


def test_direction_of_trade() -> None:
    exports = figures("Azerbaijan's exports to Kazakhstan reached $95 million in 2023.")[0]
    assert (exports.metric, exports.direction, exports.country, exports.partner) == (
        "goods_exports", "AZE->KAZ", "AZE", "KAZ")
    turnover = figures("Trade turnover between Kazakhstan and Azerbaijan was $529 million in 2023.")[0]
    assert turnover.direction == "KAZ<->AZE"


@pytest.mark.parametrize("text, kind", [
    ("The ministry expects Kazakhstan to ship 4.2 million tons of grain to Azerbaijan this year.", "forecast"),
    ("Kazakhstan plans to send 1.5 million tons of oil via the BTC pipeline in 2024.", "plan"),
    ("The sides aim to raise trade between Kazakhstan and Azerbaijan to $1 billion.", "target"),
    ("Kazakhstan shipped 1.2 million tons of oil via the BTC pipeline in 2023.", "observation"),
])
def test_plans_and_forecasts_are_not_observations(text: str, kind: str) -> None:
    assert figures(text, date(2023, 6, 9))[0].kind == kind


def test_total_port_cargo_is_not_oil_via_btc_and_metal_is_not_grain() -> None:
    port = figures("Aktau port handled 4.5 million tons of cargo in 2023, including Kazakh oil bound for Baku.")[0]
    assert port.metric == "port_cargo_aktau"
    metal, grain = figures("Kazakhstan exported 1.2 million tons of metal and 0.8 million tons of grain in 2023.")
    assert grain.metric == "grain_exports" and metal.metric != "grain_exports"


@pytest.mark.parametrize("text, bound", [
    ("Middle Corridor cargo exceeded 4.5 million tons in 2024.", ">"),
    ("Middle Corridor cargo reached nearly 4.5 million tons in 2024.", "~"),
    ("The corridor can carry up to 10 million tons a year.", "<"),
    ("Middle Corridor cargo reached 4.5 million tons in 2024.", None),
])
def test_bounds(text: str, bound: str | None) -> None:
    assert figures(text)[0].bound == bound


@pytest.mark.parametrize("text, origin", [
    ("According to the Ministry of Transport, Middle Corridor cargo reached 4.5 million tons in 2024.",
     "Ministry of Transport"),
    ("Middle Corridor cargo reached 4.5 million tons in 2024, KTZ said.", "KTZ"),
    ("Middle Corridor cargo reached 4.5 million tons in 2024, the ministry's press service reported.",
     "ministry's press service"),
    ("Middle Corridor cargo reached 4.5 million tons in 2024.", None),
])
def test_origin_names_who_published_the_figure(text: str, origin: str | None) -> None:
    assert figures(text)[0].origin == origin


def test_confidence_and_the_promotion_note() -> None:
    clear, vague = figures("Middle Corridor cargo reached 4.1 million tons in 2024. It grew 63 percent.")
    assert clear.confidence >= 0.6 and promotion_note(clear) is None
    assert vague.confidence < 0.6 and promotion_note(vague).startswith(f"confidence {vague.confidence:.2f} < 0.6")
    growth = figures("Middle Corridor cargo grew 63 percent in 2024.")[0]
    assert growth.confidence >= 0.6 and "kind growth_rate" in promotion_note(growth)
