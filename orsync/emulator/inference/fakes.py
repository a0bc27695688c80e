"""Deterministic fake inference: the same request always gets the same text, vectors and scores.

Everything here is a pure function of the request. Outputs derive from a sha256 of the
request's content (the fields that shape an answer: not `stream`, routing preferences or
tracing), so a streamed and a plain call of one request answer the same words. Token counts
approximate real tokenizers at four characters a token; costs come from the catalog prices
of the endpoint that served the request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
import struct
from dataclasses import dataclass
from typing import Any

from orsync.emulator.catalog.entries import Endpoint

# Request fields that do not change what a model would answer.
NON_CONTENT_FIELDS = frozenset({
    "stream", "stream_options", "provider", "models", "route", "user", "session_id", "trace",
    "metadata", "debug", "usage", "transforms", "plugins", "service_tier", "store", "background",
    "safety_identifier", "prompt_cache_key",
})
WORDS = (
    "the", "emulated", "model", "answers", "with", "a", "steady", "reply", "so", "tests",
    "can", "rely", "on", "every", "word", "it", "writes", "for", "this", "request", "and",
    "each", "token", "is", "counted", "priced", "from", "catalog", "same", "input", "gives",
    "output", "routing", "keys", "guardrails", "budgets", "stay", "local", "offline", "quick",
    "plan", "apply", "drift", "smoke", "check", "passes", "clear", "signal", "ready", "done",
    "orsync", "openrouter", "provider", "endpoint", "usage", "ledger", "activity", "record",
    "stream", "chunk", "event", "stable", "result", "value",
)
CHARS_PER_TOKEN = 4
MESSAGE_OVERHEAD_TOKENS = 3
RERANK_DOCUMENTS_PER_SEARCH_UNIT = 100


@dataclass(frozen=True)
class Usage:
    """Tokens and USD cost of one call, priced at the endpoint that served it."""

    prompt_tokens: int
    completion_tokens: int
    prompt_cost: float
    completion_cost: float
    request_cost: float = 0.0
    search_units: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def cost(self) -> float:
        return _usd(self.prompt_cost + self.completion_cost + self.request_cost)


@dataclass(frozen=True)
class Completion:
    """A generated answer: its text, why it stopped, and what it cost."""

    text: str
    finish_reason: str  # "stop" or "length" (hit the caller's token cap)
    usage: Usage


def request_digest(body: dict, model_id: str) -> bytes:
    """sha256 of the request's content, with the model resolved to the one that answers."""
    content = {k: v for k, v in body.items() if k not in NON_CONTENT_FIELDS}
    content["model"] = model_id
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).digest()


def count_tokens(text: str) -> int:
    return math.ceil(len(text) / CHARS_PER_TOKEN) if text else 0


def prompt_tokens(texts: list[str]) -> int:
    """Tokens of a prompt made of messages: their text plus a small per-message overhead."""
    return sum(count_tokens(t) + MESSAGE_OVERHEAD_TOKENS for t in texts) + MESSAGE_OVERHEAD_TOKENS


