"""Issue 13 classes 6, 8 and 9 through the CLI: a read that lies, odd inputs, two applies at once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from orsync.emulator.routes.dispatch import EmulatorResponse
from tests.cli_runner import run_cli as run_in_process
from tests.test_apply_support import run_cli, write_config

ROOT = Path(__file__).resolve().parent.parent
KEYS_AND_GUARDRAILS = """
guardrails:
  - name: ci-policy
keys:
  - name: ci-smoke
  - name: brand-new
"""


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("OPENROUTER_BASE_URL", raising=False)


def answer_empty(emulator, path: str) -> None:
    """A proxy in front of the API that answers `{"data": []}` for one listing."""
    honest = emulator.app.handle

    def handle(method, url_path, *args, **kwargs):
        if method.upper() == "GET" and url_path.split("?")[0] == f"/api/v1{path}":
            return EmulatorResponse.json(200, {"data": [], "total_count": 0})
        return honest(method, url_path, *args, **kwargs)

    emulator.app.handle = handle


# --- class 6: an empty listing is an error, per listing ------------------------------------------

@pytest.mark.parametrize("listing, named", [("/keys", "keys"), ("/guardrails", "guardrails")])
def test_one_listing_answered_empty_stops_plan_and_apply(emulator, capsys, tmp_path, listing, named):
    answer_empty(emulator, listing)
    config = write_config(tmp_path, KEYS_AND_GUARDRAILS)

    planned = run_cli(capsys, emulator, "plan", str(config))
    emulator.reset_counts()
    applied = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")

    for result in (planned, applied):
        assert result.code == 1
        assert f"lists no {named} at all" in result.err and "--allow-empty-org" in result.err
        assert result.err.startswith(f"orsync: error: {config}:")
    assert emulator.write_count() == 0


def test_allow_empty_org_says_the_org_is_really_empty(emulator, capsys, tmp_path):
    answer_empty(emulator, "/keys")
    config = write_config(tmp_path, "keys:\n  - name: first-key\n")
    result = run_cli(capsys, emulator, "plan", str(config), "--allow-empty-org")
    assert result.code == 0 and "key.first-key" in result.out


def test_a_file_declaring_no_key_expects_none(emulator, capsys, tmp_path):
    answer_empty(emulator, "/keys")
    config = write_config(tmp_path, "guardrails:\n  - name: ci-policy\nkeys: []\n")
    assert run_cli(capsys, emulator, "plan", str(config)).code == 0


# --- class 8: the small ones ---------------------------------------------------------------------

def test_closed_stdin_is_a_clear_error(reset_emulator, tmp_path):
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n    limit: 9\n")
    env = {**os.environ, "OPENROUTER_MANAGEMENT_KEY": reset_emulator.management_key, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(f"{sys.executable} -m orsync --base-url {reset_emulator.base_url} apply {config} <&-",
                            shell=True, capture_output=True, text=True, env=env, cwd=tmp_path)
    assert result.returncode == 1
    assert "stdin is not a terminal" in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("text, where", [
    ('{"ci-smoke": "just-a-string"}', "ci-smoke"),
    ('["not", "an", "object"]', "JSON object"),
    ('{"ci-smoke": {"hash": "abc"}}', "key"),
])
def test_a_secrets_file_of_another_shape_is_a_located_one_line_error(reset_emulator, capsys, tmp_path, text, where):
    (tmp_path / "s.json").write_text(text)
    config = write_config(tmp_path, "keys:\n  - name: fresh-one\n")

    applied = run_cli(capsys, reset_emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    ran = run_cli(capsys, reset_emulator, "run", "chat", "--key", "ci-smoke", "--secrets-file", "s.json",
                  "--model", "openai/gpt-4o-mini", "hi")

    for result in (applied, ran):
        assert result.code == 1
        [line] = result.err.strip().splitlines()
        assert "s.json" in line and where in line and "string indices" not in line and "internal error" not in line


def test_a_base_url_that_is_not_a_url_is_named(capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENROUTER_BASE_URL", "not a url")
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "fake-management-key")
    config = write_config(tmp_path, "keys: []\n")
    result = run_in_process(capsys, "plan", str(config))
    assert result.code == 1
    assert "'not a url' is not a URL" in result.err and "://" not in result.err.split("e.g.")[0]


def test_a_base_url_without_api_v1_gets_a_hint(emulator, capsys, tmp_path, monkeypatch):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
    root = emulator.base_url.removesuffix("/api/v1")
    config = write_config(tmp_path, "keys: []\n")
    result = run_in_process(capsys, "--base-url", root, "plan", str(config))
    assert result.code == 1
    assert f"did you mean {root}/api/v1" in result.err


def test_every_live_duplicate_name_is_reported(reset_emulator, capsys, tmp_path):
    emulator = reset_emulator
    client = emulator.client()
    extra = [client.create_key({"name": name}).data.hash for name in ("ci-smoke", "prod-backend")]
    config = write_config(tmp_path, "keys:\n  - name: ci-smoke\n  - name: prod-backend\n")

    result = run_cli(capsys, emulator, "plan", str(config))

    assert result.code == 1 and len(result.err.strip().splitlines()) == 1
    assert "'ci-smoke'" in result.err and "'prod-backend'" in result.err
    assert all(live_id in result.err for live_id in extra)


def test_emulator_with_base_url_is_refused(capsys, tmp_path, emulator):
    config = write_config(tmp_path, "keys: []\n")
    result = run_in_process(capsys, "--emulator", "--base-url", emulator.base_url, "plan", str(config))
    assert result.code == 1 and "--emulator" in result.err and "--base-url" in result.err


# --- class 9: two applies at once ----------------------------------------------------------------

def test_a_second_apply_that_sees_the_first_creating_is_refused_before_writing(reset_emulator, capsys, tmp_path,
                                                                               monkeypatch):
    """The second run reads the org, then the first run creates the same keys before the second
    starts writing: the second refuses, naming them, and writes nothing."""
    from orsync.apply import session

    emulator = reset_emulator
    config = write_config(tmp_path, "keys:\n  - name: race-a\n  - name: race-b\n")
    honest = session._confirm
    first = {}

    def meanwhile_the_first_run_applies(plan, yes, target):
        honest(plan, yes, target)
        monkeypatch.setattr(session, "_confirm", honest)
        first["result"] = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "first.json")
        emulator.reset_counts()

    monkeypatch.setattr(session, "_confirm", meanwhile_the_first_run_applies)
    second = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "second.json")

    assert first["result"].code == 0
    assert second.code == 1 and "appeared since it was read" in second.err
    assert "key.race-a" in second.err and "key.race-b" in second.err
    assert emulator.write_count() == 0
    names = [k.name for k in emulator.state.keys.values()]
    assert names.count("race-a") == 1 and names.count("race-b") == 1
    assert not (tmp_path / "second.json").exists() or json.loads((tmp_path / "second.json").read_text()) == {}


def test_a_second_apply_with_the_same_sink_is_refused_while_the_first_runs(reset_emulator, capsys, tmp_path):
    """Same runner, same secrets file: the running apply holds its intent record's lock."""
    from orsync.apply.intents import Intents
    from orsync.apply.secret_sinks import FileSink

    emulator = reset_emulator
    config = write_config(tmp_path, "keys:\n  - name: race-a\n")
    running = Intents(FileSink(tmp_path / "s.json"))
    try:
        emulator.reset_counts()
        second = run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json")
    finally:
        running.close()
    assert second.code == 1 and "another orsync apply is using" in second.err
    assert emulator.write_count() == 0
    assert run_cli(capsys, emulator, "apply", str(config), "--yes", "--secrets-out", "s.json").code == 0
