"""One settings object: every variable declared once (name, type, default, description, secret), loaded and
validated at the entry points, carried on DataPaths.settings."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from caspian_etl.cli import EXIT_USAGE, main
from caspian_etl.core.errors import ConfigError
from caspian_etl.core.http import HttpPolicy
from caspian_etl.core.redaction import declared_secret_env
from caspian_etl.core.settings import SETTINGS, DataPaths, Setting, Settings, _parse, resolve_data_dir
from caspian_etl.sources import REGISTRY, comtrade, eia, energy_institute, imf_imts, news, worldbank

FAMILIES = {"base_urls", "http"}  # attributes filled from several variables (one per source, one per field)


def declared(env: str) -> Setting:
    return next(s for s in SETTINGS if s.env == env)


def test_every_settings_attribute_is_declared_once_and_every_declaration_has_an_attribute() -> None:
    names = [s.env for s in SETTINGS]
    assert len(names) == len(set(names))
    attributes = {f.name for f in dataclasses.fields(Settings)}
    plain = {s.attr for s in SETTINGS if not s.attr.startswith("http.") and s.attr != "base_urls"}
    assert plain <= attributes
    assert attributes - FAMILIES == plain
    assert all(s.description and s.default for s in SETTINGS)


def test_the_http_variables_are_the_fields_of_the_http_policy_with_its_defaults() -> None:
    http = {s.attr.removeprefix("http."): s for s in SETTINGS if s.attr.startswith("http.")}
    policy = HttpPolicy()
    assert set(http) == {f.name for f in dataclasses.fields(HttpPolicy)}
    for name, setting in http.items():
        assert float(setting.default) == getattr(policy, name), setting.env
        assert setting.env == "CASPIAN_ETL_HTTP_" + name.upper()


def test_declared_defaults_are_the_defaults_in_effect() -> None:
    defaults = Settings()
    assert float(declared("CASPIAN_ETL_MAX_SHRINK").default) == defaults.max_shrink
    assert int(declared("CASPIAN_ETL_FETCH_RETRIES").default) == defaults.fetch_retries
    # the sources own the vocabulary of their lists; the default README shows is the one they use
    as_declared = {s.attr: s.default for s in SETTINGS}
    given = Settings(**{a: as_declared[a] for a in ("worldbank_countries", "eia_countries", "imf_imts_countries",
                                                     "energy_institute_countries", "comtrade_reporters",
                                                     "comtrade_frequencies", "news_publishers")})
    for parse in (worldbank.countries, eia.countries, imf_imts.countries, energy_institute.countries,
                  comtrade.reporters, comtrade.frequencies, news.selected_publishers):
        assert parse(defaults) == parse(given), parse.__module__


def test_every_source_secret_is_a_declared_secret_setting_and_is_redacted() -> None:
    for source in REGISTRY.values():
        for env in source.secret_env:
            assert declared(env).secret, env
            assert env in declared_secret_env()
    settings = Settings.from_environment({"COMTRADE_API_KEY": "k-123456789", "EIA_API_KEY": ""})
    assert settings.secret("COMTRADE_API_KEY") == "k-123456789" and settings.secret("EIA_API_KEY") is None
    assert "k-123456789" not in repr(settings)
    with pytest.raises(KeyError):
        settings.secret("CASPIAN_ETL_DATA_DIR")


def test_values_are_typed_and_unset_or_empty_keep_the_default() -> None:
    settings = Settings.from_environment({
        "CASPIAN_ETL_MAX_SHRINK": "0.9", "CASPIAN_ETL_ALLOW_SHRINK": "yes", "CASPIAN_ETL_FETCH_RETRIES": "",
        "CASPIAN_ETL_HTTP_MAX_ATTEMPTS": "2", "CASPIAN_ETL_WORLDBANK_BASE_URL": "http://127.0.0.1:9/",
        "CASPIAN_ETL_NEWS_TREND_BASE_URL": "http://127.0.0.1:8", "CASPIAN_ETL_DATA_DIR": "", "UNRELATED": "x"})
    assert settings.max_shrink == 0.9 and settings.allow_shrink is True and settings.fetch_retries == 2
    assert settings.data_dir is None and settings.debug is False
    assert HttpPolicy().with_overrides(settings.http).max_attempts == 2
    assert settings.base_url("worldbank", "https://api.worldbank.org/v2") == "http://127.0.0.1:9"
    assert settings.base_url("news_trend", "https://trend.az") == "http://127.0.0.1:8"
    assert settings.base_url("eia", "https://api.eia.gov") == "https://api.eia.gov"


@pytest.mark.parametrize("env, value, expected", [
    ("CASPIAN_ETL_MAX_SHRINK", "1.5", "a share between 0 and 1"),
    ("CASPIAN_ETL_MAX_SHRINK", "half", "a share between 0 and 1"),
    ("CASPIAN_ETL_FETCH_RETRIES", "two", "a whole number"),
    ("CASPIAN_ETL_HTTP_DEADLINE", "-1", "a number >= 0"),
    ("CASPIAN_ETL_PREFECT_LOCKS", "maybe", "1 or 0"),
])
def test_a_bad_value_is_one_line_naming_the_variable_and_the_value(env: str, value: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        Settings.from_environment({env: value})
    message = str(caught.value)
    assert f"{env}={value!r}" in message and expected in message and "\n" not in message


def test_a_bad_secret_is_named_but_its_value_never_shown() -> None:
    secret = Setting("SOME_API_KEY", "x", "integer", "0", "a synthetic secret setting", secret=True)
    with pytest.raises(ConfigError) as caught:
        _parse(secret, "s3cr3t-value-123")
    assert "SOME_API_KEY" in str(caught.value) and "s3cr3t" not in str(caught.value)


def test_the_cli_refuses_a_bad_value_before_running_anything(monkeypatch, tmp_path: Path, capsys) -> None:
    monkeypatch.setenv("CASPIAN_ETL_MAX_SHRINK", "2")
    code = main(["run", "--without-prefect", "--offline", "--data-dir", str(tmp_path / "data")])
    err = capsys.readouterr().err
    assert code == EXIT_USAGE
    assert "CASPIAN_ETL_MAX_SHRINK='2': expected a share between 0 and 1" in err
    assert len([line for line in err.splitlines() if line.strip()]) == 1
    assert not (tmp_path / "data").exists()


def test_settings_are_loaded_once_at_the_entry_point_and_carried(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASPIAN_ETL_MAX_SHRINK", "0.25")
    paths = resolve_data_dir(tmp_path / "data")
    monkeypatch.setenv("CASPIAN_ETL_MAX_SHRINK", "0.75")  # after loading: this run does not see it
    assert paths.settings.max_shrink == 0.25
    assert DataPaths(tmp_path, Settings(max_shrink=0.1)).settings.max_shrink == 0.1
    assert DataPaths(tmp_path) == DataPaths(tmp_path, Settings(max_shrink=0.1))  # settings are not the identity


def test_the_settings_command_shows_values_in_effect_but_never_a_secret(monkeypatch, capsys) -> None:
    monkeypatch.setenv("COMTRADE_API_KEY", "synthetic-key-0123456789")
    monkeypatch.setenv("CASPIAN_ETL_MAX_SHRINK", "0.3")
    assert main(["settings"]) == 0
    rows = {line.split("│")[1].strip(): line for line in capsys.readouterr().out.splitlines() if line.count("│") > 3}
    assert "synthetic-key" not in "".join(rows.values())
    assert "│ set " in rows["COMTRADE_API_KEY"] and "│ 0.3 " in rows["CASPIAN_ETL_MAX_SHRINK"]
    assert "│ unset " in rows["EIA_API_KEY"]
