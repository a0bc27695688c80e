"""The generic diff: desired vs live for every kind, without a server."""

from __future__ import annotations

import pytest

from orsync.errors import ConfigError
from orsync.planner.diff import plan_from_state
from tests.live_factories import (config, fake_hash, guardrail, key, key_assignment, live, member,
                                  member_assignment)


def actions(plan) -> list[tuple[str, str]]:
    return [(change.action, change.address) for change in plan.changes]


def only_change(plan):
    assert len(plan.changes) == 1, actions(plan)
    return plan.changes[0]


def test_declared_key_missing_live_is_created_with_only_declared_fields():
    plan = plan_from_state(config(keys=[{"name": "ci", "limit": 5, "limit_reset": "daily"}]), live())
    change = only_change(plan)
    assert (change.action, change.address) == ("create", "key.ci")
    assert change.body == {"name": "ci", "limit": 5.0, "limit_reset": "daily"}
    assert change.secret


@pytest.mark.parametrize("field, live_value, wanted", [
    ("limit", 5, 10),
    ("limit", 5, None),
    ("limit_reset", "daily", "monthly"),
    ("limit_reset", "daily", None),
    ("include_byok_in_limit", False, True),
    ("disabled", False, True),
])
def test_each_managed_key_field_is_updated_alone(field, live_value, wanted):
    plan = plan_from_state(config(keys=[{"name": "ci", field: wanted}]), live(keys=[key("ci", **{field: live_value})]))
    change = only_change(plan)
    assert change.action == "update"
    assert change.body == {field: wanted}          # null is sent as null: it clears
    assert change.live_id == fake_hash("ci")


def test_omitted_field_is_unmanaged_and_never_sent():
    plan = plan_from_state(config(keys=[{"name": "ci", "limit": 5}]),
                           live(keys=[key("ci", limit=5, limit_reset="weekly", disabled=True)]))
    assert plan.changes == ()


def test_limit_zero_is_a_value_not_a_clear():
    plan = plan_from_state(config(keys=[{"name": "ci", "limit": 0}]), live(keys=[key("ci", limit=None)]))
    assert only_change(plan).body == {"limit": 0.0}


