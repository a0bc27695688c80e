"""Inference on the emulator: deterministic answers, streams, routing, every enforcement rule,
and the ledger (key usage, credits, /generation, /activity).

Pure functions are tested directly (with explicit clocks for usage windows); endpoints over
loopback HTTP against the session's emulator, reset to the default seed before each test.
"""

from __future__ import annotations

import base64
import json
import math
import struct
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from orsync.emulator.inference import fakes, ledger
from orsync.emulator.catalog.entries import catalog_of
from orsync.emulator.faults.injector import FAULT_MESSAGES
from orsync.emulator.inference.fakes import Usage
from orsync.emulator.routes.dispatch import ApiFailure
from orsync.emulator.inference.routing import GuardrailBlock, NoEndpoint, Policy, UnknownModel, choose
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.testing import RunningEmulator
from tests.openapi_schema import validate_response

HELLO = [{"role": "user", "content": "Reply with OK"}]
MINI = {"model": "openai/gpt-4o-mini", "messages": HELLO}
LLAMA = {"model": "meta-llama/llama-3.1-8b-instruct", "messages": HELLO}
CAROL = "user_2dHFtCarolMember0000000003"  # assigned to the ci-policy guardrail in the seed
BOB = "user_2dHFtBobMember000000000002"


# --- fixtures ---------------------------------------------------------------------------------

class Org:
    """The session's emulator, reset to its seed, with clients per key (made once per secret)."""

    def __init__(self, emulator: RunningEmulator, clients: dict[str, httpx.Client]) -> None:
        self.emulator = emulator
        self.state = emulator.state
        self._clients = clients

    def as_key(self, secret: str) -> httpx.Client:
        if secret not in self._clients:
            self._clients[secret] = self.emulator.http(secret)
        return self._clients[secret]

    def key(self, name: str) -> httpx.Client:
        return self.as_key(self.state.key_named(name).secret)

    @property
    def management(self) -> httpx.Client:
        return self.as_key(self.emulator.management_key)

    def new_key(self, name: str, **body) -> dict:
        created = self.management.post("/keys", json={"name": name, **body})
        assert created.status_code == 201, created.text
        return created.json()

    def new_guardrail(self, **body) -> str:
        created = self.management.post("/guardrails", json={"name": "test-guardrail", **body})
        assert created.status_code == 201, created.text
        return created.json()["data"]["id"]

    def assign(self, guardrail_id: str, key_hash: str) -> None:
        answer = self.management.post(f"/guardrails/{guardrail_id}/assignments/keys",
                                      json={"key_hashes": [key_hash]})
        assert answer.json() == {"assigned_count": 1}


@pytest.fixture(scope="module")
def clients() -> Iterator[dict[str, httpx.Client]]:
    made: dict[str, httpx.Client] = {}
    yield made
    for client in made.values():
        client.close()


@pytest.fixture
def org(session_emulator, clients) -> Org:
    session_emulator.reset()
    return Org(session_emulator, clients)


def sse_data(text: str) -> list:
    """The `data:` payloads of a stream, `[DONE]` kept as the string."""
    payloads = []
    for line in text.splitlines():
        if line.startswith("data: "):
            value = line[len("data: "):]
            payloads.append(value if value == "[DONE]" else json.loads(value))
    return payloads


def error_of(response: httpx.Response) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["message"]


# --- pure functions ---------------------------------------------------------------------------

def test_digest_ignores_delivery_and_routing_fields_only():
    base = fakes.request_digest(MINI, "openai/gpt-4o-mini")
    assert base == fakes.request_digest({**MINI, "stream": True, "provider": {"order": ["azure"]},
                                             "user": "u1"}, "openai/gpt-4o-mini")
    assert base != fakes.request_digest({**MINI, "temperature": 0.2}, "openai/gpt-4o-mini")
    assert base != fakes.request_digest(MINI, "openai/gpt-4o")


