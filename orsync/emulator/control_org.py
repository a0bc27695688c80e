"""The control surface's hand on the org and on the failures it serves (`/_emulator/...`).

Tests change the org here as a person would in the dashboard, outside the API: create a key in
a workspace, move or rename it, set what the API cannot PATCH (expiry, creator, usage), flip
the org switches (the Enterprise plan that workspace budgets need, the filtered model catalog),
and queue the failure shapes of `faults/shapes.py`. Management key only; never counted.
"""

from __future__ import annotations

from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.routes.scoping import workspace_or_404
from orsync.emulator.store.windows import iso_time

ROUTES: list = []

ORG_SWITCHES = ("enterprise", "is_filtered_model_catalog_enabled")
# Key fields a hand edit may set (identity, secret and label stay the API's).
KEY_EDITABLE = ("name", "disabled", "limit", "limit_reset", "include_byok_in_limit", "expires_at",
                "creator_user_id", "external_user", "usage", "usage_daily", "usage_weekly",
                "usage_monthly", "byok_usage", "byok_usage_daily", "byok_usage_weekly",
                "byok_usage_monthly")


@route("GET", "/failures", auth="management")
def failure_shapes(call: Call) -> dict:
    return call.app.shapes.public()


@route("POST", "/failures", auth="management")
def queue_failure(call: Call) -> dict:
    """`{"shape", "path"?, "count"?}` queues a shape; `{"switch", "enabled"}` flips a switch."""
    body = call.json_body()
    try:
        if "switch" in body:
            call.app.shapes.switch(body["switch"], bool(body.get("enabled", True)))
        else:
            call.app.shapes.queue(body.get("shape"), body.get("path"), int(body.get("count", 1)))
    except (ValueError, TypeError) as exc:
        raise ApiFailure(400, str(exc)) from None
    return call.app.shapes.public()


@route("DELETE", "/failures", auth="management")
def clear_failures(call: Call) -> dict:
    call.app.shapes.clear()
    return call.app.shapes.public()


@route("GET", "/org", auth="management")
def org_switches(call: Call) -> dict:
    return {name: bool(call.state.settings.get(name, False)) for name in ORG_SWITCHES}


@route("PATCH", "/org", auth="management")
def set_org_switches(call: Call) -> dict:
    """`{"enterprise": bool, "is_filtered_model_catalog_enabled": bool}`, either or both."""
    body = call.json_body()
    unknown = sorted(set(body) - set(ORG_SWITCHES))
    if unknown or not all(isinstance(v, bool) for v in body.values()):
        raise ApiFailure(400, f"org switches are booleans named {', '.join(ORG_SWITCHES)}")
    call.state.settings.update(body)
    call.state.save_settings()
    return org_switches(call)


@route("POST", "/keys", auth="management")
def create_key_by_hand(call: Call) -> tuple[int, dict]:
    """`{"name", "workspace"?: ID_OR_SLUG, ...KEY_EDITABLE}`: a key made outside the API. The
    answer carries its secret, as the dashboard shows a new key's to the person who made it."""
    body = call.json_body()
    values = _key_values(call, body, required_name=True)
    workspace = workspace_or_404(call, body.get("workspace") or call.state.default_workspace_id)
    record = call.state.add_key(values.pop("name"), created_at=iso_time(call.now),
                                workspace_id=workspace.id, **values)
    return 201, {"data": record.public(), "key": record.secret}


@route("PATCH", "/keys/{hash}", auth="management")
def edit_key_by_hand(call: Call) -> dict:
    """`{"workspace"?: ID_OR_SLUG, ...KEY_EDITABLE}`: move, rename or change a key by hand."""
    record = call.state.api_key(call.params["hash"])
    if record is None:
        raise ApiFailure(404, "API key not found")
    body = call.json_body()
    values = _key_values(call, body, required_name=False)
    if body.get("workspace"):
        values["workspace_id"] = workspace_or_404(call, body["workspace"]).id
    record.patch(values, iso_time(call.now))
    call.state.save_key(record)
    return {"data": record.public()}


def _key_values(call: Call, body: dict, *, required_name: bool) -> dict:
    unknown = sorted(set(body) - set(KEY_EDITABLE) - {"workspace"})
    if unknown:
        raise ApiFailure(400, f"unknown key field {unknown[0]!r}; editable: {', '.join(KEY_EDITABLE)}")
    if required_name and not body.get("name"):
        raise ApiFailure(400, "name is required")
    return {k: v for k, v in body.items() if k != "workspace"}

