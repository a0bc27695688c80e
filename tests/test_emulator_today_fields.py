"""Fields and rules newer than the reference document, over loopback HTTP.

Source of each: API-NOTES "Newer than the reference spec" (official SDK `openrouter` models
of 2026-10) and, for content filters, the docs guide "guardrails". Every JSON answer is checked
against the official schema with today's fields required (tests/openapi_newer.py).
"""

from __future__ import annotations

import pytest

from tests.openapi_schema import validated_json

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Reply with OK"}]}


@pytest.fixture
def emulator(reset_emulator):
    return reset_emulator


def guardrail(api, status: int = 201, **body) -> dict:
    return validated_json(api.post("/guardrails", json={"name": "g", **body}), "/guardrails", status)


def test_key_objects_carry_external_user_and_last_used_at(api, emulator):
    """Key objects add `external_user` and `last_used_at` (nullable): null until the key is used."""
    created = validated_json(api.post("/keys", json={"name": "fresh"}), "/keys", 201)
    assert created["data"]["external_user"] is None and created["data"]["last_used_at"] is None
    emulator.http(created["key"]).post("/chat/completions", json=CHAT).raise_for_status()
    used = validated_json(api.get(f"/keys/{created['data']['hash']}"), "/keys/{hash}", 200)["data"]
    assert used["last_used_at"] is not None


def test_expired_keys_are_hidden_unless_include_expired(api, emulator):
    """`GET /keys` adds `include_expired` (expired keys hidden by default)."""
    key = validated_json(api.post("/keys", json={"name": "old"}), "/keys", 201)["data"]
    emulator.control("PATCH", f"/keys/{key['hash']}", {"expires_at": "2020-01-01T00:00:00Z"})
    hashes = lambda **p: [k["hash"] for k in validated_json(api.get("/keys", params=p), "/keys", 200)["data"]]
    assert key["hash"] not in hashes()
    assert key["hash"] in hashes(include_expired="true")


def test_guardrails_carry_data_regions_safety_retention_and_per_provider_zdr(api):
    """Guardrails add `allowed_data_regions`, `allow_safety_retention_google|other`; the
    deprecated `enforce_zdr` is copied into each per-provider ZDR flag not given."""
    made = guardrail(api, allowed_data_regions=["europe", "europe", "us"], allow_safety_retention_google=False,
                     enforce_zdr=True, enforce_zdr_xai=False)["data"]
    assert made["allowed_data_regions"] == ["europe", "us"]
    assert (made["allow_safety_retention_google"], made["allow_safety_retention_other"]) == (False, None)
    assert [made[f"enforce_zdr_{p}"] for p in ("anthropic", "google", "openai", "other", "xai")] == \
        [True, True, True, True, False]
    guardrail(api, 400, allowed_data_regions=["mars"])


def test_a_guardrail_budget_needs_a_reset_interval(api):
    """`limit_usd` must come with `reset_interval` (400 otherwise)."""
    refused = guardrail(api, 400, limit_usd=10)
    assert refused["error"]["metadata"]["issues"][0]["path"] == ["reset_interval"]
    made = guardrail(api, limit_usd=10, reset_interval="monthly")["data"]
    raised = api.patch(f"/guardrails/{made['id']}", json={"limit_usd": 20})  # keeps its interval
    assert validated_json(raised, "/guardrails/{id}", 200)["data"]["limit_usd"] == 20
    cleared = api.patch(f"/guardrails/{made['id']}", json={"limit_usd": 20, "reset_interval": None})
    validated_json(cleared, "/guardrails/{id}", 400)
    validated_json(api.patch(f"/guardrails/{made['id']}", json={"reset_interval": None}), "/guardrails/{id}", 400)
    unbudgeted = api.patch(f"/guardrails/{made['id']}", json={"limit_usd": None, "reset_interval": None})
    assert validated_json(unbudgeted, "/guardrails/{id}", 200)["data"]["limit_usd"] is None


@pytest.mark.parametrize("pattern", ["secret(?=key)", "(?<!x)token", "(?!a)b", "(?<=a)b", r"(a)\1",
                                     r"(?P<w>a)(?P=w)", r"(?<w>a)\k<w>"])
def test_content_filter_regexes_refuse_lookarounds_and_backreferences(api, pattern):
    """Docs guide "guardrails": custom regexes reject lookaheads, lookbehinds and backreferences
    (400, `invalid_regex_pattern`)."""
    refused = guardrail(api, 400, content_filters=[{"pattern": pattern, "action": "block"}])
    assert refused["error"]["metadata"]["error_type"] == "invalid_regex_pattern"
    assert refused["error"]["metadata"]["issues"][0]["path"] == ["content_filters", 0, "pattern"]


def test_content_filters_and_builtins_are_stored(api):
    made = guardrail(api, content_filters=[{"pattern": r"sk-[a-z]{4,}", "action": "redact"}],
                     content_filter_builtins=[{"slug": "credit-card", "action": "block", "label": "ignored"}])["data"]
    assert made["content_filters"] == [{"pattern": r"sk-[a-z]{4,}", "action": "redact", "label": None}]
    assert made["content_filter_builtins"] == [{"slug": "credit-card", "action": "block", "label": "[CREDIT_CARD]"}]
    guardrail(api, 400, content_filters=[{"pattern": "(unclosed", "action": "block"}])


def test_get_key_says_where_the_key_lives_and_its_free_model_allowance(emulator):
    """`GET /key` adds `workspace_id`, `organization_id`, `allowed_data_regions` and
    `free_model_daily_requests {limit, used, remaining}`."""
    secret = emulator.state.key_named("prod-backend").secret
    caller = emulator.http(secret)
    before = validated_json(caller.get("/key"), "/key", 200)["data"]
    caller.post("/chat/completions", json={**CHAT, "model": "meta-llama/llama-3.1-8b-instruct:free"}).raise_for_status()
    after = validated_json(caller.get("/key"), "/key", 200)["data"]
    assert after["free_model_daily_requests"]["used"] == before["free_model_daily_requests"]["used"] + 1
    assert after["free_model_daily_requests"]["remaining"] == \
        after["free_model_daily_requests"]["limit"] - after["free_model_daily_requests"]["used"]
    assert after["workspace_id"] == emulator.state.default_workspace_id
    assert after["organization_id"] == emulator.state.organization_id
    assert after["allowed_data_regions"] == ["global"]
