"""The read-ahead and writer threads used by the bulk ingest: order kept, errors reach the caller."""

import threading
import time

import pytest

from caspian_etl.core.background import SerialWorker, ordered_map, prefetch


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


def test_ordered_map_keeps_input_order_when_later_items_finish_first() -> None:
    def slow_first(n: int) -> int:
        time.sleep(0.05 if n % 2 == 0 else 0)  # even items finish after the odd one started beside them
        return n * 10

    assert list(ordered_map(slow_first, range(9), workers=2, ahead=3)) == [n * 10 for n in range(9)]


def test_ordered_map_takes_at_most_ahead_items_before_their_results_are_consumed() -> None:
    taken: list[int] = []

    def items():
        for n in range(100):
            taken.append(n)
            yield n

    results = ordered_map(lambda n: n, items(), workers=2, ahead=3)
    assert next(results) == 0
    assert len(taken) == 3  # bounded: memory holds a few pieces, whatever the file's size
    results.close()


def test_ordered_map_raises_the_failure_in_order_and_stops() -> None:
    def fail_on_three(n: int) -> int:
        if n == 3:
            raise ValueError("bad piece 3")
        return n

    got: list[int] = []
    with pytest.raises(ValueError, match="bad piece 3"):
        for value in ordered_map(fail_on_three, range(10), workers=2, ahead=3):
            got.append(value)
    assert got == [0, 1, 2]
