"""The emulator over loopback HTTP.

Built on the standard library's ThreadingHTTPServer on purpose: it adds no dependency to a tool
that users install in CI, and one thread per connection is plenty for the load the emulator
sees (tests and benchmarks drive at most a few dozen concurrent clients; every request holds
the state lock for microseconds, and injected latency sleeps outside it, so threads overlap).
It speaks HTTP/1.1 with keep-alive, streams server-sent events chunk by chunk, and answers a
"dropped" response by closing the socket without writing a byte.
"""

from __future__ import annotations

import socket
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from orsync.emulator.app import BASE_PATH, CONTROL_PATH, EmulatorApp

IDLE_CONNECTION_TIMEOUT = 30.0  # seconds a keep-alive connection may sit unused


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "orsync-emulator"
    timeout = IDLE_CONNECTION_TIMEOUT
    # Headers and body go out in separate writes; with Nagle's algorithm the body would wait
    # for the client's delayed ACK (~40 ms per request on Linux).
    disable_nagle_algorithm = True
    server: _Server

    def _serve(self) -> None:
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        answer = self.server.app.handle(self.command, url.path, url.query, dict(self.headers.items()), body)
        if answer.drop:
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(answer.status)
        for name, value in answer.headers.items():
            self.send_header(name, value)
        if answer.is_stream:
            self._send_chunked(answer.body)
        else:
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)

    def _send_chunked(self, chunks) -> None:
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for chunk in chunks:
            if chunk:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - the stdlib's signature
        """Quiet: request lines would interleave with test and CLI output."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    # The listen backlog: socketserver's default of 5 resets connections when a busy machine
    # falls behind a burst of concurrent clients (a plan's parallel listings, 16 test threads).
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: EmulatorApp) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a killed apply, a timed-out read) is ordinary;
        anything else still gets socketserver's traceback."""
        if isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            return
        super().handle_error(request, client_address)


class EmulatorServer:
    """`start()` serves in a background thread; `stop()` shuts down; also a context manager."""

    def __init__(self, app: EmulatorApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self._server = _Server((host, port), app)
        self._thread: threading.Thread | None = None

    @property
    def host(self) -> str:
        return self._server.server_address[0]

    @property
    def port(self) -> int:
        return self._server.server_address[1]

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return self.root_url + BASE_PATH

    @property
    def control_url(self) -> str:
        return self.root_url + CONTROL_PATH

    def start(self) -> EmulatorServer:
        # stop() waits up to one poll interval for the loop to notice: short, as tests stop
        # a server each; an idle server wakes 50 times a second, which costs nothing to speak of.
        self._thread = threading.Thread(target=self._server.serve_forever, name="orsync-emulator",
                                        kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until `stop()` is called from another one."""
        self._server.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()
