"""Organization members: read-only (no endpoint creates them), looked up by email or id."""

from __future__ import annotations

from typing import Any


def find_member(members: list[Any], *, email: str | None = None, user_id: str | None = None) -> Any | None:
    """The live member with this id, or this email (case-insensitive), or None."""
    wanted_email = email.lower() if email else None
    for member in members:
        if user_id is not None and member.id == user_id:
            return member
        if wanted_email is not None and (member.email or "").lower() == wanted_email:
            return member
    return None


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
