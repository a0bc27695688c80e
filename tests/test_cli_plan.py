"""`orsync plan` and `orsync drift` end to end: the CLI against an emulator over loopback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import point_at, run_cli

SEED = {
    "members": [{"id": "user_alice", "email": "alice@example.com", "first_name": "Alice",
                 "last_name": "Doe", "role": "org:admin"}],
    "guardrails": [{"name": "ci-policy", "limit_usd": 25, "reset_interval": "monthly",
                    "allowed_models": ["openai/gpt-4o-mini"]}],
    "keys": [{"name": "ci-smoke", "limit": 5, "limit_reset": "daily"}, {"name": "hand-made"}],
    "key_assignments": [{"guardrail": "ci-policy", "key": "ci-smoke"}],
}
MATCHING = """version: 1
guardrails:
  - name: ci-policy
    limit_usd: 25
    reset_interval: monthly
    allowed_models: [openai/gpt-4o-mini]
keys:
  - name: ci-smoke
    limit: 5
    limit_reset: daily
    guardrail: ci-policy
"""


@pytest.fixture
def org(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(SEED)
    flags = point_at(monkeypatch, emulator)
    config = tmp_path / "org.yaml"
    config.write_text(MATCHING)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    return emulator, flags, config


def test_matching_org_plans_no_changes_and_detailed_exitcode_is_zero(org, capsys):
    emulator, flags, config = org
    result = run_cli(capsys, *flags, "plan", str(config), "--detailed-exitcode")
    assert result.code == 0, result.err
    assert "No changes. The live org matches the file." in result.out
    assert "Unmanaged (left alone; policy.prune: true would delete them): 1 key" in result.out


def test_changed_file_gives_exit_2_with_detailed_exitcode(org, capsys):
    emulator, flags, config = org
    config.write_text(MATCHING.replace("limit: 5", "limit: 7"))
    result = run_cli(capsys, *flags, "plan", str(config), "--detailed-exitcode")
    assert result.code == 2
    assert "~ key.ci-smoke\n      limit: 5 -> 7" in result.out
    assert run_cli(capsys, *flags, "plan", str(config)).code == 0   # without the flag: 0


def test_drift_reports_the_object_and_field_changed_by_hand_and_never_writes(org, capsys):
    emulator, flags, config = org
    ci_key = next(k for k in emulator.state.keys.values() if k.name == "ci-smoke")
    emulator.http().patch(f"/keys/{ci_key.hash}", json={"limit": 50}).raise_for_status()
    emulator.reset_counts()
    result = run_cli(capsys, *flags, "drift", str(config))
    assert result.code == 2
    assert "~ key.ci-smoke\n      limit: 50 -> 5" in result.out
    assert "drift: 1 object(s) differ" in result.err
    assert emulator.write_count() == 0
    assert run_cli(capsys, *flags, "drift", str(config), "--format", "json").code == 2


def test_drift_in_sync_exits_zero(org, capsys):
    emulator, flags, config = org
    assert run_cli(capsys, *flags, "drift", str(config)).code == 0


def test_plan_reads_each_listing_once(org, capsys):
    emulator, flags, config = org
    emulator.reset_counts()
    run_cli(capsys, *flags, "plan", str(config), "--offline")
    counts = emulator.request_counts()
    # One workspace: the listings of an org without workspaces, plus the workspace list.
    assert counts == {"GET /keys": 1, "GET /guardrails": 1, "GET /guardrails/assignments/keys": 1,
                      "GET /guardrails/assignments/members": 1, "GET /organization/members": 1,
                      "GET /workspaces": 1}
    assert emulator.write_count() == 0


def test_out_saves_a_plan_without_secrets_and_json_format_parses(org, capsys, tmp_path):
    emulator, flags, config = org
    config.write_text(MATCHING + "  - name: brand-new\n    limit: 1\n")
    saved = tmp_path / "plan.json"
    result = run_cli(capsys, *flags, "plan", str(config), "--out", str(saved), "--format", "json")
    assert result.code == 0
    printed, stored = json.loads(result.out), json.loads(saved.read_text())
    assert printed["summary"]["create"] == stored["summary"]["create"] == 1
    assert emulator.management_key not in saved.read_text() + result.out + result.err
    assert "sk-or-v1-" not in saved.read_text()


def test_markdown_goes_to_the_github_step_summary(org, capsys, monkeypatch, tmp_path):
    emulator, flags, config = org
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run_cli(capsys, *flags, "plan", str(config))
    assert summary.read_text().startswith("### orsync plan: 0 to create")


def test_unauthorised_read_is_an_error_not_an_empty_org(org, capsys, monkeypatch):
    emulator, flags, config = org
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "sk-or-v1-fake-wrong-key")
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 1
    assert result.err.startswith("orsync: error: GET /")
    assert "401" in result.err and len(result.err.strip().splitlines()) == 1
    assert "to create" not in result.out


def test_unknown_member_fails_with_file_and_line(org, capsys):
    emulator, flags, config = org
    config.write_text(MATCHING + "members:\n  - email: nobody@example.com\n    guardrail: ci-policy\n")
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 1
    assert f"{config}:13:5: members[0].email: nobody@example.com is not a member" in result.err


def test_duplicate_live_names_fail_naming_both_ids(make_emulator, monkeypatch, tmp_path, capsys):
    emulator = make_emulator({**SEED, "keys": [{"name": "twin"}, {"name": "twin"}], "key_assignments": []})
    flags = point_at(monkeypatch, emulator)
    config = tmp_path / "org.yaml"
    config.write_text("version: 1\nkeys:\n  - name: twin\n    limit: 1\n")
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 1
    hashes = [k.hash for k in emulator.state.keys.values() if k.name == "twin"]
    assert all(h in result.err for h in hashes) and ":3:" in result.err


def test_embedded_emulator_quick_start_plans(capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    example = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"
    result = run_cli(capsys, "--emulator", "plan", str(example), "--detailed-exitcode")
    assert result.code == 2
    assert "to create" in result.out and (tmp_path / ".orsync").is_dir()
