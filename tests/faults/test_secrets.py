"""A Comtrade gateway on 127.0.0.1 that leaks the subscription key every way a real one could: echoed in its JSON
body and in a row field, quoted in an error body (cut mid-key by the error snippet), quoted in a 200 error
document, and put into the query of redirects (same origin, and another origin that must never get it). After
the runs, neither the key nor any 8-character run of it is in any byte of the data dir, the captured output or
the logs -- and, through Prefect, nowhere under PREFECT_HOME (database: states, logs, artifact, events).
The key, the rows and the gateway's texts are synthetic."""

from __future__ import annotations

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import datetime, timezone
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, main
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.sources.comtrade import api as comtrade
from tests.httpserver import Reply, ScriptedServer
from tests.sources.test_comtrade import answer, record

KEY = "c0ffee00d15ea5e5ba5eba11deadbeef"  # synthetic, shaped like a Comtrade subscription key
FRAGMENTS = (KEY, KEY[:8], KEY[8:16], KEY[-8:])
DATA_A, DATA_M = "/data/v1/get/C/A/HS", "/data/v1/get/C/M/HS"
WINDOW = ["--start", "2022-01-01", "--end", "2023-12-31"]  # one annual request, two monthly ones


def leaks_in(blob: bytes | str) -> list[str]:
    text = blob.decode("utf-8", "replace") if isinstance(blob, bytes) else blob
    return [f for f in FRAGMENTS if f in text]


def leaking_files(*roots: Path) -> dict[str, list[str]]:
    found = {}
    for root in roots:
        for path in root.rglob("*"):
            if path.is_file() and (hit := leaks_in(path.read_bytes())):
                found[str(path)] = hit
    return found


def echoing_answer(server_url: str) -> bytes:
    row = record(398, "KAZ", 31, "AZE", "X", 2023, "TOTAL", 1.0)
    row["cmdDesc"] = f"All commodities (subscription {KEY[:12]})"  # a gateway that leaks into a data field
    doc = json.loads(answer([row]))
    doc["request"] = {"subscription-key": KEY, "url": f"{server_url}{DATA_A}?subscription-key={KEY}"}
    return json.dumps(doc).encode()


def error_body(server_url: str) -> bytes:
    # the key starts at character 190: the 200-character error snippet once kept its first 10 characters
    return ("x" * 190 + f"{KEY} is not a valid subscription key. Request: {server_url}{DATA_A}"
            f"?subscription-key={KEY}").encode()


@pytest.fixture
def gateway(server, monkeypatch):
    with ScriptedServer() as elsewhere:
        monkeypatch.setenv(comtrade.KEY_ENV, KEY)
        monkeypatch.setenv("CASPIAN_ETL_COMTRADE_BASE_URL", server.url)
        monkeypatch.setenv("CASPIAN_ETL_COMTRADE_REPORTERS", "KAZ")
        monkeypatch.setenv("CASPIAN_ETL_COMTRADE_PARTNERS", "AZE")
        monkeypatch.setenv("CASPIAN_ETL_COMTRADE_FREQUENCIES", "A,M")
        monkeypatch.setattr(comtrade, "COMMODITIES", ("TOTAL", "27"))
        server.add(DATA_A, Reply(302, b"", {"Location": f"/gateway/echo?subscription-key={KEY}&hop=1"}))
        server.add("/gateway/echo", Reply.json(echoing_answer(server.url)))
        server.add(DATA_M, Reply(302, b"", {"Location": f"{elsewhere.url}/collect?subscription-key={KEY}&x=1"}),
                   Reply.json(answer([])))
        elsewhere.add("/collect", Reply.json(answer([])))
        yield server, elsewhere


