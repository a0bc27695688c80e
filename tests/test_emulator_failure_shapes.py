"""The real API's failure shapes, each asked for through the control surface, over loopback.

Sources: API-NOTES "Failure shapes the real API produces" (docs "limits", "errors",
"streaming"; OpenRouterTeam/python-sdk issue 44; Terraform provider
guardrailkeyassignment_resource.go). Every JSON answer is checked against the official schema.
"""

from __future__ import annotations

import json

import httpx
import pytest

from tests.openapi_schema import validated_json

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me a story"}]}


@pytest.fixture
def emulator(reset_emulator):
    return reset_emulator


@pytest.fixture
def caller(emulator):
    return emulator.http(emulator.state.key_named("prod-backend").secret)


def queue(emulator, shape: str, **options) -> None:
    emulator.control("POST", "/failures", {"shape": shape, **options})


def events(text: str) -> list[dict]:
    return [json.loads(line[6:]) for line in text.splitlines()
            if line.startswith("data: {")]


def test_a_management_key_on_inference_gets_401_user_not_found(emulator):
    """API-NOTES: "A management key on an inference endpoint gets 401 "User not found" (a real
    trace), not 403"."""
    refused = emulator.http().post("/chat/completions", json=CHAT)
    assert validated_json(refused, "/chat/completions", 401)["error"]["message"] == "User not found"


def test_429_carries_the_rate_limit_headers_and_error_type(api, emulator):
    """API-NOTES: 429 carries X-RateLimit-Limit/-Remaining/-Reset and error.metadata.error_type
    "rate_limit_exceeded"; Retry-After only sometimes; successes carry no rate-limit headers."""
    queue(emulator, "rate_limited", path="/keys")
    queue(emulator, "rate_limited_no_retry_after", path="/keys")
    for with_retry_after in (True, False):
        limited = api.get("/keys")
        body = validated_json(limited, "/keys", 429)
        assert body["error"]["metadata"]["error_type"] == "rate_limit_exceeded"
        assert {"x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset"} <= set(limited.headers)
        assert limited.headers["x-ratelimit-remaining"] == "0"
        assert ("retry-after" in limited.headers) is with_retry_after
    served = api.get("/keys")
    validated_json(served, "/keys", 200)
    assert not any(name.startswith("x-ratelimit") for name in served.headers)


def test_503_carries_retry_after(caller, emulator):
    """API-NOTES: "503 may carry Retry-After"."""
    queue(emulator, "unavailable", path="/chat/completions")
    refused = caller.post("/chat/completions", json=CHAT)
    validated_json(refused, "/chat/completions", 503)
    assert refused.headers["retry-after"] == "1"
    validated_json(caller.post("/chat/completions", json=CHAT), "/chat/completions", 200)  # once only


def test_an_error_arrives_after_the_stream_has_started(caller, emulator):
    """API-NOTES: errors can arrive after a stream has started: a `data:` chunk whose choice has
    `finish_reason: "error"` and an `error` object (docs "streaming")."""
    queue(emulator, "error_mid_stream")
    streamed = caller.post("/chat/completions", json={**CHAT, "stream": True})
    assert streamed.status_code == 200
    chunks = events(streamed.text)
    assert chunks[0]["choices"][0]["delta"]["content"]  # text had begun
    assert chunks[-1]["choices"][0]["finish_reason"] == "error"
    assert chunks[-1]["error"]["message"] == "Provider disconnected unexpectedly"
    whole = caller.post("/chat/completions", json={**CHAT, "stream": True})
    assert events(whole.text)[-1]["choices"][0]["finish_reason"] != "error"


@pytest.mark.parametrize(("path", "body", "failed"), [
    ("/responses", {"model": "openai/gpt-4o-mini", "input": "hi", "stream": True},
     lambda events: events[-1]["type"] == "response.failed" and events[-1]["response"]["status"] == "failed"),
    ("/messages", {"model": "anthropic/claude-3.5-haiku", "max_tokens": 50, "stream": True,
                   "messages": [{"role": "user", "content": "hi"}]},
     lambda events: events[-1]["type"] == "error"),
])
def test_the_other_streaming_apis_fail_mid_stream_in_their_own_shape(caller, emulator, path, body, failed):
    queue(emulator, "error_mid_stream", path=path)
    streamed = caller.post(path, json=body)
    assert streamed.status_code == 200 and failed(events(streamed.text))


def test_an_error_inside_a_200_body(caller, emulator):
    """API-NOTES: errors can arrive, rarely, inside a 200 body (docs "errors"; python-sdk #44)."""
    queue(emulator, "error_in_200")
    answered = caller.post("/chat/completions", json=CHAT)
    assert answered.status_code == 200
    body = answered.json()
    assert body["error"]["code"] == 502 and body["choices"][0]["finish_reason"] == "error"


def test_assignment_pages_come_back_short_after_a_key_deletion(api, emulator):
    """API-NOTES: "Assignment listings drop rows of deleted keys after paging: pages come back
    short while total_count still counts them. Stop on total_count and on an empty page."""
    guardrail = api.post("/guardrails", json={"name": "many"}).json()["data"]
    hashes = [api.post("/keys", json={"name": f"k{n}"}).json()["data"]["hash"] for n in range(5)]
    api.post(f"/guardrails/{guardrail['id']}/assignments/keys", json={"key_hashes": hashes}).raise_for_status()
    emulator.control("POST", "/failures", {"switch": "short_assignment_pages", "enabled": True})
    for key_hash in hashes[:2]:
        api.delete(f"/keys/{key_hash}").raise_for_status()
    path = f"/guardrails/{guardrail['id']}/assignments/keys"
    first = validated_json(api.get(path, params={"offset": 0, "limit": 3}), "/guardrails/{id}/assignments/keys", 200)
    assert first["total_count"] == 5 and len(first["data"]) == 1  # a short page, more to come
    second = validated_json(api.get(path, params={"offset": 3, "limit": 3}), "/guardrails/{id}/assignments/keys", 200)
    assert {r["key_hash"] for r in first["data"] + second["data"]} == set(hashes[2:])
    assert validated_json(api.get(path, params={"offset": 6}), "/guardrails/{id}/assignments/keys", 200)["data"] == []


def test_unknown_shapes_are_refused_by_the_control_surface(emulator):
    with pytest.raises(httpx.HTTPStatusError) as refused:
        emulator.control("POST", "/failures", {"shape": "gremlins"})
    assert refused.value.response.status_code == 400
    assert "unknown failure shape" in refused.value.response.text
