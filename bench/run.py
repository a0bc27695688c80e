"""Benchmark orsync against the emulator: `python bench/run.py [--keys N ...] [--out FILE]`.

Defaults are the sizes of DESIGN.md's performance targets; a CI smoke run passes small ones,
e.g. `python bench/run.py --keys 650 --guardrails 20 --key-assignments 300 --updates 50
--baseline-sample 0 --out -`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `bench` importable from the repo root
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.org import Sizes  # noqa: E402
from bench.scenario import Settings, run  # noqa: E402

RESULTS_FILE = Path(__file__).resolve().parent / "RESULTS.md"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    defaults, default_sizes = Settings(), Sizes()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sizes = parser.add_argument_group("org size")
    for name in ("keys", "guardrails", "key_assignments", "members", "member_assignments", "updates"):
        sizes.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(default_sizes, name),
                           help=f"default {getattr(default_sizes, name):,}")
    parser.add_argument("--latency-ms", type=float, default=defaults.latency_ms)
    parser.add_argument("--parallelism", type=int, default=defaults.parallelism, help="apply's --parallelism")
    parser.add_argument("--baseline-parallelism", type=int, default=defaults.baseline_parallelism)
    parser.add_argument("--baseline-sample", type=int, default=defaults.baseline_sample,
                        help="baseline calls to time before extrapolating; 0 times them all")
    parser.add_argument("--startup-runs", type=int, default=defaults.startup_runs)
    parser.add_argument("--repeats", type=int, default=defaults.repeats, help="runs of the plan (in process, and as a command); medians are shown")
    parser.add_argument("--emulator", choices=("process", "thread"), default=defaults.emulator_mode,
                        help="where the emulator runs (a process keeps its CPU out of orsync's figures)")
    parser.add_argument("--out", default=str(RESULTS_FILE),
                        help="where the Markdown results go ('-': print only); default bench/RESULTS.md")
    return parser.parse_args(argv)


def settings_from(args: argparse.Namespace) -> Settings:
    sizes = Sizes(keys=args.keys, guardrails=args.guardrails, key_assignments=args.key_assignments,
                  members=args.members, member_assignments=args.member_assignments, updates=args.updates)
    return Settings(sizes=sizes, latency_ms=args.latency_ms, parallelism=args.parallelism,
                    baseline_parallelism=args.baseline_parallelism, baseline_sample=args.baseline_sample,
                    startup_runs=args.startup_runs, repeats=args.repeats, emulator_mode=args.emulator)


def main(argv: list[str] | None = None) -> int:
    from bench import report

    args = parse_args(argv)
    settings = settings_from(args)
    print(f"orsync bench: {settings.sizes.describe()}, {settings.latency_ms:g} ms latency ...", file=sys.stderr)
    results = run(settings)
    text = report.render(results)
    print(text)
    if args.out != "-":
        from bench.results_file import replace_section

        replace_section(Path(args.out), "targets", text)
        print(f"orsync bench: results written to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
