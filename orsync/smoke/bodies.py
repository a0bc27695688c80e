"""Request bodies: one `Prompt` (what the user asked for) in each endpoint's own dialect.

The five endpoints name the same ideas differently (a system prompt is a message in chat,
`instructions` in responses and `system` in messages; the output cap is `max_tokens` or
`max_output_tokens`); `Prompt` names them once, and this module is the only place that knows
the dialects. Options an endpoint does not have are refused rather than silently dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orsync.errors import OrsyncError

ENDPOINTS = ("chat", "responses", "messages", "embeddings", "rerank")
STREAMING_ENDPOINTS = frozenset({"chat", "responses", "messages"})
GENERATIVE_ENDPOINTS = STREAMING_ENDPOINTS


class PromptError(OrsyncError):
    """The options do not make a request this endpoint accepts."""


@dataclass(frozen=True)
class Prompt:
    """One inference request, endpoint-neutral. `texts` are the input(s); rerank's documents."""

    model: str | None = None
    models: tuple[str, ...] = ()
    texts: tuple[str, ...] = ()
    system: str | None = None
    max_tokens: int | None = None
    temperature: float | None = None
    stream: bool = False
    provider_order: tuple[str, ...] = ()
    allow_fallbacks: bool | None = None
    dimensions: int | None = None
    query: str | None = None
    top_n: int | None = None


def build_body(endpoint: str, prompt: Prompt) -> dict[str, Any]:
    """The JSON body for `endpoint`, or PromptError naming the option that does not apply."""
    _check_applicable(endpoint, prompt)
    body: dict[str, Any] = {}
    if prompt.model:
        body["model"] = prompt.model
    if prompt.models:
        body["models"] = list(prompt.models)
    body.update(_BUILDERS[endpoint](prompt))
    provider = _provider_preferences(prompt)
    if provider:
        body["provider"] = provider
    if prompt.stream:
        body["stream"] = True
    return body


def _check_applicable(endpoint: str, prompt: Prompt) -> None:
    if endpoint not in _BUILDERS:
        raise PromptError(f"unknown endpoint {endpoint!r}; expected one of {', '.join(ENDPOINTS)}")
    if not prompt.model and not prompt.models:
        raise PromptError(f"{endpoint} needs --model (or --models for a fallback list)")
    generative = endpoint in GENERATIVE_ENDPOINTS
    misplaced = {
        "--models": bool(prompt.models) and not generative,
        "--stream": prompt.stream and endpoint not in STREAMING_ENDPOINTS,
        "--system": prompt.system is not None and not generative,
        "--max-tokens": prompt.max_tokens is not None and not generative,
        "--temperature": prompt.temperature is not None and not generative,
        "--dimensions": prompt.dimensions is not None and endpoint != "embeddings",
        "--query": prompt.query is not None and endpoint != "rerank",
        "--top-n": prompt.top_n is not None and endpoint != "rerank",
    }
    for option, wrong in misplaced.items():
        if wrong:
            raise PromptError(f"{option} does not apply to {endpoint}")
    if not any(text.strip() for text in prompt.texts):
        what = "documents to rank" if endpoint == "rerank" else "input text"
        raise PromptError(f"{endpoint} needs {what} (as arguments or on stdin)")


def _provider_preferences(prompt: Prompt) -> dict[str, Any]:
    provider: dict[str, Any] = {}
    if prompt.provider_order:
        provider["order"] = list(prompt.provider_order)
    if prompt.allow_fallbacks is not None:
        provider["allow_fallbacks"] = prompt.allow_fallbacks
    return provider


def _joined(prompt: Prompt) -> str:
    return "\n".join(prompt.texts)


def _sampling(prompt: Prompt, max_tokens_field: str) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if prompt.max_tokens is not None:
        body[max_tokens_field] = prompt.max_tokens
    if prompt.temperature is not None:
        body["temperature"] = prompt.temperature
    return body


def _chat(prompt: Prompt) -> dict[str, Any]:
    messages = [{"role": "system", "content": prompt.system}] if prompt.system is not None else []
    messages.append({"role": "user", "content": _joined(prompt)})
    return {"messages": messages, **_sampling(prompt, "max_tokens")}


def _responses(prompt: Prompt) -> dict[str, Any]:
    body: dict[str, Any] = {"input": _joined(prompt)}
    if prompt.system is not None:
        body["instructions"] = prompt.system
    return {**body, **_sampling(prompt, "max_output_tokens")}


def _messages(prompt: Prompt) -> dict[str, Any]:
    body: dict[str, Any] = {"messages": [{"role": "user", "content": _joined(prompt)}]}
    if prompt.system is not None:
        body["system"] = prompt.system
    return {**body, **_sampling(prompt, "max_tokens")}


def _embeddings(prompt: Prompt) -> dict[str, Any]:
    # One text embeds as a string, several as a list: one vector per input either way.
    texts = list(prompt.texts)
    body: dict[str, Any] = {"input": texts[0] if len(texts) == 1 else texts}
    if prompt.dimensions is not None:
        body["dimensions"] = prompt.dimensions
    return body


def _rerank(prompt: Prompt) -> dict[str, Any]:
    if not prompt.query:
        raise PromptError("rerank needs --query")
    body: dict[str, Any] = {"query": prompt.query, "documents": list(prompt.texts)}
    if prompt.top_n is not None:
        body["top_n"] = prompt.top_n
    return body


_BUILDERS = {"chat": _chat, "responses": _responses, "messages": _messages,
             "embeddings": _embeddings, "rerank": _rerank}
