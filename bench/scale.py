"""How a plan grows with the org, and what apply's writes cost: `python bench/scale.py`.

For each size (keys) and each workspace count, against a fresh emulator process:
- `orsync plan org.yaml` (the whole org declared, in sync), `repeats` times: the median run's
  wall time, CPU, peak RSS and requests, against the floor (bench/floor.py);
- `orsync plan small.yaml`: 50 declared objects against the same org, `prune: false`.
Then, on an org of `apply_keys` keys: `orsync apply plan.json` of `apply_changes` updates, and
of as many creates with `--secrets-out`, against (changes / parallelism) x latency.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.emulator_process import BenchEmulator, start_emulator  # noqa: E402
from bench.floor import Floor, measure_floor  # noqa: E402
from bench.org import Sizes, config_yaml, emulator_seed, minimum_plan_requests, scaled  # noqa: E402
from bench.scenario import BENCH_MANAGEMENT_KEY, Step, _command, _command_env, _median_step  # noqa: E402


@dataclass(frozen=True)
class ScaleSettings:
    keys: tuple[int, ...] = (1_000, 10_000, 30_000, 100_000)
    workspaces: tuple[int, ...] = (1, 10)
    latency_ms: float = 20.0
    repeats: int = 3
    small_declared: int = 50
    apply_keys: int = 1_000
    apply_changes: int = 1_000
    parallelism: int = 8
    emulator_mode: str = "process"


@dataclass(frozen=True)
class SizeRow:
    sizes: Sizes
    plan: Step | None = None
    runs: tuple[float, ...] = ()     # wall time of every plan run
    floor: Floor | None = None
    small: Step | None = None
    failure: str = ""

    @property
    def minimum_requests(self) -> int:
        return sum(minimum_plan_requests(self.sizes).values())

    @property
    def ratio(self) -> float:
        return self.plan.command.wall_s / self.floor.seconds


@dataclass(frozen=True)
class ApplyRow:
    what: str
    changes: int
    step: Step
    ideal_s: float
    served_s: float = 0.0   # as many of the same writes by a bare httpx client, `parallelism` at a time


@dataclass
class ScaleResults:
    settings: ScaleSettings
    concurrency: int
    rows: list[SizeRow] = field(default_factory=list)
    applies: list[ApplyRow] = field(default_factory=list)


def client_concurrency() -> int:
    import inspect

    from orsync.api.client import OpenRouterClient

    return inspect.signature(OpenRouterClient).parameters["concurrency"].default


def run_scale(settings: ScaleSettings, log=lambda message: None) -> ScaleResults:
    results = ScaleResults(settings=settings, concurrency=client_concurrency())
    for workspaces in settings.workspaces:
        for keys in settings.keys:
            sizes = scaled(keys, workspaces)
            log(f"plan: {sizes.describe()}")
            results.rows.append(_size_row(settings, sizes, results.concurrency))
    if settings.apply_changes:
        log(f"apply: {settings.apply_changes:,} updates, then as many creates")
        results.applies = _apply_rows(settings)
    return results


def _size_row(settings: ScaleSettings, sizes: Sizes, concurrency: int) -> SizeRow:
    with tempfile.TemporaryDirectory(prefix="orsync-scale-") as scratch:
        directory = Path(scratch)
        (directory / "org.yaml").write_text(config_yaml(sizes, changed=False), encoding="utf-8")
        (directory / "small.yaml").write_text(config_yaml(sizes, changed=False, declared=settings.small_declared),
                                              encoding="utf-8")
        try:
            emulator = _emulator(settings, sizes, directory)
        except RuntimeError as exc:
            return SizeRow(sizes=sizes, failure=f"the emulator did not start: {_last_line(exc)}")
        try:
            env = _command_env(emulator)
            steps = [_command(emulator, ["plan", "org.yaml"], env, directory, expect=(0,))
                     for _ in range(max(1, settings.repeats))]
            small = _median_step([_command(emulator, ["plan", "small.yaml"], env, directory, expect=(0,))
                                  for _ in range(max(1, settings.repeats))])
            floor = measure_floor(emulator, settings.latency_ms, concurrency)
        except RuntimeError as exc:
            return SizeRow(sizes=sizes, failure=_last_line(exc))
        finally:
            emulator.close()
    return SizeRow(sizes=sizes, plan=_median_step(steps), runs=tuple(s.command.wall_s for s in steps),
                   floor=floor, small=small)


def _emulator(settings: ScaleSettings, sizes: Sizes, directory: Path) -> BenchEmulator:
    seed = emulator_seed(sizes, BENCH_MANAGEMENT_KEY)
    return start_emulator(seed, settings.latency_ms, mode=settings.emulator_mode, workdir=directory)


def _last_line(exc: Exception) -> str:
    lines = [line for line in str(exc).splitlines() if line.strip()]
    return lines[-1][:300] if lines else type(exc).__name__


def _apply_rows(settings: ScaleSettings) -> list[ApplyRow]:
    """Updates, then creates with --secrets-out, each a saved plan applied as a command."""
    sizes = scaled(settings.apply_keys, 1, updates=min(settings.apply_changes, settings.apply_keys))
    ideal = settings.apply_changes / settings.parallelism * settings.latency_ms / 1000
    with tempfile.TemporaryDirectory(prefix="orsync-scale-apply-") as scratch:
        directory = Path(scratch)
        (directory / "updates.yaml").write_text(config_yaml(sizes, changed=True), encoding="utf-8")
        (directory / "creates.yaml").write_text(config_yaml(sizes, changed=True, new_keys=settings.apply_changes),
                                                encoding="utf-8")
        emulator = _emulator(settings, sizes, directory)
        try:
            env = _command_env(emulator)
            rows = []
            for what, config, extra in (("updates", "updates.yaml", []),
                                        ("creates (--secrets-out)", "creates.yaml",
                                         ["--secrets-out", "secrets.yaml"])):
                _command(emulator, ["plan", config, "--out", "plan.json"], env, directory, expect=(0,))
                step = _command(emulator, ["apply", "plan.json", "--yes", "--parallelism",
                                           str(settings.parallelism), *extra], env, directory, expect=(0,))
                served = _served_writes(emulator, "create" in what, settings.apply_changes, settings.parallelism)
                rows.append(ApplyRow(what=f"{settings.apply_changes:,} {what}", changes=settings.apply_changes,
                                     step=step, ideal_s=ideal, served_s=served))
            _check_secrets(directory / "secrets.yaml", settings.apply_changes)
            return rows
        finally:
            emulator.close()


def _served_writes(emulator: BenchEmulator, creates: bool, count: int, parallelism: int) -> float:
    """Wall time of `count` writes like apply's, `parallelism` at a time, by a bare httpx client:
    creates make keys `served-N` (their secrets are dropped unread); updates PATCH keys with
    the limit they already have."""
    import httpx
    from concurrent.futures import ThreadPoolExecutor

    limits = httpx.Limits(max_connections=parallelism, max_keepalive_connections=parallelism)
    with httpx.Client(base_url=emulator.base_url, timeout=60.0, limits=limits,
                      headers={"Authorization": f"Bearer {emulator.management_key}"}) as http:
        if creates:
            calls = [("POST", "/keys", {"name": f"served-{index:05d}", "limit": 1.0, "limit_reset": "daily"})
                     for index in range(count)]
        else:
            rows = http.get("/keys", params={"include_disabled": "true", "include_expired": "true"}).json()["data"]
            calls = [("PATCH", f"/keys/{row['hash']}", {"limit": row["limit"]}) for row in rows]
            calls = (calls * (count // max(1, len(calls)) + 1))[:count]
        with ThreadPoolExecutor(max_workers=parallelism) as pool:
            began = time.perf_counter()
            for response in pool.map(lambda call: http.request(call[0], call[1], json=call[2]), calls):
                response.raise_for_status()
            return time.perf_counter() - began


def _check_secrets(path: Path, expected: int) -> None:
    """Every created key's secret reached the file (counted by name; the values are not read)."""
    names = path.read_text(encoding="utf-8").count("new-")
    if names < expected:
        raise RuntimeError(f"the secrets file names {names} new keys, not {expected}")


