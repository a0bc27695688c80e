"""API keys: GET/POST /keys, GET/PATCH/DELETE /keys/{hash}, and GET /key (the caller's key).

Real semantics that reconcilers trip over, kept here on purpose: GET /keys hides disabled and
expired keys unless the *string* flags say "true", pages are a fixed 100 rows newest first with
no total; POST cannot set `disabled`; PATCH takes five fields only, and `workspace_id`, which
moves the key (secret and guardrail kept); `null` clears a field. Listings answer for the
default workspace unless `workspace_id` names another (API-NOTES "Workspaces").
A key's usage windows are rolled before it is shown, so figures are right after midnight.
GET /key describes the caller with today's fields: its workspace and organization, its data
regions, free-model allowance, and every spend layer over it (`inference/budgets.py`).
"""

from __future__ import annotations

from orsync.emulator.store.records import KeyRecord
from orsync.emulator.store.rendered import json_text
from orsync.emulator.routes.dispatch import ApiFailure, Call, EmulatorResponse, route
from orsync.emulator.inference.budgets import effective, spend_layers
from orsync.emulator.inference.ledger import free_requests_today
from orsync.emulator.routes.scoping import (
    creation_workspace, listing_workspace, named_workspace, without_workspace,
)
from orsync.emulator.routes.validation import (
    Field, fail, is_past, query_flag, query_integer, validate_body,
)
from orsync.emulator.store.windows import INTERVALS, iso_time

ROUTES: list = []
KEYS_PAGE_SIZE = 100

UPDATABLE = {
    "name": Field("string", min_length=1),
    "disabled": Field("boolean"),
    "limit": Field("number", nullable=True, ge=0),
    "limit_reset": Field("string", nullable=True, choices=INTERVALS),
    "include_byok_in_limit": Field("boolean"),
    "workspace_id": Field("string", min_length=1),
}
CREATABLE = {
    **{name: spec for name, spec in UPDATABLE.items() if name != "disabled"},
    "expires_at": Field("string", nullable=True, utc_datetime=True),
    "creator_user_id": Field("string", nullable=True, min_length=1),
}
# What GET /key says of a key's free-model allowance (docs "limits": 50 a day without credits,
# 1000 with at least $10 bought); the emulator's org has bought credits.
FREE_MODEL_DAILY_LIMIT = 1000
DATA_REGIONS = ["global"]


@route("GET", "/keys", auth="management")
def list_keys(call: Call) -> EmulatorResponse:
    offset = query_integer(call.query, "offset", 0, minimum=0)
    include_disabled = query_flag(call.query, "include_disabled")
    include_expired = query_flag(call.query, "include_expired")
    rows = call.state.keys_page_rows(listing_workspace(call), offset, KEYS_PAGE_SIZE,
                                     include_disabled=include_disabled,
                                     include_expired=include_expired, now=call.now)
    # A charged key's text is rendered every time: its usage windows roll with the clock.
    texts = call.state.keys.rendered(rows, lambda key: json_text(shown(call, key)),
                                     keep=lambda key: key.last_used_at is None)
    return EmulatorResponse.listing(texts)


@route("POST", "/keys", auth="management")
def create_key(call: Call) -> tuple[int, dict]:
    body = validate_body(call.body, CREATABLE, required=("name",))
    if body.get("expires_at") and is_past(body["expires_at"], call.now):
        raise fail(["expires_at"], "Expiration date must be in the future", "custom")
    if body.get("creator_user_id") and body["creator_user_id"] not in call.state.members:
        raise fail(["creator_user_id"], "creator_user_id is not a member of this organization",
                   "custom")
    workspace_id = creation_workspace(call, body)
    values = without_workspace(body)
    record = call.state.add_key(values.pop("name"), created_at=iso_time(call.now),
                                workspace_id=workspace_id, **values)
    return 201, {"data": record.public(), "key": record.secret}


@route("GET", "/keys/{hash}", auth="management")
def get_key(call: Call) -> dict:
    return {"data": shown(call, _existing_key(call))}


@route("PATCH", "/keys/{hash}", auth="management")
def update_key(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    record = _existing_key(call)
    values = dict(body)
    if "workspace_id" in values:  # a move: the key keeps its secret and its guardrail
        values["workspace_id"] = named_workspace(call, values["workspace_id"]).id
    record.patch(values, iso_time(call.now))
    return {"data": shown(call, record)}


@route("DELETE", "/keys/{hash}", auth="management")
def delete_key(call: Call) -> dict:
    record = _existing_key(call)
    call.app.shapes.key_deleted(record.guardrail_id)  # its row may linger in assignment pages
    call.state.delete_key(record.hash)
    return {"deleted": True}


@route("GET", "/key", auth="any")
def current_key(call: Call) -> dict:
    key = call.caller
    key.roll_windows(call.now)
    layers = [] if key.is_management else spend_layers(call.state, key, call.now)
    chosen = effective(layers)
    return {"data": {
        **key.current_key(),
        "workspace_id": key.workspace_id, "organization_id": call.state.organization_id,
        "allowed_data_regions": DATA_REGIONS,
        "free_model_daily_requests": _free_model_requests(call, key),
        "budgets": [layer.public() for layer in layers],
        "effective_budget": chosen.public() if chosen else None,
    }}


def _free_model_requests(call: Call, key: KeyRecord) -> dict:
    """Today's requests to `:free` models by this key, against the daily allowance."""
    used = free_requests_today(call.state, key.hash, call.now)
    return {"limit": FREE_MODEL_DAILY_LIMIT, "used": used, "remaining": max(FREE_MODEL_DAILY_LIMIT - used, 0)}


def shown(call: Call, record: KeyRecord) -> dict:
    """The Key object, its usage windows rolled to the request's time first."""
    record.roll_windows(call.now)
    return record.public()


def _existing_key(call: Call) -> KeyRecord:
    record = call.state.api_key(call.params["hash"])
    if record is None:
        raise ApiFailure(404, "API key not found")
    return record
