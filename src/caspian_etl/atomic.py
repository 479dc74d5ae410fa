"""Write a file so that readers see the old version or the new one, never a half-written one."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from pathlib import Path

from caspian_etl import storage


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(target: Path, write: Callable[[Path], None], *, staging_dir: Path) -> Path:
    """Call `write(tmp)` on a temporary file in `staging_dir`, then move it over `target` in one rename.

    `staging_dir` must be on the same filesystem as `target` and outside any folder that readers glob:
    DuckDB and Polars read even dot- or underscore-prefixed files inside a table folder.
    """
    staging_dir.mkdir(parents=True, exist_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = staging_dir / f"{target.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        write(tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        _fsync_dir(target.parent)
    finally:
        tmp.unlink(missing_ok=True)
    storage.push(target)  # a mirrored (s3://) data root gets the finished file as one object PUT
    return target


def atomic_write_text(target: Path, text: str, *, staging_dir: Path) -> Path:
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), staging_dir=staging_dir)
