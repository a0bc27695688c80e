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


def member_workspace(config, spec) -> str | None:
    """The workspace slug of the guardrail a member entry names: its `workspace:`, else the one
    workspace that declares a guardrail of that name (the default one when several or none)."""
    if spec.workspace or spec.guardrail is None:
        return spec.workspace
    homes = {guardrail.workspace for guardrail in config.guardrails if guardrail.name == spec.guardrail}
    return homes.pop() if len(homes) == 1 else None