def test_completion_is_cut_at_max_tokens():
    endpoint = catalog_of(None).model("openai/gpt-4o-mini").endpoints[0]
    digest = fakes.request_digest(MINI, "openai/gpt-4o-mini")
    full = fakes.complete(digest, ["Reply with OK"], endpoint, None)
    cut = fakes.complete(digest, ["Reply with OK"], endpoint, 3)
    assert full.finish_reason == "stop" and cut.finish_reason == "length"
    assert cut.usage.completion_tokens <= 3 < full.usage.completion_tokens
    assert full.text.startswith(cut.text)
    assert full.usage.cost == pytest.approx(full.usage.prompt_tokens * 1.5e-07
                                            + full.usage.completion_tokens * 6e-07)


def test_embedding_vectors_are_stable_unit_vectors():
    one = fakes.embedding_vector("openai/text-embedding-3-small", "hello", 64)
    assert one == fakes.embedding_vector("openai/text-embedding-3-small", "hello", 64)
    assert one != fakes.embedding_vector("openai/text-embedding-3-small", "hello!", 64)
    assert math.isclose(math.sqrt(sum(v * v for v in one)), 1.0, abs_tol=1e-6)
    decoded = struct.unpack("<64f", base64.b64decode(fakes.base64_vector(one)))
    assert decoded == pytest.approx(one, abs=1e-6)


def test_rerank_scores_follow_word_overlap():
    scores = fakes.rerank_scores("cohere/rerank-v3.5", "red apple",
                                     ["blue sky", "red apple pie", "apple"])
    assert scores[1] > scores[2] > scores[0]
    assert fakes.search_units(100) == 1 and fakes.search_units(101) == 2


class Rule:
    def __init__(self, gid="g", allowed_models=None, allowed_providers=None, ignored_providers=None,
                 enforce_zdr=False) -> None:
        self.id, self.allowed_models, self.allowed_providers = gid, allowed_models, allowed_providers
        self.ignored_providers, self.enforce_zdr = ignored_providers, enforce_zdr


def test_guardrails_combine_strictest_wins():
    policy = Policy.of([Rule("a", allowed_providers=["openai", "azure", "anthropic"],
                             ignored_providers=["azure"]),
                        Rule("b", allowed_models=["openai/gpt-4o-mini"],
                             allowed_providers=["OpenAI", "azure"])])
    # one allow-list per guardrail, each of which must admit a provider: openai passes both
    assert policy.allowed_providers == (frozenset({"openai", "azure", "anthropic"}), frozenset({"openai", "azure"}))
    assert policy.ignored_providers == {"azure"}
    catalog = catalog_of(None)
    choice = choose(catalog, ["openai/gpt-4o-mini"], None, policy)
    assert choice.endpoint.provider.slug == "openai" and not choice.fallbacks
    with pytest.raises(GuardrailBlock, match="^Request blocked by guardrail: model openai/gpt-4o is not"):
        choose(catalog, ["openai/gpt-4o"], None, policy)
    zdr = Policy.of([Rule(enforce_zdr=True)])
    assert choose(catalog, ["google/gemini-2.5-flash"], None, zdr).endpoint.provider.slug == "google-vertex"
    with pytest.raises(GuardrailBlock, match="no zero-data-retention endpoint serves mistralai/mistral"):
        choose(catalog, ["mistralai/mistral-small"], None, zdr)


def test_provider_preferences_pick_the_endpoint():
    catalog, free = catalog_of(None), Policy()

    def served(preferences):
        return choose(catalog, ["meta-llama/llama-3.1-8b-instruct"], preferences, free).endpoint.provider.slug

    assert served(None) == "deepinfra"  # cheapest first
    assert served({"order": ["Together", "groq"]}) == "together"
    assert served({"only": ["groq", "together"]}) == "groq"
    assert served({"ignore": ["deepinfra"]}) == "groq"
    assert served({"zdr": True}) == "groq"
    assert served({"sort": "throughput"}) in {"deepinfra", "groq", "together"}
    assert served({"order": ["openai"]}) == "deepinfra"  # order falls back to the others
    with pytest.raises(NoEndpoint):
        served({"order": ["openai"], "allow_fallbacks": False})
    with pytest.raises(UnknownModel, match="^nobody/nothing is not a valid model ID$"):
        choose(catalog, ["nobody/nothing"], None, free)
    with pytest.raises(UnknownModel, match="does not produce embeddings"):
        choose(catalog, ["openai/gpt-4o"], None, free, "embeddings")


