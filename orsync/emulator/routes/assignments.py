"""Guardrail assignments: per-guardrail and org-wide listings, assign and unassign.

A key holds at most one guardrail (assigning it elsewhere moves it) and only one of its own
workspace; a member holds at most one direct guardrail per workspace, never a legacy
(workspace-less) nor a workspace default guardrail (API-NOTES "Workspaces"; Terraform provider
docs/resources/guardrail_*_assignment.md). A request that breaks one of these is refused whole
(400), before anything changes. Unknown hashes and user ids are skipped with 200, uncounted.

When the control surface asks for the failure shape `short_assignment_pages`, the rows of keys
deleted since then still count in `total_count` and take their place in the paging, but are
dropped from the page: pages come back short, as the real API's do (API-NOTES "Failure shapes").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orsync.emulator.routes.dispatch import ApiFailure, Call, EmulatorResponse, route
from orsync.emulator.routes.guardrails import assignable_guardrail, existing_guardrail
from orsync.emulator.routes.scoping import effective_workspace_id
from orsync.emulator.routes.validation import Field, query_integer, validate_body
from orsync.emulator.store.records import GuardrailRecord
from orsync.emulator.store.rendered import json_text
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.store.windows import iso_time

ROUTES: list = []

_IDS = Field("array", min_length=1, items=Field("string", min_length=1))


def _key_rows(call: Call, guardrail_id: str | None) -> EmulatorResponse:
    dropped = call.app.shapes.deleted_key_rows(guardrail_id)
    return _page(call, "keys", guardrail_id, dropped)


def _member_rows(call: Call, guardrail_id: str | None) -> EmulatorResponse:
    return _page(call, "members", guardrail_id, 0)


def _page(call: Call, kind: str, guardrail_id: str | None, dropped: int) -> EmulatorResponse:
    """A `{"data", "total_count"}` page of one guardrail's rows (None: every guardrail), oldest
    first, behind `dropped` rows that count and take places but are never shown. The store
    pages in SQL: a page costs the same at any offset."""
    offset = query_integer(call.query, "offset", 0, minimum=0)
    limit = query_integer(call.query, "limit", 50, minimum=1, maximum=100)
    start, end = max(offset - dropped, 0), max(offset + limit - dropped, 0)
    rows, total = call.state.assignment_rows(kind, guardrail_id, start, max(end - start, 1))
    rows = rows[:end - start]
    if kind == "members":
        texts = call.state.member_assignments.rendered(
            rows, lambda assignment, org: json_text(assignment.public(org)))
    else:
        texts = _key_assignment_texts(call, rows)
    return EmulatorResponse.listing(texts, total + dropped)


def _key_assignment_texts(call: Call, rows: list[tuple]) -> list[str]:
    """Each key assignment's text, with its key's name and label (from the key's row, which
    came with it). A key held in this transaction may differ from its row: it is shown as
    held, and that text is not kept."""
    keys = call.state.keys
    held = set(keys.held)  # taken before rendering, which holds the keys it reads
    if held:
        rows = [(ident, data, None) if ident in held else (ident, data, key)
                for ident, data, key in rows]

    def render(assignment: Any, key_row: str | None) -> str:
        key_hash = assignment.key_hash
        key = keys.materialise(key_hash, key_row) if key_row else keys[key_hash]
        return json_text(assignment.public(key))

    return call.state.key_assignments.rendered(rows, render,
                                               keep=lambda assignment: assignment.key_hash not in held)


@route("GET", "/guardrails/assignments/keys", auth="management")
def list_all_key_assignments(call: Call) -> EmulatorResponse:
    return _key_rows(call, None)


@route("GET", "/guardrails/assignments/members", auth="management")
def list_all_member_assignments(call: Call) -> EmulatorResponse:
    return _member_rows(call, None)


@route("GET", "/guardrails/{id}/assignments/keys", auth="management")
def list_key_assignments(call: Call) -> EmulatorResponse:
    return _key_rows(call, existing_guardrail(call).id)


@route("GET", "/guardrails/{id}/assignments/members", auth="management")
def list_member_assignments(call: Call) -> EmulatorResponse:
    return _member_rows(call, existing_guardrail(call).id)


def _items(call: Call, field: str) -> list[str]:
    """The request's distinct ids, in order."""
    return list(dict.fromkeys(validate_body(call.body, {field: _IDS}, required=(field,))[field]))


def _assigning(call: Call, assign: Callable[..., bool]) -> Callable[[EmulatorState, str, str], bool]:
    """`assign(state, guardrail_id, item, assigned_by, at)` with this request's caller and time."""
    by = call.caller.creator_user_id if call.caller else None
    at = iso_time(call.now)
    return lambda state, guardrail_id, item: assign(state, guardrail_id, item, by, at)


def _apply(call: Call, guardrail: GuardrailRecord, items: list[str],
           change: Callable[[EmulatorState, str, str], bool]) -> int:
    return sum(change(call.state, guardrail.id, item) for item in items)


@route("POST", "/guardrails/{id}/assignments/keys", auth="management")
def assign_keys(call: Call) -> dict:
    guardrail = assignable_guardrail(call)
    hashes = _items(call, "key_hashes")
    home = effective_workspace_id(call.state, guardrail.workspace_id)
    for key_hash in hashes:
        key = call.state.api_key(key_hash)
        if key is not None and effective_workspace_id(call.state, key.workspace_id) != home:
            raise ApiFailure(400, f"API key {key_hash} belongs to another workspace than the "
                                  "guardrail; a key can only take a guardrail of its own workspace")
    return {"assigned_count": _apply(call, guardrail, hashes, _assigning(call, EmulatorState.assign_key))}


@route("POST", "/guardrails/{id}/assignments/keys/remove", auth="management")
def unassign_keys(call: Call) -> dict:
    guardrail = existing_guardrail(call)
    return {"unassigned_count": _apply(call, guardrail, _items(call, "key_hashes"),
                                       EmulatorState.unassign_key)}


@route("POST", "/guardrails/{id}/assignments/members", auth="management")
def assign_members(call: Call) -> dict:
    guardrail = assignable_guardrail(call)
    if guardrail.workspace_id is None:
        raise ApiFailure(400, "A legacy guardrail (without a workspace) cannot be assigned to members")
    user_ids = _items(call, "member_user_ids")
    for user_id in user_ids:
        if user_id in call.state.members and not _in_workspace(call.state, guardrail.workspace_id, user_id):
            raise ApiFailure(400, f"Member {user_id} is not a member of the guardrail's workspace")
    return {"assigned_count": _apply(call, guardrail, user_ids,
                                     _assigning(call, EmulatorState.assign_member))}


@route("POST", "/guardrails/{id}/assignments/members/remove", auth="management")
def unassign_members(call: Call) -> dict:
    guardrail = existing_guardrail(call)
    return {"unassigned_count": _apply(call, guardrail, _items(call, "member_user_ids"),
                                       EmulatorState.unassign_member)}


def _in_workspace(state: EmulatorState, workspace_id: str, user_id: str) -> bool:
    """Every org member belongs to the default workspace; others list their members."""
    if workspace_id == state.default_workspace_id:
        return True
    return any(m.user_id == user_id for m in state.workspace_members(workspace_id))
