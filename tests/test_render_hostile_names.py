"""Names made by hand with control characters, through the CLI against the emulator (issue 13 class 7).

A colleague's key called "prod<CR><ESC>]0;...<BEL>ok<U+202E>..." must not rewrite the terminal
line that announces its deletion, nor break the table or the warning box of a PR comment: every
renderer shows such characters as escapes, while the JSON plan keeps the exact name.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.cli_runner import point_at, run_cli

HOSTILE = "prod\r\x1b]0;pwned\x07ok\x1b[2K\u202eevil\u2028x\ty\n`|p"
SHOWN = "prod\\r\\x1b]0;pwned\\x07ok\\x1b[2K\\u202eevil\\u2028x\\ty\\n`|p"
RAW = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff]")
CONFIG = """version: 1
policy:
  prune: true
keys:
  - name: ci
    limit: 5
"""


@pytest.fixture
def org(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator({"keys": [{"name": "ci", "limit": 5}]})
    flags = point_at(monkeypatch, emulator)
    with emulator.http(emulator.management_key) as http:   # made by hand, as in the dashboard
        assert http.post("/keys", json={"name": HOSTILE, "limit": 1}).status_code == 201
    config = tmp_path / "org.yaml"
    config.write_text(CONFIG)
    for name in ("GITHUB_STEP_SUMMARY", "GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_RUN_ID", "CI_JOB_URL"):
        monkeypatch.delenv(name, raising=False)
    return emulator, flags, config


def assert_shown_not_obeyed(text: str) -> None:
    assert not RAW.search(text), RAW.search(text)


def test_text_plan_shows_the_name_escaped_on_one_line(org, capsys):
    emulator, flags, config = org
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 0, result.err
    assert_shown_not_obeyed(result.out + result.err)
    assert f"  - key.{SHOWN}  (not declared and policy.prune is true)\n" in result.out


def test_markdown_plan_keeps_its_table_and_warning_box_whole(org, capsys):
    emulator, flags, config = org
    result = run_cli(capsys, *flags, "plan", str(config), "--format", "markdown")
    assert result.code == 0, result.err
    assert_shown_not_obeyed(result.out)
    rows = [line for line in result.out.splitlines() if line.startswith("| `")]
    assert len(rows) == 1
    assert len(re.split(r"(?<!\\)\|", rows[0])) == 6     # four cells: the name's pipe is escaped
    assert f"``key.{SHOWN.replace('|', chr(92) + '|')}``" in rows[0]   # one code span, backtick inside
    warning = next(line for line in result.out.splitlines() if line.startswith("> **Destroys"))
    assert f"``key.{SHOWN}`` (delete)" in warning


def test_json_plan_keeps_the_exact_name(org, capsys):
    emulator, flags, config = org
    result = run_cli(capsys, *flags, "plan", str(config), "--format", "json")
    deleted = json.loads(result.out)["resource_changes"][0]
    assert deleted["live_name"] == HOSTILE and deleted["change"]["before"]["name"] == HOSTILE
    assert deleted["mode"] == "managed" and deleted["change"]["actions"] == ["delete"]


def test_apply_progress_summary_and_step_summary_are_escaped(org, capsys, monkeypatch, tmp_path):
    emulator, flags, config = org
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    result = run_cli(capsys, *flags, "apply", str(config), "--yes")
    assert result.code == 0, result.err
    assert_shown_not_obeyed(result.out + result.err)
    assert f"key.{SHOWN}" in result.err                     # the progress line of its deletion
    written = summary.read_text()
    assert_shown_not_obeyed(written)
    assert "### orsync apply complete: 1 done, 0 failed, 0 not attempted" in written


def test_get_and_usage_tables_show_the_name_escaped(org, capsys):
    emulator, flags, config = org
    for args in (("get", "keys"), ("usage",)):
        result = run_cli(capsys, *flags, *args)
        assert result.code == 0, (args, result.err)
        assert_shown_not_obeyed(result.out + result.err)
        row = next(line for line in result.out.splitlines() if "prod" in line)
        assert row.startswith("prod\\r\\x1b]0;pwned"), (args, row)
    result = run_cli(capsys, *flags, "usage", "--format", "markdown")
    assert_shown_not_obeyed(result.out)
    row = next(line for line in result.out.splitlines() if "prod" in line)
    assert row.startswith("| prod\\\\r\\\\x1b\\]0;pwned") and len(re.split(r"(?<!\\)\|", row)) == 10


def test_an_error_that_quotes_the_name_is_escaped(org, capsys):
    emulator, flags, config = org
    with emulator.http(emulator.management_key) as http:
        assert http.post("/keys", json={"name": HOSTILE}).status_code == 201   # a namesake
    config.write_text('version: 1\nkeys:\n  - name: "prod\\r\\e]0;pwned\\aok\\e[2K\\u202eevil\\Lx\\ty\\n`|p"\n')
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 1
    assert_shown_not_obeyed(result.err)
    assert SHOWN in result.err and result.err.count("\n") == 1


def test_a_hand_made_guardrail_name_is_escaped_in_assignment_rows(org, capsys):
    emulator, flags, config = org
    with emulator.http(emulator.management_key) as http:
        made = http.post("/guardrails", json={"name": f"g-{HOSTILE}"}).json()["data"]
        ci_hash = next(k["hash"] for k in http.get("/keys").json()["data"] if k["name"] == "ci")
        assert http.post(f"/guardrails/{made['id']}/assignments/keys", json={"key_hashes": [ci_hash]}).status_code == 200
    config.write_text(CONFIG + "    guardrail: null\n")
    text = run_cli(capsys, *flags, "plan", str(config))
    assert text.code == 0, text.err
    assert_shown_not_obeyed(text.out)
    assert f"  - key_assignment.ci: guardrail g-{SHOWN} ({made['id'][:8]})\n" in text.out
    assert f"  - guardrail.g-{SHOWN}  (not declared and policy.prune is true)\n" in text.out
    markdown = run_cli(capsys, *flags, "plan", str(config), "--format", "markdown").out
    assert_shown_not_obeyed(markdown)
    row = next(line for line in markdown.splitlines() if line.startswith("| `-` | `key_assignment.ci`"))
    assert len(re.split(r"(?<!\\)\|", row)) == 6 and "guardrail g-prod\\\\r\\\\x1b\\]0;pwned" in row
