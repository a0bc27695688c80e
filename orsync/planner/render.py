"""A Plan as text (for a terminal), Markdown (for a pull request) or JSON (for machines).

Rendering never changes a plan and never sees a secret: a new key's value is shown as
"(secret)", since it does not exist until apply and then goes only to the secrets sink.
"""

from __future__ import annotations

import json
from typing import Any

from orsync.planner.plan import Change, Plan

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "assign": "+", "unassign": "-"}
COLOURS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red"}
MARKDOWN_COLLAPSE_AFTER = 15


def render(plan: Plan, fmt: str, *, color: bool = False) -> str:
    if fmt == "json":
        return plan.dumps()
    if fmt == "markdown":
        return render_markdown(plan)
    return render_text(plan, color=color)


def symbol(change: Change) -> str:
    if change.action == "assign" and (change.before or {}).get("guardrail") is not None:
        return "~"  # a move from one guardrail to another
    return SYMBOLS[change.action]


def format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return json.dumps(value)


def field_lines(change: Change) -> list[str]:
    """One aligned line per field that matters: all of them for a create, changed ones otherwise."""
    before, after = change.before or {}, change.after or {}
    if change.action == "create":
        rows = [(name, format_value(value)) for name, value in after.items() if name != "name"]
    elif change.action == "delete" or change.kind.endswith("assignment"):
        rows = []  # the headline says it all
    else:
        rows = [(name, f"{format_value(before.get(name))} -> {format_value(after.get(name))}"
                 + ("   # forces replacement" if f"{name} forces replacement" in change.reasons else ""))
                for name in change.changed_fields]
    if change.secret:
        rows.append(("key", "(secret)"))
    width = max((len(name) for name, _ in rows), default=0) + 1
    return [f"{name + ':':<{width}} {text}" for name, text in rows]


def headline(change: Change) -> str:
    """`~ key.team-a`, with assignments said in words and notes in parentheses."""
    text = f"{symbol(change)} {change.address}"
    if change.kind.endswith("assignment"):
        before = (change.before or {}).get("guardrail")
        after = (change.after or {}).get("guardrail")
        text += f": guardrail {before} -> {after}" if before and after else f": guardrail {after or before}"
    notes = [reason for reason in change.reasons if not reason.endswith("forces replacement")]
    if change.action == "replace":
        notes.insert(0, "create-before-destroy")
    return text + (f"  ({'; '.join(notes)})" if notes else "")


def unmanaged_line(plan: Plan) -> str | None:
    if not plan.unmanaged:
        return None
    counts: dict[str, int] = {}
    for item in plan.unmanaged:
        kind = item.address.split(".", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    listed = ", ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in sorted(counts.items()))
    return f"Unmanaged (left alone; policy.prune: true would delete them): {listed}"


def render_text(plan: Plan, *, color: bool = False) -> str:
    import click

    def paint(text: str, mark: str) -> str:
        return click.style(text, fg=COLOURS.get(mark)) if color else text

    lines = [f"orsync plan: {plan.config_path} against {plan.base_url}".rstrip(), ""]
    for change in plan.changes:
        mark = symbol(change)
        lines.append("  " + paint(headline(change), mark))
        lines.extend("      " + line for line in field_lines(change))
    if not plan.changes:
        lines.append("  No changes. The live org matches the file.")
    lines.append("")
    for note in filter(None, [unmanaged_line(plan)]):
        lines.append(note)
    lines.extend(f"Warning: {warning}" for warning in plan.warnings)
    lines.extend(paint(f"Blocked at apply: {violation}", "-") for violation in plan.safety_violations())
    lines.append(f"Plan: {plan.summary()}.")
    return "\n".join(lines) + "\n"


def render_markdown(plan: Plan) -> str:
    lines = [f"### orsync plan: {plan.summary()}", ""]
    destructive = [c for c in plan.changes if c.action in ("delete", "replace", "unassign")]
    if destructive:
        lines.append("> [!WARNING]")
        lines.append("> **Destroys or detaches:** " + ", ".join(f"`{c.address}` ({c.action})" for c in destructive))
        lines.append("")
    lines.extend(f"> **Blocked at apply:** {violation}" for violation in plan.safety_violations())
    lines.extend(f"> **Warning:** {warning}" for warning in plan.warnings)
    if not plan.changes:
        lines.append("No changes. The live org matches the file.")
    else:
        table = ["| | address | action | details |", "|---|---|---|---|"]
        for change in plan.changes:
            details = "; ".join(line.replace("|", "\\|") for line in field_lines(change))
            table.append(f"| `{symbol(change)}` | `{change.address}` | {change.action} | {details} |")
        if len(plan.changes) > MARKDOWN_COLLAPSE_AFTER:
            lines += [f"<details><summary>{len(plan.changes)} changes</summary>", "", *table, "", "</details>"]
        else:
            lines += table
    lines.append("")
    note = unmanaged_line(plan)
    if note:
        lines += [f"_{note}_", ""]
    lines.append(f"<sub>orsync · `{plan.config_path}` · sha256 `{plan.config_sha256[:12]}`</sub>")
    return "\n".join(lines) + "\n"
