"""Inference: POST /chat/completions, /responses, /messages, /embeddings and /rerank.

Every call goes through the same gate, in the order the real API applies its checks: the key
must be enabled and unexpired (401), the body well-formed (400), the key's limit unspent (402),
the model known (400), the governing guardrails must allow the model and some provider (403
"Request blocked ..."), their budgets unspent (403), and the caller's provider preferences
must leave an endpoint (404). A call that passes is answered deterministically, charged to
the key and the org, and recorded for GET /generation and GET /activity.

/messages speaks Anthropic's format, errors included (`errors="anthropic"`), and also takes the
key from `x-api-key`, as Anthropic's SDKs send it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orsync.emulator.inference import bodies, fakes, payloads
from orsync.emulator.inference.ledger import (
    Served, charge, check_budgets, check_key_limit,
)
from orsync.emulator.inference.budgets import governing_guardrails
from orsync.emulator.inference.payloads import Answer
from orsync.emulator.store.records import KeyRecord
from orsync.emulator.routes.catalog import catalog
from orsync.emulator.routes.dispatch import ApiFailure, Call, EmulatorResponse, route
from orsync.emulator.inference.routing import (
    Choice, GuardrailBlock, NoEndpoint, Policy, UnknownModel, choose, requested_models,
)

ROUTES: list = []


@dataclass(frozen=True)
class Admitted:
    """A call that passed every check: who pays and what answers."""

    key: KeyRecord
    choice: Choice
    now: datetime


@route("POST", "/chat/completions", auth="inference")
def chat_completions(call: Call) -> EmulatorResponse:
    body, answer = answer_text(call, bodies.chat, lambda b: fakes.chat_prompt_texts(b["messages"]),
                               "max_completion_tokens", "max_tokens")
    if body.get("stream"):
        return sse(payloads.chat_stream(answer), answer.id)
    return json_answer(payloads.chat_completion(answer), answer.id)


@route("POST", "/responses", auth="inference")
def responses(call: Call) -> EmulatorResponse:
    body, answer = answer_text(call, bodies.responses, fakes.responses_prompt_texts,
                               "max_output_tokens")
    if body.get("stream"):
        return sse(payloads.response_stream(answer, body), answer.id)
    return json_answer(payloads.response_object(answer, body), answer.id)


@route("POST", "/messages", auth="inference", errors="anthropic")
def messages(call: Call) -> EmulatorResponse:
    body, answer = answer_text(call, bodies.messages, fakes.messages_prompt_texts, "max_tokens")
    if body.get("stream"):
        return sse(payloads.message_stream(answer), answer.id)
    return json_answer(payloads.message_object(answer), answer.id)


@route("POST", "/embeddings", auth="inference")
def embeddings(call: Call) -> EmulatorResponse:
    body, admitted = admit(call, "embeddings", bodies.embeddings)
    model, endpoint = admitted.choice.model, admitted.choice.endpoint
    texts = fakes.embedding_inputs(body["input"]) or []
    size = body.get("dimensions") or model.embedding_dimensions or 1536
    vectors = [fakes.embedding_vector(model.id, text, size) for text in texts]
    tokens = sum(fakes.count_tokens(text) for text in texts)
    usage = fakes.priced(endpoint, tokens, 0)
    answer = book(call, admitted, fakes.Completion("", "stop", usage), "embeddings", body)
    encode: Callable[[list[float]], Any] = (
        fakes.base64_vector if body.get("encoding_format") == "base64" else list)
    return json_answer({
        "id": answer.id, "object": "list", "model": model.id, "provider": endpoint.provider.name,
        "data": [{"object": "embedding", "index": n, "embedding": encode(v)}
                 for n, v in enumerate(vectors)],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens, "cost": usage.cost,
                  "is_byok": False, "cost_details": payloads.cost_details(usage)},
    }, answer.id)


@route("POST", "/rerank", auth="inference")
def rerank(call: Call) -> EmulatorResponse:
    body, admitted = admit(call, "rerank", bodies.rerank)
    model, endpoint = admitted.choice.model, admitted.choice.endpoint
    documents = bodies.rerank_documents(body)
    scores = fakes.rerank_scores(model.id, body["query"], documents)
    ranked = sorted(range(len(documents)), key=lambda n: (-scores[n], n))[:body.get("top_n")]
    tokens = fakes.count_tokens(body["query"]) + sum(map(fakes.count_tokens, documents))
    units = fakes.search_units(len(documents))
    usage = fakes.priced(endpoint, tokens, 0, search_units=units)
    answer = book(call, admitted, fakes.Completion("", "stop", usage), "rerank", body)
    return json_answer({
        "id": answer.id, "model": model.id, "provider": endpoint.provider.name,
        "results": [{"index": n, "relevance_score": scores[n], "document": {"text": documents[n]}}
                    for n in ranked],
        "usage": {"total_tokens": tokens, "search_units": units, "cost": usage.cost},
    }, answer.id)


# --- the gate ------------------------------------------------------------------------------

def answer_text(call: Call, read_body: Callable[[Call], dict],
                prompt_texts: Callable[[dict], list[str]], *max_token_fields: str) -> tuple[dict, Answer]:
    """A text call admitted, answered and charged: its body and its answer."""
    body, admitted = admit(call, "text", read_body)
    completion = fakes.complete(
        fakes.request_digest(body, admitted.choice.model.id), prompt_texts(body),
        admitted.choice.endpoint, bodies.max_tokens(body, *max_token_fields))
    return body, book(call, admitted, completion, "completions", body)


def admit(call: Call, output: str, read_body: Callable[[Call], dict]) -> tuple[dict, Admitted]:
    """The checked body and who pays for what answers; ApiFailure with the real status when a
    check fails. `output` is what the model must produce (text, embeddings, rerank)."""
    now = call.now
    key = usable_key(call.caller, now)
    body = read_body(call)
    check_key_limit(key, now)
    governing = governing_guardrails(call.state, key)
    try:
        choice = choose(catalog(call), requested_models(body), body.get("provider"),
                        Policy.of(g for _, g in governing), output)
    except UnknownModel as exc:
        raise ApiFailure(400, str(exc)) from None
    except GuardrailBlock as exc:
        raise ApiFailure(403, str(exc), {"guardrail_ids": exc.guardrail_ids}) from None
    except NoEndpoint as exc:
        raise ApiFailure(404, str(exc)) from None
    check_budgets(call.state, key, now)
    return body, Admitted(key, choice, now)


def usable_key(key: KeyRecord, now: datetime) -> KeyRecord:
    """The caller, unless disabled or expired: the real API answers 401 for both."""
    if key.disabled:
        raise ApiFailure(401, "API key is disabled")
    if key.is_expired(now):
        raise ApiFailure(401, "API key has expired")
    return key


def book(call: Call, admitted: Admitted, completion: fakes.Completion, api_type: str,
         body: dict) -> Answer:
    """Charge the call and give it its generation id."""
    choice = admitted.choice
    served = Served(model=choice.model, endpoint=choice.endpoint, api_type=api_type,
                    streamed=bool(body.get("stream")) and api_type == "completions",
                    finish_reason=completion.finish_reason if api_type == "completions" else None,
                    origin=call.headers.get("http-referer", ""),
                    user_agent=call.headers.get("user-agent"),
                    external_user=body.get("user") if isinstance(body.get("user"), str) else None,
                    session_id=body.get("session_id") if isinstance(body.get("session_id"), str) else None)
    generation_id = charge(call.state, admitted.key, completion.usage, served, admitted.now)
    return Answer(generation_id, int(admitted.now.timestamp()), choice.model.id,
                  choice.endpoint.provider.name, completion)


def json_answer(payload: dict, generation_id: str) -> EmulatorResponse:
    return EmulatorResponse.json(200, payload, {"x-generation-id": generation_id})


def sse(chunks: list[bytes], generation_id: str) -> EmulatorResponse:
    response = EmulatorResponse.stream(chunks)
    response.headers["x-generation-id"] = generation_id
    return response
