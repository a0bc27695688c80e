"""`orsync export` of an org with three workspaces (keys, guardrails, default guardrails, budgets
and members in each) plans to no changes, and says each part where a user would look for it."""

from __future__ import annotations

import json

import pytest
import yaml

from tests.cli_runner import point_at, run_cli

CI_DEFAULT = "c1000000-0000-4000-8000-000000000001"
CI_RESEARCH = "c2000000-0000-4000-8000-000000000002"
PEOPLE = [{"id": f"user_ws{n:02d}", "email": f"person{n}@example.com", "role": "org:member"} for n in range(6)]
FILTERS = {"content_filters": [{"pattern": r"\bACME-[0-9]{6}\b", "action": "redact", "label": "[TICKET]"}],
           "content_filter_builtins": [{"slug": "email", "action": "redact"},
                                       {"slug": "regex-prompt-injection", "action": "block", "scan_scope": "user_only"}]}


def three_workspaces() -> dict:
    workspaces = [
        {"slug": "research", "name": "Research", "description": "Notebooks", "created_at": "2025-06-01T00:00:00Z",
         "budgets": {"monthly": 300, "daily": 25}, "include_byok_in_budgets": True,
         "members": ["person1@example.com", "person2@example.com"],
         "default_guardrail": {"limit_usd": 50, "reset_interval": "weekly", "allowed_models": ["openai/gpt-4o-mini"],
                               "enforce_zdr_openai": True, **FILTERS}},
        {"slug": "platform", "name": "Platform", "created_at": "2025-07-01T00:00:00Z",
         "budgets": {"lifetime": 5000, "monthly": 800}, "members": ["person3@example.com"],
         "default_guardrail": {"allowed_data_regions": ["europe"], "enable_paid_model_training": False}},
    ]
    guardrails = [
        {"name": "ci", "id": CI_DEFAULT, "limit_usd": 10, "reset_interval": "daily", "allowed_providers": ["openai"]},
        {"name": "ci", "id": CI_RESEARCH, "workspace": "research", "limit_usd": 20, "reset_interval": "weekly",
         **FILTERS},
        {"name": "nightly", "workspace": "platform", "allowed_models": ["anthropic/claude-3.5-haiku"],
         "allowed_data_regions": ["europe", "us"]},
    ]
    keys = [{"name": "ci", "hash": "a" * 64, "limit": 5, "limit_reset": "daily"},
            {"name": "ci", "hash": "b" * 64, "workspace": "research", "limit": 7},   # same name, another workspace
            {"name": "notebook", "workspace": "research", "disabled": True},
            {"name": "batch", "hash": "c" * 64, "workspace": "platform", "limit": 100, "limit_reset": "monthly"},
            {"name": "batch", "workspace": "platform", "created_at": "2026-01-01T00:00:00Z"}]  # a duplicate
    return {
        "settings": {"enterprise": True}, "members": PEOPLE, "workspaces": workspaces,
        "guardrails": guardrails, "keys": keys,
        "key_assignments": [{"guardrail": CI_DEFAULT, "key": "a" * 64}, {"guardrail": CI_RESEARCH, "key": "b" * 64},
                            {"guardrail": "nightly", "key": "c" * 64}],
        "member_assignments": [{"guardrail": CI_DEFAULT, "member": "person0@example.com"},
                               {"guardrail": CI_RESEARCH, "member": "person0@example.com"},
                               {"guardrail": "nightly", "member": "person3@example.com"}],
    }


@pytest.fixture
def org(make_emulator, monkeypatch):
    emulator = make_emulator(three_workspaces())
    return emulator, point_at(monkeypatch, emulator)


def test_export_of_a_three_workspace_org_plans_to_no_changes(org, tmp_path, capsys):
    emulator, flags = org
    path = tmp_path / "org.yaml"
    exported = run_cli(capsys, *flags, "export", "--out", str(path))
    assert exported.code == 0, exported.err

    plan = run_cli(capsys, *flags, "plan", "--format", "json", str(path))
    assert plan.code == 0, plan.err
    assert json.loads(plan.out)["resource_changes"] == []

    document = yaml.safe_load(path.read_text())
    by_slug = {w["slug"]: w for w in document["workspaces"]}
    assert list(by_slug) == ["default", "research", "platform"]  # the default one first
    research = by_slug["research"]
    assert research["budgets"] == {"monthly": 300, "daily": 25} and research["include_byok_in_budgets"] is True
    assert research["members"] == ["person1@example.com", "person2@example.com"]
    assert research["default_guardrail"]["enforce_zdr_openai"] is True
    assert {f["slug"] for f in research["default_guardrail"]["content_filter_builtins"]} == \
        {"email", "regex-prompt-injection"}
    assert by_slug["platform"]["budgets"] == {"lifetime": 5000, "monthly": 800}
    assert "name" not in research["default_guardrail"]

    keys = {(k.get("workspace"), k["name"]) for k in document["keys"]}
    assert {(None, "ci"), ("research", "ci"), ("research", "notebook"), ("platform", "batch")} <= keys
    assert "Another key named 'batch'" in path.read_text()  # the younger duplicate, commented out


def test_a_hand_change_to_a_default_guardrail_shows_in_drift(org, tmp_path, capsys):
    emulator, flags = org
    path = tmp_path / "org.yaml"
    assert run_cli(capsys, *flags, "export", "--out", str(path)).code == 0
    research = next(w for w in emulator.client().list_workspaces() if w.slug == "research")
    emulator.client().update_guardrail(research.default_guardrail_id, {"content_filter_builtins": [
        {"slug": "email", "action": "block"}]})

    drift = run_cli(capsys, *flags, "drift", "--format", "json", str(path))

    assert drift.code == 2
    (change,) = json.loads(drift.out)["resource_changes"]
    assert change["change"]["changed_fields"] == ["content_filter_builtins"]
    assert "content_filter_builtins: ~ email: action block -> redact" in change["reasons"]


def test_select_keeps_a_matching_workspace_whole(org, tmp_path, capsys):
    _, flags = org
    path = tmp_path / "org.yaml"
    assert run_cli(capsys, *flags, "export", "--select", "platform", "--out", str(path)).code == 0

    document = yaml.safe_load(path.read_text())
    assert [w["slug"] for w in document["workspaces"]] == ["platform"]
    plan = run_cli(capsys, *flags, "plan", "--detailed-exitcode", str(path))
    assert plan.code == 0, plan.out + plan.err
