"""`orsync apply` end to end: the CLI against an emulator on loopback."""

from __future__ import annotations

import io
import json
import shutil
import stat
import sys
from pathlib import Path

import pytest

from tests.test_apply_support import EmulatorTap, run_cli, secrets_in, write_config

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"

NEW_KEY = """
keys:
  - name: fresh-key
    limit: 3
    limit_reset: daily
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


def live_secret_values(emulator) -> list[str]:
    """Secrets of every API key the emulator holds (the management key's excluded)."""
    return [record.secret for record in emulator.state.keys.values() if not record.is_management]


def test_example_converges_and_a_second_apply_writes_nothing(emulator, capsys, tmp_path):
    config = tmp_path / "org.yaml"
    shutil.copy(EXAMPLE, config)

    first = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "secrets.json")
    assert first.code == 0, first.err
    assert "Apply complete" in first.out

    after = run_cli(capsys, emulator, "plan", str(config), "--detailed-exitcode")
    assert after.code == 0 and "No changes" in after.out

    emulator.reset_counts()
    second = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "secrets.json")
    assert second.code == 0
    assert emulator.write_count() == 0


def test_quick_start_with_the_embedded_emulator(capsys, tmp_path):
    shutil.copy(EXAMPLE, tmp_path / "org.yaml")

    def orsync(*args: str):
        with pytest.raises(SystemExit) as exited:
            from orsync.cli import main

            main(["--emulator", *args])
        return exited.value.code, capsys.readouterr()

    assert orsync("plan", "org.yaml")[0] == 0
    code, output = orsync("apply", "org.yaml", "--yes", "--secrets-out", "secrets.json")
    assert code == 0, output.err
    code, output = orsync("plan", "org.yaml", "--detailed-exitcode")
    assert code == 0 and "No changes" in output.out
    assert (tmp_path / ".orsync").is_dir()
    assert set(secrets_in(tmp_path / "secrets.json")) >= {"ds-notebooks", "web-chat", "batch-backfill"}


def test_secrets_go_to_the_sink_only_with_mode_0600(emulator, capsys, tmp_path):
    config = write_config(tmp_path, NEW_KEY)
    planned = run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json")
    assert planned.code == 0

    result = run_cli(capsys, emulator, "apply", "plan.json", "--secrets-out", "secrets.json")

    assert result.code == 0, result.err
    stored = secrets_in(tmp_path / "secrets.json")
    live = emulator.state.key_named("fresh-key")
    assert stored == {"fresh-key": {"hash": live.hash, "key": live.secret}}
    assert stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode) == 0o600
    for secret in live_secret_values(emulator):
        assert secret not in result.out and secret not in result.err
        assert secret not in (tmp_path / "plan.json").read_text()


def test_under_github_actions_each_secret_is_masked_and_shown_nowhere_else(emulator, capsys, tmp_path,
                                                                             monkeypatch):
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    config = write_config(tmp_path, NEW_KEY + "  - name: second-key\n")

    result = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")

    assert result.code == 0, result.err
    for name in ("fresh-key", "second-key"):
        secret = emulator.state.key_named(name).secret
        assert f"::add-mask::{secret}\n" in result.out
        assert result.out.count(secret) == 1
        assert secret not in result.err


def test_a_plan_creating_keys_is_refused_without_a_sink_before_any_write(emulator, capsys, tmp_path):
    config = write_config(tmp_path, """
guardrails:
  - name: made-first
    limit_usd: 5
    reset_interval: daily
""" + NEW_KEY)
    emulator.reset_counts()

    result = run_cli(capsys, emulator, "apply", str(config), "--yes")

    assert result.code == 1
    assert "--secrets-out" in result.err and "key.fresh-key" in result.err
    assert emulator.write_count() == 0


def test_without_yes_and_without_a_terminal_apply_refuses_to_ask(emulator, capsys, tmp_path):
    config = write_config(tmp_path, NEW_KEY)
    emulator.reset_counts()

    result = run_cli(capsys, emulator, "apply", str(config), "--secrets-out", "s.json")

    assert result.code == 1
    assert "stdin is not a terminal" in result.err and "--yes" in result.err
    assert emulator.write_count() == 0


