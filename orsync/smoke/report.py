"""How `run` reports: the one-line summary of a call and the pass/fail table of a suite."""

from __future__ import annotations

from collections.abc import Sequence

from orsync.smoke.calls import Outcome
from orsync.smoke.suite import SmokeResult, verdict_counts
from orsync.views import format as fmt
from orsync.views.table import Column, render_table

VERDICT_LABELS = {"pass": "pass", "fail": "FAIL", "error": "ERROR"}
VERDICT_COLORS = {"pass": "green", "fail": "red", "error": "yellow"}
# The test's name outranks its endpoint and model, which the failure list repeats anyway.
RESULT_COLUMNS = (Column("RESULT", fixed=True), Column("TEST", priority=1), Column("ENDPOINT"),
                  Column("MODEL"), Column("STATUS", "right", fixed=True),
                  Column("LATENCY", "right", fixed=True), Column("COST", "right", fixed=True))
DETAIL_INDENT = "      "


def summary_line(outcome: Outcome) -> str:
    """`openai/gpt-4o-mini via OpenAI, 12 in + 5 out tokens, $0.000021, 312 ms`."""
    reply = outcome.reply
    if reply is None:
        status = outcome.status if outcome.status is not None else "none"
        return f"status {status}, {fmt.duration_ms(outcome.latency_ms)}"
    tokens = f"{fmt.count(reply.input_tokens)} in"
    if reply.output_tokens is not None:
        tokens += f" + {fmt.count(reply.output_tokens)} out"
    served = f"{reply.model or '?'} via {reply.provider}" if reply.provider else reply.model or "?"
    return f"{served}, {tokens} tokens, {fmt.money(reply.cost)}, {fmt.duration_ms(outcome.latency_ms)}"


def results_table(results: Sequence[SmokeResult], width: int | None = None,
                  style=None) -> str:
    """The pass/fail table, then why each failure failed in full (a table would cut it).

    `style(text, fg=...)` (click.style) colours the verdicts.
    """
    rows = [_row(result) for result in results]
    header, *lines = render_table(RESULT_COLUMNS, rows, width).splitlines()
    if style is not None:
        lines = [_coloured_verdict(line, result, style) for line, result in zip(lines, results)]
    return "\n".join([header, *lines]) + "\n" + _failure_details(results, style)


def _failure_details(results: Sequence[SmokeResult], style) -> str:
    """`FAIL  name (endpoint model, key K)` and the reason on the next line, per failed test."""
    blocks = []
    for result in results:
        if result.verdict == "pass":
            continue
        spec = result.spec
        label = VERDICT_LABELS[result.verdict]
        if style is not None:
            label = style(label, fg=VERDICT_COLORS[result.verdict], bold=True)
        blocks.append(f"{label}  {spec.name} ({spec.endpoint} {spec.model}, key {spec.key})\n"
                      f"{DETAIL_INDENT}{result.detail}\n")
    return "\n" + "".join(blocks) if blocks else ""


def _row(result: SmokeResult) -> list[str]:
    spec, outcome = result.spec, result.outcome
    status = str(outcome.status) if outcome and outcome.status is not None else fmt.MISSING
    cost = outcome.reply.cost if outcome and outcome.reply else None
    return [VERDICT_LABELS[result.verdict], spec.name, spec.endpoint, spec.model, status,
            fmt.duration_ms(outcome.latency_ms) if outcome else fmt.MISSING, fmt.money(cost)]


def _coloured_verdict(line: str, result: SmokeResult, style) -> str:
    label = VERDICT_LABELS[result.verdict]
    return style(label, fg=VERDICT_COLORS[result.verdict], bold=True) + line[len(label):]


def totals_line(results: Sequence[SmokeResult], elapsed_seconds: float) -> str:
    """`3 passed, 1 failed, 0 errors in 0.84 s`."""
    counts = verdict_counts(results)
    errors = "error" if counts["error"] == 1 else "errors"
    return (f"{counts['pass']} passed, {counts['fail']} failed, {counts['error']} {errors} "
            f"in {elapsed_seconds:.2f} s")
