"""Failure shapes on demand: the ways the real API fails that a status check alone misses.

A test asks for them through the control surface (`POST /_emulator/failures`); each queued
shape hits the next request it fits, once (or `count` times), so tests are deterministic:

- `rate_limited`: 429 with `X-RateLimit-Limit/-Remaining/-Reset`, `error.metadata.error_type:
  "rate_limit_exceeded"` and `Retry-After`; `rate_limited_no_retry_after`: the same without
  `Retry-After` (the real API sends it only sometimes).
- `unavailable`: 503 with `Retry-After`.
- `error_mid_stream`: a stream that begins with 200 and a first piece of text, then a chunk
  whose choice has `finish_reason: "error"` and an `error` object (Responses: `response.failed`;
  Messages: an `error` event).
- `error_in_200`: a non-streamed answer whose 200 body holds the error.
- `short_assignment_pages` (a switch, `{"enabled": true|false}`): rows of keys deleted while
  it is on keep counting in the assignment listings' `total_count` but are never shown, so
  pages come back short.
(API-NOTES "Failure shapes the real API produces"; docs "limits", "errors", "streaming".)
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from dataclasses import dataclass

from orsync.emulator.faults.injector import rate_limit_headers
from orsync.emulator.routes.dispatch import ApiFailure, EmulatorResponse

BEFORE_SHAPES = ("rate_limited", "rate_limited_no_retry_after", "unavailable")
AFTER_SHAPES = ("error_mid_stream", "error_in_200")
SHAPES = (*BEFORE_SHAPES, *AFTER_SHAPES)
SWITCHES = ("short_assignment_pages",)
INFERENCE_TEMPLATES = ("/chat/completions", "/responses", "/messages", "/embeddings", "/rerank")
PROVIDER_ERROR = "Provider disconnected unexpectedly"
DONE = b"data: [DONE]\n\n"


@dataclass
class _Queued:
    shape: str
    path: str | None  # route template it waits for, None: any (inference only for AFTER_SHAPES)
    left: int


class FailureShapes:
    """The queue of shapes tests asked for, and the switches that stay on until turned off."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self._switches: set[str] = set()
        self._deleted_rows: Counter[str | None] = Counter()  # guardrail id -> rows of deleted keys

    # --- control surface ----------------------------------------------------------------

    def queue(self, shape: str, path: str | None = None, count: int = 1) -> None:
        if shape not in SHAPES:
            raise ValueError(f"unknown failure shape {shape!r}; known: {', '.join(SHAPES)}")
        if count < 1:
            raise ValueError("count must be >= 1")
        with self._lock:
            self._queue.append(_Queued(shape, path, count))

    def switch(self, name: str, enabled: bool) -> None:
        if name not in SWITCHES:
            raise ValueError(f"unknown switch {name!r}; known: {', '.join(SWITCHES)}")
        with self._lock:
            (self._switches.add if enabled else self._switches.discard)(name)
            if not enabled:
                self._deleted_rows.clear()

    def clear(self) -> None:
        with self._lock:
            self._queue.clear()
            self._switches.clear()
            self._deleted_rows.clear()

    def public(self) -> dict:
        with self._lock:
            return {"queued": [{"shape": q.shape, "path": q.path, "count": q.left} for q in self._queue],
                    "switches": sorted(self._switches)}

    # --- the app's hooks ----------------------------------------------------------------

    def before(self, template: str) -> None:
        """Raise the queued 429 or 503 this request fits, if any."""
        shape = self._take(template, BEFORE_SHAPES, streamed=None)
        if shape is not None:
            raise _refusal(shape)

    def after(self, template: str, response: EmulatorResponse) -> EmulatorResponse:
        """The answer with a queued in-answer failure applied, if this answer fits one."""
        if response.status != 200 or template not in INFERENCE_TEMPLATES:
            return response
        shape = self._take(template, AFTER_SHAPES, streamed=response.is_stream)
        if shape == "error_mid_stream":
            return _broken_stream(template, response)
        if shape == "error_in_200":
            return _error_in_body(template, response)
        return response

    # --- short assignment pages ---------------------------------------------------------

    def key_deleted(self, guardrail_id: str | None) -> None:
        """A key under `guardrail_id` was deleted: its row stays counted while the switch is on."""
        if guardrail_id is None:
            return
        with self._lock:
            if "short_assignment_pages" in self._switches:
                self._deleted_rows[guardrail_id] += 1

    def deleted_key_rows(self, guardrail_id: str | None) -> int:
        """Rows of deleted keys under one guardrail (None: every guardrail) still counted."""
        with self._lock:
            if guardrail_id is None:
                return sum(self._deleted_rows.values())
            return self._deleted_rows[guardrail_id]

    def _take(self, template: str, shapes: tuple[str, ...], streamed: bool | None) -> str | None:
        with self._lock:
            for queued in self._queue:
                if queued.shape not in shapes or (queued.path and queued.path != template):
                    continue
                if queued.shape == "error_mid_stream" and not streamed:
                    continue
                if queued.shape == "error_in_200" and streamed:
                    continue
                queued.left -= 1
                if not queued.left:
                    self._queue.remove(queued)
                return queued.shape
        return None


