"""HTTP/1.1 for the client over the standard library's http.client, as an httpx transport.

httpx's own transport (httpcore and h11, pure Python) costs about 1 ms of CPU a request, and
importing it 0.04 s (0.14 s where trio is installed: httpcore imports it). A plan of a
10,000-key org sends over 200 requests, so that was a fifth of its CPU time. This one costs
half as much a request and imports only the standard library. httpx keeps everything above
the transport (URLs, headers, decoding, timeouts), and its proxy transports still serve the
URLs that environment proxies cover.

A small pool keeps connections alive between requests, at most `max_connections` at once. A
connection the server has closed while idle is noticed before reuse, so that a request is
never written into a dead socket (a create would then be "outcome unknown" for nothing).
"""

from __future__ import annotations

import http.client
import select
import ssl
import threading
from collections.abc import Iterator
from typing import Any

import httpx

CHUNK = 1 << 20
DEFAULT_PORTS = {"http": 80, "https": 443}
Origin = tuple[str, str, int]


class StdlibTransport(httpx.BaseTransport):
    def __init__(self, *, max_connections: int, max_keepalive_connections: int) -> None:
        self._slots = threading.BoundedSemaphore(max_connections)
        self._max_idle = max_keepalive_connections
        self._idle: dict[Origin, list[http.client.HTTPConnection]] = {}
        self._lock = threading.Lock()
        self._tls: ssl.SSLContext | None = None
        self._closed = False

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeouts = request.extensions.get("timeout", {})
        if not self._slots.acquire(timeout=timeouts.get("pool")):
            raise httpx.PoolTimeout("no connection free within the pool timeout")
        origin = (request.url.scheme, request.url.host, request.url.port or DEFAULT_PORTS.get(request.url.scheme, 0))
        connection = None
        try:
            connection = self._connection(origin, timeouts.get("connect"))
            response = _exchange(connection, request, timeouts)
        except BaseException:
            if connection is not None:
                connection.close()
            self._slots.release()
            raise
        headers = [(name.encode("latin-1"), value.encode("latin-1")) for name, value in response.getheaders()]
        return httpx.Response(
            status_code=response.status, headers=headers,
            stream=_Body(self, origin, connection, response, _promised_length(request, response)),
            extensions={"reason_phrase": response.reason.encode("latin-1", "replace"),
                        "http_version": b"HTTP/1.0" if response.version == 10 else b"HTTP/1.1"})

    def close(self) -> None:
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, {}
        for connections in idle.values():
            for connection in connections:
                connection.close()

    # --- the pool -------------------------------------------------------------------------------

    def _connection(self, origin: Origin, timeout: float | None) -> http.client.HTTPConnection:
        """An idle connection to `origin` that is still open, or a new one."""
        while True:
            with self._lock:
                idle = self._idle.get(origin)
                connection = idle.pop() if idle else None
            if connection is None:
                return self._connect(origin, timeout)
            if _still_open(connection):
                return connection
            connection.close()

    def _connect(self, origin: Origin, timeout: float | None) -> http.client.HTTPConnection:
        scheme, host, port = origin
        if scheme == "https":
            connection = http.client.HTTPSConnection(host, port, timeout=timeout, context=self._tls_context())
        elif scheme == "http":
            connection = http.client.HTTPConnection(host, port, timeout=timeout)
        else:
            raise httpx.UnsupportedProtocol(f"unsupported URL scheme {scheme!r}")
        try:
            connection.connect()
        except TimeoutError as exc:
            raise httpx.ConnectTimeout(str(exc) or "timed out connecting") from exc
        except (OSError, ssl.CertificateError) as exc:  # refused, unreachable, DNS, TLS
            connection.close()
            raise httpx.ConnectError(str(exc) or type(exc).__name__) from exc
        return connection

    def _tls_context(self) -> ssl.SSLContext:
        # Made on first use: loading the CA bundle costs 45 ms, and plain-http clients (the
        # emulator, on loopback) never need it. The same trust httpx gives (certifi, or
        # SSL_CERT_FILE / SSL_CERT_DIR), with certificates and host names checked.
        with self._lock:
            if self._tls is None:
                self._tls = httpx.create_ssl_context()
            return self._tls

    def _release(self, origin: Origin, connection: http.client.HTTPConnection | None) -> None:
        """Give the slot back, and the connection to the idle pool when it may be reused."""
        keep = False
        if connection is not None:
            with self._lock:
                idle = self._idle.setdefault(origin, [])
                keep = not self._closed and len(idle) < self._max_idle
                if keep:
                    idle.append(connection)
            if not keep:
                connection.close()
        self._slots.release()


