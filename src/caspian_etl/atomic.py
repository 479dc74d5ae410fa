"""Write a file so that readers see the old version or the new one, never a half-written one."""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable
from pathlib import Path

from caspian_etl import storage
from caspian_etl.redaction import redact

log = logging.getLogger(__name__)


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
        _remove_quietly(tmp)
    storage.push(target)  # a mirrored (s3://) data root gets the finished file as one object PUT
    return target


def atomic_write_text(target: Path, text: str, *, staging_dir: Path) -> Path:
    """Write text atomically; configured secrets are redacted from it (state files, catalogs, reports)."""
    text = redact(text)
    return atomic_write(target, lambda tmp: tmp.write_text(text, encoding="utf-8"), staging_dir=staging_dir)
