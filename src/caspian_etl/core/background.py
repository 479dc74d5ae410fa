"""Small helpers to overlap Arrow work with the main thread (Arrow releases the GIL).

`prefetch` reads ahead from an iterator in a thread (bounded: at most `depth` items waiting), `ordered_map`
applies a function on a few threads and gives the results in input order (bounded: at most `ahead` items in
flight), `SerialWorker` runs submitted jobs one after the other in a thread (bounded queue). Errors reach the
caller.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
_DONE = object()


def prefetch(items: Iterator[T], depth: int = 2) -> Iterator[T]:
    """Yield what `items` yields, produced by a background thread up to `depth` items ahead."""
    box: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        box.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            box.put((_DONE, None))
        except BaseException as exc:  # handed to the consumer, raised there
            box.put((_DONE, exc))

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, error = box.get()
            if item is _DONE:
                if error is not None:
                    raise error
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():  # unblock a producer waiting on a full queue, then let it finish
            try:
                box.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


def ordered_map(fn: Callable[[T], R], items: Iterable[T], *, workers: int = 2, ahead: int = 3) -> Iterator[R]:
    """fn(item) for each item, computed on `workers` threads, yielded in the order of `items`; at most `ahead`
    items are taken from `items` before their result is consumed, so memory stays bounded. Stopping early
    cancels what has not started and waits for what has."""
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="ordered-map")
    pending: deque[Future[R]] = deque()
    try:
        for item in items:
            pending.append(pool.submit(fn, item))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


class SerialWorker:
    """Runs jobs in submission order on one background thread; `wait()` re-raises the first failure."""

    def __init__(self, depth: int = 2) -> None:
        self._jobs: queue.Queue = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="serial-worker", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            try:
                if job is None:
                    return
                if self._error is None:
                    job()
            except BaseException as exc:
                self._error = exc
            finally:
                self._jobs.task_done()

    def submit(self, job: Callable[[], None]) -> None:
        if self._error is not None:
            raise self._error
        self._jobs.put(job)

    def wait(self) -> None:
        self._jobs.join()
        if self._error is not None:
            raise self._error

    def close(self) -> None:
        if self._thread.is_alive():
            self._jobs.put(None)
            self._thread.join()
