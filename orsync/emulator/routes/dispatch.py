"""Routing for the emulator: the request a handler sees, how it fails, and how routes are found.

Each module of the `routes` package declares handlers with `@route(...)`; the decorator
appends them to that module's `ROUTES` list and `discover_routes()` collects every such module
with pkgutil, so a new family of endpoints plugs in without editing the app.

A handler takes a `Call` and returns a dict (200 JSON), a `(status, dict)` tuple or an
`EmulatorResponse` (streams, custom bodies); raising `ApiFailure` answers the API's error body.
The app runs handlers under `state.lock`; a stream's iterator is consumed after the handler has
returned, outside the lock, so an iterator that touches the state takes `state.lock` itself.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from orsync.emulator.routes.envelopes import ERROR_FORMATS, ErrorFormat, error_body, error_in

if TYPE_CHECKING:
    from orsync.emulator.store.state import EmulatorState, KeyRecord

# error_body is re-exported: tests build OpenRouter error answers with it.
__all__ = ["ApiFailure", "Call", "EmulatorResponse", "Route", "Router", "discover_routes",
           "error_body", "json_type_name", "route"]

AuthMode = Literal["management", "inference", "any", "none"]
AUTH_MODES = ("management", "inference", "any", "none")


@dataclass
class EmulatorResponse:
    """What the app answers. `body` is bytes or an iterator of bytes (server-sent events).

    `drop=True` means the request took effect but the connection is closed without an answer.
    """

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes | Iterator[bytes] = b""
    drop: bool = False

    @classmethod
    def json(cls, status: int, payload: Any, headers: dict[str, str] | None = None) -> EmulatorResponse:
        return cls(status, {"content-type": "application/json", **(headers or {})},
                   json.dumps(payload).encode())

    @classmethod
    def listing(cls, items: list[str], total: int | None = None) -> EmulatorResponse:
        """A 200 page `{"data": [...]}` (and `"total_count"`) from its objects' JSON texts:
        the bytes `json(200, {...})` writes for the same objects, without decoding them."""
        tail = "]}" if total is None else f'], "total_count": {int(total)}}}'
        return cls(200, {"content-type": "application/json"},
                   ('{"data": [' + ", ".join(items) + tail).encode())

    @classmethod
    def stream(cls, chunks: Iterable[bytes], status: int = 200) -> EmulatorResponse:
        """A server-sent-events answer; each chunk is flushed to the client as it comes."""
        return cls(status, {"content-type": "text/event-stream", "cache-control": "no-cache"},
                   iter(chunks))

    @property
    def is_stream(self) -> bool:
        return not isinstance(self.body, (bytes, bytearray))


class ApiFailure(Exception):
    """Abort a handler with the API's error body (`envelopes.py`: OpenRouter's or Anthropic's)."""

    def __init__(self, status: int, message: str, metadata: dict | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.metadata = metadata
        self.headers = headers

    def response(self, format_: ErrorFormat = "openrouter") -> EmulatorResponse:
        return EmulatorResponse.json(self.status, error_in(format_, self.status, self.message,
                                                           self.metadata), self.headers)


@dataclass
class Call:
    """One request as a handler sees it."""

    method: str
    path: str
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: Any
    raw_body: bytes
    state: EmulatorState
    caller: KeyRecord | None
    app: Any
    now: datetime  # the app's clock, read once per request
    template: str = ""

    def json_body(self) -> dict:
        """The body as a JSON object, or a 400 as the API answers a non-object body."""
        if not isinstance(self.body, dict):
            raise ApiFailure(400, "Invalid input: expected object, received "
                             + json_type_name(self.body))
        return self.body


def json_type_name(value: Any) -> str:
    """The JSON type name zod uses in its messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    auth: AuthMode
    handler: Handler
    errors: ErrorFormat = "openrouter"

    @cached_property  # read for every route on every request: split once
    def segments(self) -> tuple[str, ...]:
        return tuple(self.template.strip("/").split("/"))

    @property
    def name(self) -> str:
        """How request counts name this route: `METHOD /route/template`."""
        return f"{self.method} {self.template}"

    def match(self, parts: tuple[str, ...]) -> dict[str, str] | None:
        if len(parts) != len(self.segments):
            return None
        return self.match_start(parts)

    def match_start(self, parts: tuple[str, ...]) -> dict[str, str] | None:
        """The parameters when the path begins with this template (a family's sub-path)."""
        if len(parts) < len(self.segments):
            return None
        params: dict[str, str] = {}
        for pattern, part in zip(self.segments, parts):
            if pattern.startswith("{") and pattern.endswith("}"):
                if not part:
                    return None
                params[pattern[1:-1]] = part
            elif pattern != part:
                return None
        return params

    def specificity(self) -> tuple[int, ...]:
        """Sort key: a static segment beats a parameter at the first position they differ."""
        return tuple(1 if s.startswith("{") else 0 for s in self.segments)


def route(method: str, template: str, *, auth: AuthMode,
          errors: ErrorFormat = "openrouter") -> Callable[[Handler], Handler]:
    """Declare a handler; it joins the `ROUTES` list of the module that defines it. `errors`
    is the error format of the route and of every path below it."""
    if auth not in AUTH_MODES:
        raise ValueError(f"auth must be one of {AUTH_MODES}, not {auth!r}")
    if errors not in ERROR_FORMATS:
        raise ValueError(f"errors must be one of {ERROR_FORMATS}, not {errors!r}")

    def register(handler: Handler) -> Handler:
        module = sys.modules[handler.__module__]
        module.__dict__.setdefault("ROUTES", []).append(
            Route(method.upper(), "/" + template.strip("/"), auth, handler, errors))
        return handler

    return register


class Router:
    """Finds the route for a method and path (relative to the base path)."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self.routes = sorted(routes, key=Route.specificity)
        seen: set[str] = set()
        for declared in self.routes:
            if declared.name in seen:
                raise ValueError(f"route declared twice: {declared.name}")
            seen.add(declared.name)
        # A template without parameters, asked for by its own method, is the route the scan
        # below would find first (static segments sort first): found by one lookup instead.
        self._static = {(r.method, r.segments): r for r in self.routes
                        if not any(s.startswith("{") for s in r.segments)}

    def resolve(self, method: str, path: str) -> tuple[Route, dict[str, str]]:
        """The route and its path parameters; ApiFailure 404 (no path) or 405 (wrong method)."""
        parts = _parts(path)
        static = self._static.get((method.upper(), parts))
        if static is not None:
            return static, {}
        path_known = False
        for candidate in self.routes:
            params = candidate.match(parts)
            if params is None:
                continue
            if candidate.method == method.upper():
                return candidate, params
            path_known = True
        if path_known:
            raise ApiFailure(405, f"Method {method.upper()} not allowed")
        raise ApiFailure(404, "Not Found")

    def error_format(self, path: str) -> ErrorFormat:
        """The error format of the longest route template the path starts with."""
        parts = _parts(path)
        families = [r for r in self.routes if r.match_start(parts) is not None]
        if not families:
            return "openrouter"
        return max(families, key=lambda r: len(r.segments)).errors


def _parts(path: str) -> tuple[str, ...]:
    return tuple(path.strip("/").split("/"))


def discover_routes(package: str = "orsync.emulator.routes") -> list[Route]:
    """Every route declared in the modules of the package (those that declare none add none)."""
    found: list[Route] = []
    pkg = importlib.import_module(package)
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{package}.{info.name}")
        found.extend(getattr(module, "ROUTES", []))
    return found
