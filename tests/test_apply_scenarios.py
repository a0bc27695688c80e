"""Convergence and idempotence, scenario by scenario, against an emulator on loopback.

Each scenario applies a config to the default emulator org, then proves that a plan shows no
changes (convergence) and that a second apply sends no write (idempotence, counted at the
emulator); each also checks the effect a user would look for.
"""

from __future__ import annotations

import pytest

from tests.test_apply_support import EmulatorTap, apply_in_process, plan_of, secrets_in, write_config

CAROL = "user_2dHFtCarolMember0000000003"
BOB = "user_2dHFtBobMember000000000002"
DECLARED = "guardrails:\n  - name: ci-policy\n  - name: prod-budget\n"


def converge(emulator, tmp_path, text: str):
    """Apply `text`; assert it made writes, converged, and that a second apply writes nothing."""
    config = write_config(tmp_path, text)
    client = emulator.client()
    emulator.reset_counts()
    journal = apply_in_process(client, config, tmp_path / "secrets.json")
    assert journal.ok, [o for o in journal.outcomes() if o.status != "done"]
    assert emulator.write_count() > 0
    plan, _ = plan_of(client, config)
    assert plan.changes == (), [c.address for c in plan.changes]
    emulator.reset_counts()
    again = apply_in_process(client, config, tmp_path / "secrets.json")
    assert again.ok and again.outcomes() == []
    assert emulator.write_count() == 0
    return journal


def guardrail_named(emulator, name):
    return next(g for g in emulator.state.guardrails.values() if g.name == name)


def guardrail_of(emulator, key_name):
    return emulator.state.guardrail_of_key(emulator.state.key_named(key_name).hash)


def test_create_guardrail_key_and_assignment(emulator, tmp_path):
    converge(emulator, tmp_path, """
guardrails:
  - name: new-policy
    limit_usd: 10
    reset_interval: weekly
    allowed_models: [openai/gpt-4o-mini]
keys:
  - name: new-key
    limit: 2
    guardrail: new-policy
""")
    assert guardrail_of(emulator, "new-key").name == "new-policy"
    stored = secrets_in(tmp_path / "secrets.json")
    assert stored["new-key"]["hash"] == emulator.state.key_named("new-key").hash


@pytest.mark.parametrize("field,value", [
    ("limit", "9.5"), ("limit_reset", "weekly"), ("include_byok_in_limit", "true"), ("disabled", "true"),
])
def test_update_each_key_field(emulator, tmp_path, field, value):
    converge(emulator, tmp_path, f"keys:\n  - name: ci-smoke\n    {field}: {value}\n")
    assert str(getattr(emulator.state.key_named("ci-smoke"), field)).lower() == value


@pytest.mark.parametrize("field,value", [
    ("description", "changed"), ("limit_usd", "30"), ("reset_interval", "weekly"),
    ("allowed_models", "[openai/gpt-4o]"), ("allowed_providers", "[openai]"),
    ("ignored_providers", "[together]"), ("ignored_models", "[openai/gpt-4o]"),
    ("enforce_zdr", "true"), ("include_byok_in_budgets", "true"),
])
def test_update_each_guardrail_field(emulator, tmp_path, field, value):
    extra = "\n    reset_interval: monthly" if field == "limit_usd" else ""
    converge(emulator, tmp_path, f"guardrails:\n  - name: ci-policy\n    {field}: {value}{extra}\n")


@pytest.mark.parametrize("section,name,field", [
    ("keys", "ci-smoke", "limit"), ("keys", "ci-smoke", "limit_reset"),
    ("guardrails", "ci-policy", "description"), ("guardrails", "ci-policy", "allowed_models"),
    ("guardrails", "ci-policy", "limit_usd"),
])
def test_clear_with_null(emulator, tmp_path, section, name, field):
    converge(emulator, tmp_path, f"{section}:\n  - name: {name}\n    {field}: null\n")
    live = (emulator.state.key_named(name) if section == "keys" else guardrail_named(emulator, name))
    assert getattr(live, field) is None


