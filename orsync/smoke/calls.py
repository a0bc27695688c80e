"""One inference call, timed, with its failure kept as data rather than raised.

A smoke test expects some calls to fail (a guardrail's 403 is the point of the test), so the
result of a call is an `Outcome`: the HTTP status, the reply or the API's one-line error
message, and the latency. Only a problem with the request itself (PromptError) is raised.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from orsync.api.errors import ApiError, ForbiddenError
from orsync.smoke.replies import AnswerFailed, Reply, StreamCollector, read_reply

CALL_METHODS = {"chat": "chat_completions", "responses": "responses", "messages": "messages",
                "embeddings": "embeddings", "rerank": "rerank"}
STREAM_METHODS = {"chat": "stream_chat_completions", "responses": "stream_responses",
                  "messages": "stream_messages"}


@dataclass(frozen=True)
class Outcome:
    """What one call came to. `status` is None when no HTTP answer arrived at all."""

    status: int | None
    latency_ms: float
    reply: Reply | None = None
    error: str | None = None
    blocked_by_guardrail: bool = False
    raw: Any = None  # the response body, or the list of stream events

    @property
    def ok(self) -> bool:
        return self.reply is not None


def call(client, endpoint: str, body: dict[str, Any], *, api_key: str | None,
         documents: Sequence[str] = (), on_text: Callable[[str], None] | None = None,
         on_event: Callable[[dict[str, Any]], None] | None = None) -> Outcome:
    """Send `body` to `endpoint`; streams when the body says `stream: true`.

    `on_text` receives each piece of streamed text as it arrives, `on_event` each raw event.
    """
    started = time.perf_counter()

    def elapsed() -> float:
        return (time.perf_counter() - started) * 1000

    try:
        if body.get("stream"):
            reply, raw = _streamed(client, endpoint, body, api_key, on_text, on_event)
        else:
            raw = getattr(client, CALL_METHODS[endpoint])(body, api_key=api_key)
            reply = read_reply(endpoint, raw, documents)
    except ApiError as exc:
        return Outcome(status=exc.status, latency_ms=elapsed(), error=exc.message or str(exc),
                       blocked_by_guardrail=isinstance(exc, ForbiddenError) and exc.blocked_by_guardrail)
    except AnswerFailed as exc:
        # The answer began with 200 but failed (mid-stream, or an error inside the body): a
        # failure, counted under the error's own code (500 when it names none).
        return Outcome(status=exc.status or 500, latency_ms=elapsed(), error=f"{exc.where}: {exc.message}")
    return Outcome(status=200, latency_ms=elapsed(), reply=reply, raw=raw)


def _streamed(client, endpoint: str, body: dict[str, Any], api_key: str | None,
              on_text: Callable[[str], None] | None,
              on_event: Callable[[dict[str, Any]], None] | None) -> tuple[Reply, list[dict[str, Any]]]:
    collector = StreamCollector(endpoint)
    events = []
    for event in getattr(client, STREAM_METHODS[endpoint])(body, api_key=api_key):
        events.append(event)
        if on_event:
            on_event(event)
        piece = collector.feed(event)
        if piece and on_text:
            on_text(piece)
    return collector.reply(), events


def generation_cost(client, generation_id: str | None, api_key: str | None) -> float | None:
    """The cost the API recorded for a generation, for replies that do not carry one."""
    if not generation_id:
        return None
    try:
        stats = client.get_generation(generation_id, api_key=api_key)
    except ApiError:
        return None
    cost = (stats or {}).get("total_cost")
    return float(cost) if isinstance(cost, (int, float)) else None
