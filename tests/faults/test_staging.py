"""Staging files left by a crash or kill -9 are removed at the start of the next run; a live writer's are not."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from caspian_etl.core.atomic import HOST, clean_staging
from caspian_etl.pipeline.run import run_source

KILLED_WRITER = """
import os, sys
from pathlib import Path
from caspian_etl.core.atomic import stage
staging = Path(sys.argv[1])
def write(tmp):
    tmp.write_bytes(b"half a parquet file")
    os.kill(os.getpid(), 9)  # killed mid-write, before the rename
stage(staging.parent / "curated" / "claims" / "claims.parquet", write, staging_dir=staging)
"""


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                          check=True)
    return int(done.stdout)


def _age(path, seconds: float) -> None:
    past = time.time() - seconds
    os.utime(path, (past, past))


def test_a_killed_writer_leaves_a_file_the_next_run_removes(paths) -> None:
    paths.staging.mkdir(parents=True)
    killed = subprocess.run([sys.executable, "-c", KILLED_WRITER, str(paths.staging)], check=False)
    assert killed.returncode == -signal.SIGKILL
    left = list(paths.staging.iterdir())
    assert len(left) == 1 and left[0].read_bytes() == b"half a parquet file"
    time.sleep(0.01)
    result = run_source("claims", paths)
    assert result.status == "ok", result.reason
    assert not left[0].exists()


def test_only_dead_writers_files_are_removed(paths) -> None:
    staging = paths.staging
    staging.mkdir(parents=True)
    dead = _dead_pid()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        files = {
            "dead": staging / f"claims.parquet.{HOST}.{dead}.0a1b2c3d.tmp",
            "live": staging / f"claims.parquet.{HOST}.{live.pid}.0a1b2c3d.tmp",
            "other host, old": staging / f"claims.parquet.otherhost.{dead}.0a1b2c3d.tmp",
            "other host, recent": staging / f"trade_flows.parquet.otherhost.{dead}.0a1b2c3d.tmp",
            "dead bulk folder": staging / f"bulk-comtrade-{dead}-0a1b2c3d",
        }
        for name, path in files.items():
            if "folder" in name:
                path.mkdir()
                (path / "2024.parquet").write_bytes(b"partial")
            else:
                path.write_bytes(b"partial")
            _age(path, 2 * 24 * 3600 if name == "other host, old" else 60)
        fresh = staging / f"targets.parquet.{HOST}.{dead}.0a1b2c3d.tmp"  # appears after the run started
        fresh.write_bytes(b"partial")
        _age(fresh, -60)
        removed = set(clean_staging(staging))
        assert removed == {files["dead"], files["other host, old"], files["dead bulk folder"]}
        assert files["live"].exists() and files["other host, recent"].exists() and fresh.exists()
    finally:
        live.kill()
        live.wait()
