"""The scaling results as Markdown: the table per size, the per-key figures, apply, verdicts."""

from __future__ import annotations

from datetime import datetime, timezone

from bench.report import _revision, machine
from bench.scale import ScaleResults, SizeRow

FLOOR_FACTOR = 1.5         # plan within 1.5x of the floor (100,000 keys in 10 workspaces)
MEMORY_TARGET_MB = 500.0
LINEAR_FACTOR = 1.3        # per-key time and memory, 100k against 10k
UPDATES_FACTOR, CREATES_FACTOR = 1.5, 2.0


def _s(seconds: float) -> str:
    return f"{seconds:.2f} s"


def render(results: ScaleResults) -> str:
    settings = results.settings
    lines = [
        "## Scaling: plan from 1,000 to 100,000 keys, and apply's writes",
        "",
        f"- Date: {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- Machine: {machine()}",
        f"- Code: {_revision()}",
        f"- Emulator: a separate process per size, {settings.latency_ms:g} ms injected latency per request; "
        f"orsync's client sends {results.concurrency} requests at once",
        "- Command: `python bench/scale.py` (bench/README.md); every figure below comes from this one run.",
        "- Org per size: a guardrail per 10 keys, every key under one, 200 members (100 under a guardrail), "
        "keys and guardrails spread round-robin over the workspaces; the file declares all of it (in sync).",
        "",
        *_size_table(results),
        "",
        *_linearity(results),
        "",
        *_small_table(results),
        "",
        *_apply_table(results),
    ]
    return "\n".join(lines) + "\n"


