"""Errors an operator meets, each one line on stderr with the right exit status (0 ok, 1 failed, 2 usage), never a
traceback unless --debug; usage errors recorded nowhere; a broken disk stopping one source, not the run."""

from __future__ import annotations

import errno
import gzip
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from caspian_etl.cli import EXIT_OK, EXIT_SOURCE_FAILED, EXIT_USAGE, main
from caspian_etl.commands import sources as sources_command
from caspian_etl.core.atomic import atomic_write
from caspian_etl.core.errors import UsageError
from caspian_etl.pipeline import run as pipeline
from caspian_etl.pipeline.run import run_pipeline
from caspian_etl.sources import REGISTRY

CLI = [sys.executable, "-m", "caspian_etl.cli"]


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.strip()]


@pytest.mark.parametrize("selector", ["2099XXXX", "../../../etc", "2024-02-31"])
def test_a_bad_snapshot_is_a_usage_error_recorded_nowhere(selector: str, paths, capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["run", "--without-prefect", "--source", "claims", "--snapshot", selector, "--data-dir", str(paths.root)])
    assert exit_.value.code == EXIT_USAGE
    err = error_lines(capsys.readouterr().err)
    assert len(err) == 1 and "--snapshot" in err[0] and selector in err[0]
    assert not paths.state.exists() or list(paths.state.iterdir()) == []
    with pytest.raises(UsageError):  # the plain functions (and the pipeline flow) refuse it before any source runs
        run_pipeline(["claims"], paths, snapshot=selector)
    assert not paths.state.exists() or list(paths.state.iterdir()) == []


@pytest.mark.parametrize("first", ["0000", "9999", "2020-13"])
def test_backfill_with_an_impossible_window_is_one_usage_line(first: str, paths, capsys) -> None:
    code = main(["backfill", "--source", "worldbank", "--from", first, "--to", "2021", "--without-prefect",
                 "--data-dir", str(paths.root)])
    assert code == EXIT_USAGE
    err = error_lines(capsys.readouterr().err)
    assert len(err) == 1 and "--from" in err[0] and "Traceback" not in err[0]
    assert not paths.state.exists() or list(paths.state.iterdir()) == []


def test_sources_json_into_a_closed_pipe_ends_quietly(paths) -> None:
    """`caspian-etl sources --json | head -1`: the reader goes away before the output is written."""
    proc = subprocess.Popen([*CLI, "sources", "--json", "--data-dir", str(paths.root)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    proc.stdout.close()  # the reader is gone before the command writes anything
    err = proc.stderr.read().decode()
    assert proc.wait(60) == EXIT_OK
    assert err == ""


def test_tables_use_the_full_width_when_piped(paths, capsys, monkeypatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    main(["run", "--offline", "--without-prefect", "--source", "claims", "--data-dir", str(paths.root)])
    capsys.readouterr()
    assert main(["sources", "--data-dir", str(paths.root)]) == EXIT_OK
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) > 80
    assert REGISTRY["claims"].title in out  # not folded over several lines
    assert f"caspian-etl sources — {paths.root}" in out


def test_an_unexpected_error_is_one_line_and_debug_shows_the_traceback(paths, capsys, monkeypatch) -> None:
    def broken(paths):  # noqa: ANN001, ANN202
        raise RuntimeError("synthetic bug")

    monkeypatch.setattr(sources_command, "sources_overview", broken)
    monkeypatch.setenv("CASPIAN_ETL_DEBUG", "0")  # --debug sets it for the process; restored after the test
    assert main(["sources", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    err = error_lines(capsys.readouterr().err)
    assert err == ["error: unexpected RuntimeError: synthetic bug (run with --debug for the traceback)"]
    assert main(["--debug", "sources", "--data-dir", str(paths.root)]) == EXIT_SOURCE_FAILED
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and "synthetic bug" in err


@pytest.mark.skipif(os.geteuid() != 0 or shutil.which("setpriv") is None,
                    reason="needs root and setpriv to run the command as an unprivileged user")
def test_a_read_only_data_dir_is_one_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    tmp_path.chmod(0o755)
    data.chmod(0o555)
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path / "mpl"), "HOME": str(tmp_path)}
    done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", *CLI, "run", "--offline",
                           "--without-prefect", "--source", "claims", "--data-dir", str(data)],
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == EXIT_SOURCE_FAILED, done.stderr
    assert error_lines(done.stderr) == [f"error: the data dir {data} cannot be written (Permission denied); "
                                        "nothing was run"]


def test_a_gzip_header_followed_by_garbage_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "TradeData_bad.gz"
    bad.write_bytes(gzip.compress(b"synthetic")[:10] + b"this is no deflate stream" * 4)
    done = subprocess.run([*CLI, "ingest-file", "comtrade", str(bad), "--data-dir", str(tmp_path / "data")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == EXIT_SOURCE_FAILED
    assert "Traceback" not in done.stderr and "Traceback" not in done.stdout
    lines = error_lines(done.stderr)
    assert len(lines) == 1 and lines[0].startswith("comtrade: ")
    assert "TradeData_bad.gz: unreadable bulk file" in lines[0]


def test_atomic_write_cleanup_does_not_mask_the_original_error(tmp_path: Path, monkeypatch) -> None:
    def disk_full(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise OSError(errno.ENOSPC, "No space left on device")

    def read_only_unlink(self: Path, missing_ok: bool = False) -> None:
        raise PermissionError(errno.EROFS, "Read-only file system", str(self))

    monkeypatch.setattr(Path, "unlink", read_only_unlink)
    with pytest.raises(OSError) as err:
        atomic_write(tmp_path / "out" / "t.parquet", disk_full, staging_dir=tmp_path / ".staging")
    assert err.value.errno == errno.ENOSPC


def test_a_state_file_that_cannot_be_written_fails_that_source_only(paths, monkeypatch) -> None:
    real = pipeline.record_result

    def full_disk_for_claims(paths, result):  # noqa: ANN001, ANN202
        if result["source"] == "claims":
            raise OSError(errno.ENOSPC, "No space left on device", str(paths.state / "claims.json"))
        return real(paths, result)

    monkeypatch.setattr(pipeline, "record_result", full_disk_for_claims)
    summary = run_pipeline(["claims", "worldbank"], paths, offline=True)
    by_source = {r.source: r for r in summary.results}
    assert by_source["claims"].status == "failed" and "could not be recorded" in by_source["claims"].reason
    assert "No space left on device" in by_source["claims"].reason
    assert by_source["worldbank"].status == "skipped"  # the next source still ran
    assert (paths.state / "worldbank.json").is_file()


def test_serve_leaves_deployments_unpaused_when_it_stops(monkeypatch) -> None:
    import prefect

    from caspian_etl.commands import serve as serve_command

    calls: list[dict] = []
    monkeypatch.setattr(serve_command, "server_configured", lambda: True)
    monkeypatch.setattr(prefect, "serve", lambda *deployments, **kw: calls.append(kw))
    assert main(["serve"]) == EXIT_OK
    assert calls and calls[0].get("pause_on_shutdown") is False
