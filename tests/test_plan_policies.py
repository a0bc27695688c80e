"""The JSON plan as policies read it: the pinned example of docs/plan-format.md, and docs/policies/.

The example in the doc is a real plan (regenerate it with `python -m tests.test_plan_policies`
when the plan's shape changes on purpose, and bump format_version as its rule says). The
conftest policies in docs/policies/ are Rego; they run here when a Rego engine with regorus's
Python API is importable (no engine installs from this project's package index, so CI checks
the shape they read instead: the fields, their values and their vocabulary).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from orsync.planner.diff import plan_from_state
from orsync.planner.plan import FORMAT_VERSION, PROVIDER_NAME
from tests.live_factories import config, guardrail, key, live

DOC = Path(__file__).resolve().parent.parent / "docs" / "plan-format.md"
POLICIES = DOC.parent / "policies"
TYPES = {"openrouter_api_key", "openrouter_guardrail", "openrouter_guardrail_key_assignment",
         "openrouter_guardrail_member_assignment"}
ACTIONS = [["create"], ["update"], ["delete"], ["create", "delete"]]


def pinned_example() -> dict:
    """The plan the doc shows: a create, a replacement, a pinned delete under another name."""
    backend = key("prod-backend", limit=50)
    batch = key("batch", limit=10, expires_at="2027-01-01T00:00:00Z")
    cfg = config(policy={"protect": ["prod-*"]},
                 guardrails=[{"name": "ci-policy", "limit_usd": 25, "reset_interval": "monthly",
                              "allowed_models": ["openai/gpt-4o-mini"]}],
                 keys=[{"name": "ci-smoke", "guardrail": "ci-policy"},
                       {"name": "batch", "limit": 10, "expires_at": "2028-01-01T00:00:00Z"},
                       {"name": "tmp", "hash": backend.hash, "state": "absent"}])
    state = live(keys=[backend, batch], guardrails=[guardrail("shared-policy")])
    plan = plan_from_state(cfg, state, base_url="https://openrouter.ai/api/v1")
    return plan.to_json() | {"created_at": "2026-11-29T12:00:00Z", "orsync_version": "0.2.0"}


def documented_example() -> dict:
    text = DOC.read_text()
    section = text.split("## A pinned example", 1)[1]
    return json.loads(re.search(r"```json\n(.*?)\n```", section, re.S).group(1))


def test_the_doc_shows_the_plan_orsync_makes_today():
    assert documented_example() == pinned_example(), (
        "docs/plan-format.md's pinned example is out of date: regenerate it with "
        "`python -m tests.test_plan_policies` (and bump format_version if a field changed)")


def test_the_fields_terraform_policies_read_are_there_with_terraforms_vocabulary():
    plan = pinned_example()
    assert plan["format_version"] == FORMAT_VERSION
    for rc in plan["resource_changes"]:
        assert rc["mode"] == "managed" and rc["provider_name"] == PROVIDER_NAME
        assert rc["type"] in TYPES and rc["change"]["actions"] in ACTIONS
        assert isinstance(rc["name"], str) and rc["address"].endswith(rc["name"])
        for side in ("before", "after"):
            assert rc["change"][side] is None or isinstance(rc["change"][side], dict)
            sensitive = rc["change"][f"{side}_sensitive"]
            assert sensitive is False if rc["change"][side] is None else isinstance(sensitive, dict)
        assert isinstance(rc["change"]["after_unknown"], dict)


def test_what_each_documented_policy_decides_on_is_in_the_plan():
    changes = {rc["address"]: rc for rc in pinned_example()["resource_changes"]}
    # protected_names.rego: a pinned delete is seen under its live name.
    deleted = changes["key.tmp"]
    assert "delete" in deleted["change"]["actions"] and deleted["live_name"] == "prod-backend"
    assert deleted["change"]["before"]["name"] == "prod-backend"
    # key_limits.rego: a new key's `after` has no limit; a kept limit stays in `after`.
    created = changes["key.ci-smoke"]
    assert created["change"]["actions"] == ["create"] and "limit" not in created["change"]["after"]
    assert created["change"]["after_unknown"] == {"key": True}
    assert changes["key.batch"]["change"]["after"]["limit"] == 10


def test_the_documented_policies_deny_what_they_say(tmp_path):
    regorus = pytest.importorskip("regorus", reason="no Rego engine installed (see the module docstring)")
    engine = regorus.Engine()
    for policy in sorted(POLICIES.glob("*.rego")):
        engine.add_policy_from_file(str(policy))
    engine.set_input_json(json.dumps(pinned_example()))
    denied = sorted(engine.eval_rule("data.main.deny"))
    assert denied == [  # the replacement of batch keeps its limit; nothing else breaks a rule
        "key.ci-smoke: a new key must have a spending limit (limit: USD)",
        'key.tmp: ["delete"] would delete "prod-backend", which is protected by "prod-*"',
    ]

if __name__ == "__main__":
    print(json.dumps(pinned_example(), indent=2))
