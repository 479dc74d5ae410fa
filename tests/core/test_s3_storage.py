"""An s3:// data root shared by two workers, against a local S3 server (moto, server mode, on 127.0.0.1)."""

import json
import socket

import pyarrow.fs as pafs
import pyarrow.parquet as pq
import pytest

from caspian_etl.cli import EXIT_OK, main
from caspian_etl.core import storage
from caspian_etl.core.errors import ConfigError
from caspian_etl.core.settings import resolve_data_dir
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.pipeline.run import run_source
from tests.httpserver import Reply
from tests.sources.test_worldbank import GDP, obs, page

BUCKET = "caspian-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3(s3_endpoint, monkeypatch, tmp_path):
    for k, v in {"AWS_ENDPOINT_URL": s3_endpoint, "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                 "AWS_DEFAULT_REGION": "us-east-1", "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(k, v)
    fs = pafs.S3FileSystem(endpoint_override=s3_endpoint.split("//")[1], scheme="http", access_key="test",
                           secret_key="test", region="us-east-1", allow_bucket_creation=True,
                           allow_bucket_deletion=True)
    fs.create_dir(BUCKET)
    monkeypatch.setattr(storage, "_MIRRORS", {})
    yield fs
    fs.delete_dir(BUCKET)


def machine(monkeypatch, tmp_path, name: str) -> None:
    """Switch to another worker: its own local cache folder, nothing shared but the bucket."""
    monkeypatch.setenv("CASPIAN_ETL_CACHE_DIR", str(tmp_path / name))
    monkeypatch.setattr(storage, "_MIRRORS", {})


def objects(fs, prefix: str) -> set[str]:
    infos = fs.get_file_info(pafs.FileSelector(f"{BUCKET}/{prefix}", recursive=True))
    return {i.path.split("/", 2)[2] for i in infos if i.type == pafs.FileType.File}


def test_a_run_publishes_snapshots_tables_and_state(s3, monkeypatch, tmp_path) -> None:
    uri = f"s3://{BUCKET}/data"
    machine(monkeypatch, tmp_path, "a")
    assert main(["run", "--offline", "--without-prefect", "--source", "claims", "--data-dir", uri]) == EXIT_OK
    keys = objects(s3, "data")
    assert {"state/claims.json", "curated/claims/claims.parquet", "curated/trade_flows/claims.parquet"} <= keys
    raw = sorted(k for k in keys if k.startswith("raw/claims/"))
    assert len(raw) == 2 and raw[0].endswith("/claims.csv") and raw[1].endswith("/manifest.json")
    assert not any(k.startswith((".staging", ".locks")) for k in keys)
    # a reader sees the same bytes straight from the bucket
    local = resolve_data_dir(uri).root / "curated" / "claims" / "claims.parquet"
    with s3.open_input_stream(f"{BUCKET}/data/curated/claims/claims.parquet") as fh:
        assert fh.read() == local.read_bytes()
    table = pq.read_table(f"{BUCKET}/data/curated/trade_flows/claims.parquet", filesystem=s3)
    assert 533_400_000.0 in table.column("value_usd").to_pylist()


def test_a_second_worker_sees_the_first_ones_work(s3, server, monkeypatch, tmp_path, capsys) -> None:
    uri = f"s3://{BUCKET}/shared"
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_BASE_URL", server.url + "/v2")
    monkeypatch.setenv("CASPIAN_ETL_WORLDBANK_COUNTRIES", "KAZ")
    from caspian_etl.sources import worldbank

    monkeypatch.setattr(worldbank, "INDICATORS", tuple(i for i in worldbank.INDICATORS if i.code == GDP))
    server.add(f"/v2/country/KAZ/indicator/{GDP}", Reply.json(page(1, 1, [obs(GDP, "KAZ", 2023, 42.0)])))

    machine(monkeypatch, tmp_path, "a")
    assert run_source("worldbank", resolve_data_dir(uri)).status == "ok"
    assert run_source("claims", resolve_data_dir(uri), offline=True).status == "ok"

    machine(monkeypatch, tmp_path, "b")
    paths_b = resolve_data_dir(uri)
    assert paths_b.root == (tmp_path / "b").resolve() / paths_b.root.name
    main(["status", "--json", "--data-dir", uri])  # exit 1: the other sources never ran here
    status = json.loads(capsys.readouterr().out)
    assert status["sources"]["claims"]["health"] == "ok"
    assert status["sources"]["worldbank"]["health"] == "ok" and status["sources"]["worldbank"]["rows"] == {
        "macro_indicators": 1, "energy_indicators": 0, "corridor_indicators": 0}
    # the raw bytes come down on first use and are checked against their recorded sha256
    snap = SnapshotStore(paths_b, "worldbank").latest()
    assert b'"value": 42.0' in snap.read(f"{GDP}_p1.json")
    # nothing changed since worker A curated: worker B neither parses nor writes
    again = run_source("claims", paths_b, offline=True)
    assert again.up_to_date and again.status == "ok"


def test_missing_bucket_is_a_clear_error(s3, monkeypatch, tmp_path) -> None:
    machine(monkeypatch, tmp_path, "c")
    with pytest.raises(ConfigError, match="bucket 'no-such-bucket' does not exist"):
        resolve_data_dir("s3://no-such-bucket/x")