def test_expires_at_change_replaces_create_before_destroy_and_keeps_live_values():
    state = live(keys=[key("ci", limit=3, expires_at="2027-01-01T00:00:00Z")])
    plan = plan_from_state(config(keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z"}]), state)
    change = only_change(plan)
    assert change.action == "replace"
    assert change.terraform_actions() == ["create", "delete"]
    assert "expires_at forces replacement" in change.reasons
    assert change.body["limit"] == 3.0 and change.body["expires_at"] == "2028-01-01T00:00:00Z"
    assert change.secret


def test_same_instant_in_another_spelling_is_no_change():
    state = live(keys=[key("ci", expires_at="2027-01-01T00:00:00.000Z")])
    plan = plan_from_state(config(keys=[{"name": "ci", "expires_at": "2027-01-01T00:00:00Z"}]), state)
    assert plan.changes == ()


def test_hash_pin_renames_instead_of_recreating():
    old = key("old-name")
    plan = plan_from_state(config(keys=[{"name": "new-name", "hash": old.hash}]), live(keys=[old]))
    change = only_change(plan)
    assert (change.action, change.body, change.live_id) == ("update", {"name": "new-name"}, old.hash)


def test_pin_to_missing_key_is_a_located_error():
    cfg = config(keys=[{"name": "ci", "hash": fake_hash("nothing")}])
    with pytest.raises(ConfigError, match=r"keys\[0\]\.hash: no live key has hash"):
        plan_from_state(cfg, live())


def test_two_live_keys_with_a_declared_name_is_an_error_naming_both():
    first, second = key("ci", hash=fake_hash("a")), key("ci", hash=fake_hash("b"))
    with pytest.raises(ConfigError) as raised:
        plan_from_state(config(keys=[{"name": "ci"}]), live(keys=[first, second]))
    assert first.hash in str(raised.value) and second.hash in str(raised.value)


def test_disabled_key_is_found_not_recreated():
    plan = plan_from_state(config(keys=[{"name": "ci", "disabled": True}]), live(keys=[key("ci", disabled=True)]))
    assert plan.changes == ()


def test_guardrail_lists_compare_as_sets():
    state = live(guardrails=[guardrail("g", allowed_models=["b/y", "a/x"], allowed_providers=["openai"])])
    cfg = config(guardrails=[{"name": "g", "allowed_models": ["a/x", "b/y", "a/x"], "allowed_providers": ["openai"]}])
    assert plan_from_state(cfg, state).changes == ()


def test_guardrail_list_change_is_an_update_of_that_field():
    state = live(guardrails=[guardrail("g", allowed_models=["a/x"])])
    plan = plan_from_state(config(guardrails=[{"name": "g", "allowed_models": ["a/x", "b/y"]}]), state)
    change = only_change(plan)
    assert change.action == "update" and change.changed_fields == ["allowed_models"]


def test_undeclared_objects_are_unmanaged_unless_prune():
    state = live(keys=[key("stray")], guardrails=[guardrail("old-policy")])
    kept = plan_from_state(config(), state)
    assert kept.changes == () and {u.address for u in kept.unmanaged} == {"key.stray", "guardrail.old-policy"}
    pruned = plan_from_state(config(policy={"prune": True}), state)
    assert sorted(actions(pruned)) == [("delete", "guardrail.old-policy"), ("delete", "key.stray")]


def test_state_absent_deletes_even_without_prune_and_is_quiet_when_gone():
    plan = plan_from_state(config(keys=[{"name": "old", "state": "absent"}]), live(keys=[key("old")]))
    assert actions(plan) == [("delete", "key.old")]
    assert plan_from_state(config(keys=[{"name": "old", "state": "absent"}]), live()).changes == ()


def test_key_moves_between_guardrails():
    first, second, ci = guardrail("first"), guardrail("second"), key("ci")
    state = live(keys=[ci], guardrails=[first, second], key_assignments=[key_assignment(ci, first)])
    cfg = config(guardrails=[{"name": "first"}, {"name": "second"}], keys=[{"name": "ci", "guardrail": "second"}])
    change = only_change(plan_from_state(cfg, state))
    assert change.action == "assign" and change.terraform_actions() == ["update"]
    assert change.body == {"guardrail_id": second.id, "previous_guardrail_id": first.id}


def test_null_guardrail_unassigns():
    policy, ci = guardrail("policy"), key("ci")
    state = live(keys=[ci], guardrails=[policy], key_assignments=[key_assignment(ci, policy)])
    cfg = config(guardrails=[{"name": "policy"}], keys=[{"name": "ci", "guardrail": None}])
    change = only_change(plan_from_state(cfg, state))
    assert change.action == "unassign" and change.body["previous_guardrail_id"] == policy.id


def test_new_key_under_new_guardrail_refers_to_both_by_address():
    cfg = config(guardrails=[{"name": "g"}], keys=[{"name": "ci", "guardrail": "g"}])
    plan = plan_from_state(cfg, live())
    assert actions(plan) == [("create", "guardrail.g"), ("create", "key.ci"), ("assign", "key_assignment.ci")]
    assignment = plan.changes[2]
    assert assignment.refs == {"target": "key.ci", "guardrail": "guardrail.g"}
    assert assignment.live_id is None and assignment.body["guardrail_id"] is None


def test_replacement_inherits_the_old_keys_guardrail_when_unmanaged():
    policy, ci = guardrail("policy"), key("ci", expires_at="2027-01-01T00:00:00Z")
    state = live(keys=[ci], guardrails=[policy], key_assignments=[key_assignment(ci, policy)])
    cfg = config(guardrails=[{"name": "policy"}], keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z"}])
    plan = plan_from_state(cfg, state)
    assert actions(plan) == [("replace", "key.ci"), ("assign", "key_assignment.ci")]
    assert plan.changes[1].body["guardrail_id"] == policy.id


def test_member_assignment_by_email_case_insensitively():
    policy, alice = guardrail("policy"), member("Alice@Example.com", "user_alice")
    cfg = config(guardrails=[{"name": "policy"}], members=[{"email": "alice@example.com", "guardrail": "policy"}])
    change = only_change(plan_from_state(cfg, live(guardrails=[policy], members=[alice])))
    assert (change.action, change.live_id, change.body["guardrail_id"]) == ("assign", "user_alice", policy.id)
    in_sync = live(guardrails=[policy], members=[alice], member_assignments=[member_assignment(alice, policy)])
    assert plan_from_state(cfg, in_sync).changes == ()


def test_unknown_member_is_a_located_error():
    cfg = config(guardrails=[{"name": "p"}], members=[{"email": "nobody@example.com", "guardrail": "p"}])
    with pytest.raises(ConfigError, match=r"members\[0\]\.email: nobody@example.com is not a member"):
        plan_from_state(cfg, live(guardrails=[guardrail("p")]))


def test_undeclared_keys_assignments_are_left_alone():
    policy, stray = guardrail("policy"), key("stray")
    state = live(keys=[stray], guardrails=[policy], key_assignments=[key_assignment(stray, policy)])
    plan = plan_from_state(config(guardrails=[{"name": "policy"}]), state)
    assert plan.changes == ()


def test_apply_order_puts_destruction_last():
    ci = key("ci", expires_at="2027-01-01T00:00:00Z")
    state = live(keys=[ci, key("gone")])
    cfg = config(guardrails=[{"name": "g"}],
                 keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z", "guardrail": "g"},
                       {"name": "gone", "state": "absent"}])
    assert [c.action for c in plan_from_state(cfg, state).changes] == ["create", "replace", "assign", "delete"]


def test_protect_and_max_deletes_are_reported():
    state = live(keys=[key("prod-a"), key("b"), key("c")])
    cfg = config(policy={"prune": True, "protect": ["prod-*"], "max_deletes": 1})
    plan = plan_from_state(cfg, state)
    found = plan.safety_violations()
    assert any("key.prod-a is protected by 'prod-*'" in text for text in found)
    assert any("3 deletes (replacements included) is over max_deletes 1" in text for text in found)
    assert plan.safety_violations(allow_destroy=True, force=True) == []


def test_interrupted_replacement_leftover_is_deleted_only_on_proof():
    """Issue 13 class 1: the namesake is deleted only when apply's intent record proves that
    it is the old half of a replacement this tool started; otherwise the namesake error."""
    from orsync.planner.namesakes import Proof

    new = key("ci", hash=fake_hash("new"), expires_at="2028-01-01T00:00:00Z")
    old = key("ci", hash=fake_hash("old"), expires_at="2027-01-01T00:00:00Z")
    cfg = config(keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z"}])
    with pytest.raises(ConfigError, match="2 live keys are named 'ci'"):
        plan_from_state(cfg, live(keys=[old, new]))
    plan = plan_from_state(cfg, live(keys=[old, new]), proven_leftovers={old.hash: Proof("old half")})
    assert [(c.action, c.address, c.live_id) for c in plan.changes] == [("delete", f"key.ci#{old.hash[:8]}", old.hash)]
    assert plan.changes[0].reasons == ("old half",)
    assert plan.unmanaged == ()


def test_key_under_a_namesake_of_the_declared_guardrail_is_moved():
    declared, namesake, ci = guardrail("policy", id="11111111-0000-4000-8000-000000000001"), \
        guardrail("policy", id="22222222-0000-4000-8000-000000000002"), key("ci")
    state = live(keys=[ci], guardrails=[declared, namesake], key_assignments=[key_assignment(ci, namesake)])
    cfg = config(guardrails=[{"name": "policy", "id": declared.id}], keys=[{"name": "ci", "guardrail": "policy"}])
    change = only_change(plan_from_state(cfg, state))
    assert change.action == "assign"
    assert change.before == {"guardrail": "policy (22222222)"} and change.after == {"guardrail": "policy"}
    assert change.body == {"guardrail_id": declared.id, "previous_guardrail_id": namesake.id}


def test_replacement_inherits_the_old_guardrail_by_id_even_when_its_name_is_shared():
    first = guardrail("shared", id="11111111-0000-4000-8000-000000000001")
    second = guardrail("shared", id="22222222-0000-4000-8000-000000000002")
    ci = key("ci", expires_at="2027-01-01T00:00:00Z")
    state = live(keys=[ci], guardrails=[first, second], key_assignments=[key_assignment(ci, second)])
    plan = plan_from_state(config(keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z"}]), state)
    assert actions(plan) == [("replace", "key.ci"), ("assign", "key_assignment.ci")]
    assert plan.changes[1].body["guardrail_id"] == second.id


def test_a_pinned_key_cannot_be_replaced():
    ci = key("ci", expires_at="2027-01-01T00:00:00Z")
    cfg = config(keys=[{"name": "ci", "hash": ci.hash, "expires_at": "2028-01-01T00:00:00Z"}])
    with pytest.raises(ConfigError, match=r"keys\[0\]\.expires_at: changing expires_at replaces the key"):
        plan_from_state(cfg, live(keys=[ci]))


@pytest.mark.parametrize("entry, live_keys", [
    ({"name": "ci", "expires_at": "2020-01-01T00:00:00Z"}, []),
    ({"name": "ci", "creator_user_id": "user_b"}, [key("ci", expires_at="2020-01-01T00:00:00Z")]),
])
def test_a_key_that_would_be_born_expired_is_refused_at_plan_time(entry, live_keys):
    with pytest.raises(ConfigError, match=r"keys\[0\]\.expires_at: expires_at 2020-01-01T00:00:00Z is in the past"):
        plan_from_state(config(keys=[entry]), live(keys=live_keys))
