"""A Plan as the Markdown of a pull-request comment (and of a CI job's step summary).

It must fit: GitHub refuses a comment over 65,536 characters, and a plan of 2,000 changes
would be several times that. Destruction is said first and never cut; the table of changes
is cut at a budget, and then says how many rows it leaves out and where the full plan is.
Every name goes through orsync.escaping: in a code span (so a backtick cannot end it early)
or as escaped prose, and pipes are escaped in table cells.
"""

from __future__ import annotations

from collections.abc import Sequence

from orsync.escaping import markdown_code, markdown_text
from orsync.planner.plan import Change, Plan
from orsync.planner.render import field_lines, headline_words, live_name_note, notes, symbol, unmanaged_line

GITHUB_COMMENT_LIMIT = 65_536
# Room under GitHub's limit for the marker and any words a CI job adds around the plan.
BUDGET = GITHUB_COMMENT_LIMIT - 4_096
COLLAPSE_AFTER = 15          # more rows than this go inside <details>
MAX_NAMED = 50               # destroyed objects named in the warning box, warnings listed
MAX_CELL = 600               # characters of one details cell
TABLE_HEAD = ["| | address | action | details |", "|---|---|---|---|"]
DESTRUCTIVE = ("delete", "replace", "unassign")
DEFAULT_POINTER = "Run `orsync plan` (or keep its `--out PLAN.json`) for the full plan."


def render_comment(plan: Plan, *, title: str, full_plan: str | None = None, budget: int = BUDGET) -> str:
    head = [f"### {markdown_text(title)}: {plan.summary()}", "", *_alerts(plan)]
    foot = _footer(plan)
    if not plan.changes:
        return _join(head + ["No changes. The live org matches the file.", ""] + foot)
    rows = [_row(change) for change in plan.changes]
    cut = _cut_notice(len(rows), len(rows), full_plan)
    room = budget - len(_join(head + _table([], len(rows)) + foot)) - len(cut) - 2
    shown = _rows_that_fit(rows, room)
    notice = [_cut_notice(len(shown), len(rows), full_plan), ""] if len(shown) < len(rows) else []
    return _join(head + notice + _table(shown, len(rows)) + foot)


def _alerts(plan: Plan) -> list[str]:
    """GitHub alert boxes: what is destroyed, what apply will refuse, what a reviewer should know."""
    lines = []
    destructive = [change for change in plan.changes if change.action in DESTRUCTIVE]
    if destructive:
        named = ", ".join(f"{markdown_code(c.address)}{_live_suffix(c)} ({c.action})" for c in destructive[:MAX_NAMED])
        more = f", and {len(destructive) - MAX_NAMED} more" if len(destructive) > MAX_NAMED else ""
        lines += ["> [!WARNING]", f"> **Destroys or detaches:** {named}{more}", ""]
    lines += _box("CAUTION", "Blocked at apply", plan.safety_violations())
    lines += _box("NOTE", "Warnings", plan.warnings)
    return lines


def _box(alert: str, label: str, items: Sequence[str]) -> list[str]:
    """One alert box listing `items` (at most MAX_NAMED of them), or nothing."""
    if not items:
        return []
    listed = [f"> - {markdown_text(_clip(item))}" for item in items[:MAX_NAMED]]
    if len(items) > MAX_NAMED:
        listed.append(f"> - and {len(items) - MAX_NAMED} more (see the full plan)")
    return [f"> [!{alert}]", f"> **{label}:**", ">", *listed, ""]


def _live_suffix(change: Change, *, in_table: bool = False) -> str:
    """` (live name: `prod-backend`)` when the live object is called otherwise than declared."""
    if live_name_note(change) is None:
        return ""
    return f" (live name: {markdown_code(change.live_name or '', in_table=in_table)})"


def _row(change: Change) -> str:
    words = headline_words(change)
    remarks = [note for note in notes(change) if note != live_name_note(change)]  # it has its column
    details = ([words] if words else []) + remarks + field_lines(change)
    cell = "; ".join(markdown_text(line) for line in details)
    address = markdown_code(change.address, in_table=True) + _live_suffix(change, in_table=True)
    return f"| `{symbol(change)}` | {address} | {change.action} | {_clip(cell)} |"


def _clip(text: str) -> str:
    """A cell or line cut to MAX_CELL characters, never inside a backslash escape."""
    if len(text) <= MAX_CELL:
        return text
    cut = text[:MAX_CELL]
    trailing = len(cut) - len(cut.rstrip("\\"))
    return cut[: len(cut) - trailing % 2] + " …"


def _rows_that_fit(rows: list[str], room: int) -> list[str]:
    shown, used = [], 0
    for row in rows:
        used += len(row) + 1
        if used > room:
            break
        shown.append(row)
    return shown


def _cut_notice(shown: int, total: int, full_plan: str | None) -> str:
    return (f"> [!NOTE]\n> **Showing {shown} of {total} changes**: the whole table would pass GitHub's "
            f"{GITHUB_COMMENT_LIMIT:,}-character limit for a comment. {full_plan or DEFAULT_POINTER}")


def _table(rows: list[str], total: int) -> list[str]:
    if total > COLLAPSE_AFTER:
        return [f"<details><summary>{total} changes</summary>", "", *TABLE_HEAD, *rows, "", "</details>", ""]
    return [*TABLE_HEAD, *rows, ""]


def _footer(plan: Plan) -> list[str]:
    note = unmanaged_line(plan)
    return ([f"_{markdown_text(note)}_", ""] if note else []) + [
        f"<sub>orsync · {markdown_code(plan.config_path)} · sha256 `{plan.config_sha256[:12]}`</sub>"]


def _join(lines: list[str]) -> str:
    return "\n".join(lines) + "\n"
