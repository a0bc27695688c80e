"""The client against the real emulator over loopback HTTP: each management method family,
credentials, faults and pagination through a real socket."""

from __future__ import annotations

import logging

import pytest

from orsync.api.errors import (AuthenticationError, ForbiddenError, NotFoundError,
                               OutcomeUnknownError, ServerError, ValidationError)

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Reply with OK"}]}


def test_keys_create_read_update_delete(emulator):
    client = emulator.client()
    created = client.create_key({"name": "client-test", "limit": 5, "limit_reset": "daily",
                                 "expires_at": "2030-01-01T00:00:00Z"})
    key = created.data
    assert created.key.get_secret_value().startswith("sk-or-v1-")
    assert (key.name, key.limit, key.limit_reset, key.expires_at.year) == ("client-test", 5, "daily", 2030)
    assert client.get_key(key.hash) == key

    updated = client.update_key(key.hash, {"limit": None, "disabled": True})
    assert (updated.limit, updated.disabled, updated.limit_reset) == (None, True, "daily")
    listed = {live.hash: live for live in client.list_keys()}
    assert listed[key.hash].disabled  # disabled keys are listed too

    client.delete_key(key.hash)
    with pytest.raises(NotFoundError):
        client.get_key(key.hash)
    assert key.hash not in {live.hash for live in client.list_keys()}


def test_guardrails_create_read_update_delete(emulator):
    client = emulator.client()
    guardrail = client.create_guardrail({"name": "client-test", "limit_usd": 3, "reset_interval": "daily",
                                         "allowed_models": ["openai/gpt-4o-mini"]})
    assert client.get_guardrail(guardrail.id).name == "client-test"
    updated = client.update_guardrail(guardrail.id, {"allowed_models": ["openai/gpt-4o"],
                                                     "description": None})
    assert updated.allowed_models == ["openai/gpt-4o"] and updated.limit_usd == 3
    assert guardrail.id in {live.id for live in client.list_guardrails()}
    with pytest.raises(ValidationError, match=r"^PATCH /guardrails/\w{8}…: 400 .*>0"):
        client.update_guardrail(guardrail.id, {"limit_usd": 0})
    client.delete_guardrail(guardrail.id)
    with pytest.raises(NotFoundError):
        client.get_guardrail(guardrail.id)


def test_assignments_move_list_and_remove(emulator):
    client = emulator.client()
    first, second = (client.create_guardrail({"name": name}) for name in ("first", "second"))
    key = client.create_key({"name": "assigned"}).data
    member = client.list_members()[0]

    assert client.assign_keys(first.id, [key.hash]) == 1
    assert client.assign_keys(second.id, [key.hash]) == 1  # a key holds one guardrail: it moves
    assert [row.key_hash for row in client.list_guardrail_key_assignments(second.id)] == [key.hash]
    assert client.list_guardrail_key_assignments(first.id) == []
    org_wide = {(row.key_hash, row.guardrail_id) for row in client.list_key_assignments()}
    assert (key.hash, second.id) in org_wide and (key.hash, first.id) not in org_wide

    assert client.assign_members(first.id, [member.id]) == 1
    assert [row.user_id for row in client.list_guardrail_member_assignments(first.id)] == [member.id]
    assert member.id in {row.user_id for row in client.list_member_assignments()}

    assert client.assign_keys(first.id, ["0" * 64]) == 0  # unknown hashes are skipped with 200
    assert client.unassign_keys(second.id, [key.hash]) == 1
    assert client.unassign_members(first.id, [member.id]) == 1
    assert client.list_guardrail_member_assignments(first.id) == []


def test_members_credits_and_current_key(emulator):
    client = emulator.client()
    members = client.list_members()
    assert {member.email for member in members} >= {"alice@example.com"}
    assert client.get_current_key().is_management_key
    credits = client.get_credits()
    assert credits.total_credits >= credits.total_usage >= 0


def test_listing_250_keys_with_3_disabled_over_http(make_emulator):
    seed = {"keys": [{"name": f"key-{n}", "disabled": n in (3, 100, 200)} for n in range(250)]}
    emulator = make_emulator(seed)
    client = emulator.client()
    keys = client.list_keys()
    assert len(keys) == 250 and sum(key.disabled for key in keys) == 3
    assert emulator.request_counts()["GET /keys"] == 3


def test_wrong_and_non_management_keys_are_refused(emulator):
    owner = emulator.client()
    inference_key = owner.create_key({"name": "inference"}).key.get_secret_value()
    with pytest.raises(AuthenticationError):
        emulator.client(management_key="sk-or-v1-fake-wrong-key").list_keys()
    with pytest.raises(ForbiddenError, match="Only management keys"):
        emulator.client(management_key=inference_key).list_keys()
    assert owner.get_current_key(api_key=inference_key).is_management_key is False


def test_inference_with_a_created_key_and_a_guardrail_block(emulator):
    client = emulator.client()
    key = client.create_key({"name": "smoke"})
    secret = key.key.get_secret_value()
    assert client.chat_completions(CHAT, api_key=secret)["choices"]
    events = list(client.stream_chat_completions(CHAT, api_key=secret))
    assert events and all(event["object"] == "chat.completion.chunk" for event in events)

    guardrail = client.create_guardrail({"name": "mini-only", "allowed_models": ["openai/gpt-4o-mini"]})
    client.assign_keys(guardrail.id, [key.data.hash])
    with pytest.raises(ForbiddenError) as caught:
        client.chat_completions({**CHAT, "model": "openai/gpt-4o"}, api_key=secret)
    assert caught.value.blocked_by_guardrail


def test_a_dropped_create_is_not_repeated_and_the_key_exists(emulator):
    client = emulator.client()
    emulator.set_faults(1.0, kinds=["drop"])
    with pytest.raises(OutcomeUnknownError):
        client.create_key({"name": "dropped"})
    emulator.set_faults(0.0)
    assert [key.name for key in client.list_keys()].count("dropped") == 1
    assert emulator.request_counts()["POST /keys"] == 1


def test_server_errors_are_retried_up_to_max_attempts(emulator):
    client = emulator.client(max_attempts=3, backoff_base=0.001)
    emulator.set_faults(1.0, kinds=["503"])
    with pytest.raises(ServerError):
        client.get_credits()
    assert client.request_count == 3


def test_no_secret_reaches_the_logs_over_a_real_socket(emulator, caplog):
    client = emulator.client()
    with caplog.at_level(logging.DEBUG):
        created = client.create_key({"name": "logged"})
        client.chat_completions(CHAT, api_key=created.key.get_secret_value())
    text = "\n".join(f"{record.name} {record.getMessage()}" for record in caplog.records)
    assert "POST /keys -> 201" in text
    assert created.key.get_secret_value() not in text
    assert emulator.management_key not in text
