import pytest

from caspian_etl.contracts.units import UnitError, conversion_factor, convert, units


@pytest.mark.parametrize(
    "value, src, dst, expected",
    [
        (533.4, "USD million", "USD", 533_400_000.0),
        (1, "USD billion", "USD million", 1000.0),
        (29.47, "Mt", "t", 29_470_000.0),
        (840_000, "t", "Mt", 0.84),
        (494_000, "t", "Mt", 0.494),
        (51.4, "thousand TEU", "TEU", 51_400.0),
        (8.1, "Mt", "kg", 8.1e9),
        (60, "Mt/yr", "t/yr", 60e6),
    ],
)
def test_scale_conversions(value: float, src: str, dst: str, expected: float) -> None:
    assert convert(value, src, dst) == expected


def test_round_trip_is_exact_to_twelve_digits() -> None:
    assert convert(convert(29.47, "Mt", "kg"), "kg", "Mt") == 29.47


@pytest.mark.parametrize("src, dst", [("Mt", "Mt/yr"), ("USD million", "AZN million"), ("TEU", "t"), ("%", "ratio")])
def test_different_dimensions_do_not_convert(src: str, dst: str) -> None:
    with pytest.raises(UnitError, match="cannot convert"):
        conversion_factor(src, dst)


def test_unknown_unit_names_the_unit() -> None:
    with pytest.raises(UnitError, match="'megatonnes'"):
        convert(1, "megatonnes", "t")


def test_every_dimension_has_a_base_unit() -> None:
    dims = {u.dimension for u in units().values()}
    bases = {u.dimension for u in units().values() if u.factor == 1}
    assert dims == bases
