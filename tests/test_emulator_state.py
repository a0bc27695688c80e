"""EmulatorState: seeding (workspaces included), invariants, the JSON round trip, the store."""

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
    assert {k.name for k in state.api_keys_newest_first()} == {
        "prod-backend", "ci-smoke", "old-prototype", "research-notebook"}
    assert {g.name for g in state.guardrails.values()} == {"ci-policy", "prod-budget", "research-policy"}
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
    with pytest.raises(KeyError):
        state.delete_guardrail(carol_guardrail.id)


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
    key = state.key_named("k4321")
    assert key.guardrail_id == state.key_assignments[key.hash].guardrail_id == state.guardrail_of_key(key.hash).id
    assert state.guardrail_of_key(key.hash).name == "g21"


# --- workspaces in the seed and the schema ------------------------------------------------------

def test_default_seed_has_a_second_workspace_with_a_key_and_a_guardrail(state):
    """Issue 12: the default seed gets a second workspace with a key and a guardrail in it."""
    default, research = state.workspaces_in_order()
    assert default.is_default and default.id == state.default_workspace_id
    assert (research.slug, research.name) == ("research", "Research")
    assert state.workspace("research") is research and state.workspace(research.id) is research
    notebook = state.key_named("research-notebook")
    assert notebook.workspace_id == research.id
    assert state.guardrail_of_key(notebook.hash).workspace_id == research.id
    assert [m.user_id for m in state.workspace_members(research.id)] == ["user_2dHFtBobMember000000000002"]
    assert state.key_named("ci-smoke").workspace_id == default.id


def test_default_guardrail_ids_are_deterministic_per_workspace():
    """API-NOTES "Workspaces": each workspace's default guardrail has a deterministic id."""
    one = EmulatorState.from_seed({"workspace_id": "11111111-1111-4111-8111-111111111111"})
    two = EmulatorState.from_seed({"workspace_id": "11111111-1111-4111-8111-111111111111"})
    other = EmulatorState.from_seed({})
    assert one.default_workspace().default_guardrail_id == two.default_workspace().default_guardrail_id
    assert one.default_workspace().default_guardrail_id != other.default_workspace().default_guardrail_id
    assert one.default_workspace().public()["default_guardrail_id"] == one.default_guardrail_id(
        "11111111-1111-4111-8111-111111111111")
    assert one.guardrails.get(one.default_workspace().default_guardrail_id) is None  # until PATCHed


def test_seed_workspaces_place_keys_guardrails_members_budgets_and_default_guardrail():
    state = EmulatorState.from_seed({
        "members": [{"id": "user_a", "email": "a@example.com"}],
        "workspaces": [{"slug": "lab", "name": "Lab", "members": ["a@example.com"],
                        "budgets": {"monthly": 300, "daily": 25},
                        "default_guardrail": {"limit_usd": 5, "reset_interval": "daily"}}],
        "keys": [{"name": "ci"}, {"name": "ci", "workspace": "lab"}],
        "guardrails": [{"name": "g", "workspace": "lab"}],
        "key_assignments": [{"guardrail": "g", "key": "lab/ci"}],
        "member_assignments": [{"guardrail": "g", "member": "a@example.com"}],
    })
    lab = state.workspace("lab")
    in_lab = state.keys_page(lab.id, 0, 100, include_disabled=True, include_expired=True,
                             now=__import__("datetime").datetime.now())
    assert [k.name for k in in_lab] == ["ci"] and state.guardrail_of_key(in_lab[0].hash).name == "g"
    assert {b.interval: b.limit_usd for b in state.workspace_budgets(lab.id)} == {"monthly": 300, "daily": 25}
    default_guardrail = state.guardrails[lab.default_guardrail_id]
    assert default_guardrail.is_workspace_default and default_guardrail.name == f"Workspace {lab.id} Default"
    assert "is_workspace_default" not in default_guardrail.public()
    assert state.guardrail_of_member("user_a", lab.id).name == "g"
    assert state.guardrail_of_member("user_a") is None  # one direct guardrail per workspace


