"""The whole org, end to end over loopback: workspaces, their budgets, default guardrails and
members, and keys and guardrails in every workspace (issue 16, DESIGN invariant 9)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from orsync.apply.executor import Executor
from orsync.apply.secret_sinks import FileSink
from orsync.config.loader import load_config
from orsync.emulator.store.seeding import DEFAULT_SEED
from orsync.errors import ConfigError
from orsync.planner.read import read_and_plan
from orsync.resources import CREATED_IN
from tests.test_apply_support import secrets_in, write_config

THREE_WORKSPACES = """
workspaces:
  - slug: research
    name: Research
    description: Notebooks
    budgets: {monthly: 300, daily: 25}
    include_byok_in_budgets: false
    default_guardrail: {limit_usd: 50, reset_interval: weekly, allowed_providers: [openai]}
    members: [bob@example.com, carol@example.com]
  - slug: platform
    name: Platform
    budgets: {lifetime: 1000, weekly: 100}
    default_guardrail: {enforce_zdr: true}
    members: [dave@example.com]
  - slug: sandbox
    name: Sandbox
    budgets: {daily: 5}
    default_guardrail: {limit_usd: 5, reset_interval: daily}
    members: [alice@example.com]
guardrails:
  - {name: research-policy, workspace: research, limit_usd: 40, reset_interval: weekly}
  - {name: ci, workspace: platform, limit_usd: 10, reset_interval: daily}
  - {name: ci, workspace: sandbox, limit_usd: 3, reset_interval: daily}
keys:
  - {name: research-notebook, workspace: research, guardrail: research-policy}
  - {name: ci, workspace: platform, limit: 5, guardrail: ci}
  - {name: ci, workspace: sandbox, limit: 1, guardrail: ci}
members:
  - {email: carol@example.com, guardrail: research-policy}
