"""Ingest hygiene: only regular files are ingested, and a failed ingest poisons no later replay.
(The files here are synthetic.)"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, main
from caspian_etl.core.snapshots import SnapshotStore
from caspian_etl.pipeline.run import run_source


def test_a_symlink_is_refused_and_nothing_is_copied(paths, tmp_path: Path, capsys) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:synthetic\n")
    link = tmp_path / "bulk.tsv.gz"
    link.symlink_to(secret)
    assert main(["ingest-file", "comtrade", str(link), "--data-dir", str(paths.root)]) == EXIT_USAGE
    out = capsys.readouterr().err
    assert "symbolic link" in out and "comtrade" in out and len(out.strip().splitlines()) == 1
    raw = paths.raw / "comtrade"
    assert not raw.exists() or not any(b"synthetic" in p.read_bytes() for p in raw.rglob("*") if p.is_file())


@pytest.mark.parametrize("kind", ["fifo", "folder", "device"])
def test_devices_fifos_and_folders_are_refused(paths, tmp_path: Path, capsys, kind: str) -> None:
    if kind == "fifo":
        target = tmp_path / "pipe"
        os.mkfifo(target)  # opening it to copy would block forever
    elif kind == "folder":
        target = tmp_path / "folder"
        target.mkdir()
    else:
        target = Path("/dev/zero")  # copying it would never end
    assert main(["ingest-file", "comtrade", str(target), "--data-dir", str(paths.root)]) == EXIT_USAGE
    assert "not a regular file" in capsys.readouterr().err
    assert not (paths.raw / "comtrade").exists()


def test_a_failed_ingest_is_kept_as_evidence_but_never_replayed(paths, tmp_path: Path, capsys) -> None:
    broken = tmp_path / "not-bulk.tsv"
    broken.write_text("this is not a bulk file\n")  # synthetic
    assert main(["ingest-file", "comtrade", str(broken), "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    snapshots = SnapshotStore(paths, "comtrade").list()
    assert len(snapshots) == 1 and snapshots[0].failed  # kept, marked failed, with the reason
    assert SnapshotStore(paths, "comtrade").latest() is None
    capsys.readouterr()
    # later offline runs are not poisoned by it: nothing to replay is a skip, not a failure
    assert main(["run", "--offline", "--source", "comtrade", "--without-prefect",
                 "--data-dir", str(paths.root)]) == EXIT_OK
    assert run_source("comtrade", paths, offline=True).status == "skipped"
