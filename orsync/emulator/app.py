"""The emulator as a function from request to response, shared by the HTTP server and the
in-process httpx transport.

A request to `/api/v1/...` is routed, counted, delayed (`latency_ms`, outside the state lock),
possibly failed (faults), authenticated and handed to its handler under `state.lock`. Requests
to `/_emulator/...` are the control surface (management key only), never counted or failed.
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from orsync.emulator import control, control_org
from orsync.emulator.routes.envelopes import ErrorFormat
from orsync.emulator.faults.injector import FAULT_KINDS, FaultInjector, FaultSettings
from orsync.emulator.faults.shapes import FailureShapes
from orsync.emulator.routes.dispatch import (
    ApiFailure, Call, EmulatorResponse, Route, Router, discover_routes,
)
from orsync.emulator.store.database import Database
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.store.windows import utc_now

BASE_PATH = "/api/v1"
CONTROL_PATH = "/_emulator"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
MANAGEMENT_KEY_PREFIX = "sk-or-v1-emu-"


class EmulatorApp:
    def __init__(self, state: EmulatorState, *, management_key: str | None = None,
                 latency_ms: float = 0, fault_rate: float = 0.0, fault_seed: int = 0,
                 fault_kinds: tuple[str, ...] = FAULT_KINDS, retry_after: float = 1.0,
                 persist_path: str | PathLike | None = None,
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.state = state
        self.clock = clock  # what "now" is for usage windows, expiry and timestamps
        self.router = Router(discover_routes())
        self.control_router = Router([*control.ROUTES, *control_org.ROUTES])
        self.latency_ms = latency_ms
        self.faults = FaultInjector(FaultSettings(fault_rate, fault_seed, tuple(fault_kinds), retry_after))
        self.shapes = FailureShapes()  # failures tests queue through /_emulator/failures
        if persist_path is not None:
            self.state = state = persisted(state, persist_path)
        self._counts: Counter[str] = Counter()
        self._writes = 0
        self._counts_lock = threading.Lock()
        with state.lock:
            self.management_key = self._ensure_management_key(management_key)
        self.initial_state = state.snapshot()  # what /_emulator/reset goes back to

    # --- entry point ----------------------------------------------------------------------

    def handle(self, method: str, path: str, query: dict[str, str] | str | None = None,
               headers: dict[str, str] | None = None, body: bytes | None = b"") -> EmulatorResponse:
        method = method.upper()
        request = _Request(method, path, _query_dict(query),
                           {k.lower(): v for k, v in (headers or {}).items()}, body or b"")
        try:
            if path == CONTROL_PATH or path.startswith(CONTROL_PATH + "/"):
                endpoint, params = self.control_router.resolve(method, path[len(CONTROL_PATH):])
                return self._run(endpoint, params, request)
            if path.startswith(BASE_PATH + "/"):
                return self._serve_api(request, path[len(BASE_PATH):])
            raise ApiFailure(404, "Not Found")
        except ApiFailure as failure:
            return failure.response(self._error_format(path))

    def _serve_api(self, request: _Request, subpath: str) -> EmulatorResponse:
        endpoint, params = self.router.resolve(request.method, subpath)
        self._count(endpoint)
        if self.latency_ms:
            time.sleep(self.latency_ms / 1000)  # outside the lock: concurrent clients overlap
        fault = self.faults.pick(request.method in WRITE_METHODS)
        if fault is not None and fault != "drop":
            raise self.faults.failure(fault)
        self.shapes.before(endpoint.template)
        response = self.shapes.after(endpoint.template, self._run(endpoint, params, request))
        return replace(response, drop=True) if fault == "drop" else response

    def _run(self, endpoint: Route, params: dict[str, str], request: _Request) -> EmulatorResponse:
        # One transaction per request: a write commits its rows at the end; a read never writes.
        with self.state.transaction(write=request.method in WRITE_METHODS):
            caller = self._authenticate(endpoint, request.headers)
            call = Call(request.method, request.path, params, request.query, request.headers,
                        _parse_body(request.body), request.body, self.state, caller, self,
                        self.clock(), endpoint.template)
            response = _as_response(endpoint.handler(call))
        return response

    def _error_format(self, path: str) -> ErrorFormat:
        """How a failure on this path is written: /messages and below speak Anthropic's."""
        if path.startswith(BASE_PATH + "/"):
            return self.router.error_format(path[len(BASE_PATH):])
        return "openrouter"

    # --- authentication -------------------------------------------------------------------

    def _authenticate(self, endpoint: Route, headers: dict[str, str]):
        secret = _bearer(headers.get("authorization", ""))
        if not secret and endpoint.errors == "anthropic":
            secret = headers.get("x-api-key", "").strip()  # how Anthropic's SDKs send the key
        caller = self.state.find_key_by_secret(secret) if secret else None
        mode = endpoint.auth
        if mode == "none":
            return caller
        if not secret:
            raise ApiFailure(401, "Missing Authentication header")
        if caller is None:
            raise ApiFailure(401, "User not found.")
        if mode == "management" and not caller.is_management:
            raise ApiFailure(403, "Only management keys can perform this operation")
        if mode == "inference" and caller.is_management:
            raise ApiFailure(401, "User not found")  # what the real API answers (a real trace)
        return caller

    def _ensure_management_key(self, wanted: str | None) -> str:
        """The management key clients use: the one asked for, else the state's, else a new one."""
        if wanted:
            record = self.state.find_key_by_secret(wanted)
            if record is not None and not record.is_management:
                raise ValueError("the management key given is an API key of the seeded org")
            if record is None:
                self.state.add_key("management", secret=wanted, is_management=True,
                                   creator_user_id=self.state.admin_user_id())
            return wanted
        existing = self.state.management_keys()
        if existing:
            return existing[0].secret
        return self._ensure_management_key(new_management_key())

    # --- persistence and counts -----------------------------------------------------------

    def save(self) -> None:
        """Kept for callers of 0.1: every write request commits its own rows."""

    def _count(self, endpoint: Route) -> None:
        with self._counts_lock:
            self._counts[endpoint.name] += 1
            if endpoint.method in WRITE_METHODS and endpoint.auth == "management":
                self._writes += 1

    def request_counts(self) -> dict[str, int]:
        with self._counts_lock:
            return dict(self._counts)

    def write_count(self) -> int:
        with self._counts_lock:
            return self._writes

    def reset_counts(self) -> None:
        with self._counts_lock:
            self._counts.clear()
            self._writes = 0


