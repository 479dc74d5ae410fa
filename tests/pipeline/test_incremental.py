"""Incremental runs: unchanged bytes are neither re-parsed nor re-written (counted, not timed)."""

import csv
from dataclasses import replace

import pytest

from caspian_etl.core.resources import default_claims_registry
from caspian_etl.derived import DERIVED
from caspian_etl.pipeline import downstream
from caspian_etl.pipeline import run as pipeline
from caspian_etl.pipeline.run import run_pipeline, run_source
from caspian_etl.sources import REGISTRY
from tests.httpserver import Reply
from tests.sources.test_worldbank import GDP, RENEW, obs, page, path_of


class Counter:
    def __init__(self, fn):
        self.fn, self.calls = fn, 0

    def __call__(self, *args, **kwargs):
        self.calls += 1
        return self.fn(*args, **kwargs)


@pytest.fixture
def counted(monkeypatch):
    parse = Counter(REGISTRY["claims"].parse)
    monkeypatch.setitem(REGISTRY, "claims", replace(REGISTRY["claims"], parse=parse))
    write = Counter(downstream.write_part)
    publish_all = pipeline.write_parts

    def counted_parts(paths, source, parts, *args, **kwargs):  # a source's tables, written together
        write.calls += len(parts)
        return publish_all(paths, source, parts, *args, **kwargs)

    monkeypatch.setattr(pipeline, "write_parts", counted_parts)  # sources' tables
    monkeypatch.setattr(downstream, "write_part", write)  # derived tables
    derived = Counter(None)  # counts builds of every registered derived table

    def counting(build):
        def wrapped(paths):
            derived.calls += 1
            return build(paths)
        return wrapped

    for name, spec in list(DERIVED.items()):
        monkeypatch.setitem(DERIVED, name, replace(spec, build=counting(spec.build)))
    return parse, write, derived


def _mtimes(paths) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in paths.curated.rglob("*.parquet")}


def test_rerun_with_nothing_changed_parses_and_writes_nothing(counted, paths) -> None:
    parse, write, derived = counted
    first = run_pipeline(["claims"], paths, offline=True)
    assert first.ok and parse.calls == 1 and derived.calls == len(DERIVED) > 0
    writes_first = write.calls
    # the source's tables + derived ones + an empty file for each table only a skipped source feeds (cited_figures)
    assert writes_first == len(REGISTRY["claims"].tables) + len(DERIVED) + 1
    before = _mtimes(paths)

    report_files = {str(p): p.stat().st_mtime_ns for p in (paths.root / "report").glob("*")}
    catalog = (paths.curated / "CATALOG.md").stat().st_mtime_ns
    second = run_pipeline(["claims"], paths, offline=True)
    assert second.ok and second.results[0].up_to_date
    assert second.results[-1].source == "publish" and second.results[-1].up_to_date  # catalog, report untouched
    assert report_files and {str(p): p.stat().st_mtime_ns for p in (paths.root / "report").glob("*")} == report_files
    assert (paths.curated / "CATALOG.md").stat().st_mtime_ns == catalog
    assert (parse.calls, write.calls, derived.calls) == (1, writes_first, len(DERIVED))  # no parse/write/build
    assert all(t.up_to_date for r in second.results if r.source == "derived" for t in r.tables)
    assert _mtimes(paths) == before


def test_a_changed_registry_is_curated_again(counted, paths) -> None:
    parse, write, _ = counted
    run_pipeline(["claims"], paths, offline=True)
    (paths.raw / "claims").mkdir(parents=True, exist_ok=True)
    registry = paths.raw / "claims" / "claims.csv"
    registry.write_bytes(default_claims_registry().read_bytes())
    with open(registry, "a", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerow(["test-extra", "middle_corridor_cargo", "1", "Mt", "2019", "observation", "", "",
                                 "test", "", "", "", "", "synthetic row"])
    result = run_source("claims", paths, offline=True)
    assert not result.up_to_date and parse.calls == 2


def test_deleted_curated_file_is_rebuilt(counted, paths) -> None:
    parse, _, _ = counted
    run_pipeline(["claims"], paths, offline=True)
    (paths.curated / "trade_flows" / "claims.parquet").unlink()
    result = run_source("claims", paths, offline=True)
    assert not result.up_to_date and parse.calls == 2
    assert (paths.curated / "trade_flows" / "claims.parquet").exists()


def test_304_everywhere_means_no_parse(server, monkeypatch, paths) -> None:
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ;AZE")
    from caspian_etl.sources import worldbank

    by_code = {i.code: i for i in worldbank.INDICATORS}
    monkeypatch.setattr(worldbank, "INDICATORS", (by_code[GDP], by_code[RENEW]))
    parse = Counter(REGISTRY["worldbank"].parse)
    monkeypatch.setitem(REGISTRY, "worldbank", replace(REGISTRY["worldbank"], parse=parse))
    server.add(path_of(GDP), Reply.json(page(1, 1, [obs(GDP, "KAZ", 2023, 1.0)]), ETag='"a"'), Reply(304))
    server.add(path_of(RENEW), Reply.json(page(1, 1, []), ETag='"b"'), Reply(304))
    assert run_source("worldbank", paths).status == "ok"
    again = run_source("worldbank", paths)
    assert again.unchanged and again.up_to_date and parse.calls == 1