@pytest.mark.parametrize(("seed", "message"), [
    ({"keys": [{"name": "a", "workspace": "nope"}]}, "keys[0]: workspace 'nope' not found"),
    ({"workspaces": [{"slug": "x"}]}, "workspaces[0]: 'name' is required"),
    ({"workspaces": [{"slug": "x", "name": "X", "budgets": {"hourly": 1}}]}, "unknown interval 'hourly'"),
    ({"workspaces": [{"slug": "default", "name": "Again"}]}, "workspace slug 'default' already in use"),
])
def test_bad_workspace_seeds_name_the_entry(seed, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        EmulatorState.from_seed(seed)


def test_deleting_a_workspace_drops_what_lives_in_it(state):
    research = state.workspace("research")
    state.delete_workspace(research.id)
    assert state.workspace("research") is None and state.key_named("research-notebook") is None
    assert all(g.workspace_id != research.id for g in state.guardrails.values())
    assert state.workspace_members(research.id) == []


# --- the store ---------------------------------------------------------------------------------

def test_a_record_changed_outside_a_transaction_is_written_at_once(tmp_path):
    path = tmp_path / "state.db"
    state = EmulatorState.open(path, {"keys": [{"name": "k"}]})
    state.key_named("k").limit = 7
    assert EmulatorState.open(path).key_named("k").limit == 7


def test_a_failed_transaction_changes_nothing(state):
    key = state.key_named("ci-smoke")
    with pytest.raises(RuntimeError):
        with state.lock:
            key.name = "renamed"
            state.add_key("half-made")
            raise RuntimeError("handler failed")
    assert state.key_named("ci-smoke").name == "ci-smoke" and state.key_named("half-made") is None


def test_keys_pages_are_the_same_by_cursor_and_by_offset():
    """Every page of a keys listing, fetched in order, out of order and after a write."""
    from datetime import datetime, timezone

    seed = {"keys": [{"name": f"k{n:04d}", "disabled": n % 7 == 0,
                      "created_at": f"2025-01-{1 + n % 28:02d}T00:00:00Z"} for n in range(1_050)]}
    state = EmulatorState.from_seed(seed)
    now = datetime.now(timezone.utc)
    expected = [k.hash for k in state.api_keys_newest_first() if not k.disabled]

    def page(offset):
        return [k.hash for k in state.keys_page(state.workspace_id, offset, 100, include_disabled=False,
                                                include_expired=False, now=now)]

    assert [h for offset in range(0, 1_000, 100) for h in page(offset)] == expected[:1_000]
    assert page(700) == expected[700:800] and page(350) == expected[350:450]
    state.add_key("newest", created_at="2026-01-01T00:00:00Z")
    assert page(800)[1:] == expected[799:899][1:] and page(0)[0] == state.key_named("newest").hash


def test_the_seed_in_docs_emulator_md_seeds_the_org_it_describes():
    """docs/emulator.md "Seeding your org for CI": the example works as written."""
    import yaml
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / "emulator.md").read_text(encoding="utf-8")
    section = text.split("### Seeding your org for CI", 1)[1]
    state = EmulatorState.from_seed(yaml.safe_load(section.split("```yaml\n", 1)[1].split("```", 1)[0]))
    research = state.workspace("research")
    notebook = state.key_named("notebook")
    assert notebook.workspace_id == research.id and state.guardrail_of_key(notebook.hash).name == "research-policy"
    assert state.guardrail_of_member("user_bob", research.id).name == "research-policy"
    assert {b.interval for b in state.workspace_budgets(research.id)} == {"monthly", "daily"}
    assert state.guardrails[research.default_guardrail_id].limit_usd == 50
    assert state.find_key_by_secret("sk-or-v1-emu-ci-fake").is_management


def test_seeded_guardrails_store_canonical_model_slugs_as_the_api_does():
    """API-NOTES "Model slugs in guardrails": stored as canonical slugs, in request order,
    duplicates dropped, `:variant` kept, unknown ids as given; a seed reads back the same way."""
    state = EmulatorState.from_seed({"guardrails": [{"name": "g", "allowed_models": [
        "openai/gpt-4o-mini", "openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini:free",
        "acme/unknown-model"]}]})
    assert state.guardrails.values()[0].allowed_models == [
        "openai/gpt-4o-mini-2024-07-18", "openai/gpt-4o-mini-2024-07-18:free", "acme/unknown-model"]
