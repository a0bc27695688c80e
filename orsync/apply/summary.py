"""The end of an apply in words: what was done, what failed and why, what was not attempted."""

from __future__ import annotations

from orsync.apply.journal import DONE, FAILED, NOT_ATTEMPTED, Journal
from orsync.escaping import markdown_code, markdown_text, visible

MARKDOWN_LISTED = 100  # failed / not-attempted rows in a step summary before "and N more"


def render_summary(journal: Journal, *, sink_description: str | None = None, rerun: str = "") -> str:
    outcomes = journal.outcomes()
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in (DONE, FAILED, NOT_ATTEMPTED)}
    lines = []
    if journal.ok:
        lines.append(f"Apply complete: {counts[DONE]} change(s) done.")
    else:
        lines.append(f"Apply incomplete: {counts[DONE]} done, {counts[FAILED]} failed, "
                     f"{counts[NOT_ATTEMPTED]} not attempted.")
    for status, title in ((FAILED, "Failed"), (NOT_ATTEMPTED, "Not attempted")):
        listed = [o for o in outcomes if o.status == status]
        if listed:
            lines.append(f"{title}:")
            lines.extend(f"  {o.address} ({o.action}): {o.detail}" for o in listed)
    notes = journal.notes()
    if notes:
        lines.append("Recovered:")
        lines.extend(f"  {note}" for note in notes)
    if journal.secrets_stored:
        where = f" to {sink_description}" if sink_description else ""
        lines.append(f"New secrets: {journal.secrets_stored} written{where}.")
    if not journal.ok and rerun:
        lines.append(f"Nothing that succeeded is undone. Run `{rerun}` again to finish: it plans from "
                     "the live org, so it picks up where this run stopped.")
    return "\n".join(visible(line) for line in lines) + "\n"


def render_summary_markdown(journal: Journal) -> str:
    """The same outcome for a CI job's step summary: done / failed / not attempted, then why."""
    outcomes = journal.outcomes()
    counts = {status: sum(1 for o in outcomes if o.status == status) for status in (DONE, FAILED, NOT_ATTEMPTED)}
    verdict = "complete" if journal.ok else "incomplete"
    lines = [f"### orsync apply {verdict}: {counts[DONE]} done, {counts[FAILED]} failed, "
             f"{counts[NOT_ATTEMPTED]} not attempted", ""]
    for status, title in ((FAILED, "Failed"), (NOT_ATTEMPTED, "Not attempted")):
        listed = [o for o in outcomes if o.status == status]
        if listed:
            lines += [f"**{title}:**", ""]
            lines += [f"- {markdown_code(o.address)} ({o.action}): {markdown_text(o.detail)}"
                      for o in listed[:MARKDOWN_LISTED]]
            lines += [f"- and {len(listed) - MARKDOWN_LISTED} more (see the job log)"] if len(listed) > MARKDOWN_LISTED else []
            lines.append("")
    if journal.secrets_stored:
        lines += [f"New secrets: {journal.secrets_stored} written to the chosen sink.", ""]
    return "\n".join(lines)
