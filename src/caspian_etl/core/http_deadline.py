"""A hard deadline for one HTTP request, whatever phase it is in.

Read timeouts bound the wait for each socket read, not the request: a server that sends one byte a second (of
its headers or of its body) keeps a request alive forever. `hard_deadline` arms a timer that, at the deadline,
shuts down the socket the calling thread is using, so the blocked read fails at once. The sessions made by
`caspian_etl.core.http.make_session` mount `DeadlineAdapter`, whose connection pools note which connection each
thread has taken.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from requests.adapters import HTTPAdapter
from urllib3 import HTTPConnectionPool, HTTPSConnectionPool

_in_use: dict[int, object] = {}  # thread id -> the urllib3 connection that thread is using
_lock = threading.Lock()


class _Tracking:
    def _get_conn(self, timeout: float | None = None):  # noqa: ANN202 - urllib3's signature
        conn = super()._get_conn(timeout)  # type: ignore[misc]
        with _lock:
            _in_use[threading.get_ident()] = conn
        return conn


class _TrackingHTTPConnectionPool(_Tracking, HTTPConnectionPool):
    pass


class _TrackingHTTPSConnectionPool(_Tracking, HTTPSConnectionPool):
    pass


class DeadlineAdapter(HTTPAdapter):
    """requests' adapter, with connection pools that `hard_deadline` can reach into."""

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        super().init_poolmanager(*args, **kwargs)  # type: ignore[arg-type]
        self.poolmanager.pool_classes_by_scheme = {"http": _TrackingHTTPConnectionPool,
                                                   "https": _TrackingHTTPSConnectionPool}


@contextmanager
def hard_deadline(seconds: float) -> Iterator[threading.Event]:
    """Within the block, the calling thread's HTTP connection is cut after `seconds`; the event tells whether
    that happened (so the caller reports a deadline rather than a connection error)."""
    thread = threading.get_ident()
    fired = threading.Event()

    def cut() -> None:
        with _lock:
            conn = _in_use.get(thread)
        sock = getattr(conn, "sock", None)
        if sock is None:
            return
        fired.set()
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    timer = threading.Timer(max(0.0, seconds), cut)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()
        with _lock:
            _in_use.pop(thread, None)
