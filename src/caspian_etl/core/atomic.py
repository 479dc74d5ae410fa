"""Write a file so that readers see the old version or the new one, never a half-written one.

Files are written into the data root's staging folder first (same filesystem, outside every folder readers
glob), then renamed over their target. A process killed between the two leaves its staging file behind:
`clean_staging` removes those at the start of the next run, sparing files of writers still alive.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from caspian_etl.core import storage
from caspian_etl.core.redaction import redact

log = logging.getLogger(__name__)

HOST = socket.gethostname().split(".")[0] or "host"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _remove_quietly(tmp: Path) -> None:
    """Clean-up after a write; its own failure (a read-only or full folder) must not hide why the write failed."""
    try:
        tmp.unlink(missing_ok=True)
    except OSError as exc:
        log.warning("could not remove the temporary file %s: %s", tmp, exc)


def staging_name(target: Path) -> str:
    """`<target name>.<host>.<pid>.<random>.tmp`: whose file it is, so a clean-up can tell a dead writer's."""
    return f"{target.name}.{HOST}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"


def stage(target: Path, write: Callable[[Path], None], *, staging_dir: Path) -> Path:
    """Call `write(tmp)` on a new file in `staging_dir` and flush it to disk; returns the staged file.

    On any error (a full disk: OSError ENOSPC) the partial file is removed and the error propagates."""
    staging_dir.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir / staging_name(target)
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
    except BaseException:
        _remove_quietly(tmp)
        raise
    return tmp


def commit(staged: Path, target: Path) -> Path:
    """Move a staged file over `target` in one rename (and push it to a mirrored s3:// root)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.replace(staged, target)
        _fsync_dir(target.parent)
    finally:
        _remove_quietly(staged)
    storage.push(target)  # a mirrored (s3://) data root gets the finished file as one object PUT
    return target


def atomic_write(target: Path, write: Callable[[Path], None], *, staging_dir: Path) -> Path:
    """Call `write(tmp)` on a temporary file in `staging_dir`, then move it over `target` in one rename.

    `staging_dir` must be on the same filesystem as `target` and outside any folder that readers glob:
    DuckDB and Polars read even dot- or underscore-prefixed files inside a table folder.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    return commit(stage(target, write, staging_dir=staging_dir), target)


def atomic_write_text(target: Path, text: str, *, staging_dir: Path) -> Path:
    """Write text atomically; configured secrets are redacted from it (state files, catalogs, reports)."""
    text = redact(text)
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), staging_dir=staging_dir)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by another user
        return True
    return True


def _owner(entry: Path) -> tuple[str, int] | None:
    """(host, pid) from a staging entry's name, None for a name this project did not make.

    Files: `<target>.<host>.<pid>.<random>.tmp` (staging_name); folders: `bulk-<source>-<pid>-<random>`
    (caspian_etl.sources.comtrade.bulk; staged on the machine that runs it)."""
    if entry.is_dir():
        parts = entry.name.split("-")
        return (HOST, int(parts[-2])) if entry.name.startswith("bulk-") and parts[-2].isdigit() else None
    parts = entry.name.split(".")
    if len(parts) >= 5 and parts[-1] == "tmp" and parts[-3].isdigit():
        return parts[-4], int(parts[-3])
    return None


def clean_staging(staging_dir: Path, *, started: float | None = None, foreign_after: float = 24 * 3600) -> list[Path]:
    """Remove what crashed or killed writers left in `staging_dir`; returns the files removed.

    A file is removed when it was made on this host by a process that no longer runs, or (a file of another
    host sharing the folder, or of an unknown name) when it is older than `foreign_after` seconds. Only files
    older than `started` (the run's start) are considered, so a concurrent run's fresh files are never touched.
    """
    if not staging_dir.is_dir():
        return []
    started = time.time() if started is None else started
    removed = []
    for entry in staging_dir.iterdir():
        try:
            mtime = entry.lstat().st_mtime
        except FileNotFoundError:  # a concurrent writer committed it meanwhile
            continue
        if mtime > started:
            continue
        owner = _owner(entry)
        if owner is not None and owner[0] == HOST:
            stale = owner[1] != os.getpid() and not _pid_alive(owner[1])
        else:
            stale = started - mtime > foreign_after
        if stale:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed.append(entry)
    return removed