def persisted(state: EmulatorState, path: str | PathLike) -> EmulatorState:
    """The state kept in the database at `path`: the one there when the file exists (the file
    wins over the state given), else a new database holding the given state's org."""
    if Path(path).exists() or state.db.path is not None:
        return EmulatorState.open(path) if state.db.path != Path(path) else state
    target = Database(path)
    try:
        state.db.copy_to(target.conn)
        target.execute("PRAGMA journal_mode=WAL")  # the copy brought the source's mode
    finally:
        target.close()
    return EmulatorState.open(path)


def new_management_key() -> str:
    """A fake management key: recognisably the emulator's, never the shape of a real secret."""
    import secrets

    return MANAGEMENT_KEY_PREFIX + secrets.token_hex(16)


class _Request:
    __slots__ = ("method", "path", "query", "headers", "body")

    def __init__(self, method: str, path: str, query: dict[str, str], headers: dict[str, str],
                 body: bytes) -> None:
        self.method, self.path, self.query, self.headers, self.body = method, path, query, headers, body


def _query_dict(query: dict[str, str] | str | bytes | None) -> dict[str, str]:
    if query is None:
        return {}
    if isinstance(query, (str, bytes)):
        text = query.decode() if isinstance(query, bytes) else query
        return dict(parse_qsl(text, keep_blank_values=True))
    return {str(k): str(v) for k, v in query.items()}


def _bearer(value: str) -> str:
    scheme, _, token = value.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _parse_body(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except ValueError:
        raise ApiFailure(400, "Invalid JSON in request body") from None


def _as_response(result: Any) -> EmulatorResponse:
    if isinstance(result, EmulatorResponse):
        return result
    if isinstance(result, tuple):
        status, payload = result
        return EmulatorResponse.json(status, payload)
    return EmulatorResponse.json(200, result)
