"""Guardrails CRUD: GET/POST /guardrails, GET/PATCH/DELETE /guardrails/{id}.

Lists are stored in request order without duplicates (compare them as sets); `[]` is refused
(null or at least one item); a PATCH of a list replaces it; `enforce_zdr`, deprecated, is copied
into each per-provider ZDR flag the request leaves out.
"""

from __future__ import annotations

from orsync.emulator.records import GuardrailRecord
from orsync.emulator.router import ApiFailure, Call, route
from orsync.emulator.validation import Field, created_values, listing_workspace, page, validate_body
from orsync.emulator.windows import INTERVALS, iso_time

ROUTES: list = []

ZDR_PROVIDERS = ("anthropic", "google", "openai", "other", "xai")
BUILTIN_SLUGS = ("email", "phone", "ssn", "credit-card", "ip-address", "person-name", "address",
                 "regex-prompt-injection")
FILTER_ACTIONS = ("redact", "block", "flag")

_NAMES = Field("array", nullable=True, min_length=1, items=Field("string", min_length=1))
_FLAG = Field("boolean", nullable=True)
UPDATABLE = {
    "name": Field("string", min_length=1, max_length=200),
    "description": Field("string", nullable=True, max_length=1000),
    "limit_usd": Field("number", nullable=True, gt=0),
    "reset_interval": Field("string", nullable=True, choices=INTERVALS),
    "allowed_models": _NAMES,
    "allowed_providers": _NAMES,
    "ignored_models": _NAMES,
    "ignored_providers": _NAMES,
    "allowed_data_regions": _NAMES,
    "enforce_zdr": _FLAG,
    **{f"enforce_zdr_{provider}": _FLAG for provider in ZDR_PROVIDERS},
    "enable_free_model_publication": _FLAG,
    "enable_free_model_training": _FLAG,
    "enable_paid_model_training": _FLAG,
    "include_byok_in_budgets": Field("boolean"),
    "content_filters": Field("array", nullable=True, items=Field(
        "object", required=("pattern", "action"), shape={
            "pattern": Field("string", min_length=1),
            "action": Field("string", choices=FILTER_ACTIONS),
            "label": Field("string", nullable=True, max_length=100)})),
    "content_filter_builtins": Field("array", nullable=True, items=Field(
        "object", required=("slug", "action"), shape={
            "slug": Field("string", choices=BUILTIN_SLUGS),
            "action": Field("string", choices=FILTER_ACTIONS),
            "label": Field("string", max_length=100),
            "scan_scope": Field("string", choices=("user_only", "all_messages"))})),
}
CREATABLE = {**UPDATABLE, "workspace_id": Field("string")}
LIST_FIELDS = ("allowed_models", "allowed_providers", "ignored_models", "ignored_providers",
               "allowed_data_regions")


@route("GET", "/guardrails", auth="management")
def list_guardrails(call: Call) -> dict:
    workspace_id = listing_workspace(call)
    rows = [g for g in call.state.guardrails.values() if g.workspace_id == workspace_id]
    return page(rows, call.query, GuardrailRecord.public)


@route("POST", "/guardrails", auth="management")
def create_guardrail(call: Call) -> tuple[int, dict]:
    body = validate_body(call.body, CREATABLE, required=("name",))
    values = stored_values(created_values(call, body))
    record = call.state.add_guardrail(values.pop("name"), created_at=iso_time(call.now), **values)
    return 201, {"data": record.public()}


@route("GET", "/guardrails/{id}", auth="management")
def get_guardrail(call: Call) -> dict:
    return {"data": existing_guardrail(call).public()}


@route("PATCH", "/guardrails/{id}", auth="management")
def update_guardrail(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    record = existing_guardrail(call)
    record.patch(stored_values(body), iso_time(call.now))
    return {"data": record.public()}


@route("DELETE", "/guardrails/{id}", auth="management")
def delete_guardrail(call: Call) -> dict:
    call.state.delete_guardrail(existing_guardrail(call).id)
    return {"deleted": True}


def existing_guardrail(call: Call) -> GuardrailRecord:
    record = call.state.guardrails.get(call.params["id"])
    if record is None:
        raise ApiFailure(404, "Guardrail not found")
    return record


def stored_values(body: dict) -> dict:
    """The request's values as the API stores them."""
    values = dict(body)
    for name in LIST_FIELDS:
        if values.get(name) is not None:
            values[name] = list(dict.fromkeys(values[name]))
    if values.get("enforce_zdr") is not None:
        for provider in ZDR_PROVIDERS:
            values.setdefault(f"enforce_zdr_{provider}", values["enforce_zdr"])
    if values.get("content_filter_builtins") is not None:
        values["content_filter_builtins"] = [_builtin(entry) for entry in values["content_filter_builtins"]]
    if values.get("content_filters") is not None:
        values["content_filters"] = [{"label": None, **entry} for entry in values["content_filters"]]
    return values


def _builtin(entry: dict) -> dict:
    """Builtin labels are system-assigned from the slug; a label sent is ignored."""
    stored = {"slug": entry["slug"], "action": entry["action"],
              "label": "[" + entry["slug"].upper().replace("-", "_") + "]"}
    if "scan_scope" in entry:
        stored["scan_scope"] = entry["scan_scope"]
    return stored
