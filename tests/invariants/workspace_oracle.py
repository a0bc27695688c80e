"""What an org with workspaces must look like after apply, judged from the emulator's raw
state (`GET /_emulator/state`) and the file as plain data, without orsync's planner: identity is
the name within its workspace (DESIGN invariant 9)."""

from __future__ import annotations


def _homes(state: dict) -> tuple[dict[str, str], str]:
    ids = {w["slug"]: w["id"] for w in state["workspaces"]}
    default = next(w["id"] for w in state["workspaces"] if w.get("is_default"))
    return ids, default


def check_workspaces(config: dict, state: dict) -> None:
    """The org is what the file says, judged from the emulator's raw state: one live key per
    present entry in its own workspace (none for an absent one), budgets and member lists as
    declared."""
    ids, default = _homes(state)
    keys = [k for k in state["keys"] if not k["is_management"]]
    for entry in config.get("keys", []):
        home = ids[entry["workspace"]] if "workspace" in entry else default
        found = [k for k in keys if k["name"] == entry["name"] and k["workspace_id"] == home]
        expected = 0 if entry.get("state") == "absent" else 1
        assert len(found) == expected, f"key {entry.get('workspace')}/{entry['name']}: {len(found)} live"
        if found and "limit" in entry:
            assert (found[0]["limit"] is None) == (entry["limit"] is None)
    emails = {m["id"]: m["email"] for m in state["members"]}
    for entry in config.get("workspaces", []):
        budgets = {b["interval"]: b["limit_usd"] for b in state["workspace_budgets"]
                   if b["workspace_id"] == ids[entry["slug"]]}
        for interval, limit in (entry.get("budgets") or {}).items():
            assert budgets.get(interval) == limit, f"workspace {entry['slug']}: {interval} is {budgets.get(interval)}"
        if "members" in entry:
            live = {emails[m["user_id"]] for m in state["workspace_members"] if m["workspace_id"] == ids[entry["slug"]]}
            assert live == set(entry["members"]), f"workspace {entry['slug']} members: {sorted(live)}"


def assert_no_duplicate_keys(config: dict, state: dict) -> None:
    """No entry has two live keys in its workspace (checked after every run, faults or not)."""
    ids, default = _homes(state)
    for entry in config.get("keys", []):
        home = ids.get(entry.get("workspace"), default) if "workspace" in entry else default
        count = sum(1 for k in state["keys"] if not k["is_management"] and k["name"] == entry["name"]
                    and k["workspace_id"] == home)
        assert count <= 1, f"{count} live keys for entry {entry.get('workspace')}/{entry['name']}"
