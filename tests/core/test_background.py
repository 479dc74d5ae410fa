"""The read-ahead and writer threads used by the bulk ingest: order kept, errors reach the caller."""

import threading

import pytest

from caspian_etl.core.background import SerialWorker, prefetch


def test_prefetch_keeps_order_and_raises_the_producers_error() -> None:
    def items():
        yield from range(5)
        raise ValueError("bad block 5")

    seen = []
    with pytest.raises(ValueError, match="bad block 5"):
        for x in prefetch(items(), depth=2):
            seen.append(x)
    assert seen == [0, 1, 2, 3, 4]


def test_prefetch_stops_its_thread_when_the_consumer_stops_early() -> None:
    before = threading.active_count()
    stream = prefetch(iter(range(1000)), depth=1)
    assert next(stream) == 0
    stream.close()
    assert threading.active_count() == before


def test_serial_worker_runs_in_order_and_reports_the_first_failure() -> None:
    done = []
    worker = SerialWorker(depth=1)
    for i in range(3):
        worker.submit(lambda i=i: done.append(i))
    worker.wait()
    assert done == [0, 1, 2]

    def fail():
        raise OSError("disk full")

    worker.submit(fail)
    with pytest.raises(OSError, match="disk full"):
        worker.wait()
    with pytest.raises(OSError, match="disk full"):
        worker.submit(lambda: done.append(99))
    worker.close()
    assert 99 not in done
