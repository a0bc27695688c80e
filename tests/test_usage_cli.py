"""`orsync usage` end to end: a key driven past 80 % of its limit by real inference calls."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_runner import point_at, run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"
MAX_CALLS = 40
BODY = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Reply with OK"}]}


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")


@pytest.fixture
def cli(emulator, capsys, monkeypatch):
    flags = point_at(monkeypatch, emulator)
    return lambda *args: run_cli(capsys, *flags, *args)


def spend_past(emulator, name: str, fraction: float) -> float:
    """Create key `name` and call chat with it until it has spent `fraction` of its limit."""
    client = emulator.client()
    cost = client.chat_completions(BODY, api_key=_secret(client, "probe"))["usage"]["cost"]
    limit = round(cost * 10.5, 10)  # ten calls take it to 95 %, the eleventh is still allowed
    created = client.create_key({"name": name, "limit": limit, "limit_reset": "daily"})
    secret = created.key.get_secret_value()
    for _ in range(MAX_CALLS):
        key = client.get_key(created.data.hash)
        spent = (key.limit - key.limit_remaining) / key.limit
        if spent >= fraction:
            return spent
        client.chat_completions(BODY, api_key=secret)
    raise AssertionError(f"{name} did not reach {fraction:.0%} in {MAX_CALLS} calls")


def _secret(client, name: str) -> str:
    return client.create_key({"name": name}).key.get_secret_value()


def test_a_key_driven_past_80_percent_is_flagged_and_fail_at_exits_2(cli, emulator):
    spent = spend_past(emulator, "hungry", 0.8)
    assert 0.8 <= spent < 1.0

    result = cli("usage")
    assert result.code == 0, result.err
    hungry = next(line for line in result.out.splitlines() if line.startswith("hungry"))
    assert hungry.endswith(f"{spent:.0%}  WARN")
    assert "at or over 80% of their limit: hungry" in result.out
    # The seeded keys are far below their limits and stay unflagged.
    ci = next(line for line in result.out.splitlines() if line.startswith("ci-smoke"))
    assert not ci.endswith("WARN")

    failing = cli("usage", "--fail-at", "0.8")
    assert failing.code == 2
    assert "orsync: usage: at or over 80% of their limit: hungry" in failing.err
    assert cli("usage", "--fail-at", "0.99").code == 0

    document = json.loads(cli("usage", "--format", "json").out)
    assert document["flagged"] == ["hungry"]
    assert next(k for k in document["keys"] if k["name"] == "hungry")["used_fraction"] == pytest.approx(spent)

    markdown = cli("usage", "--format", "markdown").out
    assert "| hungry |" in markdown and "| WARN |" in markdown


def test_with_a_file_only_the_keys_it_declares(cli, emulator):
    assert cli("apply", str(EXAMPLE), "--yes", "--secrets-out", "secrets.json").code == 0
    emulator.client().create_key({"name": "not-in-the-file", "limit": 1})

    result = cli("usage", str(EXAMPLE), "--format", "json")
    assert result.code == 0, result.err
    names = {row["name"] for row in json.loads(result.out)["keys"]}
    assert names == {"prod-backend", "ci-smoke", "ds-notebooks", "ds-embeddings", "web-chat",
                     "batch-nightly", "batch-backfill", "research/research-notebook", "support/support-bot"}
    budgets = {(row["workspace"], row["interval"]) for row in json.loads(result.out)["workspace_budgets"]}
    assert budgets == {("research", "monthly"), ("research", "daily"), ("support", "monthly"), ("support", "weekly")}


def test_thresholds_are_fractions(cli):
    result = cli("usage", "--warn-at", "80")
    assert result.code == 1 and "a fraction of the limit" in result.err


def test_every_workspace_and_its_budgets(make_emulator, capsys, monkeypatch, tmp_path):
    emulator = make_emulator({
        "settings": {"enterprise": True},
        "workspaces": [{"slug": "research", "name": "Research", "budgets": {"lifetime": 100, "daily": 10}}],
        "keys": [{"name": "ci", "workspace": "research", "usage": 70, "usage_daily": 9.2},
                 {"name": "ci", "usage": 1}]})
    flags = point_at(monkeypatch, emulator)

    result = run_cli(capsys, *flags, "usage", "--format", "json", "--fail-at", "0.9")

    assert result.code == 2
    data = json.loads(result.out)
    assert {row["name"] for row in data["keys"]} == {"ci", "research/ci"}
    assert [(b["interval"], b["spent"], b["level"]) for b in data["workspace_budgets"]] == [
        ("lifetime", 70.0, "ok"), ("daily", 9.2, "fail")]
    assert "research daily budget" in result.err

    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nkeys:\n  - name: ci\n    workspace: research\n")
    only = json.loads(run_cli(capsys, *flags, "usage", str(path), "--format", "json").out)
    assert [row["name"] for row in only["keys"]] == ["research/ci"] and only["workspace_budgets"] == []
