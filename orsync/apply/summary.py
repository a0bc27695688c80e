"""The end of an apply in words: what was done, what failed and why, what was not attempted."""

from __future__ import annotations

from orsync.apply.journal import DONE, FAILED, NOT_ATTEMPTED, Journal


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
    return "\n".join(lines) + "\n"
