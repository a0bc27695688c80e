"""The request bodies of the inference endpoints, checked with the real API's (zod's) messages.

Unlike the management bodies (`validation.validate_body`, strict), these accept fields the
emulator does not model: the inference APIs take dozens of options, and an unknown one is
passed through to providers, not refused. Only what shapes an answer is checked.
"""

from __future__ import annotations

from orsync.emulator.inference import fakes
from orsync.emulator.routes.dispatch import Call, json_type_name
from orsync.emulator.routes.validation import fail, invalid_option, missing, too_small, wrong_type

MAX_TOKEN_FIELDS = ("max_tokens", "max_completion_tokens", "max_output_tokens")


def chat(call: Call) -> dict:
    return _text(call)


def messages(call: Call) -> dict:
    return _text(call, model_required=True)


def responses(call: Call) -> dict:
    body = call.json_body()
    _check_type(body, "input", ("string", "array"))
    _check_common(body)
    return body


def embeddings(call: Call) -> dict:
    body = call.json_body()
    _check_type(body, "model", ("string",), required=True)
    if fakes.embedding_inputs(body.get("input")) is None:
        raise fail(["input"], "Invalid input: expected string, array of strings, array of numbers "
                              "or array of token arrays")
    if "encoding_format" in body and body["encoding_format"] not in ("float", "base64"):
        raise invalid_option(["encoding_format"], ("float", "base64"))
    _check_positive_integer(body, "dimensions")
    return body


def rerank(call: Call) -> dict:
    body = call.json_body()
    _check_type(body, "model", ("string",), required=True)
    _check_type(body, "query", ("string",), required=True)
    rerank_documents(body)
    _check_positive_integer(body, "top_n")
    return body


def rerank_documents(body: dict) -> list[str]:
    """The texts to rank: strings, or `{"text": ...}` objects."""
    _check_type(body, "documents", ("array",), required=True)
    documents = []
    for n, item in enumerate(body["documents"]):
        text = item.get("text") if isinstance(item, dict) else item
        if not isinstance(text, str):
            raise fail(["documents", n], "Invalid input: expected string or {text}")
        documents.append(text)
    if not documents:
        raise too_small(["documents"], "array to have >=1 items")
    return documents


def max_tokens(body: dict, *names: str) -> int | None:
    """The first of the named token caps the body sets."""
    return next((body[n] for n in names if body.get(n) is not None), None)


def _text(call: Call, *, model_required: bool = False) -> dict:
    body = call.json_body()
    _check_type(body, "model", ("string",), required=model_required)
    _check_type(body, "messages", ("array",), required=True)
    if not body["messages"]:
        raise too_small(["messages"], "array to have >=1 items")
    for n, message in enumerate(body["messages"]):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            raise missing(["messages", n, "role"], "string")
    _check_common(body)
    return body


def _check_common(body: dict) -> None:
    _check_type(body, "models", ("array",))
    _check_type(body, "stream", ("boolean",))
    _check_type(body, "provider", ("object",))
    for name in MAX_TOKEN_FIELDS:
        _check_positive_integer(body, name)


def _check_type(body: dict, name: str, kinds: tuple[str, ...], *, required: bool = False) -> None:
    """`name` holds one of the JSON kinds; null passes for an optional field."""
    if name not in body:
        if required:
            raise missing([name], kinds[0])
        return
    if json_type_name(body[name]) not in kinds and not (body[name] is None and not required):
        raise wrong_type([name], kinds[0], body[name])


def _check_positive_integer(body: dict, name: str) -> None:
    value = body.get(name)
    if value is None:
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise wrong_type([name], "int", value)
    if value < 1:
        raise too_small([name], "number to be >=1")
