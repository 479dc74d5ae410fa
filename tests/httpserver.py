"""A real HTTP server on 127.0.0.1 for tests, answering from a script of canned responses per path.

Every response here is synthetic (written by the tests). Besides normal answers it can misbehave the way
real servers do: a truncated body (Content-Length larger than what is sent), a reset connection, a slow answer,
a body trickled one byte at a time.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate_to: int | None = None  # send only this many body bytes but announce the full length
    reset: bool = False  # close the connection without answering
    delay: float = 0.0  # seconds to wait before answering
    chunked: bool = False  # no Content-Length; Transfer-Encoding: chunked
    trickle: float = 0.0  # seconds between body bytes: a server that sends one byte at a time
    trickle_headers: bool = False  # with trickle: the header block itself arrives one byte at a time, endlessly

    @classmethod
    def json(cls, body: bytes | str, status: int = 200, **headers: str) -> Reply:
        data = body.encode() if isinstance(body, str) else body
        return cls(status, data, {"Content-Type": "application/json", **headers})


@dataclass
class Seen:
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    at: float


class ScriptedServer:
    """Routes: path -> queue of replies (the last reply repeats once the queue is down to one)."""

    def __init__(self) -> None:
        self.routes: dict[str, deque[Reply]] = defaultdict(deque)
        self.seen: list[Seen] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                parts = urlsplit(self.path)
                with server._lock:
                    server.seen.append(Seen(parts.path, parse_qs(parts.query), dict(self.headers), time.monotonic()))
                    queue = server.routes.get(parts.path)
                    reply = (queue.popleft() if len(queue) > 1 else queue[0]) if queue else Reply(404, b"not found")
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    # linger 0 makes close() send a TCP RST ("connection reset by peer")
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.rfile.close()
                    self.wfile.close()
                    self.connection.close()
                    self.close_connection = True
                    return
                if reply.trickle_headers:
                    try:
                        self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                        for _ in range(600):
                            self.wfile.write(b"a")
                            self.wfile.flush()
                            time.sleep(reply.trickle)
                    except OSError:  # the client gave up
                        pass
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for i in range(0, len(reply.body), 65536):
                        piece = reply.body[i:i + 65536]
                        self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    self.wfile.write(b"0\r\n\r\n")
                    return
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                if reply.status == 304:
                    return
                body = reply.body if reply.truncate_to is None else reply.body[:reply.truncate_to]
                if reply.trickle:
                    for i in range(len(body)):
                        try:
                            self.wfile.write(body[i:i + 1])
                            self.wfile.flush()
                        except OSError:  # the client gave up
                            return
                        time.sleep(reply.trickle)
                    return
                self.wfile.write(body)
                if reply.truncate_to is not None:
                    self.wfile.flush()
                    self.close_connection = True

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[path].extend(replies)

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
