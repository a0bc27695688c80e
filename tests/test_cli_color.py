"""Colour follows the conventions (no-color.org, force-color.org: only a non-empty value counts;
--no-color wins), and shell completion scripts are produced."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cli_runner import point_at, run_cli

ANSI = "\x1b["
ORG = "version: 1\nkeys:\n  - name: coloured-key\n    limit: 5\n"


@pytest.fixture
def plan_args(tmp_path, monkeypatch, reset_emulator) -> list[str]:
    for name in ("NO_COLOR", "FORCE_COLOR", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)
    org = tmp_path / "org.yaml"
    org.write_text(ORG, encoding="utf-8")
    return [*point_at(monkeypatch, reset_emulator), "plan", "--offline", str(org)]


def plan_output(capsys, args: list[str]) -> str:
    result = run_cli(capsys, *args)
    assert result.code == 0, result.err
    assert "coloured-key" in result.out
    return result.out


@pytest.mark.parametrize("environment,coloured", [
    ({}, False),                                   # piped (captured), nothing asked
    ({"FORCE_COLOR": "1"}, True),                  # forced although piped
    ({"FORCE_COLOR": ""}, False),                  # empty: not set
    ({"FORCE_COLOR": "1", "NO_COLOR": ""}, True),  # an empty NO_COLOR does not disable colour
    ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
])
def test_colour_follows_the_environment(capsys, monkeypatch, plan_args, environment, coloured):
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    assert (ANSI in plan_output(capsys, plan_args)) == coloured


def test_no_color_flag_wins_over_force_color(capsys, monkeypatch, plan_args):
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert ANSI not in plan_output(capsys, ["--no-color", *plan_args])


def completion(variable: str, **extra: str) -> subprocess.CompletedProcess:
    orsync = Path(sys.executable).parent / "orsync"
    command = [str(orsync)] if orsync.exists() else [sys.executable, "-m", "orsync"]
    env = {**os.environ, "_ORSYNC_COMPLETE": variable, **extra}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("shell,expected", [
    ("bash", "complete -o nosort -F _orsync_completion orsync"),
    ("zsh", "compdef _orsync_completion orsync"),
    ("fish", "complete --no-files --command orsync"),
])
def test_completion_scripts_are_produced(shell, expected):
    done = completion(f"{shell}_source")
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout


def test_bash_completion_offers_the_verbs():
    done = completion("bash_complete", COMP_WORDS="orsync val", COMP_CWORD="1")
    assert done.returncode == 0, done.stderr
    assert "plain,validate" in done.stdout.splitlines()
