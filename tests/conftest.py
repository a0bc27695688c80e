"""Fixtures shared by the whole suite (contract: docs/architecture.md, "Test fixtures").

- `emulator` / `make_emulator`: a server of the test's own, stopped after it.
- `session_emulator`: one server for the whole session, default seed; `reset_emulator` is that
  server reset to its seed (state, faults, latency, request counts) before the test, with the
  clients the test took closed after it. Starting a server costs more than most tests: use the
  reset one when the default seed and default options will do.
- `api`: a raw httpx client (management key) on whichever `emulator` the test module uses.
- Every httpx client of the session shares one default TLS context (see below).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest

from orsync.emulator.testing import RunningEmulator, start_emulator


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., RunningEmulator]]:
    """`make_emulator(seed=None, **app_options)`: a seeded emulator on loopback; several may run."""
    started: list[RunningEmulator] = []

    def make(seed: dict | None = None, **app_options) -> RunningEmulator:
        emulator = start_emulator(seed, **app_options)
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.close()


@pytest.fixture
def emulator(make_emulator) -> RunningEmulator:
    """An emulator with the default seed on a free loopback port, stopped after the test."""
    return make_emulator()


@pytest.fixture(scope="session")
def session_emulator() -> Iterator[RunningEmulator]:
    """One emulator with the default seed for the whole session; nothing resets it."""
    emulator = start_emulator()
    yield emulator
    emulator.close()


@pytest.fixture
def reset_emulator(session_emulator) -> Iterator[RunningEmulator]:
    """The session's emulator, back to its seed and options, for one test."""
    session_emulator.reset()
    yield session_emulator
    session_emulator.close_clients()


@pytest.fixture
def api(emulator):
    """An httpx client on the test's `emulator` (a module that overrides `emulator`, e.g. with
    `reset_emulator`, gets a client on that one); closed with the emulator's clients."""
    return emulator.http()


@pytest.fixture(scope="session", autouse=True)
def _ca_bundle_loaded_once() -> Iterator[None]:
    """httpx loads the CA bundle for each client it builds, about 0.1 s each; the suite builds
    hundreds (the CLI and the client under test build their own), nearly all for plain-HTTP
    loopback where no TLS is spoken. Share one default context per CA source instead (the
    bundle, or SSL_CERT_FILE / SSL_CERT_DIR as httpx reads them). Clients asking for anything
    else (verify=False, their own context, a certificate) get httpx's own answer; without the
    private hook nothing changes."""
    from httpx._transports import default as transports

    original = getattr(transports, "create_ssl_context", None)
    if original is None:
        yield
        return
    made: dict[tuple, object] = {}

    def create_ssl_context(verify=True, cert=None, trust_env=True):
        if verify is not True or cert:
            return original(verify=verify, cert=cert, trust_env=trust_env)
        source = (trust_env, os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR"))
        if source not in made:
            made[source] = original(verify=True, cert=None, trust_env=trust_env)
        return made[source]

    patch = pytest.MonkeyPatch()
    patch.setattr(transports, "create_ssl_context", create_ssl_context)
    yield
    patch.undo()
