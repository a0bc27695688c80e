"""Workspace kinds on hand-built live state: budget write order, scopes, moves, the live read."""

from __future__ import annotations

from orsync.api.models import Workspace
from orsync.planner.diff import plan_from_state
from orsync.planner.live import LiveState
from orsync.resources.workspace_budgets import ordered_writes
from live_factories import STAMP, config, key

DEFAULT_ID, RESEARCH_ID = "00000000-0000-4000-8000-00000000000d", "00000000-0000-4000-8000-00000000000r"


def workspace(slug: str, id: str) -> Workspace:
    return Workspace(id=id, slug=slug, name=slug.title(), created_at=STAMP,
                     default_guardrail_id=f"{id[:-1]}g")


def org(keys=(), **rows) -> LiveState:
    return LiveState({"workspaces": [workspace("default", DEFAULT_ID), workspace("research", RESEARCH_ID)],
                      "keys": list(keys), "guardrails": [], "key_assignments": [], "member_assignments": [],
                      "members": [], **rows}, default_scope=DEFAULT_ID)


def test_budget_writes_delete_first_then_raise_widest_first_then_lower_narrowest_first():
    before = {"lifetime": 100.0, "monthly": 50.0, "weekly": 20.0, "daily": 10.0}
    after = {"lifetime": 1000.0, "monthly": 40.0, "weekly": None, "daily": 5.0}
    assert ordered_writes(before, after) == [
        ["delete", "weekly", None, None], ["put", "lifetime", 1000.0, None],
        ["put", "daily", 5.0, None], ["put", "monthly", 40.0, None]]


def test_a_new_budget_is_set_after_the_narrower_ones_fall():
    before = {"daily": 150.0}
    after = {"weekly": 100.0, "daily": 20.0}
    assert [w[1] for w in ordered_writes(before, after)] == ["daily", "weekly"]


def test_budget_writes_raise_from_the_widest_interval():
    before = {"monthly": 50.0, "weekly": 20.0, "daily": 10.0}
    after = {"monthly": 500.0, "weekly": 200.0, "daily": 100.0}
    assert [w[1] for w in ordered_writes(before, after)] == ["monthly", "weekly", "daily"]


def test_the_byok_flag_alone_rides_on_the_widest_budget_that_stays():
    before = {"monthly": 50.0, "daily": 10.0, "include_byok_in_budgets": False}
    assert ordered_writes(before, {"include_byok_in_budgets": True}) == [["put", "monthly", 50.0, True]]


def test_a_file_without_workspaces_plans_default_workspace_keys_as_before():
    plan = plan_from_state(config(keys=[{"name": "ci", "limit": 5}]), org([key("ci", limit=1, workspace_id=DEFAULT_ID)]))
    [change] = plan.changes
    assert (change.address, change.body) == ("key.ci", {"limit": 5})


def test_same_name_in_two_workspaces_is_two_objects():
    live = org([key("ci", hash="a" * 64, workspace_id=DEFAULT_ID), key("ci", hash="b" * 64, workspace_id=RESEARCH_ID)])
    plan = plan_from_state(config(keys=[{"name": "ci"}, {"name": "ci", "workspace": "research", "limit": 2}]), live)
    [change] = plan.changes
    assert (change.address, change.live_id) == ("key.research/ci", "b" * 64)


def test_a_key_in_another_workspace_is_moved_back_not_created():
    plan = plan_from_state(config(keys=[{"name": "ci", "workspace": "research"}]),
                           org([key("ci", hash="c" * 64, workspace_id=DEFAULT_ID)]))
    [change] = plan.changes
    assert (change.address, change.action, change.live_id) == ("key.research/ci", "update", "c" * 64)
    assert change.before == {"name": "ci", "workspace": "default"}
    assert change.body == {"workspace_id": RESEARCH_ID}