def _size_table(results: ScaleResults) -> list[str]:
    repeats = results.settings.repeats
    rows = ["### `orsync plan` of the whole org",
            "",
            f"Median of {repeats} runs (all runs' wall times in the last column). Floor = pages x latency / "
            f"{results.concurrency} + `json.loads` of every page's bytes (bench/floor.py). Served: the same pages "
            f"fetched {results.concurrency} at a time by a bare httpx client, latency on, nothing parsed: what this "
            "emulator on this machine serves at best (when it is well above pages x latency / concurrency, the "
            "emulator or the machine's load stretched every round trip).",
            "",
            "| keys | workspaces | wall | CPU | peak RSS | listing requests (pages) | floor | wall / floor | served | "
            "wall / served | runs |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in results.rows:
        head = f"| {row.sizes.keys:,} | {row.sizes.workspaces} |"
        if row.failure:
            rows.append(f"{head} failed: {row.failure} | | | | | | | | |")
            continue
        command, floor = row.plan.command, row.floor
        listing = _listing_requests(row)
        rows.append(f"{head} {_s(command.wall_s)} | {_s(command.cpu_s)} | {command.max_rss_mb:.0f} MB | "
                    f"{listing:,} ({floor.pages:,}) | {_s(floor.seconds)} ({_s(floor.network_s)} + "
                    f"{_s(floor.loads_s)}; {floor.bytes / 2**20:.0f} MB) | {row.ratio:.2f}x | {_s(floor.served_s)} | "
                    f"{_served_ratio(row)} | {', '.join(f'{w:.2f}' for w in row.runs)} |")
    return rows


def _served_ratio(row: SizeRow) -> str:
    return f"{row.plan.command.wall_s / row.floor.served_s:.2f}x" if row.floor.served_s else "n/a"


def _listing_requests(row: SizeRow) -> int:
    catalogs = {"GET /models", "GET /embeddings/models", "GET /rerank/models", "GET /providers",
                "GET /endpoints/zdr"}
    return sum(n for route, n in row.plan.requests.counts.items() if route not in catalogs)


def _row(results: ScaleResults, keys: int, workspaces: int) -> SizeRow | None:
    for row in results.rows:
        if row.sizes.keys == keys and row.sizes.workspaces == workspaces and not row.failure:
            return row
    return None


def _linearity(results: ScaleResults) -> list[str]:
    lines = ["### Per key, and the targets", "",
             "| measure | result | target | |", "|---|---|---|---|"]
    for workspaces in results.settings.workspaces:
        small, large = _row(results, 10_000, workspaces), _row(results, 100_000, workspaces)
        if not (small and large):
            continue
        where = f"{workspaces} workspace{'s' if workspaces > 1 else ''}"
        time_ratio = (large.plan.command.wall_s / 100_000) / (small.plan.command.wall_s / 10_000)
        memory_ratio = (large.plan.command.max_rss_mb / 100_000) / (small.plan.command.max_rss_mb / 10_000)
        lines += [
            f"| wall per key, {where}: 100k / 10k | {large.plan.command.wall_s / 100:.3f} ms / "
            f"{small.plan.command.wall_s / 10:.3f} ms = {time_ratio:.2f}x | <= {LINEAR_FACTOR}x | "
            f"{_verdict(time_ratio <= LINEAR_FACTOR)} |",
            f"| peak RSS per key, {where}: 100k / 10k | {large.plan.command.max_rss_mb * 1024 / 100_000:.1f} KB / "
            f"{small.plan.command.max_rss_mb * 1024 / 10_000:.1f} KB = {memory_ratio:.2f}x | <= {LINEAR_FACTOR}x | "
            f"{_verdict(memory_ratio <= LINEAR_FACTOR)} |",
        ]
    target = _row(results, 100_000, 10)
    if target:
        lines += [
            f"| 100,000 keys in 10 workspaces: wall / floor | {target.ratio:.2f}x | <= {FLOOR_FACTOR}x | "
            f"{_verdict(target.ratio <= FLOOR_FACTOR)} |",
            f"| 100,000 keys in 10 workspaces: peak RSS | {target.plan.command.max_rss_mb:.0f} MB | "
            f"< {MEMORY_TARGET_MB:g} MB | {_verdict(target.plan.command.max_rss_mb < MEMORY_TARGET_MB)} |",
        ]
    return lines


def _small_table(results: ScaleResults) -> list[str]:
    declared = results.settings.small_declared
    rows = [f"### A small file against a large org: {declared} declared objects, `prune: false`", "",
            "The same org as the row above it; the plan still reads every listing (an undeclared key may "
            "carry a declared name in another workspace, and unmanaged objects are reported).", "",
            "| keys | workspaces | wall | CPU | peak RSS | requests | whole-org plan | floor |",
            "|---|---|---|---|---|---|---|---|"]
    for row in results.rows:
        if row.failure:
            continue
        small = row.small.command
        rows.append(f"| {row.sizes.keys:,} | {row.sizes.workspaces} | {_s(small.wall_s)} | {_s(small.cpu_s)} | "
                    f"{small.max_rss_mb:.0f} MB | {row.small.requests.total:,} | {_s(row.plan.command.wall_s)} | "
                    f"{_s(row.floor.seconds)} |")
    return rows


def _apply_table(results: ScaleResults) -> list[str]:
    if not results.applies:
        return []
    settings = results.settings
    rows = [f"### `orsync apply plan.json --parallelism {settings.parallelism}` on an org of "
            f"{settings.apply_keys:,} keys", "",
            "The whole command: start-up, reading the org again to prove the saved plan still holds, the writes, "
            f"the summary. Ideal = changes / parallelism x {settings.latency_ms:g} ms. Served: as many of the same "
            f"writes sent {settings.parallelism} at a time by a bare httpx client (what this emulator on this machine "
            "serves at best).", "",
            "| apply | wall | CPU | writes | ideal | wall / ideal | target | | served | wall / served |",
            "|---|---|---|---|---|---|---|---|---|---|"]
    for apply in results.applies:
        factor = CREATES_FACTOR if "create" in apply.what else UPDATES_FACTOR
        command = apply.step.command
        ratio = command.wall_s / apply.ideal_s if apply.ideal_s else None
        shown, verdict = (f"{ratio:.2f}x", _verdict(ratio <= factor)) if ratio else ("n/a (no latency)", "")
        rows.append(f"| {apply.what} | {_s(command.wall_s)} | {_s(command.cpu_s)} | {apply.step.requests.writes:,} | "
                    f"{_s(apply.ideal_s)} | {shown} | <= {factor:g}x | {verdict} | {_s(apply.served_s)} | "
                    f"{command.wall_s / apply.served_s:.2f}x |")
    return rows


def _verdict(met: bool) -> str:
    return "met" if met else "**missed**"
