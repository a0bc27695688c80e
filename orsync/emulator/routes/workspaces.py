"""Workspaces: GET/POST /workspaces, GET/PATCH/DELETE /workspaces/{id}, and their members.

`{id}` is the workspace's UUID or its slug (lowercase alphanumeric segments joined by single
hyphens). A workspace with API keys cannot be deleted (remove the keys first); the default
workspace cannot be deleted without `confirm_default_workspace_deletion=true`, and with it the
capability is still rolling out (403). Deleting a workspace deletes its budgets and guardrails.
Members: every org member belongs to the default workspace implicitly; other workspaces list
the members added to them, who keep their org role; a member with API keys in a workspace
cannot be removed from it. (Reference spec, descriptions of these operations; API-NOTES
"Workspaces"; docs guide "workspaces".)
"""

from __future__ import annotations

import re
import uuid

from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.routes.scoping import workspace_or_404
from orsync.emulator.routes.validation import Field, fail, query_flag, query_integer, validate_body
from orsync.emulator.store.records import WorkspaceMemberRecord, WorkspaceRecord
from orsync.emulator.store.windows import iso_time

ROUTES: list = []

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
UPDATABLE = {
    "name": Field("string", min_length=1, max_length=100),
    "slug": Field("string", min_length=1, max_length=50),
    "description": Field("string", nullable=True, max_length=500),
    "default_text_model": Field("string", nullable=True),
    "default_image_model": Field("string", nullable=True),
    "default_provider_sort": Field("string", nullable=True),
    "io_logging_api_key_ids": Field("array", nullable=True, items=Field("number")),
    "io_logging_sampling_rate": Field("number", ge=0),
    "is_data_discount_logging_enabled": Field("boolean"),
    "is_observability_broadcast_enabled": Field("boolean"),
    "is_observability_io_logging_enabled": Field("boolean"),
    "disabled_server_tools": Field("array", nullable=True, items=Field("string", min_length=1)),
}
USER_IDS = {"user_ids": Field("array", min_length=1, max_length=100, items=Field("string", min_length=1))}
# Workspace member ids of the default workspace's implicit members: stable per (workspace, user).
IMPLICIT_MEMBER_NAMESPACE = uuid.UUID("0b7c4a52-31d6-4f0e-9a8b-5e2f1c3d4a6b")
CONFIRM_DEFAULT_DELETION = "confirm_default_workspace_deletion"


@route("GET", "/workspaces", auth="management")
def list_workspaces(call: Call) -> dict:
    rows = call.state.workspaces_in_order()
    return _page(call, rows, WorkspaceRecord.public)


@route("POST", "/workspaces", auth="management")
def create_workspace(call: Call) -> tuple[int, dict]:
    body = validate_body(call.body, UPDATABLE, required=("name", "slug"))
    _check_slug(call, body["slug"])
    values = {k: v for k, v in body.items() if k not in ("name", "slug")}
    by = call.caller.creator_user_id if call.caller else None
    record = call.state.add_workspace(body["name"], body["slug"], created_at=iso_time(call.now),
                                      created_by=by, **values)
    return 201, {"data": record.public()}


@route("GET", "/workspaces/{id}", auth="management")
def get_workspace(call: Call) -> dict:
    return {"data": workspace_or_404(call, call.params["id"]).public()}


@route("PATCH", "/workspaces/{id}", auth="management")
def update_workspace(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    record = workspace_or_404(call, call.params["id"])
    if "slug" in body and body["slug"] != record.slug:
        _check_slug(call, body["slug"])
    record.patch(body, iso_time(call.now))
    call.state.save_workspace(record)
    return {"data": record.public()}


@route("DELETE", "/workspaces/{id}", auth="management")
def delete_workspace(call: Call) -> dict:
    record = workspace_or_404(call, call.params["id"])
    if record.id == call.state.default_workspace_id:
        if not query_flag(call.query, CONFIRM_DEFAULT_DELETION):
            raise ApiFailure(400, f"Deleting the default workspace needs {CONFIRM_DEFAULT_DELETION}=true")
        raise ApiFailure(403, "Deleting the default workspace is not yet available to this organization")
    if call.state.keys_page(record.id, 0, 1, include_disabled=True, include_expired=True, now=call.now):
        raise ApiFailure(400, "Workspaces with active API keys cannot be deleted; remove the keys first")
    call.state.delete_workspace(record.id)
    return {"deleted": True}


# --- members -------------------------------------------------------------------------------

@route("GET", "/workspaces/{id}/members", auth="management")
def list_workspace_members(call: Call) -> dict:
    workspace = workspace_or_404(call, call.params["id"])
    return _page(call, members_of(call, workspace), WorkspaceMemberRecord.public)


@route("POST", "/workspaces/{id}/members/add", auth="management")
def add_workspace_members(call: Call) -> dict:
    workspace = workspace_or_404(call, call.params["id"])
    user_ids = list(dict.fromkeys(validate_body(call.body, USER_IDS, required=("user_ids",))["user_ids"]))
    added = []
    if workspace.id != call.state.default_workspace_id:  # everyone is in the default one already
        for user_id in user_ids:
            member = call.state.members.get(user_id)
            if member is None:
                continue  # not an org member: skipped, uncounted
            record = call.state.add_workspace_member(workspace.id, user_id, iso_time(call.now),
                                                     _role(member.role))
            if record is not None:
                added.append(record)
    return {"added_count": len(added), "data": [m.public() for m in added]}


@route("POST", "/workspaces/{id}/members/remove", auth="management")
def remove_workspace_members(call: Call) -> dict:
    workspace = workspace_or_404(call, call.params["id"])
    user_ids = list(dict.fromkeys(validate_body(call.body, USER_IDS, required=("user_ids",))["user_ids"]))
    if workspace.id == call.state.default_workspace_id:
        raise ApiFailure(400, "Members cannot be removed from the default workspace")
    for user_id in user_ids:
        if any(k.workspace_id == workspace.id for k in call.state.keys_created_by(user_id)):
            raise ApiFailure(400, f"Member {user_id} has API keys in this workspace and cannot be removed")
    removed = sum(call.state.remove_workspace_member(workspace.id, u) for u in user_ids)
    return {"removed_count": removed}


def members_of(call: Call, workspace: WorkspaceRecord) -> list[WorkspaceMemberRecord]:
    """A workspace's members; for the default workspace, every org member (implicitly)."""
    if workspace.id != call.state.default_workspace_id:
        return call.state.workspace_members(workspace.id)
    return [WorkspaceMemberRecord(str(uuid.uuid5(IMPLICIT_MEMBER_NAMESPACE, f"{workspace.id}/{m.id}")),
                                  workspace.id, m.id, workspace.created_at, _role(m.role))
            for m in call.state.members.values()]


def _role(org_role: str) -> str:
    """Members keep their org role: org:admin is a workspace admin."""
    return "admin" if org_role == "org:admin" else "member"


def _check_slug(call: Call, slug: str) -> None:
    if not SLUG.match(slug):
        raise fail(["slug"], "Invalid string: slug must be lowercase alphanumeric segments "
                             "separated by single hyphens", "invalid_format")
    if call.state.workspace(slug) is not None:
        raise fail(["slug"], f"A workspace with slug {slug!r} already exists", "custom")


def _page(call: Call, rows: list, render) -> dict:
    offset = query_integer(call.query, "offset", 0, minimum=0)
    limit = query_integer(call.query, "limit", 50, minimum=1, maximum=100)
    return {"data": [render(r) for r in rows[offset:offset + limit]], "total_count": len(rows)}