def test_fallback_models_skip_a_blocked_first_choice():
    policy = Policy.of([Rule(allowed_models=["anthropic/claude-3.5-haiku"])])
    choice = choose(catalog_of(None), ["openai/gpt-4o", "anthropic/claude-3.5-haiku"], None, policy)
    assert choice.model.id == "anthropic/claude-3.5-haiku"


def test_usage_windows_roll_when_a_window_turns():
    state = EmulatorState.from_seed({"keys": [{"name": "k", "limit": 1, "limit_reset": "daily"}]})
    key = state.key_named("k")
    endpoint = catalog_of(None).model("openai/gpt-4o").endpoints[0]
    served = ledger.Served(catalog_of(None).model("openai/gpt-4o"), endpoint, "completions", False, "stop")
    sunday = datetime(2026, 3, 29, 23, 0, tzinfo=timezone.utc)
    ledger.charge(state, key, Usage(10, 10, 0.6, 0.4), served, sunday)
    assert (key.usage, key.usage_daily, key.usage_weekly, key.usage_monthly) == (1.0, 1.0, 1.0, 1.0)
    with pytest.raises(ApiFailure) as refused:
        ledger.check_key_limit(key, sunday + timedelta(minutes=30))
    assert refused.value.status == 402
    assert refused.value.message.startswith("Key limit exceeded (daily limit)")
    assert refused.value.metadata["resets_at"] == "2026-03-30T00:00:00.000Z"
    monday = sunday + timedelta(hours=2)
    ledger.check_key_limit(key, monday)  # a new day: the daily limit is fresh again
    assert (key.usage, key.usage_daily, key.usage_weekly, key.usage_monthly) == (1.0, 0.0, 0.0, 1.0)
    key.roll_windows(datetime(2026, 4, 1, tzinfo=timezone.utc))
    assert key.usage_monthly == 0.0 and key.usage == 1.0


def test_activity_reports_completed_days_per_model_and_endpoint():
    state = EmulatorState.from_seed({"keys": [{"name": "a", "creator_user_id": None}, {"name": "b"}]})
    model = catalog_of(None).model("openai/gpt-4o-mini")
    openai, azure = model.endpoints
    day = datetime(2026, 5, 10, 12, tzinfo=timezone.utc)
    for key_name, endpoint, when in [("a", openai, day), ("b", openai, day), ("a", azure, day),
                                     ("a", openai, day + timedelta(days=1))]:
        served = ledger.Served(model, endpoint, "completions", False, "stop")
        ledger.charge(state, state.key_named(key_name), Usage(5, 7, 0.01, 0.02), served, when)
    report = ledger.activity_report(state, day + timedelta(days=1))
    assert [(r["date"], r["provider_name"], r["requests"]) for r in report] == [
        ("2026-05-10", "OpenAI", 2), ("2026-05-10", "Azure", 1)]  # today's call is not in
    assert report[0]["prompt_tokens"] == 10 and report[0]["usage"] == pytest.approx(0.06)
    later = ledger.activity_report(state, day + timedelta(days=2), api_key_hash=state.key_named("a").hash)
    assert [(r["date"], r["provider_name"], r["requests"]) for r in later] == [
        ("2026-05-11", "OpenAI", 1), ("2026-05-10", "OpenAI", 1), ("2026-05-10", "Azure", 1)]
    assert ledger.activity_report(state, day + timedelta(days=40)) == []  # older than 30 days


# --- answers ----------------------------------------------------------------------------------

