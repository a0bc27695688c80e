"""The workspaces of `orsync export`: each one's settings, budgets, default guardrail and members.

A workspace is written whole, so that a plan of the file compares every part of it: its
settings as the Workspaces kind manages them, its budgets (when the org may read them: budgets
are an Enterprise feature), its default guardrail once it exists (until its first PATCH it has
no settings to declare), and its member list (but the default workspace's, which is the whole
organization). Also here: which workspace a live object is in,
and the values a kind manages, as the file writes them.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from orsync.config.model import EMAIL_PATTERN
from orsync.export_text import Block, item
from orsync.planner.live import LiveState
from orsync.resources.guardrail_fields import FIELDS as GUARDRAIL_FIELDS
from orsync.resources.guardrail_fields import ZDR_FIELDS
from orsync.resources.scopes import WORKSPACE_LISTING, Scopes
from orsync.resources.workspace_budgets import INTERVALS
from orsync.resources.workspace_budgets import LISTING as BUDGET_LISTING
from orsync.resources.workspace_members import LISTING as MEMBER_LISTING
from orsync.resources.guardrails import Guardrails
from orsync.resources.workspaces import SETTINGS, Workspaces

# A default guardrail's row reads like any guardrail's: the Guardrails kind normalises it.
WORKSPACES, GUARDRAILS = Workspaces(), Guardrails()
# The file cannot say null for these (the API only takes true/false): a null live value is omitted.
SET_ONLY = frozenset({"include_byok_in_limit", "disabled", "include_byok_in_budgets",
                      "is_observability_io_logging_enabled", "is_observability_broadcast_enabled",
                      "is_data_discount_logging_enabled"})


@dataclass(frozen=True)
class OrgScopes:
    """The live workspaces, and which one a key or guardrail is in (None: the default one)."""

    scopes: Scopes
    workspaces: list[Any]             # oldest first, the default one first of all
    default_guardrail_ids: frozenset[str]

    @classmethod
    def read(cls, state: LiveState) -> OrgScopes:
        rows = state.rows(WORKSPACE_LISTING)
        scopes = Scopes.of(rows, getattr(state, "default_scope", None))
        ordered = sorted(rows, key=lambda w: (w.id != scopes.default_id, w.created_at or "", w.slug))
        return cls(scopes, ordered, frozenset(w.default_guardrail_id for w in rows if w.default_guardrail_id))

    @property
    def known(self) -> bool:
        return self.scopes.known

    def of(self, obj: Any) -> str | None:
        return self.scopes.scope_of_id(getattr(obj, "workspace_id", None))

    def guardrails(self, state: LiveState) -> list[Any]:
        """The guardrails a `guardrails:` entry may declare: not the workspaces' default ones."""
        return [g for g in state.guardrails if g.id not in self.default_guardrail_ids]


def managed_values(kind, obj: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The planner's normalised live values, in file order; lists that are empty are left out
    (the file cannot say `[]`), and so are nulls the file cannot say."""
    values = kind.live_object(obj).fields
    return [(name, values[name]) for name in names
            if not (values[name] is None and name in SET_ONLY) and values[name] != []
            and not superseded(name, values)]


def superseded(name: str, values: dict[str, Any]) -> bool:
    """The deprecated enforce_zdr, once the per-provider flags it fills say the same and more."""
    return name == "enforce_zdr" and any(values.get(flag) is not None for flag in ZDR_FIELDS)


def member_label(member: Any, members: list[Any]) -> str:
    """How the file names a member: by email, unless it is missing, malformed or shared."""
    emails = Counter((m.email or "").lower() for m in members)
    email = member.email or ""
    return email if re.match(EMAIL_PATTERN, email) and emails[email.lower()] == 1 else member.id


def workspace_blocks(state: LiveState, scopes: OrgScopes, chosen: list[Any]) -> list[list[str]]:
    guardrails = {g.id: g for g in state.guardrails}
    budgets: dict[str, dict[str, float]] = {}
    for row in state.rows(BUDGET_LISTING):
        budgets.setdefault(row.workspace_id, {})[row.reset_interval or "lifetime"] = row.limit_usd
    members_of: dict[str, list[str]] = {}
    org_members = state.rows("members")
    by_id = {m.id: m for m in org_members}
    for row in state.rows(MEMBER_LISTING):
        member = by_id.get(row.user_id)
        members_of.setdefault(row.workspace_id, []).append(member_label(member, org_members) if member else row.user_id)
    budgets_readable = BUDGET_LISTING not in state.unreadable
    chosen_ids = {w.id for w in chosen}
    return [workspace_lines(w, w.id == scopes.scopes.default_id, guardrails.get(w.default_guardrail_id),
                            budgets.get(w.id, {}) if budgets_readable else None, sorted(members_of.get(w.id, [])))
            for w in scopes.workspaces if w.id in chosen_ids]


def workspace_lines(workspace: Any, is_default: bool, default_guardrail: Any,
                    budgets: dict[str, float] | None, members: list[str]) -> list[str]:
    fields: list[tuple[str, Any]] = [("slug", workspace.slug)]
    values = WORKSPACES.normalise_all({name: getattr(workspace, name, None) for name in SETTINGS})
    fields += [(name, values[name]) for name in SETTINGS if not (values[name] is None and name in SET_ONLY)]
    notes = []
    if budgets:
        fields.append(("budgets", {interval: budgets[interval] for interval in INTERVALS if interval in budgets}))
    if budgets is not None and workspace.include_byok_in_budgets is not None:
        fields.append(("include_byok_in_budgets", workspace.include_byok_in_budgets))
    if budgets is None:
        notes.append("budgets left unmanaged: this org cannot read them (an Enterprise feature)")
    if default_guardrail is not None:
        fields.append(("default_guardrail", Block(managed_values(GUARDRAILS, default_guardrail,
                                                                 GUARDRAIL_FIELDS))))
    if not is_default:  # the default workspace's members are the whole organization
        fields.append(("members", members))
    comment = f"workspace {workspace.id}{', the default one' if is_default else ''}, created {str(workspace.created_at)[:10]}"
    return item(fields, comments=[comment], notes=notes)
