"""Workspace budgets: GET /workspaces/{id}/budgets, GET|PUT|DELETE .../budgets/{interval}.

One pooled cap per interval (`daily|weekly|monthly|lifetime`) for the whole workspace; the
BYOK flag is workspace-wide (a PUT that sends it sets it for every interval). Limits must
strictly decrease as the interval narrows: lifetime > monthly > weekly > daily, so a PUT that
would break the order is refused (400) and writes must be ordered. Budgets are an Enterprise
feature: an org without it gets 403 (the control surface's `enterprise` switch). (Reference
spec, description of PUT; docs guide "workspace-budgets"; API-NOTES "Workspaces".)
"""

from __future__ import annotations

from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.routes.scoping import workspace_or_404
from orsync.emulator.routes.validation import Field, invalid_option, validate_body
from orsync.emulator.store.records import WorkspaceRecord
from orsync.emulator.store.windows import iso_time

ROUTES: list = []

INTERVALS_WIDEST_FIRST = ("lifetime", "monthly", "weekly", "daily")
UPSERT = {"limit_usd": Field("number", gt=0), "include_byok_in_budgets": Field("boolean")}
ENTERPRISE_ONLY = "Workspace budgets are available on the Enterprise plan only"


@route("GET", "/workspaces/{id}/budgets", auth="management")
def list_budgets(call: Call) -> dict:
    workspace = _budgeted_workspace(call)
    return {"data": [b.public() for b in _in_order(call, workspace)],
            "include_byok_in_budgets": workspace.include_byok_in_budgets}


@route("GET", "/workspaces/{id}/budgets/{interval}", auth="management")
def get_budget(call: Call) -> dict:
    workspace = _budgeted_workspace(call)
    interval = _interval(call)
    budget = next((b for b in call.state.workspace_budgets(workspace.id) if b.interval == interval), None)
    if budget is None:
        raise ApiFailure(404, f"No {interval} budget is set for this workspace")
    return {"data": budget.public(), "include_byok_in_budgets": workspace.include_byok_in_budgets}


@route("PUT", "/workspaces/{id}/budgets/{interval}", auth="management")
def put_budget(call: Call) -> dict:
    workspace = _budgeted_workspace(call)
    interval = _interval(call)
    body = validate_body(call.body, UPSERT, required=("limit_usd",))
    limits = {b.interval: b.limit_usd for b in call.state.workspace_budgets(workspace.id)}
    _check_decreasing({**limits, interval: body["limit_usd"]})
    budget = call.state.put_workspace_budget(workspace.id, interval, body["limit_usd"], iso_time(call.now))
    if "include_byok_in_budgets" in body:
        workspace.patch({"include_byok_in_budgets": body["include_byok_in_budgets"]}, iso_time(call.now))
        call.state.save_workspace(workspace)
    return {"data": budget.public(), "include_byok_in_budgets": workspace.include_byok_in_budgets}


@route("DELETE", "/workspaces/{id}/budgets/{interval}", auth="management")
def delete_budget(call: Call) -> dict:
    workspace = _budgeted_workspace(call)
    interval = _interval(call)
    if not call.state.delete_workspace_budget(workspace.id, interval):
        raise ApiFailure(404, f"No {interval} budget is set for this workspace")
    return {"deleted": True}


def _budgeted_workspace(call: Call) -> WorkspaceRecord:
    workspace = workspace_or_404(call, call.params["id"])
    if not call.state.settings.get("enterprise", False):
        raise ApiFailure(403, ENTERPRISE_ONLY)
    return workspace


def _interval(call: Call) -> str:
    interval = call.params["interval"]
    if interval not in INTERVALS_WIDEST_FIRST:
        raise invalid_option(["interval"], INTERVALS_WIDEST_FIRST)
    return interval


def _in_order(call: Call, workspace: WorkspaceRecord) -> list:
    return sorted(call.state.workspace_budgets(workspace.id),
                  key=lambda b: INTERVALS_WIDEST_FIRST.index(b.interval))


def _check_decreasing(limits: dict[str, float]) -> None:
    """Each set limit strictly above every narrower one."""
    present = [i for i in INTERVALS_WIDEST_FIRST if i in limits]
    for wider, narrower in zip(present, present[1:]):
        if not limits[wider] > limits[narrower]:
            raise ApiFailure(400, "Budget limits must strictly decrease as the interval narrows "
                                  f"(lifetime > monthly > weekly > daily): {wider} ${limits[wider]:g} "
                                  f"is not above {narrower} ${limits[narrower]:g}")
