"""Organization members: read-only (no endpoint creates them), looked up by email or id."""

from __future__ import annotations

from typing import Any


class LiveMembers:
    """The live members, found by id or by email (case-insensitive) in a lookup each: the first
    in listing order that matches either, as a scan of the list would find it. Built once per
    plan (`live_members`): a scan per entry made a file of many members quadratic."""

    def __init__(self, members: list[Any]) -> None:
        self.by_id: dict[Any, tuple[int, Any]] = {}
        self.by_email: dict[str, tuple[int, Any]] = {}
        for position, member in enumerate(members):
            self.by_id.setdefault(member.id, (position, member))
            if member.email:
                self.by_email.setdefault(member.email.lower(), (position, member))

    def find(self, *, email: str | None = None, user_id: str | None = None) -> Any | None:
        """The live member with this id, or this email, or None."""
        hits = [hit for hit in (self.by_id.get(user_id) if user_id is not None else None,
                                self.by_email.get(email.lower()) if email else None) if hit]
        return min(hits, key=lambda hit: hit[0])[1] if hits else None


def live_members(resolution) -> LiveMembers:
    """The live members of the plan's state, indexed once."""
    if "live_members" not in resolution.memo:
        resolution.memo["live_members"] = LiveMembers(resolution.state.rows("members"))
    return resolution.memo["live_members"]


def member_workspace(config, spec, homes: dict[str, set] | None = None) -> str | None:
    """The workspace slug of the guardrail a member entry names: its `workspace:`, else the one
    workspace that declares a guardrail of that name (the default one when several or none).
    `homes` (guardrail_homes(config)) saves a scan of every guardrail per member."""
    if spec.workspace or spec.guardrail is None:
        return spec.workspace
    found = (homes if homes is not None else guardrail_homes(config)).get(spec.guardrail, set())
    return next(iter(found)) if len(found) == 1 else None


def guardrail_homes(config) -> dict[str, set]:
    """Declared guardrail name -> the workspaces (slugs; None: the default one) declaring it."""
    homes: dict[str, set] = {}
    for guardrail in config.guardrails:
        homes.setdefault(guardrail.name, set()).add(guardrail.workspace)
    return homes
