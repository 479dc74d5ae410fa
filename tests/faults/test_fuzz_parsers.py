"""Hypothesis fuzz of every source's parser: random bytes and mutated samples may only raise the project's own
typed errors (CaspianError and its subclasses), never a bare KeyError/TypeError/UnicodeDecodeError/...

Seeds are the real recorded samples when ../shared is present, else the synthetic fixtures in tests/.
CASPIAN_ETL_FUZZ_EXAMPLES sets the examples per test (150 by default; raise it for a deeper run by hand)."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from caspian_etl.core.errors import CaspianError
from caspian_etl.core.snapshots import Snapshot, SnapshotEntry
from caspian_etl.sources import REGISTRY
from caspian_etl.sources.claims import REGISTRY_COLUMNS
from tests.conftest import SAMPLES

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
WB_PAGE = json.dumps([{"page": 1, "pages": 1, "per_page": 50, "total": 1},  # synthetic
                      [{"indicator": {"id": "NY.GDP.MKTP.CD", "value": "GDP"}, "country": {"id": "KZ", "value": "K"},
                        "countryiso3code": "KAZ", "date": "2020", "value": 1.5, "obs_status": "", "decimal": 0}]])


def _sample(rel: str, fallback: bytes) -> bytes:
    path = SAMPLES / rel
    return path.read_bytes() if path.is_file() else fallback


def seeds() -> dict[str, list[tuple[str, bytes]]]:
    """source -> [(file name in its snapshot, seed bytes)]."""
    claims_csv = (Path(__file__).resolve().parents[2] / "data/raw/claims/claims.csv").read_bytes()
    return {
        "claims": [("claims.csv", claims_csv[:4000])],
        "worldbank": [("NY.GDP.MKTP.CD_p1.json", _sample("worldbank/wb_v1_2016_NY.GDP.MKTP.CD_all_page1.json",
                                                         WB_PAGE.encode()))],
        "eia": [("crude_production_annual_p0.json",
                 _sample("eia/openbb_eia_v2_international_data_AGO_crude_prod_1973-01.json", b"{}"))],
        "energy_institute": [("panel.csv", (FIXTURES / "energy_institute" / "panel_synthetic.csv").read_bytes()),
                             ("narrow.csv", (FIXTURES / "energy_institute" / "narrow_synthetic.csv").read_bytes())],
        "comtrade": [("A_398_0001.json", _sample("comtrade/comtradr_data_v1_get_C_A_HS-60a6ad.json",
                                                  b'{"count": 0, "data": [], "error": ""}'))],
        "imf_imts": [("KAZ_AZE.xml", _sample("imf/openbb_imf_sdmx3_data_IMTS_USA.XG_FOB_USD.G001+G998.A_2023-2024.xml",
                                             b"<message:StructureSpecificData/>"))],
        "news": [("trend__a_0123456789abcdef.html", (FIXTURES / "news" / "trend_article.html").read_bytes()),
                 ("astanatimes__a_0123456789abcdef.html",
                  (FIXTURES / "news" / "astanatimes_article.html").read_bytes()),
                 ("news__fetch_log.json", b'{"trend": {"failed": [{"url": "http://x/1", "error": "HTTP 500"}]}}')],
        "citations": [("page__0123456789abcdef", (FIXTURES / "news" / "trend_article.html").read_bytes()),
                      ("citations__index.json",
                       b'{"https://x.test/a.html": {"outcome": "fetched", "entry": "page__0123456789abcdef", '
                       b'"http_status": null, "detail": null}, "https://x.test/b.html": {"outcome": "unreachable", '
                       b'"entry": null, "http_status": 404, "detail": "HTTP 404"}}')],
    }


SEEDS = seeds()


def test_every_registered_source_is_fuzzed() -> None:
    assert set(SEEDS) >= set(REGISTRY), f"add a fuzz seed for: {sorted(set(REGISTRY) - set(SEEDS))}"


def snapshot_of(folder: Path, source: str, files: dict[str, bytes]) -> Snapshot:
    folder.mkdir(parents=True, exist_ok=True)
    entries = []
    for name, body in files.items():
        (folder / name).write_bytes(body)
        entries.append(SnapshotEntry(name=name, url=f"http://127.0.0.1/{name}", requested_at="2026-01-01T00:00:00Z",
                                     status=200, content_type=None, etag=None, last_modified=None, size=len(body),
                                     sha256=hashlib.sha256(body).hexdigest()))
    return Snapshot(source=source, snapshot_id="20260101T000000Z", path=folder, created_at="2026-01-01T00:00:00Z",
                    complete=True, entries=tuple(entries))


@st.composite
def mutated(draw, seed: bytes) -> bytes:
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 8))):
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate", "splice"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=12))
        elif op == "delete" and data:
            del data[pos:pos + draw(st.integers(1, 40))]
        elif op == "truncate":
            del data[pos:]
        elif op == "splice":
            token = draw(st.sampled_from([b"null", b"[]", b"{}", b'""', b"-", b"NaN", b"1e999", b"\xff\xfe",
                                          b"<div>", b"</body>", b",", b"\n", b'"', b"2024-13"]))
            data[pos:pos] = token
    return bytes(data)


def _check(source: str, files: dict[str, bytes], tmp_path: Path) -> None:
    snapshot = snapshot_of(tmp_path / hashlib.sha256(repr(sorted(files.items())).encode()).hexdigest()[:12],
                           source, files)
    try:
        frames = REGISTRY[source].parse(snapshot)
    except CaspianError:
        return  # a typed, explained failure is an allowed outcome
    assert isinstance(frames, dict) and set(frames) <= set(REGISTRY[source].tables)


FUZZ = settings(max_examples=int(os.environ.get("CASPIAN_ETL_FUZZ_EXAMPLES", "150")), deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@pytest.mark.parametrize("source", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_mutated_samples_only_raise_typed_errors(source: str, data, tmp_path: Path) -> None:
    files = {name: data.draw(mutated(seed), label=name) for name, seed in SEEDS[source]}
    _check(source, files, tmp_path)


@pytest.mark.parametrize("source", sorted(SEEDS))
@FUZZ
@given(data=st.data())
def test_random_bytes_only_raise_typed_errors(source: str, data, tmp_path: Path) -> None:
    files = {name: data.draw(st.binary(max_size=400), label=name) for name, _ in SEEDS[source]}
    _check(source, files, tmp_path)


def test_claims_header_is_kept_in_the_seed() -> None:
    assert SEEDS["claims"][0][1].startswith(",".join(REGISTRY_COLUMNS).encode())