def test_same_request_same_answer_and_streams_say_the_same(org):
    ci = org.key("ci-smoke")
    first = ci.post("/chat/completions", json=MINI).json()
    second = ci.post("/chat/completions", json=MINI).json()
    hi = [{"role": "user", "content": "Hi"}]
    other = ci.post("/chat/completions", json={**MINI, "messages": hi}).json()
    text = first["choices"][0]["message"]["content"]
    assert text == second["choices"][0]["message"]["content"] != other["choices"][0]["message"]["content"]
    assert first["id"] != second["id"] and first["id"].startswith("gen-")
    streamed = ci.post("/chat/completions", json={**MINI, "stream": True})
    assert streamed.headers["content-type"].startswith("text/event-stream")
    assert streamed.text.startswith(": OPENROUTER PROCESSING")
    chunks = sse_data(streamed.text)
    assert chunks[-1] == "[DONE]"
    assert "".join(c["choices"][0]["delta"]["content"] for c in chunks[:-1]) == text
    assert [c["choices"][0]["finish_reason"] for c in chunks[-3:-1]] == ["stop", "stop"]
    assert chunks[-2]["usage"] == first["usage"]
    assert streamed.headers["x-generation-id"] == chunks[0]["id"]


def test_responses_answer_and_stream(org):
    ci = org.key("ci-smoke")
    body = {"model": "openai/gpt-4o-mini", "input": "Reply with OK", "max_output_tokens": 500}
    answer = ci.post("/responses", json=body).json()
    text = answer["output"][0]["content"][0]["text"]
    assert (answer["object"], answer["status"], answer["max_output_tokens"]) == ("response", "completed", 500)
    events = sse_data(ci.post("/responses", json={**body, "stream": True}).text)
    assert events[-1] == "[DONE]"
    kinds = [e["type"] for e in events[:-1]]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done",
                          "response.output_item.done", "response.completed"]
    assert [e["sequence_number"] for e in events[:-1]] == list(range(len(kinds)))
    assert "".join(e["delta"] for e in events if e != "[DONE]" and e["type"].endswith(".delta")) == text
    assert events[-2]["response"]["usage"]["output_tokens"] == answer["usage"]["output_tokens"]


def test_messages_answer_in_anthropic_format_and_stream_named_events(org):
    ci = org.key("ci-smoke")
    body = {"model": "anthropic/claude-3.5-haiku", "messages": HELLO, "max_tokens": 2}
    answer = ci.post("/messages", json=body).json()
    assert (answer["type"], answer["role"], answer["stop_reason"]) == ("message", "assistant", "max_tokens")
    assert answer["usage"]["output_tokens"] <= 2
    streamed = ci.post("/messages", json={**body, "stream": True}).text
    names = [line[len("event: "):] for line in streamed.splitlines() if line.startswith("event: ")]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert "[DONE]" not in streamed
    deltas = [e["delta"]["text"] for e in sse_data(streamed) if e["type"] == "content_block_delta"]
    assert "".join(deltas) == answer["content"][0]["text"]


def test_messages_accept_x_api_key_and_answer_errors_in_anthropic_format(org):
    secret = org.state.key_named("ci-smoke").secret
    raw = httpx.Client(base_url=org.emulator.base_url, verify=False)
    try:
        body = {"model": "anthropic/claude-3.5-haiku", "messages": HELLO}
        assert raw.post("/messages", json=body, headers={"x-api-key": secret}).status_code == 200
        missing = raw.post("/messages", json=body).json()
        assert missing == {"type": "error", "request_id": None, "error": {
            "type": "authentication_error", "message": "Missing Authentication header",
            "error_type": "authentication"}}
        management = raw.post("/messages", json=body,
                              headers={"authorization": f"Bearer {org.emulator.management_key}"})
        assert (management.status_code, management.json()["error"]["type"]) == (401, "authentication_error")
    finally:
        raw.close()
    blocked = org.key("ci-smoke").post("/messages", json={**body, "model": "anthropic/claude-sonnet-4"})
    assert blocked.status_code == 403
    assert blocked.json()["error"]["type"] == "permission_error"
    assert blocked.json()["error"]["message"].startswith("Request blocked")


