"""GitHub's step summary and the PR comment through the CLI against the emulator (issues 13 and 14)."""

from __future__ import annotations

import pytest

from tests.cli_runner import point_at, run_cli

SEED = {"keys": [{"name": "ci", "limit": 5}]}
CONFIG = """version: 1
keys:
  - name: ci
    limit: {limit}
"""
CI_VARIABLES = ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_JOB_URL")


@pytest.fixture
def org(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(SEED)
    flags = point_at(monkeypatch, emulator)
    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "org.yaml"
    config.write_text(CONFIG.format(limit=7))
    return emulator, flags, config


@pytest.mark.parametrize("where", ["missing-dir/summary.md", "a-directory"])
def test_an_unwritable_step_summary_is_a_warning_not_a_failed_plan(org, capsys, monkeypatch, tmp_path, where):
    emulator, flags, config = org
    (tmp_path / "a-directory").mkdir()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / where))
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 0, result.err
    assert "~ key.ci\n      limit: 5 -> 7" in result.out
    assert result.err.startswith(f"orsync: warning: cannot write the step summary to {tmp_path / where}: ")
    assert "internal error" not in result.err and result.err.count("\n") == 1
    assert run_cli(capsys, *flags, "plan", str(config), "--detailed-exitcode").code == 2


def test_drift_writes_a_drift_heading_to_the_step_summary(org, capsys, monkeypatch, tmp_path):
    emulator, flags, config = org
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_cli(capsys, *flags, "drift", str(config), "--format", "markdown")
    assert result.code == 2
    assert result.out.startswith("### orsync drift: 0 to create, 1 to update")
    assert summary.read_text().startswith("### orsync drift: ")
    assert "orsync plan:" not in summary.read_text()


def test_apply_summarises_done_failed_and_not_attempted_in_the_step_summary(org, capsys, monkeypatch, tmp_path):
    emulator, flags, config = org
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    config.write_text(CONFIG.format(limit=7) + "  - name: new-one\n    limit: 1\n")
    result = run_cli(capsys, *flags, "apply", str(config), "--yes", "--secrets-out", str(tmp_path / "s.json"))
    assert result.code == 0, result.err
    written = summary.read_text()
    assert "### orsync apply complete: 2 done, 0 failed, 0 not attempted" in written
    assert "New secrets: 1 written to the chosen sink." in written
    assert "sk-or-" not in written


def test_apply_with_an_unwritable_step_summary_still_succeeds(org, capsys, monkeypatch, tmp_path):
    emulator, flags, config = org
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "nowhere" / "summary.md"))
    result = run_cli(capsys, *flags, "apply", str(config), "--yes")
    assert result.code == 0, result.err
    assert "orsync: warning: cannot write the step summary" in result.err


def test_a_cut_comment_points_at_this_ci_run(monkeypatch):
    from orsync.step_summary import full_plan_pointer

    for name in CI_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert full_plan_pointer() is None                        # the comment then says `orsync plan`
    monkeypatch.setenv("CI_JOB_URL", "https://gitlab.example/acme/org/-/jobs/7")
    assert "[this job](https://gitlab.example/acme/org/-/jobs/7)" in full_plan_pointer()
    for name, value in (("GITHUB_SERVER_URL", "https://github.example"), ("GITHUB_REPOSITORY", "acme/org"),
                        ("GITHUB_RUN_ID", "42")):
        monkeypatch.setenv(name, value)
    assert "[this workflow run](https://github.example/acme/org/actions/runs/42)" in full_plan_pointer()


def test_an_incomplete_apply_lists_what_failed_and_what_was_not_attempted():
    from orsync.apply.journal import Journal
    from orsync.apply.summary import render_summary_markdown
    from orsync.planner.diff import plan_from_state
    from tests.live_factories import config, key, live

    plan = plan_from_state(config(keys=[{"name": "a", "limit": 1}, {"name": "b|`x`", "limit": 2},
                                        {"name": "c", "limit": 3}]),
                           live(keys=[key("a"), key("b|`x`"), key("c")]))
    journal = Journal(plan)
    first, second, _ = plan.changes
    journal.done(first)
    journal.failed(second, "502 upstream\nsaid <no>")
    markdown = render_summary_markdown(journal)
    assert markdown.startswith("### orsync apply incomplete: 1 done, 1 failed, 1 not attempted\n")
    assert "**Failed:**\n\n- `` key.b|`x` `` (update): 502 upstream\\\\nsaid \\<no\\>\n" in markdown
    assert "**Not attempted:**\n\n- `key.c` (update): apply stopped before it\n" in markdown