def _refusal(shape: str) -> ApiFailure:
    if shape == "unavailable":
        return ApiFailure(503, "Service temporarily unavailable", headers={"retry-after": "1"})
    headers = rate_limit_headers()
    if shape == "rate_limited":
        headers["retry-after"] = "1"
    return ApiFailure(429, "Rate limit exceeded", {"error_type": "rate_limit_exceeded"}, headers=headers)


def _provider_error() -> dict:
    return {"code": 502, "message": PROVIDER_ERROR, "metadata": {"error_type": "provider_unavailable"}}


def _broken_stream(template: str, response: EmulatorResponse) -> EmulatorResponse:
    """The stream's first piece of text, then the error chunk the API sends, then its end."""
    chunks = list(response.body)
    events = [c for c in chunks if c.startswith((b"data: {", b"event: "))]
    kept = [c for c in chunks[:chunks.index(events[1])]] if len(events) > 1 else chunks[:1]
    first = json.loads(events[0].split(b"data: ", 1)[1]) if events else {}
    return EmulatorResponse(200, dict(response.headers), iter(kept + _error_chunks(template, first)))


def _error_chunks(template: str, first: dict) -> list[bytes]:
    if template == "/messages":
        error = {"type": "error", "error": {"type": "api_error", "message": PROVIDER_ERROR}}
        return [b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n"]
    if template == "/responses":
        response = {**first.get("response", {}), "status": "failed",
                    "error": {"code": "server_error", "message": PROVIDER_ERROR}}
        return [_sse({"type": "response.failed", "response": response, "sequence_number": 99}), DONE]
    chunk = {key: first.get(key) for key in ("id", "provider", "model", "object", "created")}
    chunk.update(error=_provider_error(), choices=[{
        "index": 0, "delta": {"content": ""}, "finish_reason": "error",
        "native_finish_reason": "error", "logprobs": None}])
    return [_sse(chunk), DONE]


def _error_in_body(template: str, response: EmulatorResponse) -> EmulatorResponse:
    """The 200 answer with its failure inside: the error object, and for chat a choice that
    finished with `error`, for Responses a `failed` response."""
    body = json.loads(response.body)
    if template == "/messages":
        body = {"type": "error", "error": {"type": "api_error", "message": PROVIDER_ERROR}}
    elif template == "/responses":
        body.update(status="failed", output=[],
                    error={"code": "server_error", "message": PROVIDER_ERROR})
    elif template == "/chat/completions":
        body["error"] = _provider_error()
        for choice in body.get("choices", []):
            choice.update(finish_reason="error", native_finish_reason="error")
            choice["message"]["content"] = ""
    else:
        body = {"error": _provider_error(), "user_id": None}
    return EmulatorResponse.json(200, body, {k: v for k, v in response.headers.items()
                                             if k != "content-type"})


def _sse(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"