def test_a_stale_saved_plan_is_refused_naming_what_changed(emulator, capsys, tmp_path):
    config = write_config(tmp_path, """
keys:
  - name: ci-smoke
    limit: 7
  - name: prod-backend
    limit: 300
""")
    assert run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json").code == 0
    ci_smoke = emulator.state.key_named("ci-smoke").hash
    emulator.http().patch(f"/keys/{ci_smoke}", json={"disabled": True}).raise_for_status()
    emulator.reset_counts()

    result = run_cli(capsys, emulator, "apply", "plan.json")

    assert result.code == 1
    assert "stale" in result.err and "key.ci-smoke" in result.err
    assert "key.prod-backend" not in result.err
    assert emulator.write_count() == 0


def test_a_saved_plan_whose_config_file_changed_is_refused(emulator, capsys, tmp_path):
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 7\n")
    assert run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json").code == 0
    config.write_text(config.read_text() + "  - name: another\n")
    emulator.reset_counts()

    result = run_cli(capsys, emulator, "apply", "plan.json", "--secrets-out", "s.json")

    assert result.code == 1
    assert "org.yaml changed since the plan was made" in result.err
    assert emulator.write_count() == 0


def test_an_unchanged_saved_plan_applies_without_asking(emulator, capsys, tmp_path):
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 7\n")
    assert run_cli(capsys, emulator, "plan", str(config), "--out", "plan.json").code == 0

    result = run_cli(capsys, emulator, "apply", "plan.json")

    assert result.code == 0, result.err
    assert emulator.state.key_named("ci-smoke").limit == 7


@pytest.mark.parametrize("policy,flag,expected", [
    ('protect: ["ci-*"]', "--allow-destroy", "key.ci-smoke is protected"),
    ("max_deletes: 0", "--force", "over max_deletes 0"),
])
def test_safety_guards_refuse_before_any_write_unless_overridden(emulator, capsys, tmp_path, policy,
                                                                 flag, expected):
    config = write_config(tmp_path, f"""
policy:
  {policy}
keys:
  - name: ci-smoke
    expires_at: "2028-01-01T00:00:00Z"
""")
    emulator.reset_counts()

    refused = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    assert refused.code == 1 and expected in refused.err
    assert emulator.write_count() == 0

    allowed = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json", flag)
    assert allowed.code == 0, allowed.err


def test_a_mid_apply_failure_is_summarised_and_a_rerun_converges(emulator, capsys, tmp_path):
    config = write_config(tmp_path, """
guardrails:
  - name: broken
    limit_usd: 5
    reset_interval: daily
  - name: fine
    limit_usd: 6
    reset_interval: daily
keys:
  - name: under-broken
    guardrail: broken
  - name: under-fine
    guardrail: fine
  - name: old-prototype
    state: absent
""")
    tap = EmulatorTap(emulator)
    tap.fail("POST", "/guardrails", 400, times=1)  # the first guardrail create is refused

    failed = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")

    assert failed.code == 1
    summary = failed.out[failed.out.index("Apply incomplete"):]
    assert "Failed:" in summary and "injected 400" in summary
    assert "Not attempted:" in summary and "was not created" in summary
    assert "apply incomplete" in failed.err
    # Everything that did not depend on the failed guardrail went ahead.
    assert emulator.state.key_named("old-prototype") is None
    assert emulator.state.key_named("under-broken") is not None
    assert emulator.state.key_named("under-fine") is not None

    rerun = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    assert rerun.code == 0, rerun.err
    assert "No changes" in run_cli(capsys, emulator, "plan", str(config)).out
    assert set(secrets_in(tmp_path / "s.json")) == {"under-broken", "under-fine"}


def test_a_json_plan_on_stdout_and_the_summary_say_nothing_secret(emulator, capsys, tmp_path):
    config = write_config(tmp_path, NEW_KEY)
    result = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-command",
                     f"sh -c 'cat > {tmp_path / 'from-stdin.json'}'")

    assert result.code == 0, result.err
    document = json.loads((tmp_path / "from-stdin.json").read_text())
    live = emulator.state.key_named("fresh-key")
    assert document == {"name": "fresh-key", "hash": live.hash, "key": live.secret}
    assert live.secret not in result.out + result.err


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer,code,writes", [("n\n", 1, False), ("y\n", 0, True)])
def test_on_a_terminal_apply_asks_first(emulator, capsys, tmp_path, monkeypatch, answer, code, writes):
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 8\n")
    monkeypatch.setattr(sys, "stdin", Terminal(answer))
    emulator.reset_counts()

    result = run_cli(capsys, emulator, "apply", str(config))

    assert result.code == code
    assert "Apply these 1 change(s)" in result.err
    assert (emulator.write_count() > 0) == writes
    if not writes:
        assert "cancelled; nothing was changed" in result.err