def content_text(content: Any) -> str:
    """The text of a message's content: a string, or the text of its parts."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(content_text(part) for part in content)
    if isinstance(content, dict):
        for name in ("text", "content", "input_text", "output_text", "refusal"):
            if isinstance(content.get(name), (str, list)):
                return content_text(content[name])
        return ""
    return str(content)


def chat_prompt_texts(messages: list) -> list[str]:
    return [content_text(m.get("content")) if isinstance(m, dict) else str(m) for m in messages]


def responses_prompt_texts(body: dict) -> list[str]:
    """`instructions` plus `input` (a string or a list of items) of a /responses request."""
    texts = [body["instructions"]] if isinstance(body.get("instructions"), str) else []
    given = body.get("input")
    if isinstance(given, list):
        return texts + [content_text(item) for item in given]
    return texts + [content_text(given)]


def messages_prompt_texts(body: dict) -> list[str]:
    """`system` plus `messages` of an Anthropic-format /messages request."""
    system = content_text(body.get("system"))
    return ([system] if system else []) + chat_prompt_texts(body.get("messages") or [])


def generated_text(digest: bytes) -> str:
    """Two to four short sentences picked by the digest."""
    stream = _expand(digest, 96)
    count = 10 + stream[0] % 30
    words = [WORDS[b % len(WORDS)] for b in stream[1:count + 1]]
    sentences, start = [], 0
    for n, byte in enumerate(stream[count + 1:count + 4]):
        end = count if n == 2 else min(count, start + 4 + byte % 9)
        if end > start:
            sentences.append(" ".join(words[start:end]).capitalize() + ".")
        start = end
    return " ".join(sentences)


def complete(digest: bytes, prompt_texts: list[str], endpoint: Endpoint,
             max_tokens: int | None) -> Completion:
    """The answer to a text request, cut to `max_tokens` (finish reason "length")."""
    text, finish = generated_text(digest), "stop"
    if max_tokens is not None and count_tokens(text) > max_tokens:
        text, finish = text[:max_tokens * CHARS_PER_TOKEN].rstrip(), "length"
    usage = priced(endpoint, prompt_tokens(prompt_texts), count_tokens(text))
    return Completion(text, finish, usage)


def priced(endpoint: Endpoint, prompt: int, completion: int, *, search_units: int = 0) -> Usage:
    """Usage at the endpoint's prices; `request` is charged per call (per search unit for rerank)."""
    requests = search_units or 1
    return Usage(prompt, completion, _usd(prompt * endpoint.price("prompt")),
                 _usd(completion * endpoint.price("completion")),
                 _usd(requests * endpoint.price("request")), search_units)


def text_deltas(text: str) -> list[str]:
    """The pieces a stream sends: one word (with its leading space) at a time."""
    return re.findall(r"\s*\S+", text) or [text]


def embedding_inputs(given: Any) -> list[str] | None:
    """The items to embed as text, or None when `input` has no shape the API accepts."""
    if isinstance(given, str):
        return [given]
    if not isinstance(given, list) or not given:
        return None
    if all(isinstance(item, (int, float)) and not isinstance(item, bool) for item in given):
        return [json.dumps(given)]  # one pre-tokenised input
    items = []
    for item in given:
        if isinstance(item, str):
            items.append(item)
        elif isinstance(item, list) or (isinstance(item, dict) and "content" in item):
            items.append(json.dumps(item, sort_keys=True))
        else:
            return None
    return items


def embedding_vector(model_id: str, text: str, dimensions: int) -> list[float]:
    """A unit vector derived from the model and the text."""
    seed = hashlib.sha256(f"{model_id}\0{dimensions}\0{text}".encode()).digest()
    raw = _expand(seed, dimensions * 2)
    values = [(int.from_bytes(raw[i:i + 2], "big") / 32767.5) - 1.0 for i in range(0, len(raw), 2)]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return [round(v / norm, 8) for v in values]


def base64_vector(vector: list[float]) -> str:
    """The `encoding_format: base64` form: little-endian float32s, as OpenAI sends them."""
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()


def rerank_scores(model_id: str, query: str, documents: list[str]) -> list[float]:
    """Relevance in [0, 1]: mostly word overlap with the query, plus a stable jitter."""
    query_words = set(re.findall(r"\w+", query.lower()))
    scores = []
    for document in documents:
        words = set(re.findall(r"\w+", document.lower()))
        overlap = len(query_words & words) / len(query_words) if query_words else 0.0
        jitter = hashlib.sha256(f"{model_id}\0{query}\0{document}".encode()).digest()[0] / 255
        scores.append(round(0.75 * overlap + 0.25 * jitter, 6))
    return scores


def search_units(document_count: int) -> int:
    return max(1, math.ceil(document_count / RERANK_DOCUMENTS_PER_SEARCH_UNIT))


def _usd(amount: float) -> float:
    """Dollars without float noise (prices have at most a dozen decimals)."""
    return round(amount, 12)


def _expand(seed: bytes, size: int) -> bytes:
    """`size` pseudo-random bytes from a seed (sha256 in counter mode)."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        counter += 1
    return bytes(out[:size])
