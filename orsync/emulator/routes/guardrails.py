"""Guardrails CRUD: GET/POST /guardrails, GET/PATCH/DELETE /guardrails/{id}.

What a body may say and how it is stored is `guardrail_rules.py` (canonical model slugs,
lists without duplicates, the budget's interval, content-filter regexes). Here: which workspace
a guardrail lives in (fixed at creation, `workspace_id` or the default), listings scoped to a
workspace, and the workspace default guardrail, which is never POSTed, answers 404 until its
first PATCH materialises it, keeps the name the server gave it, cannot be deleted, and shows
only in a listing scoped to its workspace (API-NOTES "Workspaces"; reference spec; Terraform
provider docs/resources/workspace_default_guardrail.md).
"""

from __future__ import annotations

from orsync.emulator.routes.catalog import catalog
from orsync.emulator.routes.dispatch import ApiFailure, Call, EmulatorResponse, route
from orsync.emulator.routes.guardrail_rules import CREATABLE, UPDATABLE, check_rules, stored_values
from orsync.emulator.routes.scoping import (
    creation_workspace, default_guardrail_name, listing_workspace, without_workspace,
    workspace_of_default_guardrail,
)
from orsync.emulator.routes.validation import query_integer, validate_body
from orsync.emulator.store.records import GuardrailRecord
from orsync.emulator.store.rendered import json_text
from orsync.emulator.store.windows import iso_time

ROUTES: list = []

NOT_FOUND = "Guardrail not found"
NAME_NOT_EDITABLE = "A workspace default guardrail's name is not editable"
NOT_DELETABLE = "A workspace default guardrail cannot be deleted"
NOT_ASSIGNABLE = "A workspace default guardrail cannot be assigned to keys or members"


@route("GET", "/guardrails", auth="management")
def list_guardrails(call: Call) -> EmulatorResponse:
    workspace_id = listing_workspace(call)
    offset = query_integer(call.query, "offset", 0, minimum=0)
    limit = query_integer(call.query, "limit", 50, minimum=1, maximum=100)
    # A workspace's default guardrail shows only when the listing names that workspace.
    scoped = bool(call.query.get("workspace_id"))
    rows, total = call.state.guardrail_rows(workspace_id, offset, limit, include_defaults=scoped)
    texts = call.state.guardrails.rendered(rows, lambda g: json_text(g.public()))
    return EmulatorResponse.listing(texts, total)


@route("POST", "/guardrails", auth="management")
def create_guardrail(call: Call) -> tuple[int, dict]:
    body = validate_body(call.body, CREATABLE, required=("name",))
    check_rules(body)
    workspace_id = creation_workspace(call, body)
    values = stored_values(without_workspace(body), catalog(call))
    record = call.state.add_guardrail(values.pop("name"), created_at=iso_time(call.now),
                                      workspace_id=workspace_id, **values)
    return 201, {"data": record.public()}


@route("GET", "/guardrails/{id}", auth="management")
def get_guardrail(call: Call) -> dict:
    return {"data": existing_guardrail(call).public()}


@route("PATCH", "/guardrails/{id}", auth="management")
def update_guardrail(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    record = call.state.guardrails.get(call.params["id"])
    default_of = workspace_of_default_guardrail(call.state, call.params["id"]) if record is None else None
    if record is None and default_of is None:
        raise ApiFailure(404, NOT_FOUND)
    if (default_of is not None or record.is_workspace_default) and "name" in body:
        raise ApiFailure(400, NAME_NOT_EDITABLE)
    check_rules(body, record)
    values = stored_values(body, catalog(call))  # everything checked before anything is written
    if record is None:  # the first PATCH of a workspace default guardrail materialises it
        record = call.state.add_guardrail(default_guardrail_name(default_of.id),
                                          guardrail_id=call.params["id"], workspace_id=default_of.id,
                                          created_at=iso_time(call.now), is_workspace_default=True)
    record.patch(values, iso_time(call.now))
    return {"data": record.public()}


@route("DELETE", "/guardrails/{id}", auth="management")
def delete_guardrail(call: Call) -> dict:
    record = existing_guardrail(call)
    if record.is_workspace_default:
        raise ApiFailure(403, NOT_DELETABLE)
    call.state.delete_guardrail(record.id)
    return {"deleted": True}


def existing_guardrail(call: Call) -> GuardrailRecord:
    record = call.state.guardrails.get(call.params["id"])
    if record is None:
        raise ApiFailure(404, NOT_FOUND)
    return record


def assignable_guardrail(call: Call) -> GuardrailRecord:
    """The guardrail of an assignment route; a workspace default one is refused (400)."""
    if workspace_of_default_guardrail(call.state, call.params["id"]) is not None:
        raise ApiFailure(400, NOT_ASSIGNABLE)
    return existing_guardrail(call)