def test_a_gateway_echoing_the_key_leaks_it_nowhere(gateway, paths, capsys, caplog) -> None:
    server, elsewhere = gateway
    base = ["run", "--without-prefect", "--source", "comtrade", *WINDOW, "--data-dir", str(paths.root)]
    assert main(base) == EXIT_OK

    # the other origin got neither the header nor the key in its query
    collected = elsewhere.requests_to("/collect")
    assert collected and all(not leaks_in(json.dumps([s.headers, s.query])) for s in collected)
    assert server.requests_to("/gateway/echo")[0].headers[comtrade.KEY_HEADER] == KEY  # same origin: kept

    # the echoing body was stored redacted, and its manifest says so and matches the stored bytes
    snapshot = SnapshotStore(paths, "comtrade").latest()
    redacted = [e for e in snapshot.entries if e.redacted]
    assert redacted and b"REDACTED" in snapshot.read(redacted[0].name)  # read() checks the sha256
    rows = pq.read_table(paths.curated / "trade_flows").to_pylist()
    assert any("REDACTED" in (r["commodity_desc"] or "") for r in rows)

    # an error body quoting key and URL (HTTP 401), then a gateway error document with HTTP 200
    server.routes[DATA_A].clear()
    server.add(DATA_A, Reply(401, error_body(server.url)))
    assert main(base) == EXIT_SOURCE_FAILED
    server.routes[DATA_A].clear()
    server.add(DATA_A, Reply.json(f'{{"statusCode": 401, "message": "Access denied due to invalid subscription key '
                                  f'{KEY}. Make sure to provide a valid key."}}'))
    assert main(base) == EXIT_SOURCE_FAILED

    out = capsys.readouterr()
    assert "REDACTED" in out.out + out.err  # the failures were reported, redacted
    assert leaks_in(out.out) == [] and leaks_in(out.err) == [] and leaks_in(caplog.text) == []
    assert leaking_files(paths.root) == {}
    assert len(list(paths.raw.glob("comtrade/*/manifest.json"))) == 2  # the echo, and the error document


@pytest.mark.prefect_server
def test_through_prefect_the_key_reaches_no_state_log_artifact_or_event(gateway, tmp_path) -> None:
    """The same gateway, through `caspian-etl run` with Prefect (its own temporary server and database, logs
    sent to the API): grep PREFECT_HOME, the data dir, stdout and stderr."""
    server, _ = gateway
    server.routes[DATA_M].clear()  # the monthly requests meet the error body: the source fails after the echo
    server.add(DATA_M, Reply(401, error_body(server.url)))
    home, data = tmp_path / "prefect-home", tmp_path / "data"
    env = {**os.environ, "PREFECT_HOME": str(home), "PREFECT_LOGGING_TO_API_ENABLED": "true",
           "PREFECT_API_URL": "", "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    done = subprocess.run([sys.executable, "-m", "caspian_etl.cli", "run", "--source", "comtrade", *WINDOW,
                           "--data-dir", str(data)], env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == EXIT_SOURCE_FAILED, done.stdout + done.stderr
    assert "comtrade: FAILED" in done.stdout and "REDACTED" in done.stdout
    assert "Traceback" not in done.stderr
    assert leaks_in(done.stdout) == [] and leaks_in(done.stderr) == []
    assert leaking_files(home, data) == {}
    # and the failure did reach Prefect's database -- redacted -- as logs, states, the artifact and events
    database = next(home.rglob("*.db"))
    with closing(sqlite3.connect(database)) as db:
        for sql in ("select message from log", "select message from task_run_state",
                    "select data from artifact where key = 'caspian-etl-run-summary'", "select payload from events"):
            texts = " ".join(str(v) for (v,) in db.execute(sql))
            assert "REDACTED" in texts, sql


def test_an_ingested_file_holding_the_key_is_stored_redacted(paths, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(comtrade.KEY_ENV, KEY)
    text = tmp_path / "downloaded.tsv"
    text.write_bytes(b"freqCode\tnote\n" + b"A\tpadding\n" * 200_000 + f"A\tkey {KEY[4:20]} pasted\n".encode())
    packed = tmp_path / "bulk.gz"
    packed.write_bytes(gzip.compress(b"freqCode\nA\n"))
    writer = SnapshotStore(paths, "comtrade").writer()
    clean = writer.add_file("downloaded.tsv", text, url=text.as_uri(), requested_at=datetime.now(timezone.utc))
    untouched = writer.add_file("bulk.gz", packed, url=packed.as_uri(), requested_at=datetime.now(timezone.utc))
    snapshot = writer.commit()
    assert clean.redacted and not untouched.redacted
    assert b"key REDACTED pasted" in snapshot.read("downloaded.tsv")  # and its sha256 matches what is stored
    assert snapshot.read("bulk.gz") == packed.read_bytes()
    assert leaking_files(paths.root) == {}
