"""A Plan as text (for a terminal), Markdown (for a pull request) or JSON (for machines).

Rendering never changes a plan and never sees a secret: a new key's value is shown as
"(secret)", since it does not exist until apply and then goes only to the secrets sink.
Every name and value passes through orsync.escaping on its way out: a live name made by hand
may hold control characters that must be shown, not obeyed. The words for a kind's changes
come from the kind (orsync.resources); nothing here names one.
"""

from __future__ import annotations

import json
from typing import Any

from orsync.escaping import visible
from orsync.planner.plan import Change, Plan, sensitive_fields
from orsync.resources import KINDS_BY_NAME

SYMBOLS = {"create": "+", "update": "~", "replace": "-/+", "delete": "-", "assign": "+", "unassign": "-"}
COLOURS = {"+": "green", "~": "yellow", "-/+": "magenta", "-": "red"}
PLAN_TITLE = "orsync plan"


def render(plan: Plan, fmt: str, *, color: bool = False, title: str = PLAN_TITLE,
           full_plan: str | None = None) -> str:
    if fmt == "json":
        return plan.dumps()
    if fmt == "markdown":
        return render_markdown(plan, title=title, full_plan=full_plan)
    return render_text(plan, color=color, title=title)


def render_markdown(plan: Plan, *, title: str = PLAN_TITLE, full_plan: str | None = None,
                    budget: int | None = None) -> str:
    from orsync.planner.comment import BUDGET, render_comment

    return render_comment(plan, title=title, full_plan=full_plan, budget=budget or BUDGET)


def symbol(change: Change) -> str:
    if change.is_move:
        return "~"  # a move from one guardrail to another
    return SYMBOLS[change.action]


def format_value(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return "[" + ", ".join(format_value(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def field_lines(change: Change) -> list[str]:
    """One aligned line per field that matters: all of them for a create, changed ones otherwise.

    A structured field (content filters) that the kind describes element by element shows one
    line per element added, removed or changed instead of its whole value twice.
    """
    kind = KINDS_BY_NAME.get(change.kind)
    before, after = change.before or {}, change.after or {}
    details = element_lines(change)
    described = {line.partition(": ")[0] for line in details}
    if change.action == "create":
        shown_in_address = kind.identity_field if kind is not None else "name"
        rows = [(name, format_value(value)) for name, value in after.items() if name != shown_in_address]
    elif kind is not None and not kind.shows_fields(change.action):
        rows = []  # the headline says it all
    else:
        rows = [(name, f"{format_value(before.get(name))} -> {format_value(after.get(name))}"
                 + ("   # forces replacement" if f"{name} forces replacement" in change.reasons else ""))
                for name in change.changed_fields if name not in described]
    rows += [line.split(": ", 1) for line in details]
    if change.secret:
        rows.append((secret_label(change), "(secret)"))
    width = max((len(name) for name, _ in rows), default=0) + 1
    return [visible(f"{name + ':':<{width}} {text}") for name, text in rows]


def element_lines(change: Change) -> tuple[str, ...]:
    """`field: + element` lines: the kind's per-element account of a structured field's change,
    which the planner records among the change's reasons (`content_filters: + ...`)."""
    changed = set(change.changed_fields)
    return tuple(reason for reason in change.reasons if reason.partition(": ")[0] in changed)


def secret_label(change: Change) -> str:
    """The attribute the new secret arrives in (the Terraform provider's name for it)."""
    sensitive = sensitive_fields(change.kind)
    return sensitive[0] if sensitive else "secret"


def live_name_note(change: Change) -> str | None:
    """`live name: prod-backend` when the object matched or deleted is called otherwise."""
    live, declared = change.live_name, change.name
    if live is None or live == declared or declared.endswith("/" + live) or live.endswith("/" + declared):
        return None  # the same name, one of them qualified by its workspace
    return f"live name: {live}"


def headline_words(change: Change) -> str:
    """What the kind says after the address (an assignment's guardrail, before -> after)."""
    kind = KINDS_BY_NAME.get(change.kind)
    return kind.headline(change.before, change.after) if kind is not None else ""


def notes(change: Change) -> list[str]:
    """Why, in words: the reasons that the field lines do not already show."""
    shown = set(element_lines(change))
    found = [reason for reason in change.reasons
             if not reason.endswith("forces replacement") and reason not in shown]
    live = live_name_note(change)
    return (["create-before-destroy"] if change.action == "replace" else []) + ([live] if live else []) + found


def headline(change: Change) -> str:
    """`~ key.team-a`, with assignments said in words and notes in parentheses; escaped."""
    text = f"{symbol(change)} {change.address}"
    words = headline_words(change)
    if words:
        text += f": {words}"
    remarks = notes(change)
    return visible(text + (f"  ({'; '.join(remarks)})" if remarks else ""))


def unmanaged_line(plan: Plan) -> str | None:
    if not plan.unmanaged:
        return None
    counts: dict[str, int] = {}
    for item in plan.unmanaged:
        kind = item.address.split(".", 1)[0]
        counts[kind] = counts.get(kind, 0) + 1
    listed = ", ".join(f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in sorted(counts.items()))
    return visible(f"Unmanaged (left alone; policy.prune: true would delete them): {listed}")


def render_text(plan: Plan, *, color: bool = False, title: str = PLAN_TITLE) -> str:
    import click

    def paint(text: str, mark: str) -> str:
        return click.style(text, fg=COLOURS.get(mark)) if color else text

    lines = [visible(f"{title}: {plan.config_path} against {plan.base_url}").rstrip(), ""]
    for change in plan.changes:
        lines.append("  " + paint(headline(change), symbol(change)))
        lines.extend("      " + line for line in field_lines(change))
    if not plan.changes:
        lines.append("  No changes. The live org matches the file.")
    lines.append("")
    for note in filter(None, [unmanaged_line(plan)]):
        lines.append(note)
    lines.extend(visible(f"Warning: {warning}") for warning in plan.warnings)
    lines.extend(paint(visible(f"Blocked at apply: {violation}"), "-") for violation in plan.safety_violations())
    lines.append(f"Plan: {plan.summary()}.")
    return "\n".join(lines) + "\n"
