"""What an inference call returned, whatever the endpoint: text, model, provider, tokens, cost.

A `Reply` is read either from a whole response body (`read_reply`) or, for streams, built up
event by event (`StreamCollector`), which also hands back each piece of text as it arrives so
the CLI can print tokens as they come.

An answer can fail after its 200 status: a stream's chunk with `finish_reason: "error"` (and
an `error` object), or, rarely, a 200 body that holds an error (API-NOTES "Failure shapes").
Both raise `AnswerFailed`, so that a caller that only looked at the status cannot pass them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any


@dataclass(frozen=True)
class Reply:
    text: str = ""
    model: str | None = None
    provider: str | None = None
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None
    generation_id: str | None = None


class AnswerFailed(Exception):
    """An error inside an answer whose HTTP status was 200."""

    where = "error in a 200 answer"

    def __init__(self, status: int | None, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class StreamFailed(AnswerFailed):
    """An error event inside a stream that began with 200 (a provider failed mid-answer)."""

    where = "stream failed"


# The finish reason a choice carries when its provider failed after the answer began.
ERROR_FINISH = "error"


def read_reply(endpoint: str, body: dict[str, Any], documents: Sequence[str] = ()) -> Reply:
    """The Reply in a complete (non-streamed) response body of `endpoint`; AnswerFailed when the
    body, though it came with 200, holds an error."""
    _raise_if_failed_body(body)
    return replace(_metadata(body), text=_TEXT_READERS[endpoint](body, documents))


def _metadata(body: dict[str, Any]) -> Reply:
    usage = body.get("usage") or {}
    input_tokens = _first(usage, "prompt_tokens", "input_tokens", "total_tokens")
    output_tokens = _first(usage, "completion_tokens", "output_tokens")
    cost = usage.get("cost")
    return Reply(model=body.get("model"), provider=_provider(body),
                 input_tokens=input_tokens, output_tokens=output_tokens,
                 cost=float(cost) if isinstance(cost, (int, float)) else None,
                 generation_id=body.get("id"))


def _raise_if_failed_body(body: dict[str, Any]) -> None:
    """An error object at the top (any API, Anthropic's `type: error` included), a failed
    response, or a choice that finished with an error."""
    error = body.get("error")
    if error or body.get("type") == "error" or body.get("status") == "failed":
        _raise_if_error(error or body.get("status"), AnswerFailed)
    for choice in body.get("choices") or []:
        if isinstance(choice, dict) and choice.get("finish_reason") == ERROR_FINISH:
            _raise_if_error(choice.get("error") or "the answer finished with an error", AnswerFailed)


def _first(mapping: dict[str, Any], *names: str) -> Any:
    return next((mapping[name] for name in names if mapping.get(name) is not None), None)


def _provider(body: dict[str, Any]) -> str | None:
    """`provider` as OpenRouter adds it, else the selected endpoint of `openrouter_metadata`."""
    if isinstance(body.get("provider"), str):
        return body["provider"]
    endpoints = ((body.get("openrouter_metadata") or {}).get("endpoints") or {}).get("available") or []
    return next((e.get("provider") for e in endpoints if isinstance(e, dict) and e.get("selected")), None)


def _chat_text(body: dict[str, Any], _documents: Sequence[str]) -> str:
    choices = body.get("choices") or [{}]
    return _content_text((choices[0].get("message") or {}).get("content"))


def _content_text(content: Any) -> str:
    """A message's content: a string, or a list of parts of which the text parts count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(part.get("text", "") for part in content
                       if isinstance(part, dict) and part.get("type") in ("text", "output_text"))
    return ""


def _responses_text(body: dict[str, Any], _documents: Sequence[str]) -> str:
    if isinstance(body.get("output_text"), str):
        return body["output_text"]
    return "".join(_content_text(item.get("content")) for item in body.get("output") or []
                   if isinstance(item, dict) and item.get("type") == "message")


def _messages_text(body: dict[str, Any], _documents: Sequence[str]) -> str:
    return _content_text(body.get("content"))


def _embeddings_text(body: dict[str, Any], _documents: Sequence[str]) -> str:
    vectors = [item.get("embedding") for item in body.get("data") or []]
    sizes = sorted({len(vector) for vector in vectors if isinstance(vector, list)})
    dimensions = "/".join(str(size) for size in sizes) or "?"
    noun = "vector" if len(vectors) == 1 else "vectors"
    return f"{len(vectors)} {noun} x {dimensions} dimensions"


def _rerank_text(body: dict[str, Any], documents: Sequence[str]) -> str:
    lines = []
    for rank, result in enumerate(body.get("results") or [], start=1):
        index = result.get("index")
        document = (result.get("document") or {}).get("text")
        if document is None and isinstance(index, int) and 0 <= index < len(documents):
            document = documents[index]
        score = result.get("relevance_score")
        score_text = f"{score:.3f}" if isinstance(score, (int, float)) else "?"
        lines.append(f"{rank}. {score_text}  [{index}] {document or ''}".rstrip())
    return "\n".join(lines)


_TEXT_READERS = {"chat": _chat_text, "responses": _responses_text, "messages": _messages_text,
                 "embeddings": _embeddings_text, "rerank": _rerank_text}


class StreamCollector:
    """Feeds on the parsed events of one stream; `reply()` is what the whole stream said."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self._pieces: list[str] = []
        self._meta = Reply()

    def feed(self, event: dict[str, Any]) -> str:
        """The text this event adds (often ''); raises StreamFailed on an error event."""
        piece = _STREAM_READERS[self.endpoint](self, event)
        if piece:
            self._pieces.append(piece)
        return piece

    def reply(self) -> Reply:
        return replace(self._meta, text="".join(self._pieces))

    def _merge(self, found: Reply) -> None:
        """Keep what this event tells (model, usage, ...) without forgetting earlier events."""
        updates = {name: value for name, value in vars(found).items()
                   if value is not None and name != "text"}
        self._meta = replace(self._meta, **updates)

    def _chat(self, event: dict[str, Any]) -> str:
        _raise_if_error(event.get("error"))
        self._merge(_metadata(event))
        choices = event.get("choices") or [{}]
        if choices[0].get("finish_reason") == ERROR_FINISH:
            _raise_if_error(choices[0].get("error") or "the stream finished with an error")
        return _content_text((choices[0].get("delta") or {}).get("content"))

    def _responses(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if kind == "error":
            _raise_if_error(event)
        if kind in ("response.failed", "response.completed", "response.incomplete", "response.created"):
            response = event.get("response") or {}
            _raise_if_error(response.get("error"))
            self._merge(_metadata(response))
        return event.get("delta", "") if kind == "response.output_text.delta" else ""

    def _messages(self, event: dict[str, Any]) -> str:
        kind = event.get("type")
        if kind == "error":
            _raise_if_error(event.get("error"))
        if kind == "message_start":
            self._merge(_metadata(event.get("message") or {}))
        if kind == "message_delta":
            self._merge(_metadata(event))
        delta = event.get("delta") or {}
        if kind == "content_block_delta" and delta.get("type") == "text_delta":
            return delta.get("text", "")
        return ""


def _raise_if_error(error: Any, failure: type[AnswerFailed] = StreamFailed) -> None:
    if not error:
        return
    if isinstance(error, dict):
        code = error.get("code")
        raise failure(int(code) if str(code).isdigit() else None,
                      str(error.get("message") or error))
    raise failure(None, str(error))


_STREAM_READERS = {"chat": StreamCollector._chat, "responses": StreamCollector._responses,
                   "messages": StreamCollector._messages}