def test_messages_answers_wrong_methods_and_every_fault_in_anthropic_format(org):
    ci = org.key("ci-smoke")
    wrong_method = ci.get("/messages")
    assert wrong_method.status_code == 405
    assert wrong_method.json()["error"]["type"] == "invalid_request_error"
    validate_response("/messages", "POST", 400, wrong_method.json())  # 405 is not documented
    for kind in FAULT_MESSAGES:  # the next test's reset turns faults off again
        org.emulator.set_faults(1.0, kinds=[kind])
        failed = ci.post("/messages", json={**MINI, "model": "anthropic/claude-3.5-haiku"})
        assert (failed.status_code, failed.json()["type"]) == (int(kind), "error")
        assert failed.json()["error"]["message"] == FAULT_MESSAGES[kind]
        validate_response("/messages", "POST", 500, failed.json())  # one schema for all
        chat = ci.post("/chat/completions", json=MINI)
        assert chat.json()["error"]["code"] == int(kind)  # OpenRouter's format elsewhere


def test_embeddings_are_deterministic_with_the_dimensions_asked(org):
    prod = org.key("prod-backend")
    body = {"model": "openai/text-embedding-3-small", "input": ["alpha", "beta"]}
    first = prod.post("/embeddings", json=body).json()
    assert [len(d["embedding"]) for d in first["data"]] == [1536, 1536]
    assert prod.post("/embeddings", json=body).json()["data"] == first["data"]
    small = prod.post("/embeddings", json={**body, "dimensions": 8}).json()
    assert [len(d["embedding"]) for d in small["data"]] == [8, 8]
    assert first["usage"]["cost"] == pytest.approx(first["usage"]["prompt_tokens"] * 2e-08)
    assert prod.post("/embeddings", json={**body, "model": "openai/gpt-4o"}).status_code == 400


def test_rerank_orders_by_relevance_and_charges_search_units(org):
    answer = org.key("prod-backend").post("/rerank", json={
        "model": "cohere/rerank-v3.5", "query": "red apple",
        "documents": ["blue sky", "red apple pie", {"text": "apple tart"}], "top_n": 2}).json()
    assert [r["index"] for r in answer["results"]] == [1, 2]
    assert answer["results"][0]["document"] == {"text": "red apple pie"}
    assert answer["usage"]["search_units"] == 1 and answer["usage"]["cost"] == pytest.approx(0.002)
    assert answer["provider"] == "Cohere"


def test_provider_preferences_and_fallback_models_choose_who_answers(org):
    prod = org.key("prod-backend")
    assert prod.post("/chat/completions", json=LLAMA).json()["provider"] == "DeepInfra"
    assert prod.post("/chat/completions", json={**LLAMA, "provider": {"order": ["together"]}}).json()[
        "provider"] == "Together"
    assert prod.post("/chat/completions", json={**LLAMA, "provider": {"ignore": ["DeepInfra"]}}).json()[
        "provider"] == "Groq"
    none_left = prod.post("/chat/completions", json={
        **LLAMA, "provider": {"order": ["azure"], "allow_fallbacks": False}})
    assert error_of(none_left) == (404, "No allowed providers are available for the selected model.")
    fallback = org.key("ci-smoke").post("/chat/completions", json={
        "model": "openai/gpt-4o", "models": ["anthropic/claude-3.5-haiku"], "messages": HELLO}).json()
    assert (fallback["model"], fallback["provider"]) == ("anthropic/claude-3.5-haiku", "Anthropic")
    assert error_of(prod.post("/chat/completions", json={**MINI, "model": "openai/gpt-5o"})) == (
        400, "openai/gpt-5o is not a valid model ID")


# --- enforcement ------------------------------------------------------------------------------

