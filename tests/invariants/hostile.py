"""A tiny HTTP server on 127.0.0.1 that answers what a test scripts: malformed JSON, wrong types,
HTML error pages, huge or endless bodies, bodies cut short, connections closed unanswered.

It records every request (method, path) and, for a streamed body, whether the client hung up
before the server's own bound: the measure of whether the client caps what it reads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    # Streamed after `body`, chunk by chunk, until the client hangs up or the chunks run out.
    stream: Callable[[], Iterator[bytes]] | None = None
    claimed_length: int | None = None   # a Content-Length larger than what is sent: cut short
    hang_up: bool = False               # close the connection without answering
    headers: dict[str, str] = field(default_factory=dict)


Script = Callable[[str, str], Reply]   # (method, path without query) -> reply


class HostileServer:
    def __init__(self, script: Script) -> None:
        self.script = script
        self.requests: list[tuple[str, str]] = []
        self.streams_cut_by_client = 0
        self.streams_run_out = 0
        self._lock = threading.Lock()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,), daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/api/v1"

    def writes(self) -> list[tuple[str, str]]:
        with self._lock:
            return [(method, path) for method, path in self.requests if method != "GET"]

    def __enter__(self) -> HostileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)

    def _record(self, method: str, path: str) -> Reply:
        with self._lock:
            self.requests.append((method, path))
        return self.script(method, path)

    def wait_for_streams(self, count: int, seconds: float = 5.0) -> None:
        """Until `count` streamed replies have ended, cut by the client or run out: a handler
        notices a client that hung up only at its next writes, after the client has moved on."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            with self._lock:
                if self.streams_cut_by_client + self.streams_run_out >= count:
                    return
            time.sleep(0.01)

    def _stream_ended(self, by_client: bool) -> None:
        with self._lock:
            if by_client:
                self.streams_cut_by_client += 1
            else:
                self.streams_run_out += 1


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        pass  # a client that hangs up mid-request is what these tests are about, not news


def _handler_for(server: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args) -> None:  # quiet
            pass

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            reply = server._record(self.command, self.path.split("?")[0])
            if reply.hang_up:
                self.close_connection = True
                return
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.stream is None:
                self.send_header("Content-Length", str(reply.claimed_length or len(reply.body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.close_connection = True
            try:
                self.wfile.write(reply.body)
                if reply.stream is not None:
                    for chunk in reply.stream():
                        self.wfile.write(chunk)
                        self.wfile.flush()
                    server._stream_ended(by_client=False)
            except (BrokenPipeError, ConnectionResetError):
                if reply.stream is not None:
                    server._stream_ended(by_client=True)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

    return Handler
