"""The client's surface: one method per spec endpoint, credentials, errors, models, secrets."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from orsync.api import errors as api_errors
from orsync.api.errors import (ForbiddenError, GoneError, InsecureBaseUrlError,
                               MissingCredentialError, NotFoundError, OutcomeUnknownError,
                               UnexpectedResponseError, ValidationError)
from orsync.api.models import CreatedKey, Guardrail, Key
from orsync.api.client import ENDPOINT_METHODS, OpenRouterClient
from orsync.errors import OrsyncError
from test_client_fakes import (FAKE_API_KEY, FAKE_MANAGEMENT_KEY, GUARDRAIL_ID, Script,
                               current_key_row, error_body, guardrail_row, key_assignment_row,
                               key_hash, key_row, make_client, member_assignment_row, member_row,
                               route_regex)

SPEC = Path(__file__).parent.parent / "spec" / "openrouter-api.lap"
SPEC_ENDPOINTS = [
    ("POST", "/responses"), ("POST", "/messages"), ("GET", "/activity"),
    ("POST", "/chat/completions"), ("GET", "/credits"), ("POST", "/credits/coinbase"),
    ("GET", "/generation"), ("GET", "/models/count"), ("GET", "/models"), ("GET", "/models/user"),
    ("GET", "/models/{author}/{slug}/endpoints"), ("GET", "/endpoints/zdr"), ("GET", "/providers"),
    ("GET", "/keys"), ("POST", "/keys"), ("PATCH", "/keys/{hash}"), ("DELETE", "/keys/{hash}"),
    ("GET", "/keys/{hash}"), ("GET", "/organization/members"), ("GET", "/guardrails"),
    ("POST", "/guardrails"), ("GET", "/guardrails/{id}"), ("PATCH", "/guardrails/{id}"),
    ("DELETE", "/guardrails/{id}"), ("GET", "/guardrails/assignments/keys"),
    ("GET", "/guardrails/assignments/members"), ("GET", "/guardrails/{id}/assignments/keys"),
    ("POST", "/guardrails/{id}/assignments/keys"), ("GET", "/guardrails/{id}/assignments/members"),
    ("POST", "/guardrails/{id}/assignments/members"),
    ("POST", "/guardrails/{id}/assignments/keys/remove"),
    ("POST", "/guardrails/{id}/assignments/members/remove"), ("GET", "/key"),
    ("POST", "/auth/keys"), ("POST", "/auth/keys/code"), ("POST", "/embeddings"),
    ("GET", "/embeddings/models"), ("POST", "/rerank"), ("GET", "/rerank/models"),
]
HASH = key_hash(0x3F2A)
CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}

# How each method is called in the table test, and which credential it must carry.
CALLS = {
    "list_keys": (), "get_key": (HASH,), "create_key": ({"name": "k"},),
    "update_key": (HASH, {"limit": None}), "delete_key": (HASH,),
    "list_guardrails": (), "get_guardrail": (GUARDRAIL_ID,), "create_guardrail": ({"name": "g"},),
    "update_guardrail": (GUARDRAIL_ID, {"limit_usd": 5}), "delete_guardrail": (GUARDRAIL_ID,),
    "list_key_assignments": (), "list_member_assignments": (),
    "list_guardrail_key_assignments": (GUARDRAIL_ID,),
    "list_guardrail_member_assignments": (GUARDRAIL_ID,),
    "assign_keys": (GUARDRAIL_ID, [HASH]), "unassign_keys": (GUARDRAIL_ID, [HASH]),
    "assign_members": (GUARDRAIL_ID, ["user_1"]), "unassign_members": (GUARDRAIL_ID, ["user_1"]),
    "list_members": (), "get_current_key": (), "get_credits": (), "coinbase_charge": (),
    "get_activity": (), "chat_completions": (CHAT,), "responses": ({"model": "m", "input": "hi"},),
    "messages": ({**CHAT, "max_tokens": 5},), "embeddings": ({"model": "m", "input": "hi"},),
    "rerank": ({"model": "m", "query": "q", "documents": ["a"]},), "get_generation": ("gen-1",),
    "list_user_models": (), "create_auth_code": ({"callback_url": "http://localhost:3000"},),
    "exchange_auth_code": ({"code": "abc"},), "list_models": (), "count_models": (),
    "get_model_endpoints": ("openai", "gpt-4o"), "list_providers": (), "list_zdr_endpoints": (),
    "list_embedding_models": (), "list_rerank_models": (),
}
MANAGEMENT_KEY_METHODS = {name for name in CALLS if name not in {
    "chat_completions", "responses", "messages", "embeddings", "rerank", "get_generation",
    "list_user_models", "create_auth_code", "exchange_auth_code", "coinbase_charge", "list_models",
    "count_models", "get_model_endpoints", "list_providers", "list_zdr_endpoints",
    "list_embedding_models", "list_rerank_models"}}
NO_KEY_METHODS = {"exchange_auth_code", "coinbase_charge"}

LISTED = {"data": [], "total_count": 0}
RESPONSES = {
    ("GET", "/keys"): {"data": [key_row(1)]},
    ("POST", "/keys"): {"data": key_row(1), "key": "sk-or-v1-fake-new-secret"},
    ("GET", "/keys/{hash}"): {"data": key_row(1)}, ("PATCH", "/keys/{hash}"): {"data": key_row(1)},
    ("DELETE", "/keys/{hash}"): {"deleted": True},
    ("GET", "/guardrails"): {"data": [guardrail_row()], "total_count": 1},
    ("POST", "/guardrails"): {"data": guardrail_row()},
    ("GET", "/guardrails/{id}"): {"data": guardrail_row()},
    ("PATCH", "/guardrails/{id}"): {"data": guardrail_row()},
    ("DELETE", "/guardrails/{id}"): {"deleted": True},
    ("GET", "/guardrails/assignments/keys"): {"data": [key_assignment_row(1)], "total_count": 1},
    ("GET", "/guardrails/assignments/members"): {"data": [member_assignment_row(1)], "total_count": 1},
    ("GET", "/guardrails/{id}/assignments/keys"): LISTED,
    ("GET", "/guardrails/{id}/assignments/members"): LISTED,
    ("POST", "/guardrails/{id}/assignments/keys"): {"assigned_count": 1},
    ("POST", "/guardrails/{id}/assignments/members"): {"assigned_count": 1},
    ("POST", "/guardrails/{id}/assignments/keys/remove"): {"unassigned_count": 1},
    ("POST", "/guardrails/{id}/assignments/members/remove"): {"unassigned_count": 1},
    ("GET", "/organization/members"): {"data": [member_row(1)], "total_count": 1},
    ("GET", "/key"): {"data": current_key_row()},
    ("GET", "/credits"): {"data": {"total_credits": 10, "total_usage": 2.5}},
    ("GET", "/activity"): {"data": []},
    ("GET", "/generation"): {"data": {"id": "gen-1"}},
    ("POST", "/auth/keys/code"): {"data": {"id": "code", "app_id": 1, "created_at": "now"}},
    ("POST", "/auth/keys"): {"key": "sk-or-v1-fake-pkce", "user_id": None},
    ("GET", "/models/count"): {"data": {"count": 3}},
    ("GET", "/models/{author}/{slug}/endpoints"): {"data": {"id": "openai/gpt-4o", "endpoints": []}},
}


def answer_by_route(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/api/v1")
    for (method, template) in SPEC_ENDPOINTS:
        if method == request.method and route_regex(template).match(path):
            if template == "/credits/coinbase":
                return httpx.Response(410, json=error_body(410, "Coinbase charges have been removed"))
            return httpx.Response(200, json=RESPONSES.get((method, template), {"data": [], "id": "x"}))
    return httpx.Response(404, json=error_body(404, "no route"))


def spec_endpoints() -> set[tuple[str, str]]:
    lines = SPEC.read_text().splitlines()
    return {tuple(line.split()[1:3]) for line in lines if line.startswith("@endpoint ")}


def test_every_spec_endpoint_has_a_method():
    endpoints = spec_endpoints()
    assert len(endpoints) == 39
    assert endpoints == set(SPEC_ENDPOINTS)
    assert set(ENDPOINT_METHODS) == endpoints, endpoints ^ set(ENDPOINT_METHODS)
    for name in ENDPOINT_METHODS.values():
        assert callable(getattr(OpenRouterClient, name, None)), name


@pytest.mark.parametrize("endpoint", sorted(ENDPOINT_METHODS), ids=" ".join)
def test_each_method_calls_its_endpoint_with_the_right_key(endpoint):
    name = ENDPOINT_METHODS[endpoint]
    script = Script(answer_by_route)
    with make_client(script) as client:
        try:
            getattr(client, name)(*CALLS[name])
        except GoneError:
            assert name == "coinbase_charge"
    request = script.requests[0]
    assert request.method == endpoint[0]
    assert route_regex(endpoint[1]).match(request.url.path.removeprefix("/api/v1"))
    expected = (None if name in NO_KEY_METHODS else
                FAKE_MANAGEMENT_KEY if name in MANAGEMENT_KEY_METHODS else FAKE_API_KEY)
    sent = request.headers.get("Authorization")
    assert sent == (f"Bearer {expected}" if expected else None)


def test_coinbase_charge_is_gone():
    with make_client(Script(answer_by_route)) as client, pytest.raises(GoneError) as caught:
        client.coinbase_charge()
    assert caught.value.status == 410
    assert str(caught.value) == "POST /credits/coinbase: 410 Coinbase charges have been removed"


def test_gone_without_a_message_says_gone():
    script = Script(httpx.Response(410, text=""))
    with make_client(script) as client, pytest.raises(GoneError, match=": 410 Gone$"):
        client.coinbase_charge()


def test_bodies_are_sent_as_given_null_clears_and_absent_is_not_sent():
    script = Script(httpx.Response(200, json={"data": key_row(1)}))
    with make_client(script) as client:
        client.update_key(HASH, {"limit": None, "disabled": True})
    assert json.loads(script.requests[0].content) == {"limit": None, "disabled": True}


def test_list_keys_asks_for_disabled_and_expired_keys():
    script = Script(httpx.Response(200, json={"data": [key_row(1)]}))
    with make_client(script) as client:
        client.list_keys()
    params = script.requests[0].url.params
    assert (params["include_disabled"], params["include_expired"], params["offset"]) == ("true", "true", "0")


def test_path_ids_are_escaped():
    script = Script(httpx.Response(404, json=error_body(404, "Not found")))
    with make_client(script) as client, pytest.raises(NotFoundError):
        client.get_key("../credits")
    assert script.requests[0].url.raw_path == b"/api/v1/keys/..%2Fcredits"


def test_assigning_nothing_sends_nothing():
    script = Script(answer_by_route)
    with make_client(script) as client:
        assert client.assign_keys(GUARDRAIL_ID, []) == 0
        assert client.unassign_members(GUARDRAIL_ID, iter(())) == 0
    assert client.request_count == 0


# --- credentials and base URLs -------------------------------------------------------------------

@pytest.mark.parametrize("url", ["http://openrouter.ai/api/v1", "http://10.0.0.5:8080/api/v1",
                                 "http://localhost.evil.test/api/v1", "ftp://127.0.0.1/api/v1"])
def test_plain_http_is_refused_off_this_machine(url):
    with pytest.raises(InsecureBaseUrlError) as caught:
        OpenRouterClient(url, management_key=FAKE_MANAGEMENT_KEY)
    assert isinstance(caught.value, OrsyncError)
    assert "https" in str(caught.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/api/v1", "http://127.8.9.10/api/v1",
                                 "http://localhost:1/api/v1", "http://[::1]:8080/api/v1",
                                 "https://openrouter.ai/api/v1/"])
def test_https_and_loopback_http_are_accepted(url):
    with OpenRouterClient(url) as client:
        assert client.base_url == url.rstrip("/")


def test_management_call_without_a_management_key_fails_before_sending():
    script = Script(answer_by_route)
    with make_client(script, management_key=None) as client:
        with pytest.raises(MissingCredentialError, match="OPENROUTER_MANAGEMENT_KEY"):
            client.list_keys()
    assert script.requests == []


def test_inference_never_falls_back_to_the_management_key():
    script = Script(answer_by_route)
    with make_client(script, api_key=None) as client:
        with pytest.raises(MissingCredentialError, match="OPENROUTER_API_KEY"):
            client.chat_completions(CHAT)
        client.chat_completions(CHAT, api_key="sk-or-v1-fake-per-call")
        client.list_models()  # public: sent without any key
    assert [request.headers.get("Authorization") for request in script.requests] == [
        "Bearer sk-or-v1-fake-per-call", None]


def test_from_env_reads_the_three_variables(monkeypatch):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", FAKE_MANAGEMENT_KEY)
    monkeypatch.setenv("OPENROUTER_API_KEY", FAKE_API_KEY)
    monkeypatch.setenv("OPENROUTER_BASE_URL", "http://127.0.0.1:9/api/v1")
    with OpenRouterClient.from_env() as client:
        assert (client.base_url, client.has_management_key, client.has_api_key) == (
            "http://127.0.0.1:9/api/v1", True, True)
    with OpenRouterClient.from_env("https://example.test/api/v1", api_key=None) as client:
        assert (client.base_url, client.has_api_key) == ("https://example.test/api/v1", False)
    monkeypatch.delenv("OPENROUTER_BASE_URL")
    with OpenRouterClient.from_env() as client:
        assert client.base_url == "https://openrouter.ai/api/v1"


def test_repr_and_str_of_the_client_hide_the_keys():
    with make_client(Script(answer_by_route)) as client:
        shown = repr(client) + str(client)
    assert FAKE_MANAGEMENT_KEY not in shown and FAKE_API_KEY not in shown
    assert "management_key=set" in shown


# --- errors --------------------------------------------------------------------------------------

def test_error_str_is_one_line_with_a_short_path():
    body = error_body(400, "Too small: expected number to be >0\n  at limit", {"field": "limit"})
    script = Script(httpx.Response(400, json=body))
    with make_client(script) as client, pytest.raises(ValidationError) as caught:
        client.update_key(HASH, {"limit": -1})
    error = caught.value
    assert str(error) == "PATCH /keys/0000…: 400 Too small: expected number to be >0 at limit"
    assert (error.method, error.path, error.status) == ("PATCH", f"/keys/{HASH}", 400)
    assert error.metadata == {"field": "limit"}


def test_guardrail_ids_are_shortened_too():
    script = Script(httpx.Response(404, json=error_body(404, "Guardrail not found")))
    with make_client(script) as client, pytest.raises(NotFoundError) as caught:
        client.list_guardrail_key_assignments(GUARDRAIL_ID)
    assert str(caught.value) == "GET /guardrails/550e8400…/assignments/keys: 404 Guardrail not found"


@pytest.mark.parametrize(("status", "body", "kind", "message"), [
    (400, {"error": {"code": "400", "message": "Bad input"}}, ValidationError, "Bad input"),
    (422, {"error": "Unprocessable"}, ValidationError, "Unprocessable"),
    (401, error_body(401, "Missing Authentication header"), api_errors.AuthenticationError,
     "Missing Authentication header"),
    (402, error_body(402, "Insufficient credits"), api_errors.PaymentRequiredError, "Insufficient credits"),
    (403, {"type": "error", "error": {"type": "permission_error", "message": "Request blocked by guardrail"}},
     ForbiddenError, "Request blocked by guardrail"),
    (404, "<html><head><title>404 Not Found</title></head><body>nginx</body></html>", NotFoundError,
     "404 Not Found nginx"),
    (409, error_body(409, "Conflict"), api_errors.ApiError, "Conflict"),
    (502, "upstream connect error", api_errors.ServerError, "upstream connect error"),
    (524, "", api_errors.ServerError, "<none>"),
    (500, {"error": {"code": 500, "message": "Leaked sk-or-v1-0123456789abcdef0123 here"}},
     api_errors.ServerError, "Leaked sk-or-… here"),
])
def test_error_bodies_of_any_shape_give_a_typed_error(status, body, kind, message):
    response = (httpx.Response(status, json=body) if isinstance(body, dict)
                else httpx.Response(status, text=body))
    with make_client(Script(response), max_attempts=1) as client, pytest.raises(kind) as caught:
        client.messages(CHAT)
    error = caught.value
    assert type(error) is kind and error.status == status
    expected = httpx.codes.get_reason_phrase(status) if message == "<none>" else message
    assert error.message == expected
    assert "\n" not in str(error)


def test_forbidden_knows_when_a_guardrail_blocked_the_request():
    blocked = ForbiddenError("POST", "/chat/completions", 403, "Request blocked: model not allowed")
    refused = ForbiddenError("GET", "/keys", 403, "Only management keys can perform this operation")
    assert blocked.blocked_by_guardrail and not refused.blocked_by_guardrail


def test_a_success_that_is_not_json_is_an_unexpected_response():
    with make_client(Script(httpx.Response(200, text="<html>maintenance</html>"))) as client:
        with pytest.raises(UnexpectedResponseError,
                           match="^GET /credits: unexpected response: body is not JSON$"):
            client.get_credits()


def test_a_created_key_whose_answer_is_unreadable_is_an_unknown_outcome():
    """The key exists but its secret never arrived: the caller must go and find it."""
    script = Script(httpx.Response(201, json={"data": {"hash": HASH}, "key": "sk-or-v1-fake-new"}))
    with make_client(script) as client, pytest.raises(OutcomeUnknownError) as caught:
        client.create_key({"name": "k"})
    assert "sk-or-v1-fake-new" not in str(caught.value)
    assert len(script.requests) == 1


# --- models --------------------------------------------------------------------------------------

def test_created_key_secret_is_hidden_and_unknown_fields_are_kept():
    payload = {"data": key_row(1, last_used_at="2026-05-01T00:00:00Z"), "key": "sk-or-v1-fake-new-secret"}
    script = Script(httpx.Response(201, json=payload))
    with make_client(script) as client:
        created = client.create_key({"name": "key-1"})
    assert isinstance(created, CreatedKey) and isinstance(created.key, SecretStr)
    assert created.key.get_secret_value() == "sk-or-v1-fake-new-secret"
    shown = repr(created) + str(created) + created.model_dump_json()
    assert "sk-or-v1-fake-new-secret" not in shown
    assert created.data.model_extra == {"last_used_at": "2026-05-01T00:00:00Z"}


def test_key_and_guardrail_models_follow_the_reference_schema():
    key = Key.model_validate(key_row(1, expires_at="2027-06-30T00:00:00Z", limit=0))
    assert key.limit == 0 and key.expires_at.isoformat() == "2027-06-30T00:00:00+00:00"
    guardrail = Guardrail.model_validate(guardrail_row(allowed_models=["openai/gpt-4o-mini"],
                                                       content_filters=[{"pattern": "x", "action": "block"}]))
    assert guardrail.allowed_models == ["openai/gpt-4o-mini"]
    assert guardrail.content_filters[0].action == "block"
    with pytest.raises(Exception):
        Key.model_validate({"hash": HASH})


def test_no_log_line_holds_a_secret_while_creating_a_key(caplog):
    payload = {"data": key_row(1), "key": "sk-or-v1-fake-new-secret-value"}
    script = Script(httpx.Response(429, headers={"Retry-After": "1"}, json=error_body(429, "slow down")),
                    httpx.Response(201, json=payload))
    with caplog.at_level(logging.DEBUG):
        with make_client(script) as client:
            client.create_key({"name": "key-1"})
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert "POST /keys -> 201 (attempt 2" in text
    for secret in (FAKE_MANAGEMENT_KEY, FAKE_API_KEY, "sk-or-v1-fake-new-secret-value"):
        assert secret not in text
    assert not re.search(r"authorization", text, re.IGNORECASE)


# --- streaming -----------------------------------------------------------------------------------

def sse(*events: str) -> httpx.Response:
    return httpx.Response(200, headers={"Content-Type": "text/event-stream"},
                          content="".join(events).encode())


def test_a_chat_stream_yields_parsed_events_until_done():
    script = Script(sse(": OPENROUTER PROCESSING\n\n",
                        'data: {"choices": [{"delta": {"content": "O"}}]}\n\n',
                        'data: {"choices": [{"delta": {"content": "K"}}]}\n\n',
                        "data: [DONE]\n\n", 'data: {"after": "done"}\n\n'))
    with make_client(script) as client:
        events = list(client.stream_chat_completions(CHAT))
    assert [event["choices"][0]["delta"]["content"] for event in events] == ["O", "K"]
    assert json.loads(script.requests[0].content)["stream"] is True


def test_an_anthropic_stream_yields_each_event_once():
    script = Script(sse("event: message_start\n", 'data: {"type": "message_start"}\n\n',
                        "event: message_stop\n", 'data: {"type": "message_stop"}\n'))
    with make_client(script) as client:
        events = list(client.stream_messages({**CHAT, "max_tokens": 5}))
    assert [event["type"] for event in events] == ["message_start", "message_stop"]


def test_a_blocked_stream_raises_before_the_first_event():
    body = error_body(403, "Request blocked by guardrail: model not allowed")
    with make_client(Script(httpx.Response(403, json=body))) as client:
        with pytest.raises(ForbiddenError) as caught:
            client.stream_chat_completions(CHAT)
    assert caught.value.blocked_by_guardrail


def test_streaming_bodies_need_the_stream_method():
    with make_client(Script(answer_by_route)) as client, pytest.raises(ValueError, match="stream_"):
        client.chat_completions({**CHAT, "stream": True})