def parse_args(argv: list[str] | None = None):
    import argparse

    defaults = ScaleSettings()
    parser = argparse.ArgumentParser(description="How orsync's plan scales with the org; apply's writes.")

    def numbers(text: str) -> tuple[int, ...]:
        return tuple(int(part.replace("_", "")) for part in text.split(",") if part)

    parser.add_argument("--keys", type=numbers, default=defaults.keys, help="sizes, comma-separated")
    parser.add_argument("--workspaces", type=numbers, default=defaults.workspaces, help="comma-separated")
    parser.add_argument("--latency-ms", type=float, default=defaults.latency_ms)
    parser.add_argument("--repeats", type=int, default=defaults.repeats)
    parser.add_argument("--small-declared", type=int, default=defaults.small_declared)
    parser.add_argument("--apply-keys", type=int, default=defaults.apply_keys)
    parser.add_argument("--apply-changes", type=int, default=defaults.apply_changes, help="0 skips apply")
    parser.add_argument("--parallelism", type=int, default=defaults.parallelism)
    parser.add_argument("--emulator", choices=("process", "thread"), default=defaults.emulator_mode)
    parser.add_argument("--out", default=None, help="results file ('-': print only); default bench/RESULTS.md")
    return parser.parse_args(argv)


def settings_from(args) -> ScaleSettings:
    return ScaleSettings(keys=args.keys, workspaces=args.workspaces, latency_ms=args.latency_ms,
                         repeats=args.repeats, small_declared=args.small_declared, apply_keys=args.apply_keys,
                         apply_changes=args.apply_changes, parallelism=args.parallelism,
                         emulator_mode=args.emulator)


def main(argv: list[str] | None = None) -> int:
    from bench import scale_report
    from bench.results_file import replace_section

    args = parse_args(argv)
    results = run_scale(settings_from(args), log=lambda message: print(f"orsync scale: {message}", file=sys.stderr))
    text = scale_report.render(results)
    print(text)
    out = args.out or str(Path(__file__).resolve().parent / "RESULTS.md")
    if out != "-":
        replace_section(Path(out), "scale", text)
        print(f"orsync scale: results written to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
