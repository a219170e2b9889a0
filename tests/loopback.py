"""A scriptable loopback HTTP server for collector tests (127.0.0.1 only).

Each route answers with a queue of :class:`Reply` objects (the last one repeats),
so a test can script "200, then 304", "429 then 200", a hang past the timeout,
a connection dropped mid-body, or a redirect loop. Every request is recorded.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit


@dataclass
class Reply:
    """One scripted response."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering (hang past the client timeout)
    drop_after: int | None = None  # send this many body bytes, then close the socket
    honour_etag: bool = True  # answer 304 when If-None-Match equals our ETag
    handler: Callable[[Any], Reply] | None = None  # compute the reply from the request
    chunked: bool = False  # Transfer-Encoding: chunked (no Content-Length)
    drip: float = 0.0  # with ``chunked``: seconds between 1 KiB chunks (a slow-loris body)


@dataclass
class Request:
    """What the server saw."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes


class LoopbackServer:
    """Routes (path -> list of replies) served on 127.0.0.1 in a thread."""

    def __init__(self) -> None:
        self.routes: dict[str, list[Reply]] = {}
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self.url = ""

    def route(self, path: str, *replies: Reply) -> None:
        with self._lock:
            self.routes[path] = list(replies)

    def hits(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]

    def _next(self, path: str) -> Reply | None:
        with self._lock:
            queue = self.routes.get(path)
            if not queue:
                return None
            return queue.pop(0) if len(queue) > 1 else queue[0]

    def start(self) -> None:
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                request = Request(self.command, parts.path, parts.query, dict(self.headers), body)
                outer.requests.append(request)
                reply = outer._next(parts.path)
                if reply is None:
                    reply = Reply(404, b"not found")
                if reply.handler is not None:
                    reply = reply.handler(request)
                if reply.delay:
                    time.sleep(reply.delay)
                payload = reply.body.encode("utf-8") if isinstance(reply.body, str) else reply.body
                etag = reply.headers.get("ETag")
                if reply.honour_etag and etag and self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(reply.status)
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                elif "Content-Length" not in reply.headers:
                    self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if reply.chunked:
                    self._write_chunked(payload, reply)
                    return
                if reply.drop_after is not None:
                    self.wfile.write(payload[: reply.drop_after])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    self.close_connection = True
                    return
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _write_chunked(self, payload: bytes, reply: Reply) -> None:
                step = 1024 if reply.drip else 64 * 1024
                try:
                    for start in range(0, len(payload), step):
                        piece = payload[start : start + step]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                        self.wfile.flush()
                        if reply.drip:
                            time.sleep(reply.drip)
                    self.wfile.write(b"0\r\n\r\n")
                except OSError:
                    self.close_connection = True  # the client gave up (size cap, deadline)

            def _safe_serve(self) -> None:
                try:
                    self._serve()
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up (a timeout test): not the server's problem.
                    self.close_connection = True

            do_GET = do_POST = do_HEAD = _safe_serve  # noqa: N815

            def end_headers(self) -> None:
                # Say so when we will close (the client asked to): otherwise a client may
                # reuse the pooled connection and race our close (RemoteDisconnected).
                if (self.headers.get("Connection") or "").lower() == "close":
                    self.send_header("Connection", "close")
                super().end_headers()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        # Clients that hang up early (size caps, timeouts) are expected: no tracebacks.
        self._server.handle_error = lambda request, client_address: None  # type: ignore[method-assign]
        threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        ).start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


@contextmanager
def loopback() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