def test_disabled_and_expired_keys_are_refused_with_401(org):
    created = org.new_key("soon-gone")
    client = org.as_key(created["key"])
    assert client.post("/chat/completions", json=MINI).status_code == 200
    org.management.patch(f"/keys/{created['data']['hash']}", json={"disabled": True})
    assert error_of(client.post("/chat/completions", json=MINI)) == (401, "API key is disabled")
    assert client.post("/chat/completions", json={}).status_code == 401  # before the body is read
    org.management.patch(f"/keys/{created['data']['hash']}", json={"disabled": False})
    with org.state.lock:
        org.state.keys[created["data"]["hash"]].expires_at = "2020-01-01T00:00:00Z"
    assert error_of(client.post("/embeddings", json={
        "model": "openai/text-embedding-3-small", "input": "x"})) == (401, "API key has expired")


def test_management_keys_cannot_call_inference(org):
    """API-NOTES "Failure shapes": a management key on inference gets 401 "User not found"."""
    assert org.management.post("/chat/completions", json=MINI).status_code == 401
    assert org.management.post("/rerank", json={
        "model": "cohere/rerank-v3.5", "query": "q", "documents": ["d"]}).status_code == 401


def test_a_spent_key_limit_answers_402_until_raised(org):
    created = org.new_key("tight", limit=0.0001, limit_reset="daily")
    client = org.as_key(created["key"])
    body = {"model": "openai/gpt-4o", "messages": HELLO}
    assert client.post("/chat/completions", json=body).status_code == 200  # $0.0003 > $0.0001
    refused = client.post("/chat/completions", json=body)
    status, message = error_of(refused)
    assert (status, message) == (402, "Key limit exceeded (daily limit). Manage it using "
                                      "https://openrouter.ai/settings/keys")
    assert refused.json()["error"]["metadata"]["limit_source"] == "openrouter_key_limit"
    assert client.get("/key").json()["data"]["limit_remaining"] == 0
    org.management.patch(f"/keys/{created['data']['hash']}", json={"limit": None})
    assert client.post("/chat/completions", json=body).status_code == 200


def test_guardrail_blocks_models_providers_and_ignored_providers(org):
    created = org.new_key("guarded")
    client = org.as_key(created["key"])
    guardrail = org.new_guardrail(allowed_providers=["anthropic"])
    org.assign(guardrail, created["data"]["hash"])
    status, message = error_of(client.post("/chat/completions", json=MINI))
    assert status == 403 and message.startswith("Request blocked")
    haiku = {**MINI, "model": "anthropic/claude-3.5-haiku"}
    assert client.post("/chat/completions", json=haiku).status_code == 200
    org.management.patch(f"/guardrails/{guardrail}", json={
        "allowed_providers": None, "ignored_providers": ["openai", "azure"]})
    status, message = error_of(client.post("/responses", json={"model": "openai/gpt-4o", "input": "x"}))
    assert status == 403 and message.startswith("Request blocked")
    org.management.patch(f"/guardrails/{guardrail}", json={"ignored_providers": None,
                                                           "allowed_models": ["mistralai/mistral-small"]})
    mistral = {**MINI, "model": "mistralai/mistral-small"}
    assert client.post("/chat/completions", json=mistral).status_code == 200
    assert client.post("/chat/completions", json=LLAMA).status_code == 403


def test_a_members_guardrail_governs_the_keys_they_created(org):
    carols = org.as_key(org.new_key("carol-key", creator_user_id=CAROL)["key"])
    bobs = org.as_key(org.new_key("bob-key", creator_user_id=BOB)["key"])
    body = {"model": "openai/gpt-4o", "messages": HELLO}
    status, message = error_of(carols.post("/chat/completions", json=body))
    assert status == 403 and message.startswith("Request blocked")  # ci-policy, through Carol
    assert bobs.post("/chat/completions", json=body).status_code == 200