def test_a_name_in_two_other_workspaces_is_not_a_move():
    third = workspace("sandbox", "00000000-0000-4000-8000-00000000000s")
    live = org([key("ci", hash="d" * 64, workspace_id=RESEARCH_ID), key("ci", hash="e" * 64, workspace_id=third.id)],
               workspaces=[workspace("default", DEFAULT_ID), workspace("research", RESEARCH_ID), third])
    [change] = plan_from_state(config(keys=[{"name": "ci"}]), live).changes
    assert (change.address, change.action) == ("key.ci", "create")


def test_workspace_default_guardrails_are_not_guardrails():
    from live_factories import guardrail

    default = guardrail(f"Workspace {RESEARCH_ID} Default", id=f"{RESEARCH_ID[:-1]}g", workspace_id=RESEARCH_ID)
    plan = plan_from_state(config(policy={"prune": True}), org(guardrails=[default]))
    assert plan.changes == () and plan.unmanaged == ()


def test_budgets_that_would_break_the_order_with_a_live_one_are_refused_at_plan_time():
    import pytest
    from orsync.api.models import WorkspaceBudget
    from orsync.errors import ConfigError

    daily = WorkspaceBudget(id="b1", workspace_id=RESEARCH_ID, limit_usd=50, reset_interval="daily", created_at=STAMP)
    cfg = config(workspaces=[{"slug": "research", "budgets": {"weekly": 20}}])
    with pytest.raises(ConfigError, match="weekly 20 would not be above daily 50 .*declare daily too"):
        plan_from_state(cfg, org(workspace_budgets=[daily]))
    assert cfg.located[-1] == ("workspaces", 0, "budgets")


def test_the_default_workspace_members_cannot_be_declared():
    import pytest
    from orsync.errors import ConfigError

    with pytest.raises(ConfigError, match="default workspace, whose members are every member"):
        plan_from_state(config(workspaces=[{"slug": "default", "members": ["bob@example.com"]}]),
                        org(workspace_members=[]))


def test_a_workspace_pinned_by_id_takes_its_new_slug_with_one_patch():
    [change] = plan_from_state(config(workspaces=[{"slug": "science", "id": RESEARCH_ID}]), org()).changes
    assert (change.address, change.action, change.live_id) == ("workspace.science", "update", RESEARCH_ID)
    assert change.body == {"slug": "science"}


def test_a_new_workspace_needs_a_name():
    import pytest
    from orsync.errors import ConfigError

    with pytest.raises(ConfigError, match="does not exist yet, and creating it needs a name"):
        plan_from_state(config(workspaces=[{"slug": "fresh"}]), org())


def test_protect_globs_match_names_in_every_workspace():
    live = org([key("prod-api", hash="f" * 64, workspace_id=RESEARCH_ID)])
    # The file names the workspace: prune reaches only the workspaces a file speaks of.
    plan = plan_from_state(config(policy={"prune": True, "protect": ["prod-*"]}, workspaces=[{"slug": "research"}]),
                           live)
    [change] = plan.changes
    assert (change.address, change.action) == ("key.research/prod-api", "delete")
    assert plan.safety_violations() == ["key.research/prod-api is protected by 'prod-*' and would be deleted "
                                        "(use --allow-destroy)"]


def test_a_workspace_whose_keys_move_out_may_be_deleted():
    live = org([key("ci", hash="9" * 64, workspace_id=RESEARCH_ID)])
    plan = plan_from_state(config(workspaces=[{"slug": "research", "state": "absent"}], keys=[{"name": "ci"}]), live)
    assert [(c.address, c.action) for c in plan.changes] == [("key.ci", "update"), ("workspace.research", "delete")]
    assert plan.changes[0].body == {"workspace_id": DEFAULT_ID}


def test_the_byok_flag_without_any_budget_is_refused_at_plan_time():
    import pytest
    from orsync.errors import ConfigError

    with pytest.raises(ConfigError, match="has no budget, and include_byok_in_budgets is set with one"):
        plan_from_state(config(workspaces=[{"slug": "research", "include_byok_in_budgets": True}]),
                        org(workspace_budgets=[]))
