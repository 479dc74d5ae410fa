"""One writer at a time for every file that is read, changed and written back: curated table files and the
per-source state files (a scheduled run, a backfill and an ingest may touch the same ones).

An exclusive flock on data/.locks/<name>.lock, held from reading the old file to replacing it: `table_lock`
for a curated table, `state_lock` for data/state/<source>.json. It covers every process on one machine (and
every thread: each acquisition opens its own descriptor); a thread that already holds a lock may take it
again. Several machines sharing an s3:// data root also take a Prefect global concurrency limit of the same
name (`CASPIAN_ETL_PREFECT_LOCKS=1`, see the README): object stores offer no lock of their own here.
"""

from __future__ import annotations

import fcntl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from caspian_etl.core.errors import CaspianError, ConfigError
from caspian_etl.core.settings import PREFECT_LOCKS_ENV, DataPaths

__all__ = ["PREFECT_LOCKS_ENV", "LockTimeout", "exclusive", "prefect_limit_name", "state_lock", "table_lock"]
_held = threading.local()  # names this thread holds (re-entrant: a write inside a locked update)


class LockTimeout(CaspianError):
    """Another writer held the file for longer than we were willing to wait."""


def prefect_limit_name(name: str) -> str:
    """The Prefect global concurrency limit (limit 1) that serialises `name` across machines."""
    return f"caspian-etl-table-{name}" if not name.startswith("state-") else f"caspian-etl-{name}"


@contextmanager
def _machine_lock(name: str, on: bool) -> Iterator[None]:
    """Across machines (when `on`: Settings.prefect_locks): strict, so a missing limit is an error rather than
    no lock at all."""
    if not on:
        yield
        return
    from prefect.concurrency._asyncio import ConcurrencySlotAcquisitionError
    from prefect.concurrency.sync import concurrency

    limit = prefect_limit_name(name)
    slot = concurrency(limit, occupy=1, strict=True)
    try:
        slot.__enter__()
    except ConcurrencySlotAcquisitionError:
        raise ConfigError(f"{PREFECT_LOCKS_ENV}=1 but there is no Prefect concurrency limit {limit}: create it "
                          f"(`prefect gcl create {limit} --limit 1`); `caspian-etl deploy` with an s3:// data "
                          "root creates them all") from None
    try:
        yield
    finally:
        slot.__exit__(None, None, None)


@contextmanager
def exclusive(paths: DataPaths, name: str, *, timeout: float = 900.0, poll: float = 0.02) -> Iterator[None]:
    """Hold the lock `name` of this data root (re-entrant within a thread)."""
    held: set = _held.__dict__.setdefault("names", set())
    key = (str(paths.root), name)
    if key in held:
        yield
        return
    lock_dir = paths.root / ".locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    with _machine_lock(name, paths.settings.prefect_locks), open(lock_dir / f"{name}.lock", "a+") as fh:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise LockTimeout(f"{name} is locked by another writer for more than {timeout:.0f} s "
                                      f"({lock_dir / (name + '.lock')})") from None
                time.sleep(poll)
        held.add(key)
        try:
            yield
        finally:
            held.discard(key)
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


def table_lock(paths: DataPaths, table: str, *, timeout: float = 900.0, poll: float = 0.02):  # noqa: ANN201
    """The lock of a curated table (every file of data/curated/<table>/)."""
    return exclusive(paths, table, timeout=timeout, poll=poll)


def state_lock(paths: DataPaths, source: str, *, timeout: float = 900.0):  # noqa: ANN201
    """The lock of data/state/<source>.json."""
    return exclusive(paths, f"state-{source}", timeout=timeout)