def test_guardrail_budgets_count_per_key_and_per_member(org):
    budget = org.new_guardrail(limit_usd=0.0001, reset_interval="daily")
    first = org.new_key("bob-1", creator_user_id=BOB)
    second = org.new_key("bob-2", creator_user_id=BOB)
    org.assign(budget, first["data"]["hash"])
    body = {"model": "openai/gpt-4o", "messages": HELLO}
    assert org.as_key(first["key"]).post("/chat/completions", json=body).status_code == 200
    refused = org.as_key(first["key"]).post("/chat/completions", json=body)
    assert refused.status_code == 403
    assert refused.json()["error"]["message"].startswith("Budget limit exceeded")
    assert refused.json()["error"]["metadata"]["limit_source"] == "openrouter_guardrail_budget"
    assert org.as_key(second["key"]).post("/chat/completions", json=body).status_code == 200  # own budget
    org.management.post(f"/guardrails/{budget}/assignments/keys/remove",
                        json={"key_hashes": [first["data"]["hash"]]})
    org.management.post(f"/guardrails/{budget}/assignments/members", json={"member_user_ids": [BOB]})
    refused = org.as_key(second["key"]).post("/chat/completions", json=body)
    assert refused.status_code == 403  # Bob's keys together spent the member budget
    assert refused.json()["error"]["metadata"]["scope"] == "member"


# --- ledger -----------------------------------------------------------------------------------

def test_each_call_is_charged_to_the_key_the_org_and_a_generation(org):
    ci = org.key("ci-smoke")
    key = org.state.key_named("ci-smoke")
    before = (key.usage, key.usage_daily, org.state.credits.total_usage)
    answer = ci.post("/chat/completions", json={**MINI, "user": "end-user-7"})
    cost = answer.json()["usage"]["cost"]
    assert cost > 0
    assert key.usage == pytest.approx(before[0] + cost) and key.usage_daily == pytest.approx(before[1] + cost)
    assert org.state.credits.total_usage == pytest.approx(before[2] + cost)
    mine = ci.get("/key").json()["data"]
    assert mine["usage_daily"] == pytest.approx(before[1] + cost)
    record = ci.get("/generation", params={"id": answer.headers["x-generation-id"]}).json()["data"]
    assert (record["total_cost"], record["provider_name"], record["model"]) == (
        cost, "OpenAI", "openai/gpt-4o-mini")
    assert (record["external_user"], record["api_type"], record["streamed"]) == (
        "end-user-7", "completions", False)
    assert org.management.get("/generation", params={"id": record["id"]}).status_code == 200
    assert org.management.get("/credits").json()["data"]["total_usage"] == pytest.approx(before[2] + cost)


def test_refused_calls_cost_nothing(org):
    key = org.state.key_named("ci-smoke")
    before = (key.usage, len(org.state.generations), len(org.state.activity))
    blocked = org.key("ci-smoke").post("/chat/completions", json={**MINI, "model": "openai/gpt-4o"})
    assert blocked.status_code == 403
    assert (key.usage, len(org.state.generations), len(org.state.activity)) == before


def test_activity_shows_yesterdays_calls_with_filters(org):
    prod, ci = org.key("prod-backend"), org.key("ci-smoke")
    prod.post("/chat/completions", json=MINI).raise_for_status()
    prod.post("/chat/completions", json=MINI).raise_for_status()
    ci.post("/chat/completions", json=MINI).raise_for_status()
    prod.post("/embeddings", json={"model": "openai/text-embedding-3-small", "input": "x"}).raise_for_status()
    assert org.management.get("/activity").json() == {"data": []}  # today is not a completed day
    yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
    with org.state.lock:
        for row in org.state.activity:
            row["date"] = yesterday
    rows = org.management.get("/activity").json()["data"]
    by_model = {r["model"]: r for r in rows}
    assert by_model["openai/gpt-4o-mini"]["requests"] == 3
    assert by_model["openai/text-embedding-3-small"]["requests"] == 1
    assert by_model["openai/gpt-4o-mini"]["date"] == yesterday
    prod_hash = org.state.key_named("prod-backend").hash
    only_prod = org.management.get("/activity", params={"api_key_hash": prod_hash, "date": yesterday}).json()
    assert {r["model"]: r["requests"] for r in only_prod["data"]} == {
        "openai/gpt-4o-mini": 2, "openai/text-embedding-3-small": 1}
    by_user = org.management.get("/activity", params={"user_id": BOB}).json()
    assert by_user == {"data": []}
    assert org.key("ci-smoke").get("/activity").status_code == 403
