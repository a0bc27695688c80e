"""The guards a plan must pass before apply: protected names and a ceiling on deletions.

They are reported at plan time (so a reviewer sees them) and enforced at apply time.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

DESTRUCTIVE = ("delete", "replace")


def violations(plan, *, allow_destroy: bool = False, force: bool = False) -> list[str]:
    """Each broken guard as a sentence naming the objects and numbers."""
    found = []
    if not allow_destroy:
        for change in plan.changes:
            pattern = _protecting_pattern(change, plan.protect)
            if pattern:
                found.append(f"{change.address} is protected by {pattern!r} and would be "
                             f"{'deleted' if change.action == 'delete' else 'replaced'} "
                             f"(use --allow-destroy)")
    destroyed = sum(1 for change in plan.changes if change.action in DESTRUCTIVE)
    if not force and plan.max_deletes is not None and destroyed > plan.max_deletes:
        found.append(f"{destroyed} deletes (replacements included) is over max_deletes "
                     f"{plan.max_deletes} (use --force)")
    return found


def _protecting_pattern(change, patterns) -> str | None:
    if change.action not in DESTRUCTIVE:
        return None
    return next((pattern for pattern in patterns if fnmatchcase(change.name, pattern)), None)
