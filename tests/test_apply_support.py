"""Helpers shared by the apply tests (no tests here): running the CLI against an emulator,
applying a config in-process, and recording the order of the requests an emulator serves."""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from orsync.apply.executor import Executor
from tests.cli_runner import CliResult, point_at
from tests.cli_runner import run_cli as run_in_process
from orsync.config.loader import load_config
from orsync.emulator.routes.dispatch import EmulatorResponse, error_body
from orsync.planner.diff import plan_from_state
from orsync.planner.live import read_live_state
from orsync.planner.slugs import read_model_slugs
from orsync.apply.secret_sinks import FileSink

# Fast and bounded retries for tests: no sleeping between attempts.
FAST_CLIENT = {"backoff_base": 0.0, "backoff_cap": 0.0, "sleep": lambda seconds: None}


def run_cli(capsys, emulator, *args: str) -> CliResult:
    """`orsync --base-url EMULATOR ARGS...` in-process, with the emulator's management key."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        return run_in_process(capsys, *point_at(monkeypatch, emulator), *args)


def write_config(directory: Path, text: str, name: str = "org.yaml") -> Path:
    path = directory / name
    path.write_text("version: 1\n" + text, encoding="utf-8")
    return path


def plan_of(client, config_path: Path):
    """As `orsync plan` does: model lists compared through the catalog's canonical slugs."""
    loaded = load_config(config_path)
    state = read_live_state(client)
    slugs, _ = read_model_slugs(client)
    return plan_from_state(loaded, state, model_slugs=slugs), state


def apply_in_process(client, config_path: Path, secrets_path: Path, *, parallelism: int = 8):
    """Plan and apply without the CLI (no confirmation, no safety flags); the journal."""
    plan, state = plan_of(client, config_path)
    live_ids = {k.hash for k in state.keys} | {g.id for g in state.guardrails}
    return Executor(plan, client, sink=FileSink(secrets_path), parallelism=parallelism, known_ids=live_ids).run()


class EmulatorTap:
    """Sits in front of an emulator app: logs every API request in order ("METHOD /path"), and
    answers chosen requests differently, deterministically, unlike the app's random faults.

    `fail(method, path_start, action, times)`: action "drop" applies the request and closes the
    connection unanswered (a lost response), "drop-unapplied" closes it without applying, an int
    answers that status without applying.
    """

    def __init__(self, emulator) -> None:
        self.entries: list[str] = []
        self._rules: list[list] = []
        self._lock = threading.Lock()
        self._original = emulator.app.handle
        emulator.app.handle = self._handle

    def fail(self, method: str, path_start: str, action, times: int = 1) -> None:
        with self._lock:
            self._rules.append([method, path_start, action, times])

    def _action_for(self, method: str, subpath: str):
        with self._lock:
            self.entries.append(f"{method} {subpath}")
            for rule in self._rules:
                if rule[0] == method and subpath.startswith(rule[1]) and rule[3] > 0:
                    rule[3] -= 1
                    return rule[2]
        return None

    def _handle(self, method, path, *args, **kwargs):
        if not path.startswith("/api/v1/"):
            return self._original(method, path, *args, **kwargs)
        action = self._action_for(method.upper(), path.removeprefix("/api/v1"))
        if action is None:
            return self._original(method, path, *args, **kwargs)
        if action == "drop":
            return replace(self._original(method, path, *args, **kwargs), drop=True)
        if action == "drop-unapplied":
            return EmulatorResponse(500, drop=True)
        return EmulatorResponse.json(action, error_body(action, f"injected {action}"))

    def writes(self) -> list[str]:
        with self._lock:
            return [entry for entry in self.entries if not entry.startswith("GET ")]


def secrets_in(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))
