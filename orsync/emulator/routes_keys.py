"""API keys: GET/POST /keys, GET/PATCH/DELETE /keys/{hash}, and GET /key (the caller's key).

Real semantics that reconcilers trip over, kept here on purpose: GET /keys hides disabled and
expired keys unless the *string* flags say "true", pages are a fixed 100 rows newest first with
no total; POST cannot set `disabled`; PATCH takes five fields only; `null` clears a field.
A key's usage windows are rolled before it is shown, so figures are right after midnight.
"""

from __future__ import annotations

from itertools import islice

from orsync.emulator.records import KeyRecord
from orsync.emulator.router import ApiFailure, Call, route
from orsync.emulator.validation import (
    Field, created_values, fail, is_past, listing_workspace, query_flag, query_integer,
    validate_body,
)
from orsync.emulator.windows import INTERVALS, iso_time

ROUTES: list = []
KEYS_PAGE_SIZE = 100

UPDATABLE = {
    "name": Field("string", min_length=1),
    "disabled": Field("boolean"),
    "limit": Field("number", nullable=True, ge=0),
    "limit_reset": Field("string", nullable=True, choices=INTERVALS),
    "include_byok_in_limit": Field("boolean"),
}
CREATABLE = {
    **{name: spec for name, spec in UPDATABLE.items() if name != "disabled"},
    "expires_at": Field("string", nullable=True, utc_datetime=True),
    "creator_user_id": Field("string", nullable=True, min_length=1),
    "workspace_id": Field("string"),
}


@route("GET", "/keys", auth="management")
def list_keys(call: Call) -> dict:
    offset = query_integer(call.query, "offset", 0, minimum=0)
    include_disabled = query_flag(call.query, "include_disabled")
    include_expired = query_flag(call.query, "include_expired")
    workspace_id = listing_workspace(call)
    visible = (key for key in call.state.api_keys_newest_first()
               if key.workspace_id == workspace_id
               and (include_disabled or not key.disabled)
               and (include_expired or not key.is_expired(call.now)))
    return {"data": [shown(call, key) for key in islice(visible, offset, offset + KEYS_PAGE_SIZE)]}


@route("POST", "/keys", auth="management")
def create_key(call: Call) -> tuple[int, dict]:
    body = validate_body(call.body, CREATABLE, required=("name",))
    if body.get("expires_at") and is_past(body["expires_at"], call.now):
        raise fail(["expires_at"], "Expiration date must be in the future", "custom")
    if body.get("creator_user_id") and body["creator_user_id"] not in call.state.members:
        raise fail(["creator_user_id"], "creator_user_id is not a member of this organization",
                   "custom")
    values = created_values(call, body)
    record = call.state.add_key(values.pop("name"), created_at=iso_time(call.now), **values)
    return 201, {"data": record.public(), "key": record.secret}


@route("GET", "/keys/{hash}", auth="management")
def get_key(call: Call) -> dict:
    return {"data": shown(call, _existing_key(call))}


@route("PATCH", "/keys/{hash}", auth="management")
def update_key(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    record = _existing_key(call)
    record.patch(body, iso_time(call.now))
    return {"data": shown(call, record)}


@route("DELETE", "/keys/{hash}", auth="management")
def delete_key(call: Call) -> dict:
    call.state.delete_key(_existing_key(call).hash)
    return {"deleted": True}


@route("GET", "/key", auth="any")
def current_key(call: Call) -> dict:
    call.caller.roll_windows(call.now)
    return {"data": call.caller.current_key()}


def shown(call: Call, record: KeyRecord) -> dict:
    """The Key object, its usage windows rolled to the request's time first."""
    record.roll_windows(call.now)
    return record.public()


def _existing_key(call: Call) -> KeyRecord:
    record = call.state.api_key(call.params["hash"])
    if record is None:
        raise ApiFailure(404, "API key not found")
    return record
