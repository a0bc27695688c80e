"""Which workspace a request is about, and the workspace default guardrails.

Every key lives in a workspace; `GET /keys` and `GET /guardrails` answer for the default
workspace unless `workspace_id` names another, and `POST /keys` / `POST /guardrails` create in
the default workspace unless their body names one (API-NOTES "Workspaces"; reference spec,
parameter docs of both listings). A workspace is named by its UUID or its slug.

Each workspace has a default guardrail with a deterministic id (`default_guardrail_id`). It
exists for the API only once a PATCH has materialised it: until then `GET /guardrails/{id}`
answers 404 (Terraform provider docs/resources/workspace_default_guardrail.md).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from orsync.emulator.routes.dispatch import ApiFailure, Call
from orsync.emulator.routes.validation import fail
from orsync.emulator.store.records import default_guardrail_id

if TYPE_CHECKING:
    from orsync.emulator.store.records import WorkspaceRecord

WORKSPACE_NOT_FOUND = "Workspace not found"


def workspace_or_404(call: Call, ref: str) -> WorkspaceRecord:
    """The workspace a path or body names by id or slug; 404 when there is none."""
    record = call.state.workspace(ref)
    if record is None:
        raise ApiFailure(404, WORKSPACE_NOT_FOUND)
    return record


def named_workspace(call: Call, ref: str) -> WorkspaceRecord:
    """The workspace a query or body parameter names; 400 (a bad parameter, as the listings and
    creates document their failures) when there is none."""
    record = call.state.workspace(ref)
    if record is None:
        raise fail(["workspace_id"], WORKSPACE_NOT_FOUND, "custom")
    return record


def listing_workspace(call: Call) -> str:
    """The id of the workspace a listing shows: the query's `workspace_id`, else the default."""
    ref = call.query.get("workspace_id")
    return named_workspace(call, ref).id if ref else call.state.default_workspace_id


def creation_workspace(call: Call, body: dict) -> str:
    """The id of the workspace a create goes to: the body's `workspace_id`, else the default."""
    ref = body.get("workspace_id")
    return named_workspace(call, ref).id if ref else call.state.default_workspace_id


def without_workspace(body: dict) -> dict:
    return {k: v for k, v in body.items() if k != "workspace_id"}


def workspace_of_default_guardrail(state: Any, guardrail_id: str) -> WorkspaceRecord | None:
    """The workspace whose default guardrail has this id, or None (an ordinary guardrail)."""
    return next((w for w in state.workspaces_in_order()
                 if default_guardrail_id(w.id) == guardrail_id), None)


def default_guardrail_name(workspace_id: str) -> str:
    """The name the server gives a workspace default guardrail."""
    return f"Workspace {workspace_id} Default"


def effective_workspace_id(state: Any, workspace_id: str | None) -> str:
    """A legacy guardrail (no workspace) counts as the default workspace's."""
    return workspace_id or state.default_workspace_id
