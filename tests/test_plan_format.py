"""Pins the JSON plan's shape (docs/plan-format.md): renaming a field must fail here first."""

from __future__ import annotations

import json

import pytest

from orsync.errors import OrsyncError
from orsync.planner.diff import plan_from_state
from orsync.planner.plan import Plan
from orsync.planner.store import load_plan, plan_json, save_plan
from tests.live_factories import config, guardrail, key, live

TOP_LEVEL = {"format_version", "orsync_version", "created_at", "config", "base_url", "policy", "summary",
             "resource_changes", "unmanaged", "warnings", "safety", "live_fingerprints"}
CHANGE = {"address", "mode", "type", "name", "provider_name", "kind", "action", "live_id", "live_name",
          "change", "body", "reasons", "fingerprint", "refs", "new_secret"}
CHANGE_BODY = {"actions", "before", "after", "after_unknown", "before_sensitive", "after_sensitive",
               "changed_fields"}
PROVIDER = "registry.terraform.io/openrouterteam/openrouter"


@pytest.fixture
def plan() -> Plan:
    cfg = config(policy={"protect": ["ci"]},
                 guardrails=[{"name": "g", "limit_usd": 5, "reset_interval": "daily"}],
                 keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z", "guardrail": "g"}])
    state = live(keys=[key("ci", expires_at="2027-01-01T00:00:00Z"), key("stray")], guardrails=[guardrail("other")])
    return plan_from_state(cfg, state, base_url="https://openrouter.example/api/v1")


def test_top_level_fields_are_pinned(plan):
    data = plan.to_json()
    assert set(data) == TOP_LEVEL
    assert data["format_version"] == "1.1"
    assert data["summary"] == {"create": 1, "update": 0, "replace": 1, "delete": 0, "assign": 1, "unassign": 0}
    assert data["config"] == {"path": "org.yaml", "sha256": "0" * 64}
    assert {item["address"] for item in data["unmanaged"]} == {"key.stray", "guardrail.other"}
    assert data["safety"]["violations"] == ["key.ci is protected by 'ci' and would be replaced (use --allow-destroy)"]


def test_resource_changes_follow_terraform_show_json(plan):
    changes = {item["address"]: item for item in plan.to_json()["resource_changes"]}
    replaced = changes["key.ci"]
    assert all(set(item) == CHANGE | ({"action_reason"} if item is replaced else set()) for item in changes.values())
    assert all(set(item["change"]) == CHANGE_BODY | ({"replace_paths"} if item is replaced else set())
               for item in changes.values())
    replaced = changes["key.ci"]
    assert replaced["type"] == "openrouter_api_key"
    assert replaced["change"]["actions"] == ["create", "delete"]
    assert replaced["change"]["before"]["expires_at"] == "2027-01-01T00:00:00Z"
    assert replaced["change"]["after"]["expires_at"] == "2028-01-01T00:00:00Z"
    assert replaced["new_secret"] is True
    assert changes["guardrail.g"]["change"]["actions"] == ["create"]
    assert changes["key_assignment.ci"]["change"]["actions"] == ["create"]
    assert changes["key_assignment.ci"]["refs"] == {"target": "key.ci", "guardrail": "guardrail.g"}


def test_saved_plan_round_trips(plan, tmp_path):
    path = tmp_path / "plan.json"
    save_plan(plan, str(path))
    assert plan_json(str(path)) is not None
    assert load_plan(str(path)) == plan


def test_a_json_file_that_is_not_an_object_is_read_as_a_config(tmp_path):
    """`orsync apply numbers.json`: not a saved plan (the config loader then says what is wrong)."""
    for text in ("5", "[\"format_version\"]", "null"):
        path = tmp_path / "numbers.json"
        path.write_text(text)
        assert plan_json(str(path)) is None


def test_other_major_version_is_refused(plan, tmp_path):
    data = plan.to_json() | {"format_version": "2.0"}
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    with pytest.raises(OrsyncError, match="format_version '2.0' is not supported"):
        load_plan(str(path))


def test_damaged_plan_file_is_a_one_line_error(tmp_path):
    path = tmp_path / "plan.json"
    path.write_text('{"format_version": "1.0"')
    with pytest.raises(OrsyncError, match="not an orsync plan file"):
        load_plan(str(path))


def test_every_change_carries_terraforms_mode_provider_and_sensitivity():
    """What a conftest policy written for `terraform show -json` reads (issue 14)."""
    cfg = config(guardrails=[{"name": "g", "limit_usd": 5, "reset_interval": "daily"}],
                 keys=[{"name": "new", "limit": 1}, {"name": "ci", "expires_at": "2028-01-01T00:00:00Z"},
                       {"name": "old", "state": "absent"}, {"name": "team", "limit": 9}])
    state = live(keys=[key("ci", expires_at="2027-01-01T00:00:00Z"), key("old"), key("team", limit=3)])
    data = plan_from_state(cfg, state).to_json()
    changes = {item["address"]: item for item in data["resource_changes"]}
    assert {item["mode"] for item in changes.values()} == {"managed"}
    assert {item["provider_name"] for item in changes.values()} == {PROVIDER}
    created, replaced = changes["key.new"]["change"], changes["key.ci"]["change"]
    deleted, updated = changes["key.old"]["change"], changes["key.team"]["change"]
    # A new secret is unknown until apply and sensitive; a side that is null is `false`.
    assert created["after_unknown"] == {"key": True} and created["after_sensitive"] == {"key": True}
    assert created["before_sensitive"] is False and created["before"] is None
    assert replaced["after_unknown"] == {"key": True} and replaced["before_sensitive"] == {"key": True}
    assert replaced["replace_paths"] == [["expires_at"]]
    assert changes["key.ci"]["action_reason"] == "replace_because_cannot_update"
    assert deleted["actions"] == ["delete"] and deleted["after"] is None
    assert deleted["after_sensitive"] is False and deleted["after_unknown"] == {}
    assert updated["after_unknown"] == {} and updated["after"]["limit"] == 9
    guardrail_change = changes["guardrail.g"]["change"]
    assert guardrail_change["after_sensitive"] == {} and guardrail_change["after_unknown"] == {}
    assert "key" not in created["after"] and "key" not in replaced["after"]  # never the secret itself


def test_a_plan_of_the_previous_minor_version_still_loads(plan, tmp_path):
    """Adding fields is a minor change: a 1.0 plan (without the Terraform fields) is read."""
    data = plan.to_json() | {"format_version": "1.0"}
    for item in data["resource_changes"]:
        for name in ("mode", "provider_name", "action_reason"):
            item.pop(name, None)
        for name in ("after_unknown", "before_sensitive", "after_sensitive", "replace_paths"):
            item["change"].pop(name, None)
    path = tmp_path / "plan.json"
    path.write_text(json.dumps(data))
    assert load_plan(str(path)).changes == plan.changes
