"""Guardrail assignments: per-guardrail and org-wide listings, assign and unassign.

A key holds at most one guardrail (assigning it elsewhere moves it); a member holds at most one
direct guardrail. Unknown hashes and user ids are skipped with 200 and are not counted.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from orsync.emulator.router import Call, route
from orsync.emulator.routes_guardrails import existing_guardrail
from orsync.emulator.state import EmulatorState
from orsync.emulator.validation import Field, page, validate_body
from orsync.emulator.windows import iso_time

ROUTES: list = []

_IDS = Field("array", min_length=1, items=Field("string", min_length=1))


def _key_rows(call: Call, guardrail_id: str | None) -> dict:
    keys = call.state.keys
    return _page(call, call.state.key_assignments, guardrail_id, lambda a: a.public(keys[a.key_hash]))


def _member_rows(call: Call, guardrail_id: str | None) -> dict:
    org = call.state.organization_id
    return _page(call, call.state.member_assignments, guardrail_id, lambda a: a.public(org))


def _page(call: Call, table: dict, guardrail_id: str | None, render: Callable[[Any], dict]) -> dict:
    """A page of the rows under one guardrail (None: every guardrail), oldest first."""
    rows = [a for a in table.values() if guardrail_id is None or a.guardrail_id == guardrail_id]
    return page(rows, call.query, render)


@route("GET", "/guardrails/assignments/keys", auth="management")
def list_all_key_assignments(call: Call) -> dict:
    return _key_rows(call, None)


@route("GET", "/guardrails/assignments/members", auth="management")
def list_all_member_assignments(call: Call) -> dict:
    return _member_rows(call, None)


@route("GET", "/guardrails/{id}/assignments/keys", auth="management")
def list_key_assignments(call: Call) -> dict:
    return _key_rows(call, existing_guardrail(call).id)


@route("GET", "/guardrails/{id}/assignments/members", auth="management")
def list_member_assignments(call: Call) -> dict:
    return _member_rows(call, existing_guardrail(call).id)


def _bulk(call: Call, field: str, change: Callable[[EmulatorState, str, str], bool]) -> int:
    """Apply `change(state, guardrail_id, item)` to each distinct item; how many took effect."""
    guardrail_id = existing_guardrail(call).id
    items = validate_body(call.body, {field: _IDS}, required=(field,))[field]
    return sum(change(call.state, guardrail_id, item) for item in dict.fromkeys(items))


def _assigning(call: Call, assign: Callable[..., bool]) -> Callable[[EmulatorState, str, str], bool]:
    """`assign(state, guardrail_id, item, assigned_by, at)` with this request's caller and time."""
    by = call.caller.creator_user_id if call.caller else None
    at = iso_time(call.now)
    return lambda state, guardrail_id, item: assign(state, guardrail_id, item, by, at)


@route("POST", "/guardrails/{id}/assignments/keys", auth="management")
def assign_keys(call: Call) -> dict:
    return {"assigned_count": _bulk(call, "key_hashes", _assigning(call, EmulatorState.assign_key))}


@route("POST", "/guardrails/{id}/assignments/keys/remove", auth="management")
def unassign_keys(call: Call) -> dict:
    return {"unassigned_count": _bulk(call, "key_hashes", EmulatorState.unassign_key)}


@route("POST", "/guardrails/{id}/assignments/members", auth="management")
def assign_members(call: Call) -> dict:
    return {"assigned_count": _bulk(call, "member_user_ids",
                                    _assigning(call, EmulatorState.assign_member))}


@route("POST", "/guardrails/{id}/assignments/members/remove", auth="management")
def unassign_members(call: Call) -> dict:
    return {"unassigned_count": _bulk(call, "member_user_ids", EmulatorState.unassign_member)}
