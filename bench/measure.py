"""One figure each: start-up, plan (in-process breakdown and as a command), baseline, apply.

Every function returns plain numbers; the harness decides what to compare them with. Commands
run as subprocesses through the installed `orsync` console script, as a user's CI would run
them; their CPU time and peak memory come from wait4() for that one child.
"""

from __future__ import annotations

import json
import shutil
import statistics
import subprocess
import sys
import time
import tracemalloc
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.emulator_process import BenchEmulator


@dataclass(frozen=True)
class Command:
    """How one `orsync ...` subprocess went."""

    argv: tuple[str, ...]
    exit_code: int
    wall_s: float
    cpu_s: float          # user + system of the child
    max_rss_mb: float
    stderr: str


@dataclass(frozen=True)
class PlanBreakdown:
    """The phases of a plan run in this process (medians over the repeats)."""

    load_s: float         # reading and validating the config file
    load_cpu_s: float
    read_s: float         # every listing, concurrently
    read_cpu_s: float     # of the whole process: the client's worker threads parsing pages
    diff_wall_s: float    # plan_from_state
    diff_cpu_s: float
    diff_cpu_min_s: float # the least of the repeats: what the code costs when nothing else runs
    render_s: float
    total_s: float
    total_cpu_s: float
    requests: int         # as the client counted them (retries included)
    changes: int
    heap_peak_mb: float   # tracemalloc, in a separate pass so tracing does not skew the timings


@dataclass(frozen=True)
class Baseline:
    sampled_requests: int
    sample_s: float
    full_requests: int

    @property
    def extrapolated_s(self) -> float:
        return self.sample_s * self.full_requests / self.sampled_requests

    @property
    def sampled(self) -> bool:
        return self.sampled_requests < self.full_requests


@dataclass
class Counted:
    """Requests the emulator served during one step, per route."""

    counts: dict[str, int] = field(default_factory=dict)
    writes: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def orsync_argv() -> list[str]:
    """The installed console script next to this interpreter (not a pyenv shim in between)."""
    beside = Path(sys.executable).with_name("orsync")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("orsync")
    if found is None:
        raise RuntimeError("the orsync console script is not installed (pip install -e .)")
    return [found]


# Runs one command and reports how it went. A separate small process forks it, because a child
# forked straight from the harness inherits the harness's peak RSS in its own ru_maxrss (Linux
# records the old memory's high-water mark at exec), and the harness holds a whole org by then.
_LAUNCHER = """
import json, os, sys, time
began = time.perf_counter()
pid = os.fork()
if pid == 0:
    os.execv(sys.argv[2], sys.argv[2:])
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - began
with open(sys.argv[1], "w") as report:
    json.dump({"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "max_rss": usage.ru_maxrss,
               "exit": os.waitstatus_to_exitcode(status)}, report)
"""


def run_command(args: list[str], env: dict[str, str], cwd: Path) -> Command:
    """Run `orsync ARGS`; stdout is discarded to a file, stderr kept for the report."""
    argv = orsync_argv() + args
    report = cwd / "command.rusage.json"
    with (cwd / "command.stdout").open("wb") as out, (cwd / "command.stderr").open("wb") as err:
        subprocess.run([sys.executable, "-c", _LAUNCHER, str(report), *argv], stdout=out, stderr=err,
                       env=env, cwd=cwd, check=True)
    figures = json.loads(report.read_text(encoding="utf-8"))
    stderr = (cwd / "command.stderr").read_text(encoding="utf-8", errors="replace")
    return Command(argv=tuple(argv), exit_code=figures["exit"], wall_s=figures["wall"], cpu_s=figures["cpu"],
                   max_rss_mb=_rss_mb(figures["max_rss"]), stderr=stderr)


def _rss_mb(max_rss: int) -> float:
    # Linux reports kilobytes, macOS bytes.
    return max_rss / (2**20 if sys.platform == "darwin" else 2**10)


def startup_times(runs: int, env: dict[str, str], cwd: Path) -> list[float]:
    """Wall time of `orsync --help`, once per run."""
    times = []
    for _ in range(runs):
        command = run_command(["--help"], env, cwd)
        if command.exit_code != 0:
            raise RuntimeError(f"orsync --help exited {command.exit_code}: {command.stderr.strip()}")
        times.append(command.wall_s)
    return times


def counted(emulator: BenchEmulator, step) -> tuple[Any, Counted]:
    """Run `step()` and return its result with the requests the emulator saw meanwhile."""
    emulator.reset_counts()
    result = step()
    return result, Counted(counts=emulator.request_counts(), writes=emulator.write_count())


