"""The fields and operations that OpenRouter's API has gained since the reference document.

The reference document (reference/openrouter-openapi.yaml, 2026-08) is older than the API
served today. The official Python SDK `openrouter` 1.3.84 (generated 2026-10, see
../shared/API-NOTES.md "Newer than the reference spec") validates responses with models
that require more: a response lacking one of these fields is rejected by a current client.
`apply_newer(scope)` writes them into the extracted scope, so that the schema tests hold the
emulator to the API of today and not to the older document.

Each patch names the SDK model it comes from. Fields the SDK marks required (possibly
nullable) are added to `required`; fields it marks optional are only described.
"""

from __future__ import annotations

from typing import Any

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_BOOL = {"type": ["boolean", "null"]}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}

# components/keybudget.py, freemodeldailyrequests.py, toolchoicesupport.py,
# organizationsettings.py, guardraildataregion.py
NEW_COMPONENTS: dict[str, dict] = {
    "DataRegion": {"type": "string", "enum": ["global", "europe", "us"]},
    "KeyBudget": {
        "type": "object",
        "properties": {
            "budget_id": NULLABLE_STRING, "guardrail_id": NULLABLE_STRING,
            "include_byok": {"type": "boolean"}, "limit_usd": {"type": "number"},
            "remaining_usd": {"type": "number"},
            "reset_interval": {"type": ["string", "null"], "enum": ["daily", "weekly", "monthly", None]},
            "resets_at": NULLABLE_DATETIME,
            "scope": {"type": "string", "enum": ["workspace_default_member", "workspace_default_key",
                                                "member", "api_key", "workspace", "key_limit"]},
            "spend_usd": {"type": "number"},
        },
        "required": ["budget_id", "guardrail_id", "include_byok", "limit_usd", "remaining_usd",
                     "reset_interval", "resets_at", "scope", "spend_usd"],
    },
    "FreeModelDailyRequests": {
        "type": "object",
        "properties": {"limit": {"type": "integer"}, "remaining": {"type": "integer"},
                       "used": {"type": "integer"}},
        "required": ["limit", "remaining", "used"],
    },
    "ToolChoiceSupport": {
        "type": "object",
        "properties": {name: {"type": "boolean"} for name in ("auto", "function", "none", "required")},
        "required": ["auto", "function", "none", "required"],
    },
    "OrganizationSettings": {
        "type": "object",
        "properties": {"id": {"type": "string"},
                       "is_filtered_model_catalog_enabled": {"type": "boolean"}},
        "required": ["id", "is_filtered_model_catalog_enabled"],
    },
}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _regions() -> dict:
    return {"type": "array", "items": _ref("DataRegion")}


# operations/getcurrentkey.py GetCurrentKeyData
CURRENT_KEY_FIELDS = {
    "workspace_id": NULLABLE_STRING,
    "organization_id": NULLABLE_STRING,
    "allowed_data_regions": _regions(),
    "free_model_daily_requests": _ref("FreeModelDailyRequests"),
    "budgets": {"type": "array", "items": _ref("KeyBudget")},
    "effective_budget": {"anyOf": [_ref("KeyBudget"), {"type": "null"}]},
}
# operations/{listkeys,createkeys,getkey,updatekeys}.py: the key object
KEY_FIELDS = {"external_user": NULLABLE_STRING, "last_used_at": NULLABLE_DATETIME}
# components/guardrail.py (optional there: described, not required)
GUARDRAIL_FIELDS = {
    "allowed_data_regions": {"anyOf": [_regions(), {"type": "null"}]},
    "allow_safety_retention_google": NULLABLE_BOOL,
    "allow_safety_retention_other": NULLABLE_BOOL,
}
# components/publicendpoint.py PublicEndpoint (required there)
ENDPOINT_FIELDS = {
    "supports_tool_choice": _ref("ToolChoiceSupport"),
    "native_tools": {"type": "object"},
    "service_tier": NULLABLE_STRING,
    "supports_diarization": {"type": "boolean"},
}
# components/workspace.py Workspace (optional there)
WORKSPACE_FIELDS = {"disabled_server_tools": {"type": ["array", "null"], "items": {"type": "string"}}}

MANAGEMENT_PREFIXES = ("/workspaces", "/keys", "/guardrails", "/organization/")
ERRORS = {401: "UnauthorizedResponse", 403: "ForbiddenResponse", 400: "BadRequestResponse",
          404: "NotFoundResponse", 500: "InternalServerResponse"}


def _json_response(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def _settings_operation(with_body_errors: bool) -> dict:
    """operations/{get,update}organizationsettings.py: `{"data": OrganizationSettings}`."""
    responses = {"200": _json_response({"type": "object", "properties": {
        "data": _ref("OrganizationSettings")}, "required": ["data"]})}
    for status in (401, 403, 500) + ((400,) if with_body_errors else ()):
        responses[str(status)] = _json_response(_ref(ERRORS[status]))
    return {"responses": responses}


def _extend(schema: dict, fields: dict, *, required: bool) -> None:
    schema.setdefault("properties", {}).update(fields)
    if required:
        schema["required"] = sorted(set(schema.get("required", [])) | set(fields))


def _body_data(operation: dict, status: str) -> dict:
    """The inline `data` schema of an operation's JSON answer."""
    schema = operation["responses"][status]["content"]["application/json"]["schema"]
    return schema["properties"]["data"]


def apply_newer(scope: dict[str, Any]) -> dict[str, Any]:
    """The scope with today's fields and operations added (in place; also returned)."""
    schemas = scope["components"]["schemas"]
    schemas.update(NEW_COMPONENTS)
    paths = scope["paths"]
    _extend(_body_data(paths["/key"]["get"], "200"), CURRENT_KEY_FIELDS, required=True)
    for path, method, status, listed in (("/keys", "get", "200", True), ("/keys", "post", "201", False),
                                         ("/keys/{hash}", "get", "200", False),
                                         ("/keys/{hash}", "patch", "200", False)):
        data = _body_data(paths[path][method], status)
        _extend(data["items"] if listed else data, KEY_FIELDS, required=True)
    _extend(schemas["Guardrail"], GUARDRAIL_FIELDS, required=False)
    _extend(schemas["PublicEndpoint"], ENDPOINT_FIELDS, required=True)
    _extend(schemas["Workspace"], WORKSPACE_FIELDS, required=False)
    paths["/organization/settings"] = {"get": _settings_operation(False),
                                       "patch": _settings_operation(True)}
    # A non-management key gets 403 on every management operation (API-NOTES "Credentials"),
    # and budgets, an Enterprise feature, 403 for other orgs (docs guide "workspace-budgets"):
    # the document leaves 403 out of some of these operations.
    for path, item in paths.items():
        if path.startswith(MANAGEMENT_PREFIXES):
            for operation in item.values():
                operation["responses"].setdefault("403", _json_response(_ref("ForbiddenResponse")))
    return scope
