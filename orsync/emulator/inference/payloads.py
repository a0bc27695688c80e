"""The bodies and server-sent event streams of the three text APIs, in their real shapes.

- Chat completions: one JSON object; streamed as `data: {chunk}` lines after a
  `: OPENROUTER PROCESSING` comment, a finish chunk, a usage chunk that repeats the finish
  reason (as OpenRouter sends it), then `data: [DONE]`.
- Responses: one `response` object; streamed as `data: {event}` lines (`response.created` ...
  `response.completed`, each with a `sequence_number`), then `data: [DONE]`.
- Messages (Anthropic format): one `message` object; streamed as `event: NAME` + `data:` pairs
  from `message_start` to `message_stop`, with no `[DONE]`.

Streams are built whole before the first byte goes out: the handler holds the state lock,
the server writes the chunks after it is released.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from orsync.emulator.inference.fakes import Completion, Usage, text_deltas

PROCESSING_COMMENT = b": OPENROUTER PROCESSING\n\n"
DONE = b"data: [DONE]\n\n"


@dataclass(frozen=True)
class Answer:
    """One generated answer and who gave it."""

    id: str
    created: int
    model: str
    provider_name: str
    completion: Completion


def sse_data(payload: dict) -> bytes:
    return b"data: " + json.dumps(payload).encode() + b"\n\n"


def sse_event(payload: dict) -> bytes:
    return f"event: {payload['type']}\n".encode() + sse_data(payload)


def cost_details(usage: Usage) -> dict:
    """What the call cost upstream, in the prompt/completions terms chat, messages and
    embeddings use (responses says input/output)."""
    return {"upstream_inference_cost": None, "upstream_inference_prompt_cost": usage.prompt_cost,
            "upstream_inference_completions_cost": usage.completion_cost}


# --- chat completions ----------------------------------------------------------------------

def chat_usage(usage: Usage) -> dict:
    return {"prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
            "total_tokens": usage.total_tokens, "cost": usage.cost, "is_byok": False,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0,
                                      "audio_tokens": 0, "video_tokens": 0},
            "cost_details": cost_details(usage),
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0}}


def chat_completion(answer: Answer) -> dict:
    finish = answer.completion.finish_reason
    return {
        "id": answer.id, "provider": answer.provider_name, "model": answer.model,
        "object": "chat.completion", "created": answer.created,
        "choices": [{"logprobs": None, "finish_reason": finish, "native_finish_reason": finish,
                     "index": 0, "message": {"role": "assistant", "content": answer.completion.text,
                                             "refusal": None, "reasoning": None}}],
        "system_fingerprint": None,
        "usage": chat_usage(answer.completion.usage),
    }


def chat_stream(answer: Answer) -> list[bytes]:
    finish = answer.completion.finish_reason

    def chunk(content: str, finish_reason: str | None, **extra) -> bytes:
        return sse_data({
            "id": answer.id, "provider": answer.provider_name, "model": answer.model,
            "object": "chat.completion.chunk", "created": answer.created,
            "choices": [{"index": 0, "delta": {"role": "assistant", "content": content},
                         "finish_reason": finish_reason, "native_finish_reason": finish_reason,
                         "logprobs": None}],
            **extra,
        })

    pieces = [chunk(piece, None) for piece in text_deltas(answer.completion.text)]
    return [PROCESSING_COMMENT, *pieces, chunk("", finish),
            chunk("", finish, usage=chat_usage(answer.completion.usage)), DONE]


# --- responses -----------------------------------------------------------------------------

def response_object(answer: Answer, request: dict, *, done: bool = True) -> dict:
    """The `response` object; `done=False` is its in-progress form that streams start with."""
    completion = answer.completion
    incomplete = completion.finish_reason == "length"
    status = ("incomplete" if incomplete else "completed") if done else "in_progress"
    body = {
        "id": answer.id, "object": "response", "created_at": answer.created,
        "completed_at": answer.created if done else None, "model": answer.model,
        "status": status,
        "output": [response_message(answer, done)] if done else [],
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if done and incomplete else None,
        "instructions": request.get("instructions"),
        "metadata": request.get("metadata") or {},
        "tools": request.get("tools") or [],
        "tool_choice": request.get("tool_choice", "auto"),
        "parallel_tool_calls": request.get("parallel_tool_calls", True),
        "temperature": request.get("temperature"), "top_p": request.get("top_p"),
        "presence_penalty": request.get("presence_penalty"),
        "frequency_penalty": request.get("frequency_penalty"),
        "top_logprobs": request.get("top_logprobs", 0),
        "max_output_tokens": request.get("max_output_tokens"), "max_tool_calls": None,
        "previous_response_id": None, "reasoning": None, "service_tier": None,
        "store": False, "truncation": "disabled", "text": {"format": {"type": "text"}},
        "user": request.get("user"), "background": False,
    }
    if done:  # usage is absent, not null, until the response completes
        body["usage"] = response_usage(completion.usage)
    return body


def response_usage(usage: Usage) -> dict:
    return {"input_tokens": usage.prompt_tokens, "input_tokens_details": {"cached_tokens": 0},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": usage.total_tokens,
            "cost": usage.cost, "is_byok": False,
            "cost_details": {"upstream_inference_cost": None,
                             "upstream_inference_input_cost": usage.prompt_cost,
                             "upstream_inference_output_cost": usage.completion_cost}}


def response_message(answer: Answer, done: bool) -> dict:
    return {"type": "message", "id": _message_item_id(answer), "role": "assistant",
            "status": "completed" if done else "in_progress",
            "content": [output_text(answer.completion.text)] if done else []}


def output_text(text: str) -> dict:
    return {"type": "output_text", "text": text, "annotations": [], "logprobs": []}


def response_stream(answer: Answer, request: dict) -> list[bytes]:
    item_id = _message_item_id(answer)
    text = answer.completion.text
    where = {"item_id": item_id, "output_index": 0, "content_index": 0}
    events = [
        {"type": "response.created", "response": response_object(answer, request, done=False)},
        {"type": "response.in_progress", "response": response_object(answer, request, done=False)},
        {"type": "response.output_item.added", "output_index": 0,
         "item": response_message(answer, done=False)},
        {"type": "response.content_part.added", **where, "part": output_text("")},
        *({"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
          for piece in text_deltas(text)),
        {"type": "response.output_text.done", **where, "text": text, "logprobs": []},
        {"type": "response.content_part.done", **where, "part": output_text(text)},
        {"type": "response.output_item.done", "output_index": 0,
         "item": response_message(answer, done=True)},
        {"type": "response.completed", "response": response_object(answer, request)},
    ]
    return [sse_data({**event, "sequence_number": n}) for n, event in enumerate(events)] + [DONE]


def _message_item_id(answer: Answer) -> str:
    return "msg_" + answer.id.rsplit("-", 1)[-1]


# --- messages (Anthropic format) -----------------------------------------------------------

def anthropic_usage(usage: Usage, *, output_tokens: int | None = None) -> dict:
    return {"input_tokens": usage.prompt_tokens,
            "output_tokens": usage.completion_tokens if output_tokens is None else output_tokens,
            "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
            "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
            "inference_geo": None, "output_tokens_details": None, "server_tool_use": None,
            "service_tier": "standard"}


def stop_reason(completion: Completion) -> str:
    return "max_tokens" if completion.finish_reason == "length" else "end_turn"


def message_object(answer: Answer, *, done: bool = True) -> dict:
    completion = answer.completion
    usage = anthropic_usage(completion.usage, output_tokens=None if done else 0)
    if done:
        usage.update(cost=completion.usage.cost, is_byok=False,
                     cost_details=cost_details(completion.usage))
    return {
        "id": answer.id, "type": "message", "role": "assistant", "container": None,
        "content": [{"type": "text", "text": completion.text, "citations": None}] if done else [],
        "model": answer.model, "provider": answer.provider_name,
        "stop_reason": stop_reason(completion) if done else None, "stop_details": None,
        "stop_sequence": None, "usage": usage,
    }


def message_stream(answer: Answer) -> list[bytes]:
    completion = answer.completion
    start = message_object(answer, done=False)
    start.pop("provider")  # message_start names no provider in the reference spec
    events = [
        {"type": "message_start", "message": start},
        {"type": "content_block_start", "index": 0,
         "content_block": {"type": "text", "text": "", "citations": None}},
        {"type": "ping"},
        *({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": piece}}
          for piece in text_deltas(completion.text)),
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta",
         "delta": {"stop_reason": stop_reason(completion), "stop_sequence": None,
                   "container": None, "stop_details": None},
         "usage": anthropic_usage(completion.usage)},
        {"type": "message_stop"},
    ]
    return [sse_event(event) for event in events]