class _Body(httpx.SyncByteStream):
    """A response body read as it arrives; the connection is reused once it is all read."""

    def __init__(self, transport: StdlibTransport, origin: Origin, connection: http.client.HTTPConnection,
                 response: http.client.HTTPResponse, length: int | None) -> None:
        self._transport, self._origin = transport, origin
        self._connection: http.client.HTTPConnection | None = connection
        self._response = response
        self._missing = length  # bytes the server promised and has not sent yet
        self._complete = False

    def __iter__(self) -> Iterator[bytes]:
        while not self._complete:
            with _mapped(httpx.ReadTimeout, httpx.ReadError):
                chunk = self._response.read1(CHUNK)
                if not chunk:
                    if self._missing:  # read1 takes a connection closed early for the end
                        raise http.client.IncompleteRead(b"", self._missing)
                    self._response.read()  # marks the response done (read1 leaves it open)
                    self._complete = True
                    break
            if self._missing is not None:
                self._missing -= len(chunk)
            yield chunk

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        reusable = self._complete and not getattr(self._response, "will_close", True)
        if not reusable:
            self._response.close()
            connection.close()
        self._transport._release(self._origin, connection if reusable else None)


def _exchange(connection: http.client.HTTPConnection, request: httpx.Request,
              timeouts: dict[str, Any]) -> http.client.HTTPResponse:
    """Sends the request and reads the status line and headers of its response."""
    body = request.read()
    with _mapped(httpx.WriteTimeout, httpx.WriteError):
        _set_timeout(connection, timeouts.get("write"))
        connection.putrequest(request.method, request.url.raw_path.decode("ascii"),
                              skip_host=True, skip_accept_encoding=True)
        for name, value in request.headers.raw:
            connection.putheader(name, value)
        connection.endheaders(body or None)
    with _mapped(httpx.ReadTimeout, httpx.ReadError):
        _set_timeout(connection, timeouts.get("read"))
        return connection.getresponse()


def _set_timeout(connection: http.client.HTTPConnection, seconds: float | None) -> None:
    # No socket yet only where http.client is stood in for (vcrpy's cassettes): nothing to wait on.
    if connection.sock is not None:
        connection.sock.settimeout(seconds)


def _promised_length(request: httpx.Request, response: http.client.HTTPResponse) -> int | None:
    """The body size the response's Content-Length promises (None: until the end, or chunked)."""
    if request.method == "HEAD" or response.status in (204, 304) or response.status < 200:
        return 0
    if "chunked" in (response.getheader("Transfer-Encoding") or "").lower():
        return None
    try:
        return int(response.getheader("Content-Length", ""))
    except ValueError:
        return None


class _mapped:
    """Socket and http.client errors as the httpx errors the client's retry logic knows."""

    def __init__(self, timeout: type[httpx.TransportError], failure: type[httpx.TransportError]) -> None:
        self._timeout, self._failure = timeout, failure

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, _: Any) -> bool:
        if exc is None:
            return False
        if isinstance(exc, TimeoutError):
            raise self._timeout(str(exc) or "timed out") from exc
        if isinstance(exc, http.client.RemoteDisconnected):
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.") from exc
        if isinstance(exc, http.client.HTTPException):  # a bad status line, a body cut short, ...
            raise httpx.RemoteProtocolError(f"{type(exc).__name__}: {exc}") from exc
        if isinstance(exc, OSError):
            raise self._failure(str(exc) or type(exc).__name__) from exc
        return False


def _still_open(connection: http.client.HTTPConnection) -> bool:
    """An idle connection is readable only when the server closed it (or broke protocol)."""
    sock = connection.sock
    if sock is None:
        return False
    if isinstance(sock, ssl.SSLSocket) and sock.pending():
        return False
    try:
        if hasattr(select, "poll"):
            poller = select.poll()
            poller.register(sock, select.POLLIN)
            return not poller.poll(0)
        return not select.select([sock], [], [], 0)[0]
    except (OSError, ValueError):
        return False

