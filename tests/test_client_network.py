"""The client over real sockets on 127.0.0.1, through httpx's own transport: the environment's
proxies (HTTP_PROXY, HTTPS_PROXY, NO_PROXY) and CA bundle (SSL_CERT_FILE) are honoured, as
DESIGN.md promises; connections are kept alive and bounded; TLS is verified.

The proxy is a small forwarding proxy of the test's own (absolute-form requests for http,
CONNECT tunnels for https) that records every request it is asked to carry.
"""

from __future__ import annotations

import json
import select
import shutil
import socket
import ssl
import subprocess
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from orsync.api.client import OpenRouterClient
from orsync.api.errors import TransportError
from tests.cli_runner import point_at, run_cli

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY",
                   "http_proxy", "https_proxy", "all_proxy", "no_proxy")
CREDITS = json.dumps({"data": {"total_credits": 10.0, "total_usage": 2.5}}).encode()


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No proxy or CA setting of the machine running the tests leaks into them."""
    for name in (*PROXY_VARIABLES, "SSL_CERT_FILE", "SSL_CERT_DIR"):
        monkeypatch.delenv(name, raising=False)


# --- a forwarding proxy -----------------------------------------------------------------------

class Proxy(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), ProxyHandler)
        self.seen: list[str] = []     # "GET http://host:port/path", "CONNECT host:port"
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def record(self, line: str) -> None:
        with self.lock:
            self.seen.append(line)


class ProxyHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: Proxy

    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        self.server.record(f"{self.command} {self.path}")
        target = self.path.split("://", 1)[1]
        host_port, _, rest = target.partition("/")
        host, port = host_port.rsplit(":", 1)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        upstream = HTTPConnection(host, int(port), timeout=10)
        headers = {name: value for name, value in self.headers.items()
                   if name.lower() not in {"proxy-connection", "connection", "keep-alive"}}
        upstream.request(self.command, "/" + rest, body=body or None, headers=headers)
        answer = upstream.getresponse()
        payload = answer.read()
        upstream.close()
        self.send_response(answer.status, answer.reason)
        for name, value in answer.getheaders():
            if name.lower() not in {"transfer-encoding", "connection", "content-length"}:
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_DELETE = _forward  # noqa: N815 - the stdlib's names

    def do_CONNECT(self) -> None:  # noqa: N802
        self.server.record(f"CONNECT {self.path}")
        host, port = self.path.rsplit(":", 1)
        upstream = socket.create_connection((host, int(port)), timeout=10)
        self.send_response(200, "Connection established")
        self.end_headers()
        self.wfile.flush()
        ends = [self.connection, upstream]
        try:
            while True:
                readable, _, _ = select.select(ends, [], [], 10)
                if not readable:
                    return
                for end in readable:
                    data = end.recv(65536)
                    if not data:
                        return
                    (upstream if end is self.connection else self.connection).sendall(data)
        finally:
            upstream.close()
            self.close_connection = True


@contextmanager
def running(server: ThreadingHTTPServer) -> Iterator[ThreadingHTTPServer]:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def proxy() -> Iterator[Proxy]:
    with running(Proxy()) as server:
        yield server


# --- a small API server (plain or TLS) that counts its connections ------------------------------

class CreditsServer(ThreadingHTTPServer):
    """Answers GET /api/v1/credits; counts connections, and the most open at once."""

    daemon_threads = True

    def __init__(self, tls: ssl.SSLContext | None = None, delay: float = 0.0) -> None:
        super().__init__(("127.0.0.1", 0), CreditsHandler)
        self.tls, self.delay = tls, delay
        self.connections = self.open_now = self.most_open = 0
        self.lock = threading.Lock()

    @property
    def base_url(self) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.server_address[1]}/api/v1"

    def get_request(self):
        connection, address = super().get_request()
        if self.tls is not None:
            connection = self.tls.wrap_socket(connection, server_side=True)
        return connection, address

    def process_request_thread(self, request, client_address) -> None:
        with self.lock:
            self.connections += 1
            self.open_now += 1
            self.most_open = max(self.most_open, self.open_now)
        try:
            super().process_request_thread(request, client_address)
        finally:
            with self.lock:
                self.open_now -= 1


class CreditsHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: CreditsServer

    def log_message(self, *args) -> None:
        pass

    def handle(self) -> None:
        try:
            super().handle()
        except (OSError, ssl.SSLError):  # a client that refused our certificate hangs up
            pass

    def do_GET(self) -> None:  # noqa: N802
        if self.server.delay:
            threading.Event().wait(self.server.delay)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(CREDITS)))
        self.end_headers()
        self.wfile.write(CREDITS)


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


def tls_context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    return context


def client_for(base_url: str, **options) -> OpenRouterClient:
    return OpenRouterClient(base_url=base_url, management_key="fake-management-key",
                            **{"max_attempts": 1, "timeout": 5.0, **options})


# --- proxies ----------------------------------------------------------------------------------

def test_http_proxy_carries_every_request(proxy, monkeypatch, reset_emulator):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    with reset_emulator.client() as client:
        keys = client.list_keys()
        guardrails = client.list_guardrails()
    assert keys and guardrails is not None
    prefix = f"GET {reset_emulator.base_url}/"
    assert proxy.seen and all(line.startswith(prefix) for line in proxy.seen), proxy.seen
    assert any(line.startswith(f"{prefix}keys") for line in proxy.seen)
    assert any(line.startswith(f"{prefix}guardrails") for line in proxy.seen)


def test_the_cli_goes_through_the_proxy_too(proxy, monkeypatch, capsys, reset_emulator, tmp_path):
    org = tmp_path / "org.yaml"
    org.write_text("version: 1\nkeys:\n  - name: proxied-key\n    limit: 5\n", encoding="utf-8")
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    reset_emulator.reset_counts()
    result = run_cli(capsys, *point_at(monkeypatch, reset_emulator), "--no-color", "plan", str(org))
    assert result.code in (0, 2), result.err
    assert "proxied-key" in result.out
    served = sum(reset_emulator.request_counts().values())
    assert served > 0 and len(proxy.seen) == served


@pytest.mark.parametrize("no_proxy", ["127.0.0.1", "localhost,127.0.0.1", "*"])
def test_no_proxy_covering_the_host_sends_directly(proxy, monkeypatch, reset_emulator, no_proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", no_proxy)
    with reset_emulator.client() as client:
        assert client.list_keys()
    assert proxy.seen == []


def test_no_proxy_for_another_host_still_proxies(proxy, monkeypatch, reset_emulator):
    monkeypatch.setenv("http_proxy", proxy.url)  # the lower-case spellings count as well
    monkeypatch.setenv("no_proxy", "internal.example.com")
    with reset_emulator.client() as client:
        client.get_credits()
    assert len(proxy.seen) == 1 and proxy.seen[0].startswith("GET http://127.0.0.1:")


def test_https_proxy_tunnels_to_a_server_trusted_by_ssl_cert_file(proxy, monkeypatch, certificate):
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with running(CreditsServer(tls_context(certificate))) as server, client_for(server.base_url) as client:
        assert client.get_credits().total_credits == 10.0
    assert proxy.seen == [f"CONNECT 127.0.0.1:{server.server_address[1]}"]


# --- TLS trust --------------------------------------------------------------------------------

def test_tls_refuses_a_certificate_nobody_trusts(certificate):
    with running(CreditsServer(tls_context(certificate))) as server, client_for(server.base_url) as client:
        with pytest.raises(TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            client.get_credits()


def test_ssl_cert_file_makes_a_private_ca_trusted(certificate, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))
    with running(CreditsServer(tls_context(certificate))) as server, client_for(server.base_url) as client:
        assert client.get_credits().total_usage == 2.5
        assert client.get_credits().total_usage == 2.5
    assert server.connections == 1  # kept alive over TLS


# --- pooling ----------------------------------------------------------------------------------

def test_requests_share_a_kept_alive_connection():
    with running(CreditsServer()) as server, client_for(server.base_url) as client:
        for _ in range(5):
            client.get_credits()
    assert server.connections == 1


def test_the_pool_never_opens_more_connections_than_allowed():
    # concurrency=1 allows 2 connections (the client's own threads and callers' threads).
    with running(CreditsServer(delay=0.05)) as server, client_for(server.base_url, concurrency=1) as client:
        threads = [threading.Thread(target=client.get_credits) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=10)
        assert client.request_count == 6
    assert server.most_open <= 2
