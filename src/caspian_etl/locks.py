"""One writer per curated table at a time (a scheduled run and a backfill may touch the same table).

An exclusive flock on data/.locks/<table>.lock, held around the read-modify-write of a table file. It covers
every process on one machine; several machines sharing an s3:// data root also need the Prefect global
concurrency limit documented in the README.
"""

from __future__ import annotations

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager

from caspian_etl.errors import CaspianError
from caspian_etl.settings import DataPaths


class LockTimeout(CaspianError):
    """Another writer held the table for longer than we were willing to wait."""


@contextmanager
def table_lock(paths: DataPaths, table: str, *, timeout: float = 900.0, poll: float = 0.05) -> Iterator[None]:
    lock_dir = paths.root / ".locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with open(lock_dir / f"{table}.lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(f"table {table} is locked by another writer for more than {timeout:.0f} s "
                                      f"({lock_dir / (table + '.lock')})") from None
                time.sleep(poll)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
