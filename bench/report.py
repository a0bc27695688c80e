"""The results as a Markdown table, with the date and the machine, for the terminal and RESULTS.md."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

from bench.org import baseline_requests
from bench.scenario import Results

PLAN_TARGET_S = 1.0
SPEEDUP_TARGET = 20.0
PLANNER_CPU_TARGET_S = 0.3
MEMORY_TARGET_MB = 150.0
STARTUP_TARGET_S = 0.3
APPLY_FACTOR = 2.0


def machine() -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    return (f"{cpus} CPUs (nproc), {_cpu_model()}, {platform.system()} {platform.machine()}; "
            f"Python {platform.python_version()} ({sys.prefix}); load average {load} when the run ended")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _revision() -> str:
    from orsync import __version__

    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                              cwd=Path(__file__).parent, timeout=10, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return f"orsync {__version__}"
    return f"orsync {__version__} (git {head} plus the working tree)"


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def render(results: Results) -> str:
    settings, sizes = results.settings, results.settings.sizes
    lines = [
        "# orsync benchmark results",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Code: {_revision()}",
        f"- Org: {sizes.describe()}; {sizes.updates:,} key updates for apply",
        f"- Emulator: {_emulator_words(settings.emulator_mode)}, real HTTP on 127.0.0.1, "
        f"{settings.latency_ms:g} ms injected latency per request",
        "- Command: `python bench/run.py` (see bench/README.md); every figure below comes from this one run.",
        "",
        *_targets_table(results),
        "",
        *_breakdown_table(results),
        "",
        *_requests_table(results),
        "",
        *_checks(results),
    ]
    notes = _notes(results)
    if notes:
        lines += ["", "## Why a target is missed", "", *notes,
                  "", "Profiles and what was changed: docs/performance.md."]
    return "\n".join(lines) + "\n"


def _emulator_words(mode: str) -> str:
    if mode == "process":
        return "a separate process (its CPU is not counted as orsync's)"
    return "a thread of the harness process"


def _speedup(results: Results) -> float:
    return results.baseline.extrapolated_s / results.plan.command.wall_s


def _listing_requests(results: Results) -> int:
    return sum(results.plan.requests.counts.get(route, 0) for route in results.minimum_requests)


def _targets_table(results: Results) -> list[str]:
    settings, sizes = results.settings, results.settings.sizes
    plan, breakdown, baseline = results.plan, results.breakdown, results.baseline
    minimum, listings = sum(results.minimum_requests.values()), _listing_requests(results)
    catalogs = plan.requests.total - listings
    apply_limit = APPLY_FACTOR * results.ideal_apply_s
    apply_target = f"<= {APPLY_FACTOR:g} x {_s(results.ideal_apply_s)} = {_s(apply_limit)}"
    sampled = (f"{baseline.sampled_requests:,} of them timed in {_s(baseline.sample_s)}, extrapolated linearly"
               if baseline.sampled else "all of them timed")
    rows = [
        (f"`orsync plan` wall time (the whole command: start-up, load, read, diff, render; median of "
         f"{settings.repeats})", _s(plan.command.wall_s), f"< {PLAN_TARGET_S:g} s",
         _verdict(plan.command.wall_s < PLAN_TARGET_S)),
        ("`orsync plan` CPU time (user + system)", _s(plan.command.cpu_s), "", ""),
        ("`orsync plan` requests for the live org (every listing, every workspace)", f"{listings:,}; the pages hold {minimum:,}",
         f"<= {minimum:,}", _verdict(listings <= minimum)),
        ("`orsync plan` requests for the catalog checks (`--offline` skips them)", f"{catalogs:,}", "", ""),
        (f"per-object baseline, parallelism {settings.baseline_parallelism}",
         f"{_s(baseline.extrapolated_s)} for {baseline.full_requests:,} GETs ({sampled})", "", ""),
        ("baseline / `orsync plan` (wall times)", f"{_speedup(results):.1f}x", f">= {SPEEDUP_TARGET:g}x",
         _verdict(_speedup(results) >= SPEEDUP_TARGET)),
        (f"planner CPU (`plan_from_state` on the state already read; median of {settings.repeats}, and least)",
         f"{_s(breakdown.diff_cpu_s)} (least {_s(breakdown.diff_cpu_min_s)})",
         f"< {PLANNER_CPU_TARGET_S:g} s", _verdict(breakdown.diff_cpu_s < PLANNER_CPU_TARGET_S)),
        ("peak memory (max RSS of `orsync plan`)", f"{plan.command.max_rss_mb:.0f} MB",
         f"< {MEMORY_TARGET_MB:g} MB", _verdict(plan.command.max_rss_mb < MEMORY_TARGET_MB)),
        (f"apply {sizes.updates:,} updates at parallelism {settings.parallelism}: the write phase "
         "(apply's Executor, in process)", _s(results.write_phase_s), apply_target,
         _verdict(results.write_phase_s <= apply_limit)),
        ("the same as a command, `orsync apply plan.json` (start-up, loading, re-reading and re-planning "
         "to prove the saved plan is not stale, then the writes)",
         f"{_s(results.apply.command.wall_s)} (CPU {_s(results.apply.command.cpu_s)})", apply_target,
         _verdict(results.apply.command.wall_s <= apply_limit)),
        (f"`orsync --help` start-up (median of {len(results.startup_s)})", _s(results.startup_median_s),
         f"< {STARTUP_TARGET_S:g} s", _verdict(results.startup_median_s < STARTUP_TARGET_S)),
    ]
    return ["| measure | result | target | |", "|---|---|---|---|",
            *(f"| {' | '.join(row)} |" for row in rows)]


def _breakdown_table(results: Results) -> list[str]:
    b, repeats = results.breakdown, results.settings.repeats
    return [
        f"## The plan phase by phase (in the harness process, median of {repeats})",
        "",
        "CPU is the whole process's (the client parses pages in its worker threads).",
        "",
        "| phase | wall time | CPU time |",
        "|---|---|---|",
        f"| load and validate the config file | {_s(b.load_s)} | {_s(b.load_cpu_s)} |",
        f"| read the live org (every listing at once, {b.requests:,} requests) | {_s(b.read_s)} | {_s(b.read_cpu_s)} |",
        f"| diff (`plan_from_state`; {b.changes:,} changes) | {_s(b.diff_wall_s)} | {_s(b.diff_cpu_s)} |",
        f"| render as text | {_s(b.render_s)} | |",
        f"| total | {_s(b.total_s)} | {_s(b.total_cpu_s)} |",
        f"| start-up of the command (`orsync --help`, for comparison) | {_s(results.startup_median_s)} | |",
        f"| Python heap peak of a whole plan (tracemalloc) | {b.heap_peak_mb:.0f} MB | |",
    ]


def _requests_table(results: Results) -> list[str]:
    sent = results.plan.requests.counts
    rows = [f"| {route} | {sent.get(route, 0):,} | {needed:,} |" for route, needed in results.minimum_requests.items()]
    others = {route: n for route, n in sent.items() if route not in results.minimum_requests}
    rows += [f"| {route} | {n:,} | 0 |" for route, n in sorted(others.items())]
    baseline = baseline_requests(results.settings.sizes)
    return ["## Requests of `orsync plan`, per route (counted by the emulator)", "",
            "| route | sent | needed (pages of 100; GET /keys has no total, so a full last page costs one more) |",
            "|---|---|---|", *rows, "",
            "The baseline would send " + ", ".join(f"{n:,} x `{route}`" for route, n in baseline.items()) + "."]


def _checks(results: Results) -> list[str]:
    updates = results.settings.sizes.updates
    return [
        "## Checks made in the same run",
        "",
        f"- `orsync apply plan.json` wrote {results.apply.requests.writes:,} times for {updates:,} updates.",
        f"- `orsync plan --detailed-exitcode` afterwards exited {results.replan.command.exit_code} "
        f"(no changes) with {results.replan.requests.writes} writes.",
        f"- The write phase measured alone wrote {results.write_phase.writes:,} times (the updates undone), "
        f"and `orsync drift` then exited {results.drift.command.exit_code} (in sync).",
    ]


def _client_concurrency() -> int:
    """How many requests the client the plan command builds sends at once (its default)."""
    import inspect

    from orsync.api.client import OpenRouterClient

    return inspect.signature(OpenRouterClient).parameters["concurrency"].default


def _notes(results: Results) -> list[str]:
    b, plan, settings = results.breakdown, results.plan, results.settings
    notes = []
    if plan.command.wall_s >= PLAN_TARGET_S or _speedup(results) < SPEEDUP_TARGET:
        concurrency = _client_concurrency()
        floor = settings.latency_ms / 1000 * -(-sum(results.minimum_requests.values()) // concurrency)
        notes.append(
            f"- **Plan wall time, and so the ratio to the baseline.** The command used {_s(plan.command.cpu_s)} "
            f"of CPU (its own and its two children's: one reads the file's YAML, the other sends the org's "
            f"pages, whose bodies the command parses; the command cannot finish sooner than its own share) "
            f"and waited on the reads besides. In process, one "
            f"phase after the other (the config read without a child), the phases took, in CPU: loading the "
            f"config {_s(b.load_cpu_s)}, reading the org {_s(b.read_cpu_s)} "
            f"(sending {b.requests:,} requests and parsing their pages into typed models), the planner "
            f"{_s(b.diff_cpu_s)}; the rest is start-up and imports. Read alone (in process), "
            f"the org took {_s(b.read_s)} of wall time for those {_s(b.read_cpu_s)} of CPU; the command has "
            f"a child make that read while another reads the file's YAML and the command validates it and "
            f"computes the config's half of the diff, so the waiting hides behind that CPU, but the pages go "
            f"{concurrency} at a time ({sum(results.minimum_requests.values()):,} pages at "
            f"{settings.latency_ms:g} ms each cannot take less than {_s(floor)}; the emulator's own CPU for "
            "rendering them and the machine's other load, see the load average, stretch each round trip). "
            "Where the time goes: docs/performance.md.")
    minimum = sum(results.minimum_requests.values())
    if _listing_requests(results) > minimum:
        notes.append(
            f"- **Requests.** {_listing_requests(results) - minimum} more than the pages hold, all GET /keys: "
            "that listing has no total count; the key assignments' total is a lower bound on the keys, and "
            "pages past it are requested on a guess (batches of 1, 2, 4, ... pages), so those past the end "
            "come back empty.")
    if b.diff_cpu_s >= PLANNER_CPU_TARGET_S:
        spread = (f"; the least of the {settings.repeats} runs took {_s(b.diff_cpu_min_s)}, so the rest is the "
                  "machine's other load (CPU time grows too when other processes share the cores)"
                  if b.diff_cpu_min_s < PLANNER_CPU_TARGET_S else "")
        notes.append(f"- **Planner CPU** {_s(b.diff_cpu_s)} (median){spread}. The profile is in "
                     "docs/performance.md.")
    if plan.command.max_rss_mb >= MEMORY_TARGET_MB:
        notes.append(
            f"- **Peak memory** {plan.command.max_rss_mb:.0f} MB (Python heap peak {b.heap_peak_mb:.0f} MB): the "
            "interpreter and libraries, the loaded config, the live org as the client's pydantic models, and "
            "the planner's view of both; the split is in docs/performance.md.")
    if results.apply.command.wall_s > APPLY_FACTOR * results.ideal_apply_s:
        notes.append(
            "- **Apply as a command.** Before its first write, `orsync apply plan.json` starts, loads the "
            "config, reads the whole org (while loading) and plans again to prove the saved plan still holds: "
            "the same work as a plan. The writes themselves are the write-phase row.")
    if results.startup_median_s >= STARTUP_TARGET_S:
        notes.append(f"- **Start-up** {_s(results.startup_median_s)}: `python -X importtime -c 'import orsync.cli'`.")
    return notes
