"""The catalog is generated from schemas/ and the registry; the committed copy in docs/ must be current."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from caspian_etl.cli import main
from caspian_etl.contracts.schema import load_contract, table_names
from caspian_etl.publish.catalog import (
    CATALOG_NAME,
    DATAPACKAGE_NAME,
    FIELD_TYPES,
    REGENERATE,
    catalog_markdown,
    datapackage,
    datapackage_json,
)
from caspian_etl.sources import REGISTRY
from tests.offline_run import offline_data  # noqa: F401 - session fixture

DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize("name, generate", [(CATALOG_NAME, catalog_markdown), (DATAPACKAGE_NAME, datapackage_json)])
def test_committed_catalog_is_current(name, generate) -> None:
    committed = (DOCS / name).read_text(encoding="utf-8")
    assert committed == generate(), (f"docs/{name} is stale against schemas/ or the source registry: "
                                     f"run `{REGENERATE}` and commit the result")


@pytest.fixture(scope="module")
def package() -> dict:
    return datapackage()


def test_every_table_and_column_is_described(package) -> None:
    resources = {r["name"]: r for r in package["resources"]}
    assert set(resources) == set(table_names()) >= {"claims", "trade_flows", "claim_checks", "targets"}
    for name, resource in resources.items():
        contract = load_contract(name)
        fields = resource["schema"]["fields"]
        assert [f["name"] for f in fields] == contract.column_names
        for field, column in zip(fields, contract.columns, strict=True):
            assert field["type"] == FIELD_TYPES[column.type]
            assert field["description"] == column.description
            assert field["constraints"]["required"] is (not column.nullable)
            assert field.get("unit") == column.unit
        assert resource["format"] == "parquet" and resource["path"]
        key = resource["schema"].get("primaryKey") or resource["schema"]["uniqueKeys"][0]
        assert key == list(contract.natural_key)


@pytest.mark.parametrize("table, column, constraint, expected", [
    ("trade_flows", "commodity_code", "pattern", "(TOTAL|[0-9]{2,6})"),  # anchors dropped: implicit in Table Schema
    ("trade_flows", "flow", "enum", ["X", "M", "RX", "RM", "T"]),
    ("trade_flows", "value_usd", "minimum", 0),
    ("claims", "endnote", "minimum", 1),
])
def test_checks_become_table_schema_constraints(package, table, column, constraint, expected) -> None:
    resource = next(r for r in package["resources"] if r["name"] == table)
    field = next(f for f in resource["schema"]["fields"] if f["name"] == column)
    assert field["constraints"][constraint] == expected


def test_units_and_metrics_vocabularies_become_enums(package) -> None:
    claims = next(r for r in package["resources"] if r["name"] == "claims")
    fields = {f["name"]: f for f in claims["schema"]["fields"]}
    assert {"Mt", "USD million", "TEU"} <= set(fields["unit"]["constraints"]["enum"])
    assert {"trade_turnover", "btc_capacity"} <= set(fields["metric"]["constraints"]["enum"])


def test_sources_and_licences_come_from_the_registry(package) -> None:
    trade = next(r for r in package["resources"] if r["name"] == "trade_flows")
    assert any("claims" in s["title"] for s in trade["sources"])
    macro = next(r for r in package["resources"] if r["name"] == "macro_indicators")
    assert {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
            "title": REGISTRY["worldbank"].licence} in macro["licenses"]
    markdown = catalog_markdown()
    for source in REGISTRY.values():
        assert source.producer in markdown and source.licence in markdown


def test_catalog_command_lists_the_files_present(offline_data, tmp_path) -> None:  # noqa: F811
    paths, _ = offline_data
    data = tmp_path / "data"
    shutil.copytree(paths.curated, data / "curated")
    # a partitioning source writes <source>__<part>.parquet files (a copy stands in for one here)
    shutil.copy(data / "curated" / "trade_flows" / "claims.parquet",
                data / "curated" / "trade_flows" / "bulk__2023.parquet")
    assert main(["catalog", "--data-dir", str(data)]) == 0
    written = json.loads((data / "curated" / DATAPACKAGE_NAME).read_text(encoding="utf-8"))
    trade = next(r for r in written["resources"] if r["name"] == "trade_flows")
    assert trade["path"] == ["trade_flows/bulk__2023.parquet", "trade_flows/claims.parquet"]
    # every listed file is where the package says, relative to the package file
    for resource in written["resources"]:
        for path in resource["path"]:
            assert (data / "curated" / path).is_file(), path
    assert (data / "curated" / CATALOG_NAME).read_text(encoding="utf-8") == catalog_markdown()


def test_the_pipeline_run_leaves_a_current_catalog(offline_data) -> None:  # noqa: F811
    paths, _ = offline_data
    assert (paths.curated / CATALOG_NAME).read_text(encoding="utf-8") == catalog_markdown()
    assert json.loads((paths.curated / DATAPACKAGE_NAME).read_text(encoding="utf-8")) == datapackage(paths)


def test_the_datapackage_passes_frictionless_validate(offline_data) -> None:  # noqa: F811
    """Every table of a run, read by frictionless itself (skipped when it is not installed: not a dependency)."""
    frictionless = pytest.importorskip("frictionless")
    paths, _ = offline_data
    report = frictionless.validate(str(paths.curated / DATAPACKAGE_NAME))
    problems = [(task.name, error.message) for task in report.tasks for error in task.errors][:5]
    assert report.valid, problems


def test_url_patterns_match_whole_values_and_nulls_are_missing_values() -> None:
    claims = datapackage(None)["resources"]
    resource = next(r for r in claims if r["name"] == "claims")
    url = next(f for f in resource["schema"]["fields"] if f["name"] == "source_url")
    assert url["constraints"]["pattern"] == "https?://.+"  # a Table Schema pattern matches the whole value
    assert {"", "nan", "NaN", "None"} <= set(resource["schema"]["missingValues"])
