"""The client's HTTP/1.1 transport (orsync.api.transport) against real sockets on 127.0.0.1:
connections kept alive and given up when the server closes them, a bounded pool, bodies
streamed as they arrive, TLS verified, and every failure as the httpx error retries expect."""

from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from orsync.api.transport import StdlibTransport

Handler = Callable[[socket.socket, "Server"], None]


class Server:
    """A TCP server on loopback running `handler(connection, server)` per connection."""

    def __init__(self, handler: Handler, tls: ssl.SSLContext | None = None) -> None:
        self.handler, self.tls = handler, tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.open_now = self.most_open = 0
        self.lock = threading.Lock()
        self.threads: list[threading.Thread] = []
        self.stopping = False

    def serve(self) -> None:
        while not self.stopping:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            thread = threading.Thread(target=self._handle, args=(connection,), daemon=True)
            self.threads.append(thread)
            thread.start()

    def _handle(self, connection: socket.socket) -> None:
        with self.lock:
            self.connections += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        try:
            if self.tls is not None:
                connection = self.tls.wrap_socket(connection, server_side=True)
            self.handler(connection, self)
        except (OSError, ssl.SSLError):
            pass
        finally:
            connection.close()
            with self.lock:
                self.open_now -= 1


@contextmanager
def serving(handler: Handler, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    server = Server(handler, tls)
    acceptor = threading.Thread(target=server.serve, daemon=True)
    acceptor.start()
    try:
        yield server
    finally:
        server.stopping = True
        server.listener.close()
        acceptor.join(timeout=5)
        for thread in server.threads:
            thread.join(timeout=5)


def read_request(connection: socket.socket) -> bytes | None:
    """One request's head and body (Content-Length bodies only); None when the client left."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = connection.recv(65536)
        if not chunk:
            return None
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                   if line.lower().startswith(b"content-length:")), 0)
    while len(body) < length:
        body += connection.recv(65536)
    return head + b"\r\n\r\n" + body


def answer(body: bytes = b'{"ok": true}', status: str = "200 OK", extra: str = "") -> bytes:
    return (f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            f"{extra}\r\n").encode() + body


def keep_alive(connection: socket.socket, server: Server) -> None:
    while read_request(connection) is not None:
        connection.sendall(answer())


def client(port: int, scheme: str = "http", timeout: float = 5.0, connections: int = 4) -> httpx.Client:
    transport = StdlibTransport(max_connections=connections, max_keepalive_connections=connections)
    return httpx.Client(base_url=f"{scheme}://127.0.0.1:{port}", transport=transport, timeout=timeout)


def test_requests_share_a_kept_alive_connection():
    with serving(keep_alive) as server, client(server.port) as http:
        for _ in range(5):
            response = http.get("/keys", params={"offset": 0})
            assert response.status_code == 200 and response.json() == {"ok": True}
    assert server.connections == 1


def test_a_connection_the_server_closed_while_idle_is_not_reused():
    # The server answers one request per connection and closes it (without saying so): the
    # next POST must go out once, on a new connection, and succeed.
    requests: list[bytes] = []

    def one_per_connection(connection: socket.socket, server: Server) -> None:
        request = read_request(connection)
        if request is not None:
            requests.append(request)
            connection.sendall(answer())

    with serving(one_per_connection) as server, client(server.port) as http:
        http.get("/a")
        time.sleep(0.05)  # the server has closed the first connection by now
        assert http.post("/keys", json={"name": "k"}).status_code == 200
    assert server.connections == 2
    assert [request.split(b" ")[:2] for request in requests] == [[b"GET", b"/a"], [b"POST", b"/keys"]]


def test_the_pool_never_opens_more_connections_than_allowed():
    def slow(connection: socket.socket, server: Server) -> None:
        while read_request(connection) is not None:
            time.sleep(0.05)
            connection.sendall(answer())

    with serving(slow) as server, client(server.port, connections=2) as http:
        threads = [threading.Thread(target=http.get, args=("/x",)) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
    assert server.most_open <= 2 and server.connections == 2


def test_waiting_for_a_connection_is_bounded_by_the_pool_timeout():
    with serving(keep_alive) as server, client(server.port, connections=1) as http:
        with http.stream("GET", "/held"):  # holds the only connection until its body is closed
            with pytest.raises(httpx.PoolTimeout):
                http.get("/x", timeout=httpx.Timeout(5.0, pool=0.1))
        assert http.get("/x").status_code == 200


def test_a_streamed_body_arrives_chunk_by_chunk():
    release = threading.Event()

    def chunked(connection: socket.socket, server: Server) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nfirst\r\n")
        release.wait(timeout=10)
        connection.sendall(b"6\r\nsecond\r\n0\r\n\r\n")

    with serving(chunked) as server, client(server.port) as http:
        with http.stream("GET", "/events") as response:
            parts = response.iter_bytes()
            assert next(parts) == b"first"  # before the server sent the rest
            release.set()
            assert b"".join(parts) == b"second"


def test_a_server_that_hangs_up_without_answering_is_a_remote_protocol_error():
    def hang_up(connection: socket.socket, server: Server) -> None:
        read_request(connection)

    with serving(hang_up) as server, client(server.port) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
            http.post("/keys", json={"name": "k"})


def test_a_body_cut_short_is_an_error_not_a_short_answer():
    def cut_short(connection: socket.socket, server: Server) -> None:
        read_request(connection)
        connection.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"data\": [")

    with serving(cut_short) as server, client(server.port) as http:
        with pytest.raises(httpx.RemoteProtocolError, match="IncompleteRead"):
            http.get("/keys")


def test_a_silent_server_is_a_read_timeout():
    def silent(connection: socket.socket, server: Server) -> None:
        read_request(connection)
        time.sleep(1)

    with serving(silent) as server, client(server.port, timeout=0.2) as http:
        with pytest.raises(httpx.ReadTimeout):
            http.get("/keys")


def test_nobody_listening_is_a_connect_error():
    with socket.create_server(("127.0.0.1", 0)) as placeholder:
        port = placeholder.getsockname()[1]
    with client(port) as http, pytest.raises(httpx.ConnectError):
        http.get("/keys")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (made with the openssl command)."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is not installed")
    directory = tmp_path_factory.mktemp("tls")
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


def tls_server_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def test_tls_refuses_a_certificate_nobody_trusts(certificate, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    with serving(keep_alive, tls_server_context(certificate)) as server, client(server.port, "https") as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            http.get("/keys")


def test_tls_talks_to_a_trusted_certificate(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # honoured, as httpx does
    with serving(keep_alive, tls_server_context(certificate)) as server, client(server.port, "https") as http:
        assert http.get("/keys").json() == {"ok": True}
        assert http.get("/keys").json() == {"ok": True}
    assert server.connections == 1