def test_replace_on_expires_at_creates_and_assigns_before_deleting(emulator, tmp_path):
    old = emulator.state.key_named("ci-smoke").hash
    tap = EmulatorTap(emulator)

    converge(emulator, tmp_path, 'keys:\n  - name: ci-smoke\n    expires_at: "2028-01-01T00:00:00Z"\n')

    new = emulator.state.key_named("ci-smoke").hash
    assert new != old and old not in emulator.state.keys
    writes = tap.writes()
    create, assign, delete = (writes.index("POST /keys"),
                              next(i for i, w in enumerate(writes) if w.endswith("/assignments/keys")),
                              writes.index(f"DELETE /keys/{old}"))
    assert create < assign < delete
    assert guardrail_of(emulator, "ci-smoke").name == "ci-policy"  # inherited from the old key
    assert secrets_in(tmp_path / "secrets.json")["ci-smoke"]["hash"] == new


def test_rename_via_hash_pin_keeps_the_key(emulator, tmp_path):
    pinned = emulator.state.key_named("ci-smoke").hash
    tap = EmulatorTap(emulator)
    converge(emulator, tmp_path, f"keys:\n  - name: ci-renamed\n    hash: {pinned}\n")
    assert emulator.state.keys[pinned].name == "ci-renamed"
    assert tap.writes() == [f"PATCH /keys/{pinned}"]


def test_a_disabled_key_is_found_not_created_again(emulator, tmp_path):
    tap = EmulatorTap(emulator)
    converge(emulator, tmp_path, "keys:\n  - name: old-prototype\n    limit: 4\n")
    assert "POST /keys" not in tap.writes()
    assert emulator.state.key_named("old-prototype").disabled


def test_create_then_disable(emulator, tmp_path):
    tap = EmulatorTap(emulator)
    converge(emulator, tmp_path, "keys:\n  - name: born-disabled\n    disabled: true\n")
    record = emulator.state.key_named("born-disabled")
    assert record.disabled
    assert tap.writes() == ["POST /keys", f"PATCH /keys/{record.hash}"]
    assert secrets_in(tmp_path / "secrets.json")["born-disabled"]["key"] == record.secret


def test_moves_between_guardrails(emulator, tmp_path):
    converge(emulator, tmp_path, DECLARED + """
keys:
  - name: ci-smoke
    guardrail: prod-budget
  - name: prod-backend
    guardrail: ci-policy
""")
    assert guardrail_of(emulator, "ci-smoke").name == "prod-budget"
    assert guardrail_of(emulator, "prod-backend").name == "ci-policy"


def test_member_assignments_assign_move_and_remove(emulator, tmp_path):
    converge(emulator, tmp_path, DECLARED + """
members:
  - email: bob@example.com
    guardrail: ci-policy
  - id: user_2dHFtCarolMember0000000003
    guardrail: null
  - email: dave@example.com
    guardrail: prod-budget
""")
    assert emulator.state.guardrail_of_member(BOB).name == "ci-policy"
    assert emulator.state.guardrail_of_member(CAROL) is None


def test_key_assignment_removed_with_null(emulator, tmp_path):
    converge(emulator, tmp_path, "keys:\n  - name: ci-smoke\n    guardrail: null\n")
    assert guardrail_of(emulator, "ci-smoke") is None


def test_prune_deletes_what_is_not_declared(emulator, tmp_path):
    converge(emulator, tmp_path, """
policy:
  prune: true
guardrails:
  - name: ci-policy
keys:
  - name: ci-smoke
""")
    default = emulator.state.default_workspace_id
    keys = {(k.name, k.workspace_id == default) for k in emulator.state.keys.values() if not k.is_management}
    guardrails = {(g.name, g.workspace_id in (default, None)) for g in emulator.state.guardrails.values()}
    # In the default workspace only what is declared; the research workspace, which this file
    # never names, is out of prune's reach (ADR 0004).
    assert keys == {("ci-smoke", True), ("research-notebook", False)}
    assert guardrails == {("ci-policy", True), ("research-policy", False)}


def test_state_absent_deletes_the_key_and_the_guardrail(emulator, tmp_path):
    converge(emulator, tmp_path, """
guardrails:
  - name: prod-budget
    state: absent
keys:
  - name: old-prototype
    state: absent
""")
    assert emulator.state.key_named("old-prototype") is None
    assert all(g.name != "prod-budget" for g in emulator.state.guardrails.values())
    assert guardrail_of(emulator, "prod-backend") is None
