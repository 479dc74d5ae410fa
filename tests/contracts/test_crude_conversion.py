"""Crude oil Mt/yr <-> kb/d through the per-country barrels-per-tonne table (schemas/crude_conversion.yaml)."""

import pytest
import yaml

from caspian_etl.contracts.units import UnitError, convert, convert_crude, crude_factor, units
from caspian_etl.core.resources import schemas_dir


def test_world_average_matches_the_energy_institute_rule_of_thumb() -> None:
    # EI: 1 Mt/yr of crude ~ 20.1 kb/d at 7.33 bbl/t and 365 days
    assert convert_crude(1, "Mt/yr", "kb/d") == pytest.approx(20.08, abs=0.01)


@pytest.mark.parametrize("country", ["KAZ", "AZE", "kaz", None, "XXX"])
def test_round_trip_is_exact(country: str | None) -> None:
    kbd = convert_crude(1.5, "Mt/yr", "kb/d", country)
    assert convert_crude(kbd, "kb/d", "Mt/yr", country) == pytest.approx(1.5, rel=1e-11)


def test_scales_inside_each_side() -> None:
    assert convert_crude(50, "Mt/yr", "Mb/d", "AZE") == pytest.approx(convert_crude(50, "Mt/yr", "kb/d", "AZE") / 1e3)
    assert convert_crude(1000, "kt/yr", "b/d") == pytest.approx(convert_crude(1, "Mt/yr", "kb/d") * 1e3)
    assert convert_crude(2, "kb/d", "b/d") == convert(2, "kb/d", "b/d") == 2000.0


def test_the_factor_comes_from_the_country_row(monkeypatch) -> None:
    # a lighter crude (more barrels per tonne) gives more kb/d for the same tonnage
    from caspian_etl.contracts import units as mod

    days, factors = mod._crude_table()
    patched = dict(factors, KAZ=mod.CrudeFactor("KAZ", 8.0, "country", "test factor"))
    monkeypatch.setattr(mod, "_crude_table", lambda: (days, patched))
    assert convert_crude(1, "Mt/yr", "kb/d", "KAZ") == pytest.approx(8.0 * 1e6 / 365 / 1e3)
    assert convert_crude(1, "Mt/yr", "kb/d", "AZE") == pytest.approx(7.33 * 1e6 / 365 / 1e3)


def test_unknown_country_falls_back_to_the_world_average() -> None:
    assert crude_factor("XXX") == crude_factor("WLD")
    assert crude_factor(None).country == "WLD"


@pytest.mark.parametrize("src, dst", [("Mt", "kb/d"), ("kb/d", "Mt"), ("Mt/yr", "TEU"), ("USD", "kb/d")])
def test_stocks_and_other_dimensions_are_refused(src: str, dst: str) -> None:
    with pytest.raises(UnitError, match="crude conversion joins a mass rate"):
        convert_crude(1, src, dst)


def test_every_row_states_its_source_and_basis() -> None:
    doc = yaml.safe_load((schemas_dir() / "crude_conversion.yaml").read_text(encoding="utf-8"))
    assert "WLD" in doc["factors"]
    for code, spec in doc["factors"].items():
        assert len(code) == 3 and code.isupper()
        assert spec["source"].strip() and spec["basis"] in {"world_average", "country"}
        assert 6.0 < float(spec["barrels_per_tonne"]) < 9.0  # the physical range of crude oils


@pytest.mark.parametrize("unit", ["b/d", "Mb/d", "kt/yr", "AZN billion", "million TEU"])
def test_new_units_are_in_the_vocabulary(unit: str) -> None:
    assert unit in units()
