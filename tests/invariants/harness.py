"""Driving orsync as a user does (its `main()`, in-process) against one emulator reused across
hypothesis examples, and the checks shared by the convergence, fault and concurrency suites."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from orsync.cli import main

from .oracle import Oracle, api_keys

# Bounds of the suites: apply reruns under faults; seconds before a case counts as a hang (a
# bound, not a timing assertion: cases end in milliseconds).
MAX_APPLY_RUNS = 8
HANG_SECONDS = 20
_ENV_LOCK = threading.Lock()


class Hang(BaseException):
    """Raised by the alarm; a BaseException so that no `except Exception` in orsync hides it."""


@contextlib.contextmanager
def bounded(seconds: float = HANG_SECONDS):
    """Turns a hang of the main thread into a Hang exception after `seconds`."""
    def alarm(signum, frame):
        raise Hang(f"still running after {seconds} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@contextlib.contextmanager
def fast_cli_clients(attempts: Callable[[], int] = lambda: 8):
    """CLI clients that retry without sleeping, `attempts()` times a request."""
    from orsync.cli.context import AppContext
    from tests.test_apply_support import FAST_CLIENT

    honest = AppContext.client

    def fast_client(self, **overrides):
        return honest(self, **{**FAST_CLIENT, "max_attempts": attempts(), **overrides})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(AppContext, "client", fast_client)
        yield


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


def orsync(*args: str, env: dict[str, str] | None = None) -> CliResult:
    """`orsync ARGS` through main(), stdout and stderr captured, exit status returned."""
    out, err = io.StringIO(), io.StringIO()
    with _environment(env or {}), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main(list(args))
            code = 0
        except SystemExit as exited:
            code = exited.code if isinstance(exited.code, int) else 1
    return CliResult(code, out.getvalue(), err.getvalue())


@contextlib.contextmanager
def _environment(values: dict[str, str]):
    with _ENV_LOCK:
        previous = {name: os.environ.get(name) for name in values}
        os.environ.update(values)
    try:
        yield
    finally:
        with _ENV_LOCK:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value


class FaultCounter:
    """Counts the faults the emulator injects, by kind (wraps its injector's decision)."""

    def __init__(self, app) -> None:
        self.counts: Counter[str] = Counter()
        self._pick = app.faults.pick
        self._lock = threading.Lock()
        app.faults.pick = self._counted

    def _counted(self, is_write: bool) -> str | None:
        fault = self._pick(is_write)
        if fault is not None:
            with self._lock:
                self.counts[fault] += 1
        return fault


@dataclass
class Org:
    """One running emulator, reseeded per example, and a work directory for files."""

    emulator: Any
    workdir: Path
    _files: int = field(default=0)

    @property
    def env(self) -> dict[str, str]:
        return {"OPENROUTER_MANAGEMENT_KEY": self.emulator.management_key}

    def reseed(self, seed: dict) -> None:
        self.emulator.control("POST", "/seed", seed)
        self.emulator.reset_counts()

    def state(self) -> dict:
        return self.emulator.control("GET", "/state")

    def new_file(self, name: str, text: str | None = None) -> Path:
        """A fresh path in the work directory (`org.yaml` -> `org-7.yaml`), written if text is given."""
        self._files += 1
        stem, _, suffix = name.partition(".")
        path = self.workdir / f"{stem}-{self._files}.{suffix}"
        if text is not None:
            path.write_text(text, encoding="utf-8")
        return path

    def cli(self, *args: str) -> CliResult:
        return orsync("--base-url", self.emulator.base_url, *args, env=self.env)

    def apply(self, config: Path, secrets: Path) -> CliResult:
        # --allow-destroy/--force: safety guards are tested elsewhere; here every valid file applies.
        # --allow-empty-org: generated orgs may start with no keys or guardrails at all (the check
        # of an empty read is tested in tests/test_safety_inputs.py).
        return self.cli("apply", str(config), "--yes", "--allow-destroy", "--force", "--allow-empty-org",
                        "--secrets-out", str(secrets))

    def pending_changes(self, config: Path) -> list[str]:
        """The addresses `orsync plan` still shows (empty: converged); fails on a plan error.
        Not --offline: model lists compare through the catalog's canonical slugs, as users plan."""
        result = self.cli("plan", str(config), "--format", "json", "--detailed-exitcode",
                          "--allow-empty-org")
        assert result.code in (0, 2), f"plan after apply failed: {result.err.strip()}"
        changes = json.loads(result.out)["resource_changes"]
        return [f"{c['address']} {c['action']}" for c in changes]


@dataclass
class Applied:
    """What applying a file until it converged took."""

    runs: int
    outputs: list[CliResult]
    before: dict
    after: dict
    secrets: Path


def apply_until_converged(org: Org, config: Path, max_runs: int, declared: dict | None = None) -> Applied:
    """Apply up to `max_runs` times, stopping at the first run that exits 0; with `declared`
    (the file as data), check after every run that no entry has two live keys."""
    before = org.state()
    secrets = org.new_file("secrets.json")
    outputs = []
    for _ in range(max_runs):
        outputs.append(org.apply(config, secrets))
        if declared is not None:
            Oracle(declared, before, org.state()).check_no_duplicates()
        if outputs[-1].code == 0:
            break
        assert_one_line_error(outputs[-1])
    assert outputs[-1].code == 0, (
        f"apply did not converge in {max_runs} run(s); last: {outputs[-1].err.strip()[-500:]}")
    return Applied(len(outputs), outputs, before, {}, secrets)


def assert_one_line_error(result: CliResult) -> None:
    """A failed run ends with exactly one `orsync: error:` line and no traceback."""
    assert "Traceback" not in result.text, result.text[-2000:]
    errors = [line for line in result.err.splitlines() if line.startswith("orsync: error:")]
    assert len(errors) == 1, f"expected one error line, got: {result.err[-1000:]}"
    assert "internal error" not in result.err, result.err[-1000:]


def check_converged(org: Org, config_path: Path, config: dict, applied: Applied) -> None:
    """The invariants after a successful apply: plan empty, second apply writes nothing,
    the org is what the file says (oracle), secrets all stored and all live."""
    pending = org.pending_changes(config_path)
    assert pending == [], f"apply then plan shows changes: {pending}"
    org.emulator.reset_counts()
    again = org.apply(config_path, applied.secrets)
    assert again.code == 0, again.err
    assert org.emulator.write_count() == 0, f"a second apply wrote: {org.emulator.request_counts()}"
    applied.after = org.state()
    Oracle(config, applied.before, applied.after).check()
    check_secrets(applied)


def check_secrets(applied: Applied) -> None:
    """Every key this apply created has its secret in the sink; every stored secret is a live
    key, or one that apply said it deleted."""
    stored = json.loads(applied.secrets.read_text()) if applied.secrets.exists() else {}
    before, after = api_keys(applied.before), api_keys(applied.after)
    for key_hash, key in after.items():
        if key_hash not in before:
            assert stored.get(key["name"]) == {"hash": key_hash, "key": key["secret"]}, (
                f"new key {key['name']} ({key_hash[:8]}) has no secret in the sink")
    deletions = [line for result in applied.outputs for line in result.text.splitlines() if "deleted" in line]
    for name, entry in stored.items():
        assert entry["hash"] in after or any(entry["hash"][:8] in line for line in deletions), (
            f"the sink holds a secret for {name} ({entry['hash'][:8]}), a key that is gone unannounced")


def converge(org: Org, scenario, max_runs: int = 1, faults: dict | None = None) -> Applied:
    """Seed the org, apply the scenario's file (rerunning up to max_runs, under `faults` if
    given: the arguments of set_faults), then check every invariant with faults off."""
    org.reseed(scenario.seed)
    config_path = org.new_file("org.yaml", scenario.yaml)
    with injected(org, faults):
        applied = apply_until_converged(org, config_path, max_runs, declared=scenario.config)
    check_converged(org, config_path, scenario.config, applied)
    return applied


def refused_up_front(org: Org, scenario, max_runs: int = 1, faults: dict | None = None) -> int:
    """The plan refuses the file with one line located in it, and nothing was written; the runs
    it took (under faults, a run may fail reading before it gets to refuse)."""
    org.reseed(scenario.seed)
    config_path = org.new_file("org.yaml", scenario.yaml)
    with injected(org, faults):
        for run in range(1, max_runs + 1):
            result = org.apply(config_path, org.new_file("secrets.json"))
            assert result.code == 1, f"apply of a file the plan must refuse exited {result.code}"
            assert_one_line_error(result)
            if f"orsync: error: {config_path}:" in result.err:
                break
    assert f"orsync: error: {config_path}:" in result.err, f"not refused in the file: {result.err.strip()}"
    assert org.emulator.write_count() == 0, f"refused only after writing: {org.emulator.request_counts()}"
    return run


@contextlib.contextmanager
def injected(org: Org, faults: dict | None):
    if faults:
        org.emulator.set_faults(**faults)
    try:
        yield
    finally:
        if faults:
            org.emulator.set_faults(0.0, latency_ms=0)


def check_scenario(org: Org, scenario, suite: str, max_runs: int = 1, faults: dict | None = None) -> int:
    """The property of a generated scenario: refused up front when it cannot converge by design
    (classes.REFUSED), else converged with every invariant holding. Records figures; the runs."""
    from .classes import refusal_expected, tricky_classes
    from .figures import FIGURES

    FIGURES.add(f"{suite}.examples")
    for name in tricky_classes(scenario):
        FIGURES.add(f"{suite}.class.{name}")
    refusal = refusal_expected(scenario)
    if refusal:
        FIGURES.add(f"{suite}.refused.{refusal}")
        return refused_up_front(org, scenario, max_runs, faults)
    runs = converge(org, scenario, max_runs, faults).runs
    FIGURES.add(f"{suite}.converged_after_runs.{runs}")
    return runs
