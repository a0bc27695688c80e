"""EmulatorState: seeding, invariants, the JSON round trip."""

from __future__ import annotations

import hashlib
import re

import pytest

from orsync.emulator.store.state import EmulatorState


@pytest.fixture
def state() -> EmulatorState:
    return EmulatorState.from_seed(EmulatorState.default_seed())


def test_default_seed_is_a_small_realistic_org(state):
    assert len(state.members) == 4 and all(m.startswith("user_") for m in state.members)
    assert {k.name for k in state.api_keys_newest_first()} == {"prod-backend", "ci-smoke", "old-prototype"}
    assert {g.name for g in state.guardrails.values()} == {"ci-policy", "prod-budget"}
    assert state.guardrail_of_key(state.key_named("ci-smoke").hash).name == "ci-policy"
    assert state.guardrail_of_member("user_2dHFtCarolMember0000000003").name == "ci-policy"
    assert state.credits.total_credits == 150.0


def test_generated_secrets_have_the_real_shape_hash_and_masked_label(state):
    record = state.add_key("fresh")
    assert re.fullmatch(r"sk-or-v1-[0-9a-f]{64}", record.secret)
    assert record.hash == hashlib.sha256(record.secret.encode()).hexdigest()
    assert record.label == f"sk-or-v1-{record.secret[9:12]}...{record.secret[-3:]}"
    assert state.find_key_by_secret(record.secret) is record
    assert state.find_key_by_secret(record.secret + "x") is None


def test_default_seed_secrets_differ_between_runs():
    first = EmulatorState.from_seed(EmulatorState.default_seed()).key_named("ci-smoke")
    second = EmulatorState.from_seed(EmulatorState.default_seed()).key_named("ci-smoke")
    assert first.secret != second.secret


def test_key_holds_one_guardrail_and_deletes_drop_assignments(state):
    key = state.key_named("ci-smoke")
    other = next(g for g in state.guardrails.values() if g.name == "prod-budget")
    assert state.assign_key(other.id, key.hash, None)
    assert key.guardrail_id == other.id and state.key_assignments[key.hash].guardrail_id == other.id
    state.delete_guardrail(other.id)
    assert key.guardrail_id is None and key.hash not in state.key_assignments
    carol_guardrail = state.guardrail_of_member("user_2dHFtCarolMember0000000003")
    state.delete_guardrail(carol_guardrail.id)
    assert state.member_assignments == {}


def test_unknown_key_or_member_is_not_assigned(state):
    guardrail_id = next(iter(state.guardrails))
    assert not state.assign_key(guardrail_id, "0" * 64, None)
    assert not state.assign_member(guardrail_id, "user_nobody", None)


def test_json_round_trip_keeps_everything(state):
    state.generations["gen-1"] = {"id": "gen-1", "total_cost": 0.1}
    state.activity.append({"date": "2025-01-01", "usage": 1.0})
    state.catalog = {"models": []}
    restored = EmulatorState.from_json(state.to_json())
    assert restored.to_json() == state.to_json()
    key = restored.key_named("ci-smoke")
    assert restored.find_key_by_secret(key.secret) is key
    assert key.guardrail_id == state.key_named("ci-smoke").guardrail_id


def test_keys_list_newest_first_with_stable_ties():
    state = EmulatorState.from_seed({"keys": [
        {"name": "old", "created_at": "2024-01-01T00:00:00Z"},
        {"name": "tie-a", "created_at": "2025-01-01T00:00:00Z"},
        {"name": "tie-b", "created_at": "2025-01-01T00:00:00Z"},
        {"name": "new", "created_at": "2025-06-01T00:00:00.500Z"},
    ]})
    assert [k.name for k in state.api_keys_newest_first()] == ["new", "tie-b", "tie-a", "old"]


def test_seed_with_management_key_and_given_secret_and_hash():
    state = EmulatorState.from_seed({
        "management_key": "sk-or-v1-emu-fixed",
        "keys": [{"name": "a", "secret": "sk-or-v1-fake-a"}, {"name": "b", "hash": "b" * 64}],
    })
    assert state.find_key_by_secret("sk-or-v1-emu-fixed").is_management
    assert state.key_named("a").hash == hashlib.sha256(b"sk-or-v1-fake-a").hexdigest()
    assert state.api_key("b" * 64).name == "b"
    assert [k.name for k in state.management_keys()] == ["management"]
    assert state.key_named("management") is None  # management keys are not API keys


@pytest.mark.parametrize(("seed", "message"), [
    ({"keyz": []}, "seed seed: unknown field 'keyz'"),
    ({"keys": [{"name": "a", "colour": "red"}]}, "keys[0]: unknown field 'colour'"),
    ({"keys": [{"limit": 3}]}, "keys[0]: 'name' is required"),
    ({"key_assignments": [{"guardrail": "nope", "key": "x"}]}, "guardrail 'nope' not found"),
    ({"keys": [{"name": "a"}, {"name": "a"}], "guardrails": [{"name": "g"}],
      "key_assignments": [{"guardrail": "g", "key": "a"}]}, "key 'a' is ambiguous"),
    ({"guardrails": [{"name": "g"}], "member_assignments": [{"guardrail": "g", "member": "x@y"}]},
     "member 'x@y' not found"),
])
def test_bad_seeds_name_the_entry(seed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        EmulatorState.from_seed(seed)


def test_ten_thousand_key_seed_builds_indexes():
    seed = {"keys": [{"name": f"k{n}"} for n in range(10_000)],
            "guardrails": [{"name": f"g{n}", "limit_usd": 1} for n in range(100)],
            "key_assignments": [{"guardrail": f"g{n % 100}", "key": f"k{n}"} for n in range(10_000)]}
    state = EmulatorState.from_seed(seed)
    assert len(state.api_keys_newest_first()) == 10_000
    assert len(state.key_assignments) == 10_000
    assert len({k.secret for k in state.keys.values()}) == 10_000
