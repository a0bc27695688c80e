"""Injected faults, lost responses, and many clients at once."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest

from orsync.emulator.app import EmulatorApp
from orsync.emulator.faults.injector import FaultSettings
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.transport import EmulatorTransport
from tests.openapi_schema import validate_response

FAULT_STATUSES = {429, 500, 502, 503, 524, 529}


def outcome(send) -> int | str:
    """The status of a request, or "drop" when the connection closed without an answer."""
    try:
        return send().status_code
    except httpx.RemoteProtocolError:
        return "drop"


def read_until_ok(send, attempts: int = 50) -> httpx.Response:
    for _ in range(attempts):  # bounded retries: reads may be faulted too
        try:
            response = send()
        except httpx.RemoteProtocolError:
            continue
        if response.status_code == 200:
            return response
    raise AssertionError("no successful read")


def test_every_fault_kind_appears_and_lost_writes_are_applied(reset_emulator):
    emulator = reset_emulator
    emulator.set_faults(0.3, seed=7)
    api = emulator.http()
    key = emulator.state.key_named("ci-smoke")
    seen: Counter = Counter()
    for n in range(150):
        result = outcome(lambda: api.patch(f"/keys/{key.hash}", json={"name": f"name-{n}"}))
        seen[result] += 1
        if result == "drop":
            fetched = read_until_ok(lambda: api.get(f"/keys/{key.hash}"))
            assert fetched.json()["data"]["name"] == f"name-{n}"  # applied, answer lost
    assert FAULT_STATUSES | {"drop", 200} <= set(seen)
    assert 0.15 < 1 - seen[200] / 150 < 0.45


def test_fault_bodies_and_retry_after(make_emulator):
    emulator = make_emulator(fault_rate=1.0, fault_kinds=("429",), retry_after=0.5)  # app options
    response = emulator.http().get("/keys")
    assert response.status_code == 429 and response.headers["retry-after"] == "0.5"
    validate_response("/keys", "GET", 429, response.json())
    emulator.set_faults(1.0, kinds=["503"])
    response = emulator.http().get("/guardrails")
    assert response.status_code == 503
    assert response.json()["error"] == {"code": 503, "message": "Service temporarily unavailable",
                                        "metadata": None}


def test_faults_are_deterministic_for_a_seed_and_switchable(reset_emulator):
    emulator = reset_emulator
    api = emulator.http()

    def run() -> list:
        return [outcome(lambda: api.get("/credits")) for _ in range(40)]

    emulator.set_faults(0.5, seed=3)
    first = run()
    emulator.set_faults(0.5, seed=3)
    assert run() == first and set(first) != {200}
    assert "drop" not in first  # reads are never dropped
    emulator.set_faults(0.0)
    assert set(run()) == {200}


def test_lost_create_leaves_the_key_behind(reset_emulator):
    emulator = reset_emulator
    emulator.set_faults(1.0, kinds=["drop"])
    with pytest.raises(httpx.RemoteProtocolError):
        emulator.http().post("/keys", json={"name": "lost-answer"})
    assert emulator.state.key_named("lost-answer") is not None
    assert emulator.write_count() == 1


def test_in_process_transport_serves_and_drops():
    app = EmulatorApp(EmulatorState.from_seed(EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key")
    with httpx.Client(transport=EmulatorTransport(app), base_url="http://emulator/api/v1",
                      headers={"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}) as client:
        listed = client.get("/keys", params={"include_disabled": "true"})
        assert listed.status_code == 200 and len(listed.json()["data"]) == 3
        app.faults.configure(FaultSettings(rate=1.0, kinds=("drop",)))
        with pytest.raises(httpx.RemoteProtocolError):
            client.post("/keys", json={"name": "dropped"})
        assert app.state.key_named("dropped") is not None


def test_sixteen_concurrent_clients_are_all_served(reset_emulator):
    emulator = reset_emulator
    emulator.set_faults(0.0, latency_ms=20)
    failures: list = []

    def worker(n: int) -> None:
        with emulator.http() as client:
            for m in range(8):
                response = client.post("/keys", json={"name": f"w{n}-{m}"})
                if response.status_code != 201:
                    failures.append(response.text)
                client.get("/keys")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures and not any(t.is_alive() for t in threads)
    names = {k.name for k in emulator.state.api_keys_newest_first()}
    assert {f"w{n}-{m}" for n in range(16) for m in range(8)} <= names
    assert emulator.request_counts() == {"POST /keys": 128, "GET /keys": 128}


def test_server_streams_event_chunks():
    """SSE bodies arrive chunk by chunk over HTTP/1.1 (chunked transfer encoding)."""
    from orsync.emulator.routes.dispatch import EmulatorResponse
    from orsync.emulator.server import EmulatorServer

    app = EmulatorApp(EmulatorState(), management_key="sk-or-v1-fake-mgmt-key")
    gate = threading.Event()

    def events():
        yield b"data: {\"n\": 1}\n\n"
        gate.wait(5)  # the second event waits until the client has read the first
        yield b"data: [DONE]\n\n"

    app.handle = lambda *args, **kwargs: EmulatorResponse.stream(events())
    with EmulatorServer(app) as server, httpx.Client(verify=False) as client:
        with client.stream("POST", server.base_url + "/chat/completions") as response:
            assert response.headers["content-type"] == "text/event-stream"
            chunks = response.iter_raw()
            assert next(chunks) == b"data: {\"n\": 1}\n\n"
            gate.set()
            assert b"".join(chunks) == b"data: [DONE]\n\n"


def test_in_process_transport_streams_event_chunks():
    from orsync.emulator.routes.dispatch import EmulatorResponse

    app = EmulatorApp(EmulatorState(), management_key="sk-or-v1-fake-mgmt-key")
    app.handle = lambda *args, **kwargs: EmulatorResponse.stream(iter([b"data: 1\n\n", b"data: [DONE]\n\n"]))
    with httpx.Client(transport=EmulatorTransport(app), base_url="http://emulator/api/v1") as client:
        with client.stream("POST", "/chat/completions") as response:
            assert response.headers["content-type"] == "text/event-stream"
            assert list(response.iter_raw()) == [b"data: 1\n\n", b"data: [DONE]\n\n"]
