"""The guards a plan must pass before apply: protected names and a ceiling on deletions.

They are reported at plan time (so a reviewer sees them) and enforced at apply time, where the
policy comes from the config file re-read then, never from a saved plan (which anyone can edit).
A protect glob matches the live object's own name as well as the declared one: an entry pinned
by id onto `prod-backend` under another name is still deleting `prod-backend`.
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
                found.append(f"{_named(change)} is protected by {pattern!r} and would be "
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
    names = {change.name, change.live_name} - {None}
    # Outside the default workspace a name is `SLUG/NAME`: the glob matches the name alone too.
    names |= {name.split("/", 1)[-1] for name in names}
    return next((pattern for pattern in patterns if any(fnmatchcase(name, pattern) for name in names)), None)


def _named(change) -> str:
    """The address, and the live name too when the object is called otherwise."""
    if change.live_name is not None and change.live_name != change.name:
        return f"{change.address} (live name {change.live_name!r})"
    return change.address
