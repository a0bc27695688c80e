"""The emulator at 1,000 and at 100,000 keys: what a write and a list page cost it.

DESIGN.md "The emulator": a write and a list page cost the same at 1,000 and at 100,000 objects
(1.5x). Each org is seeded, served on loopback HTTP (a thread of this process), and timed with
one keep-alive client: the median of many PATCH /keys/{hash} and POST /keys, and GET /keys pages
at offset 0 and at the last page. Ratios are taken within this one run.

    python bench/emulator_scale.py            # print the section
    python bench/emulator_scale.py --write    # and put it in bench/RESULTS.md

The org: keys in runs of 500 sharing a timestamp (seeded orgs do), one in 997 disabled, one
guardrail per 100 keys, every key assigned.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.results_file import replace_section  # noqa: E402
from orsync.emulator.testing import start_emulator  # noqa: E402

SIZES = (1_000, 100_000)
WRITES = 300       # timed PATCHes and POSTs per org
PAGES = 60         # timed GET /keys per offset
SECTION = "emulator-scale"  # its markers in bench/RESULTS.md (bench/results_file.py)


def seed(count: int) -> dict:
    """`count` keys, one guardrail per 100 keys, every key assigned."""
    guardrails = count // 100
    return {"keys": [{"name": f"svc-{n:06d}", "disabled": n % 997 == 0,
                      "created_at": f"2025-{1 + n // 14_000 % 12:02d}-{1 + n // 500 % 28:02d}T00:00:00Z"}
                     for n in range(count)],
            "guardrails": [{"name": f"team-{n:04d}"} for n in range(guardrails)],
            "key_assignments": [{"guardrail": f"team-{n % guardrails:04d}", "key": f"svc-{n:06d}"}
                                for n in range(count)]}


def listing_cpu_s(org: Org) -> float:
    """The emulator's CPU for every page a complete inventory reads (keys with the disabled
    and expired ones, key assignments, guardrails), in process: the app alone, no HTTP."""
    app = org.emulator.app
    auth = {"Authorization": f"Bearer {org.emulator.management_key}"}
    keys = org.size + WRITES
    started = time.process_time()
    for offset in range(0, keys + 1, 100):
        app.handle("GET", "/api/v1/keys", f"include_disabled=true&include_expired=true&offset={offset}",
                   auth)
    for offset in range(0, org.size, 100):
        app.handle("GET", "/api/v1/guardrails/assignments/keys", f"limit=100&offset={offset}", auth)
    for offset in range(0, org.size // 100, 100):
        app.handle("GET", "/api/v1/guardrails", f"limit=100&offset={offset}", auth)
    return time.process_time() - started


class Org:
    """One seeded emulator and a keep-alive client on it."""

    def __init__(self, size: int) -> None:
        started = time.perf_counter()
        self.emulator = start_emulator(seed(size))
        self.seed_s = time.perf_counter() - started
        self.size = size
        self.api = self.emulator.http()
        self.target = self.emulator.state.key_named("svc-000042").hash
        self.deep_offset = size - 100
        self.samples: dict[str, list[float]] = {}

    def timed(self, name: str, method: str, path: str, **options: Any) -> None:
        started = time.perf_counter()
        response = self.api.request(method, path, **options)
        self.samples.setdefault(name, []).append(time.perf_counter() - started)
        if response.status_code >= 400:
            raise SystemExit(f"{method} {path}: {response.status_code}")

    def median_ms(self, name: str) -> float:
        return statistics.median(self.samples[name]) * 1000


def measure() -> list[dict[str, float]]:
    """Both orgs up at once, their requests interleaved one for one: the machine's noise (other
    processes, the GIL shared with the server threads) falls on both sides alike."""
    orgs = [Org(size) for size in SIZES]
    listing = {"include_disabled": "true"}
    try:
        for n in range(WRITES):
            for org in orgs:
                org.timed("patch", "PATCH", f"/keys/{org.target}", json={"limit": n})
                org.timed("post", "POST", "/keys", json={"name": f"bench-{n}"})
        for org in orgs:  # the listing changed with every POST: one index scan notes the pages
            org.timed("cold", "GET", "/keys", params={**listing, "offset": org.deep_offset})
        for _ in range(PAGES):
            for org in orgs:
                org.timed("first", "GET", "/keys", params={**listing, "offset": 0})
                org.timed("deep", "GET", "/keys", params={**listing, "offset": org.deep_offset})
        cpu = {org.size: listing_cpu_s(org) for org in orgs}
        return [{"size": org.size, "seed_s": org.seed_s, "listing_cpu_s": cpu[org.size],
                 "patch_ms": org.median_ms("patch"),
                 "post_ms": org.median_ms("post"), "first_ms": org.median_ms("first"),
                 "deep_ms": org.median_ms("deep"), "cold_ms": org.median_ms("cold"),
                 "deep_offset": org.deep_offset} for org in orgs]
    finally:
        for org in orgs:
            org.emulator.close()


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def section(results: list[dict[str, float]]) -> str:
    small, large = results
    ratio = {name: large[name] / small[name] for name in ("patch_ms", "post_ms")}
    page_ratio = large["deep_ms"] / large["first_ms"]
    verdict = lambda value: "met" if value <= 1.5 else "**missed**"  # noqa: E731
    lines = [
        "## The emulator at 1,000 and 100,000 keys (`python bench/emulator_scale.py`)",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {os.cpu_count()} CPUs, {cpu_model()}, "
        f"{platform.system()} {platform.machine()}; Python {platform.python_version()}; "
        f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} at the end (a load above "
        "the CPU count means other processes shared the machine: absolute times are inflated, "
        "ratios much less so)",
        "- Emulator: SQLite store in memory, loopback HTTP (threads of the harness), one "
        "keep-alive client per org; both orgs up at once and their requests interleaved; "
        f"medians of {WRITES} writes and {PAGES} pages per figure; ratios from this one run.",
        "",
        "| measure | 1,000 keys | 100,000 keys | ratio | target | |",
        "|---|---|---|---|---|---|",
        f"| seed the org: its keys, a guardrail per 100 keys, every key assigned (+ server start) | {small['seed_s']:.2f} s | "
        f"{large['seed_s']:.2f} s | | seconds | |",
        f"| `PATCH /keys/{{hash}}` | {small['patch_ms']:.2f} ms | {large['patch_ms']:.2f} ms | "
        f"{ratio['patch_ms']:.2f}x | <= 1.5x | {verdict(ratio['patch_ms'])} |",
        f"| `POST /keys` | {small['post_ms']:.2f} ms | {large['post_ms']:.2f} ms | "
        f"{ratio['post_ms']:.2f}x | <= 1.5x | {verdict(ratio['post_ms'])} |",
        f"| `GET /keys` first page (offset 0) | {small['first_ms']:.2f} ms | {large['first_ms']:.2f} ms | | | |",
        f"| `GET /keys` last page (offset {small['deep_offset']:,} / {large['deep_offset']:,}) | "
        f"{small['deep_ms']:.2f} ms | {large['deep_ms']:.2f} ms | {page_ratio:.2f}x of the first "
        f"page at 100,000 | <= 1.5x | {verdict(page_ratio)} |",
        f"| the same, first deep page after a write (one index scan notes every page boundary) | "
        f"{small['cold_ms']:.2f} ms | {large['cold_ms']:.2f} ms | once per change | | |",
        f"| emulator CPU for every page of a complete inventory (keys, key assignments, "
        f"guardrails; in process) | {small['listing_cpu_s']:.2f} s | {large['listing_cpu_s']:.2f} s | "
        f"{large['listing_cpu_s'] / large['size'] / (small['listing_cpu_s'] / small['size']):.2f}x "
        f"per key | linear (issue 12: 14.6 s at 100,000 keys, growing with the square) | "
        f"{verdict(large['listing_cpu_s'] / large['size'] / (small['listing_cpu_s'] / small['size']))} |",
        "",
        "A page is a keyset query from a cursor the previous page left (or the boundary scan",
        "found), so its cost does not grow with the offset; a write is one transaction that",
        "touches its own rows (WAL, no rewrite of the org). `tests/test_emulator_scale.py` proves",
        "the same ratios in SQLite VM steps, which do not depend on the machine.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="put the section in bench/RESULTS.md")
    parser.add_argument("--json", action="store_true", help="print the raw figures as JSON too")
    args = parser.parse_args()
    results = measure()
    text = section(results)
    print(text)
    if args.json:
        print(json.dumps(results, indent=2))
    if args.write:
        replace_section(ROOT / "bench" / "RESULTS.md", SECTION, text)


if __name__ == "__main__":
    main()
