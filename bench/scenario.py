"""The whole benchmark, step by step, against one emulator: every ratio from one run.

1. `orsync --help` start-up, median of several runs.
2. The plan in this process, phase by phase (load, read, diff, render) and its heap peak.
3. `orsync plan CHANGED --out plan.json` as a command: wall, CPU, peak RSS, requests.
4. The per-object baseline (GET each key and guardrail, list each guardrail's assignments).
5. `orsync apply plan.json --yes --parallelism N`: wall and writes.
6. `orsync plan CHANGED --detailed-exitcode` after it: converged (exit 0), no writes.
7. The write phase alone, in this process: the plan back to BASE executed by apply's Executor.
8. `orsync drift BASE`: exit 0, the org is back where it started.
"""

from __future__ import annotations

import io
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import measure
from bench.emulator_process import BenchEmulator, start_emulator
from bench.measure import Baseline, Command, Counted, PlanBreakdown
from bench.org import Sizes, baseline_requests, config_yaml, emulator_seed, minimum_plan_requests

BENCH_MANAGEMENT_KEY = "sk-or-v1-fake-bench-mgmt-key"


@dataclass(frozen=True)
class Settings:
    sizes: Sizes = Sizes()
    latency_ms: float = 20.0
    parallelism: int = 8            # apply's default
    baseline_parallelism: int = 10
    baseline_sample: int = 2_000    # 0: time every baseline call
    startup_runs: int = 7
    repeats: int = 5                # in-process plan runs and `orsync plan` runs; medians shown
    emulator_mode: str = "process"


@dataclass(frozen=True)
class Step:
    """A command and the requests the emulator served while it ran."""

    command: Command
    requests: Counted


@dataclass(frozen=True)
class Results:
    settings: Settings
    startup_s: list[float]
    breakdown: PlanBreakdown
    plan: Step
    baseline: Baseline
    baseline_requests: Counted
    apply: Step
    replan: Step
    write_phase_s: float
    write_phase: Counted
    drift: Step

    @property
    def minimum_requests(self) -> dict[str, int]:
        return minimum_plan_requests(self.settings.sizes)

    @property
    def startup_median_s(self) -> float:
        return statistics.median(self.startup_s)

    @property
    def ideal_apply_s(self) -> float:
        settings = self.settings
        return settings.sizes.updates / settings.parallelism * settings.latency_ms / 1000


def run(settings: Settings, workdir: Path | None = None) -> Results:
    """Seed an emulator, run every step, stop the emulator; a failed step raises."""
    with tempfile.TemporaryDirectory(prefix="orsync-bench-") as scratch:
        directory = Path(workdir or scratch)
        directory.mkdir(parents=True, exist_ok=True)
        base, changed = _write_configs(settings.sizes, directory)
        seed = emulator_seed(settings.sizes, BENCH_MANAGEMENT_KEY)
        emulator = start_emulator(seed, settings.latency_ms, mode=settings.emulator_mode, workdir=directory)
        try:
            return _steps(settings, emulator, directory, base, changed)
        finally:
            emulator.close()


def _write_configs(sizes: Sizes, directory: Path) -> tuple[Path, Path]:
    base, changed = directory / "org.yaml", directory / "org-changed.yaml"
    base.write_text(config_yaml(sizes, changed=False), encoding="utf-8")
    changed.write_text(config_yaml(sizes, changed=True), encoding="utf-8")
    return base, changed


def _steps(settings: Settings, emulator: BenchEmulator, directory: Path, base: Path, changed: Path) -> Results:
    env = _command_env(emulator)
    startup = measure.startup_times(settings.startup_runs, env, directory)
    breakdown = measure.plan_breakdown(changed, emulator, settings.repeats)
    plan = _median_step([_command(emulator, ["plan", changed.name, "--out", "plan.json"], env, directory,
                                  expect=(0,)) for _ in range(max(1, settings.repeats))])
    full = sum(baseline_requests(settings.sizes).values())
    baseline, baseline_counts = measure.counted(emulator, lambda: measure.baseline(
        emulator, settings.baseline_sample, settings.baseline_parallelism, full))
    apply = _command(emulator, ["apply", "plan.json", "--yes", "--parallelism", str(settings.parallelism)],
                     env, directory, expect=(0,))
    replan = _command(emulator, ["plan", changed.name, "--detailed-exitcode"], env, directory, expect=(0,))
    (write_s, _), writes = measure.counted(emulator, lambda: write_phase(base, emulator, settings.parallelism))
    drift = _command(emulator, ["drift", base.name], env, directory, expect=(0,))
    return Results(settings=settings, startup_s=startup, breakdown=breakdown, plan=plan, baseline=baseline,
                   baseline_requests=baseline_counts, apply=apply, replan=replan, write_phase_s=write_s,
                   write_phase=writes, drift=drift)


def _median_step(steps: list[Step]) -> Step:
    """The run with the median wall time (a busy machine slows some runs down)."""
    return sorted(steps, key=lambda step: step.command.wall_s)[len(steps) // 2]


def _command_env(emulator: BenchEmulator) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items()
           if not name.startswith(("OPENROUTER_", "GITHUB_"))}
    env.update(OPENROUTER_BASE_URL=emulator.base_url, OPENROUTER_MANAGEMENT_KEY=emulator.management_key,
               NO_COLOR="1")
    return env


def _command(emulator: BenchEmulator, args: list[str], env: dict[str, str], cwd: Path, *,
             expect: tuple[int, ...]) -> Step:
    command, requests = measure.counted(emulator, lambda: measure.run_command(args, env, cwd))
    if command.exit_code not in expect:
        raise RuntimeError(f"`orsync {' '.join(args)}` exited {command.exit_code}: "
                           f"{command.stderr.strip()[-2000:]}")
    return Step(command=command, requests=requests)


def write_phase(config_file: Path, emulator: BenchEmulator, parallelism: int) -> tuple[float, int]:
    """Plan CONFIG in this process, then time only apply's Executor running it: (seconds, changes)."""
    from orsync.apply.executor import Executor
    from orsync.config.loader import load_config
    from orsync.planner.read import build_plan
    from orsync.progress import Progress

    with measure.client_for(emulator, concurrency=parallelism) as client:
        plan = build_plan(load_config(config_file), client)
        log = io.StringIO()
        executor = Executor(plan, client, sink=None, progress=Progress(len(plan.changes), stream=log, live=False),
                            parallelism=parallelism, mask_stream=log)
        began = time.perf_counter()
        journal = executor.run()
        elapsed = time.perf_counter() - began
    if not journal.ok:
        raise RuntimeError(f"the write phase failed: {journal.count('failed')} change(s) failed")
    return elapsed, len(plan.changes)