def client_for(emulator: BenchEmulator, **options: Any):
    from orsync.api.client import OpenRouterClient

    return OpenRouterClient(base_url=emulator.base_url, management_key=emulator.management_key,
                            **options)


def plan_breakdown(config_file: Path, emulator: BenchEmulator, repeats: int) -> PlanBreakdown:
    """Time each phase of a plan in this process; medians over `repeats` runs."""
    runs = [_timed_plan(config_file, emulator) for _ in range(max(1, repeats))]
    heap_peak = _heap_peak_mb(config_file, emulator)

    def median(name: str) -> float:
        return statistics.median(run[name] for run in runs)

    return PlanBreakdown(load_s=median("load"), load_cpu_s=median("load_cpu"), read_s=median("read"),
                         read_cpu_s=median("read_cpu"), diff_wall_s=median("diff_wall"),
                         diff_cpu_s=median("diff_cpu"), diff_cpu_min_s=min(run["diff_cpu"] for run in runs),
                         render_s=median("render"), total_s=median("total"),
                         total_cpu_s=median("total_cpu"), requests=int(runs[-1]["requests"]),
                         changes=int(runs[-1]["changes"]), heap_peak_mb=heap_peak)


def _timed_plan(config_file: Path, emulator: BenchEmulator) -> dict[str, float]:
    from orsync.config.loader import load_config
    from orsync.planner.diff import plan_from_state
    from orsync.planner.live import read_live_state
    from orsync.planner.render import render
    from orsync.planner.slugs import names_models, read_model_slugs

    with client_for(emulator) as client, ThreadPoolExecutor(max_workers=1) as pool:
        marks = [(time.perf_counter(), time.process_time())]
        loaded = load_config(config_file)
        marks.append((time.perf_counter(), time.process_time()))
        # As the command reads: the model catalog (for canonical slugs) alongside the org.
        slugs = pool.submit(read_model_slugs, client) if names_models(loaded.model) else None
        state = read_live_state(client)
        model_slugs = slugs.result()[0] if slugs else None
        marks.append((time.perf_counter(), time.process_time()))
        plan = plan_from_state(loaded, state, model_slugs=model_slugs)
        marks.append((time.perf_counter(), time.process_time()))
        render(plan, "text", color=False)
        marks.append((time.perf_counter(), time.process_time()))
    (wall, cpu) = ([b[i] - a[i] for a, b in zip(marks, marks[1:])] for i in (0, 1))
    return {"load": wall[0], "load_cpu": cpu[0], "read": wall[1], "read_cpu": cpu[1], "diff_wall": wall[2],
            "diff_cpu": cpu[2], "render": wall[3], "total": marks[-1][0] - marks[0][0],
            "total_cpu": marks[-1][1] - marks[0][1], "requests": client.request_count,
            "changes": len(plan.changes)}


def _heap_peak_mb(config_file: Path, emulator: BenchEmulator) -> float:
    """Peak Python heap of a whole plan (load, read, diff, render), traced by tracemalloc."""
    tracemalloc.start()
    try:
        _timed_plan(config_file, emulator)
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def baseline(emulator: BenchEmulator, sample: int, parallelism: int, full_requests: int) -> Baseline:
    """A per-object refresh: one GET per key and per guardrail, plus each guardrail's two
    assignment listings, `parallelism` at a time. With `sample` > 0, only about that many of
    those calls are timed (the same share of each route) and the full refresh, `full_requests`
    requests, is extrapolated from their rate."""
    with client_for(emulator, concurrency=parallelism) as client:
        keys = [key.hash for key in client.list_keys()]
        guardrails = [guardrail.id for guardrail in client.list_guardrails()]
        routes = [(client.get_key, keys), (client.get_guardrail, guardrails),
                  (client.list_guardrail_key_assignments, guardrails),
                  (client.list_guardrail_member_assignments, guardrails)]
        calls = sum(len(ids) for _, ids in routes)
        share = 1.0 if sample <= 0 or sample >= calls else sample / calls
        chosen = [(method, item) for method, ids in routes for item in ids[: max(1, round(len(ids) * share))]]
        sent_before = client.request_count
        with ThreadPoolExecutor(max_workers=parallelism, thread_name_prefix="bench-baseline") as pool:
            began = time.perf_counter()
            list(pool.map(lambda call: call[0](call[1]), chosen))
            elapsed = time.perf_counter() - began
        sent = client.request_count - sent_before
    return Baseline(sampled_requests=sent, sample_s=elapsed, full_requests=max(full_requests, sent))