"""


def plan(client, path: Path):
    return read_and_plan(load_config(path), client)


def apply(client, path: Path, secrets: Path):
    planned, state = plan(client, path)
    journal = Executor(planned, client, sink=FileSink(secrets), known_ids=state.ids(CREATED_IN)).run()
    return planned, journal


def failures(journal) -> list[tuple[str, str]]:
    return [(outcome.address, outcome.detail) for outcome in journal.outcomes() if outcome.status != "done"]


def workspace_id(emulator, slug: str) -> str:
    return next(w.id for w in emulator.client().list_workspaces() if w.slug == slug)


def live_keys(emulator, name: str) -> list:
    client = emulator.client()
    return [key for w in client.list_workspaces() for key in client.list_keys(workspace_id=w.id) if key.name == name]


def test_three_workspaces_apply_then_plan_clean_and_a_second_apply_writes_nothing(emulator, tmp_path):
    path, secrets = write_config(tmp_path, THREE_WORKSPACES), tmp_path / "secrets.json"
    client = emulator.client()
    first, journal = apply(client, path, secrets)
    assert failures(journal) == []
    kinds = {change.kind for change in first.changes}
    assert {"workspace", "guardrail", "default_guardrail", "key", "key_assignment", "member_assignment",
            "workspace_member", "workspace_budget"} <= kinds
    again, _ = plan(client, path)
    assert again.changes == (), [c.address for c in again.changes]
    emulator.reset_counts()
    _, second = apply(client, path, secrets)
    assert second.outcomes() == [] and emulator.write_count() == 0
    # Same-named keys in two workspaces: two keys, two secrets, stored under their addresses' names.
    assert {key.workspace_id for key in live_keys(emulator, "ci")} == {workspace_id(emulator, "platform"),
                                                                       workspace_id(emulator, "sandbox")}
    assert {"platform/ci", "sandbox/ci"} <= set(secrets_in(secrets))
    budgets = client.list_workspace_budgets("platform").data
    assert {b.interval: b.limit_usd for b in budgets} == {"lifetime": 1000, "weekly": 100}
    default = client.get_guardrail(client.get_workspace("sandbox").default_guardrail_id)
    assert (default.limit_usd, default.reset_interval) == (5, "daily")
    assert {m.user_id for m in client.list_workspace_members("platform")} == {"user_2dHFtDaveMember00000000004"}


def test_a_key_moved_by_hand_is_moved_back_with_one_patch_and_keeps_its_hash(emulator, tmp_path):
    path, secrets = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 5\n"), tmp_path / "s.json"
    client = emulator.client()
    [key] = live_keys(emulator, "ci-smoke")
    default_id = key.workspace_id
    client.update_key(key.hash, {"workspace_id": workspace_id(emulator, "research")})   # by hand
    planned, _ = plan(client, path)
    [change] = planned.changes
    assert (change.address, change.action, change.live_id) == ("key.ci-smoke", "update", key.hash)
    assert change.body == {"workspace_id": default_id}
    _, journal = apply(client, path, secrets)
    assert failures(journal) == []
    [after] = live_keys(emulator, "ci-smoke")
    assert (after.hash, after.workspace_id) == (key.hash, default_id)
    assert not secrets.exists()   # no new key, no new secret
    assert plan(client, path)[0].changes == ()


def test_a_hand_made_key_elsewhere_is_unmanaged_and_pruned_only_there(emulator, tmp_path):
    client = emulator.client()
    research = workspace_id(emulator, "research")
    client.create_key({"name": "scratch", "workspace_id": research})      # a name the file never uses
    client.create_key({"name": "ci-smoke", "workspace_id": research})     # a namesake of a declared key
    text = ("keys:\n  - {name: ci-smoke}\n  - {name: prod-backend}\n  - {name: old-prototype}\n"
            "  - {name: research-notebook, workspace: research}\n")
    unmanaged, _ = plan(client, write_config(tmp_path, text))
    assert sorted(item.address for item in unmanaged.unmanaged if item.address.startswith("key.")) == [
        "key.research/ci-smoke", "key.research/scratch"]
    assert unmanaged.changes == ()
    pruned, _ = plan(client, write_config(tmp_path, "policy: {prune: true}\n" + text, "pruned.yaml"))
    deletes = sorted((c.address, c.action) for c in pruned.changes if c.kind == "key")
    assert deletes == [("key.research/ci-smoke", "delete"), ("key.research/scratch", "delete")]
    _, journal = apply(client, tmp_path / "pruned.yaml", tmp_path / "s.json")
    assert failures(journal) == []
    [kept] = live_keys(emulator, "ci-smoke")
    assert kept.workspace_id != research and live_keys(emulator, "scratch") == []
    assert live_keys(emulator, "research-notebook") != []


def test_a_guardrail_found_only_in_another_workspace_is_created_and_the_other_left_alone(emulator, tmp_path):
    """A guardrail's workspace is fixed at creation (API-NOTES "Workspaces"), so a namesake in
    another workspace was not moved by hand: taking it for the entry would replace, so delete,
    a guardrail the file never named (DESIGN invariant 7). The entry is created where the file
    puts it, and a warning names the other one."""
    text = ("guardrails:\n  - {name: research-policy, limit_usd: 40, reset_interval: weekly}\n"
            "keys:\n  - {name: ci-smoke, guardrail: research-policy}\n")
    path = write_config(tmp_path, text)
    client = emulator.client()
    research = client.get_workspace("research").id
    [original] = [g for g in client.list_guardrails(workspace_id=research) if g.name == "research-policy"]
    planned, _ = plan(client, path)
    guardrail_changes = [(c.address, c.action) for c in planned.changes if c.kind == "guardrail"]
    assert guardrail_changes == [("guardrail.research-policy", "create")]
    assert not [c for c in planned.changes if c.action in ("delete", "replace")]
    assert any(original.id in warning and "state: absent" in warning for warning in planned.warnings)
    _, journal = apply(client, path, tmp_path / "s.json")
    assert failures(journal) == []
    assert plan(client, path)[0].changes == ()
    still = [g.id for g in client.list_guardrails(workspace_id=research) if g.name == "research-policy"]
    assert still == [original.id]
    [key] = live_keys(emulator, "ci-smoke")
    homes = {g.workspace_id for g in client.list_guardrails(workspace_id=key.workspace_id)
             if g.name == "research-policy"}
    assert homes == {key.workspace_id}


def test_one_workspace_costs_the_listings_of_before_plus_the_workspace_list(make_emulator, tmp_path):
    seed = copy.deepcopy(DEFAULT_SEED)
    seed["workspaces"] = []
    seed["keys"] = [k for k in seed["keys"] if "workspace" not in k]
    seed["guardrails"] = [g for g in seed["guardrails"] if "workspace" not in g]
    seed["key_assignments"] = [a for a in seed["key_assignments"] if a["key"] != "research-notebook"]
    emulator = make_emulator(seed)
    emulator.reset_counts()
    plan(emulator.client(), write_config(tmp_path, "keys:\n  - {name: ci-smoke, limit: 5}\n"))
    counts = {path: count for path, count in emulator.request_counts().items() if path.startswith("GET")}
    assert counts == {"GET /keys": 1, "GET /guardrails": 1, "GET /guardrails/assignments/keys": 1,
                      "GET /guardrails/assignments/members": 1, "GET /organization/members": 1,
                      "GET /workspaces": 1}


def test_budgets_outside_enterprise_fail_with_one_line_and_the_rest_converges(make_emulator, tmp_path):
    seed = copy.deepcopy(DEFAULT_SEED)
    seed["settings"] = {"enterprise": False}
    emulator = make_emulator(seed)
    text = ("workspaces:\n  - {slug: research, budgets: {monthly: 300}}\n"
            "keys:\n  - {name: new-key, workspace: research, limit: 2}\n")
    path = write_config(tmp_path, text)
    client = emulator.client()
    planned, journal = apply(client, path, tmp_path / "s.json")
    assert any("could not be read" in warning for warning in planned.warnings)
    [(address, detail)] = failures(journal)
    assert address == "workspace_budget.research" and "Enterprise" in detail
    after, _ = plan(client, path)
    assert [c.address for c in after.changes] == ["workspace_budget.research"]


@pytest.mark.parametrize("text, where, message", [
    ("guardrails:\n  - {name: ci, workspace: research}\nkeys:\n  - {name: k, guardrail: ci}\n",
     "keys[0].guardrail", "a key takes a guardrail only from its own workspace"),
    ("guardrails:\n  - {name: a, workspace: research}\n  - {name: b, workspace: research}\n"
     "members:\n  - {email: bob@example.com, guardrail: a}\n  - {email: bob@example.com, guardrail: b}\n",
     "members[1].email", "duplicate member"),
    ("workspaces:\n  - {slug: research, budgets: {weekly: 50, monthly: 40}}\n",
     "workspaces[0].budgets", "must be more than"),
    ("workspaces:\n  - slug: research\n    default_guardrail: {name: mine}\n",
     "workspaces[0].default_guardrail.name", "cannot be named"),
])
def test_file_errors_stop_before_any_read_or_write(tmp_path, text, where, message):
    with pytest.raises(ConfigError) as caught:
        load_config(write_config(tmp_path, text))
    assert where in str(caught.value) and message in str(caught.value)
    assert f"{tmp_path / 'org.yaml'}:" in str(caught.value)


def test_deleting_a_workspace_that_still_holds_kept_objects_is_refused_before_any_write(emulator, tmp_path):
    client = emulator.client()
    path = write_config(tmp_path, "workspaces:\n  - {slug: research, state: absent}\n")
    emulator.reset_counts()
    with pytest.raises(ConfigError, match=r"org.yaml:\d+:\d+: workspaces\[0\].state: workspace research still "
                                          r"holds key research-notebook, guardrail research-policy"):
        plan(client, path)
    assert emulator.write_count() == 0
    gone = ("workspaces:\n  - {slug: research, state: absent}\n"
            "guardrails:\n  - {name: research-policy, workspace: research, state: absent}\n"
            "keys:\n  - {name: research-notebook, workspace: research, state: absent}\n")
    planned, journal = apply(client, write_config(tmp_path, gone, "gone.yaml"), tmp_path / "s.json")
    assert failures(journal) == []
    assert [c.address for c in planned.changes][-1] == "workspace.research"
    assert "research" not in {w.slug for w in client.list_workspaces()}


def test_a_default_guardrail_naming_models_by_id_plans_clean_after_apply(emulator, tmp_path):
    text = ("workspaces:\n  - slug: research\n    default_guardrail:\n"
            "      allowed_models: [openai/gpt-4o-mini]\n      limit_usd: 10\n      reset_interval: daily\n")
    path = write_config(tmp_path, text)
    client = emulator.client()
    planned, journal = apply(client, path, tmp_path / "s.json")
    assert [c.address for c in planned.changes] == ["default_guardrail.research"] and failures(journal) == []
    live = client.get_guardrail(client.get_workspace("research").default_guardrail_id)
    assert live.allowed_models != ["openai/gpt-4o-mini"]     # the API stores the canonical slug
    assert plan(client, path)[0].changes == ()
