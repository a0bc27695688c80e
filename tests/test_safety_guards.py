"""Issue 13, classes 1, 2, 3 and 5 (and the saved plan's CI retry): nothing is deleted or renamed
that the file did not ask for, through the CLI against an emulator on loopback."""

from __future__ import annotations

import json

import pytest

from tests.test_apply_support import EmulatorTap, run_cli, secrets_in, write_config


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def live_key(emulator, name):
    [record] = [k for k in emulator.state.keys.values() if k.name == name and not k.is_management]
    return record


def live_keys_named(emulator, name):
    return sorted(k.hash for k in emulator.state.keys.values() if k.name == name and not k.is_management)


def guardrail_id(emulator, name):
    [found] = [g.id for g in emulator.state.guardrails.values() if g.name == name]
    return found


# --- class 1: a hand-made namesake is never deleted on a guess ------------------------------------

@pytest.mark.parametrize("declared, by_hand", [
    ('expires_at: "2027-06-30T00:00:00Z"', {"expires_at": "2028-01-01T00:00:00Z"}),
    ('expires_at: "2027-06-30T00:00:00Z"', {"expires_at": "2027-01-01T00:00:00Z"}),
    ('creator_user_id: user_2dHFtAliceAdmin00000000001', {}),
])
def test_a_hand_made_namesake_is_an_error_naming_both_ids_never_a_delete(reset_emulator, capsys, tmp_path,
                                                                          declared, by_hand):
    emulator = reset_emulator
    original = live_key(emulator, "ci-smoke").hash
    made = emulator.client().create_key({"name": "ci-smoke", **by_hand}).data.hash
    config = write_config(tmp_path, f"policy: {{prune: false}}\nkeys:\n  - name: ci-smoke\n    {declared}\n")

    result = run_cli(capsys, emulator, "apply", str(config), "--yes", "--force", "--allow-destroy",
                     "--secrets-out", "s.json")

    assert result.code == 1
    assert "2 live keys are named 'ci-smoke'" in result.err
    assert original in result.err and made in result.err
    assert f"{config}:" in result.err  # located in the file
    assert live_keys_named(emulator, "ci-smoke") == sorted([original, made])


def test_an_interrupted_replacement_is_finished_only_on_its_intent_record(reset_emulator, capsys, tmp_path):
    """The old key's delete fails: two keys share the name. The next apply with the same sink
    finds the intent the first run recorded (old hash) and deletes exactly that key."""
    emulator = reset_emulator
    old = live_key(emulator, "ci-smoke").hash
    config = write_config(tmp_path, 'keys:\n  - name: ci-smoke\n    expires_at: "2028-06-30T00:00:00Z"\n')
    tap = EmulatorTap(emulator)
    tap.fail("DELETE", f"/keys/{old}", 500, times=50)

    first = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    assert first.code == 1 and old in first.out
    [new] = [h for h in live_keys_named(emulator, "ci-smoke") if h != old]
    assert secrets_in(tmp_path / "s.json")["ci-smoke"]["hash"] == new

    plan_only = run_cli(capsys, emulator, "plan", str(config))
    assert plan_only.code == 1 and "2 live keys are named 'ci-smoke'" in plan_only.err

    tap.fail("DELETE", "/keys/", 0, times=0)  # no more failures
    tap._rules.clear()
    second = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    assert second.code == 0, second.err
    assert "replacement started by an earlier apply" in second.out
    assert live_keys_named(emulator, "ci-smoke") == [new]


# --- class 2: protect globs match the live name -----------------------------------------------------

def test_protect_matches_the_live_name_of_a_pinned_key(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    prod = live_key(emulator, "prod-backend").hash
    config = write_config(tmp_path, f"policy: {{protect: ['prod-*']}}\nkeys:\n"
                                    f"  - name: tmp\n    hash: {prod}\n    state: absent\n")

    result = run_cli(capsys, emulator, "apply", str(config), "--yes")

    assert result.code == 1
    assert "prod-backend" in result.err and "protected by 'prod-*'" in result.err
    assert live_keys_named(emulator, "prod-backend") == [prod]


def test_protect_matches_the_live_name_of_a_pinned_guardrail(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    budget = guardrail_id(emulator, "prod-budget")
    config = write_config(tmp_path, f"policy: {{protect: ['prod-*']}}\nguardrails:\n"
                                    f"  - name: tmp\n    id: {budget}\n    state: absent\n")

    result = run_cli(capsys, emulator, "apply", str(config), "--yes")

    assert result.code == 1 and "protected by 'prod-*'" in result.err and "prod-budget" in result.err
    assert budget in emulator.state.guardrails


# --- class 3: a saved plan's guards come from the config -----------------------------------------

@pytest.mark.parametrize("edit", [{"protect": [], "max_deletes": 5}, {"protect": [], "max_deletes": None}])
def test_editing_the_policy_in_a_saved_plan_changes_nothing(reset_emulator, capsys, tmp_path, edit):
    emulator = reset_emulator
    config = write_config(tmp_path, "policy: {protect: ['prod-*'], max_deletes: 0}\nkeys:\n"
                                    "  - name: prod-backend\n    state: absent\n")
    planned = run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json")
    assert planned.code == 0, planned.err
    document = json.loads((tmp_path / "plan.json").read_text())
    document["policy"] = edit
    (tmp_path / "plan.json").write_text(json.dumps(document))

    result = run_cli(capsys, emulator, "apply", "plan.json")

    assert result.code == 1
    assert ("protected by 'prod-*'" in result.err) or ("over max_deletes 0" in result.err)
    assert live_keys_named(emulator, "prod-backend")


# --- class 5: a pinned rename onto a name another live key holds --------------------------------

def test_a_pinned_rename_onto_a_live_name_is_refused_at_plan_time(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    prototype = live_key(emulator, "old-prototype").hash
    config = write_config(tmp_path, f"keys:\n  - name: ci-smoke\n    hash: {prototype}\n")

    result = run_cli(capsys, emulator, "plan", str(config))

    assert result.code == 1
    assert f"{config}:" in result.err and "ci-smoke" in result.err
    assert live_key(emulator, "ci-smoke").hash in result.err
    emulator.reset_counts()
    applied = run_cli(capsys, emulator, "apply", str(config), "--yes")
    assert applied.code == 1 and emulator.write_count() == 0


def test_a_pinned_rename_onto_a_name_being_freed_goes_ahead(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    prototype = live_key(emulator, "old-prototype").hash
    config = write_config(tmp_path, f"keys:\n  - name: ci-smoke\n    hash: {prototype}\n"
                                    f"  - name: ci-old\n    hash: {live_key(emulator, 'ci-smoke').hash}\n")

    result = run_cli(capsys, emulator, "apply", str(config), "--yes")

    assert result.code == 0, result.err
    assert live_keys_named(emulator, "ci-smoke") == [prototype]


# --- class 8: a CI retry of a saved plan that already applied -------------------------------------

def test_a_saved_plan_applied_twice_says_already_applied(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 7\n")
    assert run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json").code == 0
    assert run_cli(capsys, emulator, "apply", "plan.json").code == 0

    emulator.reset_counts()
    again = run_cli(capsys, emulator, "apply", "plan.json")

    assert again.code == 0, again.err
    assert "already applied" in (again.out + again.err)
    assert emulator.write_count() == 0
