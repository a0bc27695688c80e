"""`orsync plan` and `orsync apply` read the live org while the config file loads, and a bad
file still comes first: its one-line error, no write, whatever the read was doing."""

from __future__ import annotations

import gc
import time

import pytest

import orsync.config.loader as loader
from tests.cli_runner import point_at, run_cli

SEED = {
    "members": [{"id": "user_alice", "email": "alice@example.com", "role": "org:admin"}],
    "guardrails": [{"name": "ci-policy", "limit_usd": 25, "reset_interval": "monthly"}],
    "keys": [{"name": f"svc-{index:03d}", "limit": 5, "limit_reset": "daily"} for index in range(250)],
    "key_assignments": [{"guardrail": "ci-policy", "key": "svc-000"}],
}
CONFIG = """version: 1
guardrails:
  - name: ci-policy
    limit_usd: 25
    reset_interval: monthly
keys:
  - name: svc-000
    limit: 5
    limit_reset: daily
    guardrail: ci-policy
"""
WAIT_S = 20.0  # far longer than a first request takes; only reached if the read never starts


@pytest.fixture
def org(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(SEED)
    flags = point_at(monkeypatch, emulator)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    config = tmp_path / "org.yaml"
    config.write_text(CONFIG)
    emulator.reset_counts()
    return emulator, flags, config


def _load_after_the_read_began(monkeypatch, emulator) -> list[int]:
    """Make load_config wait until the emulator has served a listing request, and record how
    many it had seen; had the command loaded the file first, nothing would ever arrive."""
    seen: list[int] = []
    real = loader.load_config

    def waiting(path, env=None, **options):
        deadline = time.monotonic() + WAIT_S
        while not emulator.request_counts() and time.monotonic() < deadline:
            time.sleep(0.01)
        seen.append(sum(emulator.request_counts().values()))
        return real(path, env, **options)

    monkeypatch.setattr(loader, "load_config", waiting)
    return seen


@pytest.mark.parametrize("verb", [["plan"], ["drift"]])
def test_the_org_is_read_while_the_file_loads(org, monkeypatch, capsys, verb):
    emulator, flags, config = org
    seen = _load_after_the_read_began(monkeypatch, emulator)
    result = run_cli(capsys, *flags, *verb, str(config), *(["--offline"] if verb == ["plan"] else []))
    assert result.code == 0, result.err
    assert seen and seen[0] >= 1          # requests were out before the file was loaded
    assert emulator.write_count() == 0


def test_apply_reads_the_org_while_the_file_loads(org, monkeypatch, capsys):
    emulator, flags, config = org
    config.write_text(CONFIG.replace("limit: 5", "limit: 6"))
    seen = _load_after_the_read_began(monkeypatch, emulator)
    result = run_cli(capsys, *flags, "apply", str(config), "--yes", "--offline")
    assert result.code == 0, result.err
    assert seen and seen[0] >= 1
    assert emulator.request_counts().get("PATCH /keys/{hash}") == 1


@pytest.mark.parametrize("verb", [["plan"], ["apply", "--yes"]])
def test_a_bad_file_is_the_error_even_while_the_read_runs(org, capsys, verb):
    emulator, flags, config = org
    config.write_text(CONFIG.replace("limit: 5", "limit: five"))
    result = run_cli(capsys, *flags, *verb, str(config))
    assert result.code == 1
    assert result.err.startswith("orsync: error: ") and "org.yaml:8" in result.err
    assert "Traceback" not in result.err and len(result.err.strip().splitlines()) == 1
    assert emulator.write_count() == 0


def test_a_bad_file_comes_before_a_missing_key(org, monkeypatch, capsys):
    emulator, flags, config = org
    monkeypatch.delenv("OPENROUTER_MANAGEMENT_KEY")
    config.write_text(CONFIG.replace("limit: 5", "limit: five"))
    result = run_cli(capsys, *flags, "plan", str(config))
    assert result.code == 1 and "org.yaml:8" in result.err and "management key" not in result.err


def test_the_collector_is_left_as_it_was(org, capsys):
    _, flags, config = org
    before = gc.get_freeze_count()
    result = run_cli(capsys, *flags, "plan", str(config), "--offline")
    assert result.code == 0, result.err
    assert gc.get_freeze_count() == before and gc.isenabled()


def test_applying_a_saved_plan_reads_the_org_while_its_file_loads(org, monkeypatch, capsys, tmp_path):
    emulator, flags, config = org
    config.write_text(CONFIG.replace("limit: 5", "limit: 7"))
    saved = tmp_path / "plan.json"
    assert run_cli(capsys, *flags, "plan", str(config), "--offline", "--out", str(saved)).code == 0
    emulator.reset_counts()
    seen = _load_after_the_read_began(monkeypatch, emulator)
    result = run_cli(capsys, *flags, "apply", str(saved), "--yes")
    assert result.code == 0, result.err
    assert seen and seen[0] >= 1
    assert emulator.request_counts().get("PATCH /keys/{hash}") == 1
