"""The client's workspace endpoints, and workspace scoping of the key and guardrail calls.

Every answer a fake server gives here is first checked against the official OpenAPI schema, so
the client is tested on the shapes the real API documents.
"""

from __future__ import annotations

import json

import httpx
import pytest
import yaml

from openapi_schema import validate_response
from orsync.api.client import WORKSPACE_ENDPOINT_METHODS, OpenRouterClient
from orsync.api.errors import ForbiddenError
from test_client_fakes import (FAKE_MANAGEMENT_KEY, Script, error_body, guardrail_row, key_hash, key_row,
                               make_client, route_regex)

REFERENCE = "/work/shared/reference/openrouter-openapi.yaml"
WS_ID = "550e8400-e29b-41d4-a716-446655440000"
STAMP = "2026-01-01T00:00:00Z"


def workspace_row(slug: str = "research", **fields) -> dict:
    return {"id": WS_ID, "slug": slug, "name": slug.title(), "description": None,
            "default_guardrail_id": "595d5849-7e86-51fd-a7c0-705c34e4afff", "default_text_model": None,
            "default_image_model": None, "default_provider_sort": None,
            "is_observability_io_logging_enabled": False, "is_observability_broadcast_enabled": False,
            "is_data_discount_logging_enabled": True, "io_logging_sampling_rate": 1,
            "io_logging_api_key_ids": None, "created_at": STAMP, "updated_at": STAMP,
            "created_by": None, **fields}


def budget_row(interval: str | None = "monthly", limit: float = 100) -> dict:
    return {"id": "770e8400-e29b-41d4-a716-446655440000", "workspace_id": WS_ID, "limit_usd": limit,
            "reset_interval": interval, "created_at": STAMP, "updated_at": STAMP}


def member_row(user: str = "user_1") -> dict:
    return {"id": "660e8400-e29b-41d4-a716-446655440000", "workspace_id": WS_ID, "user_id": user,
            "role": "member", "created_at": STAMP}


ANSWERS = {
    ("GET", "/workspaces"): (200, {"data": [workspace_row()], "total_count": 1}),
    ("POST", "/workspaces"): (201, {"data": workspace_row()}),
    ("GET", "/workspaces/{id}"): (200, {"data": workspace_row()}),
    ("PATCH", "/workspaces/{id}"): (200, {"data": workspace_row(description="d")}),
    ("DELETE", "/workspaces/{id}"): (200, {"deleted": True}),
    ("GET", "/workspaces/{id}/budgets"): (200, {"data": [budget_row(), budget_row(None, 500)],
                                                "include_byok_in_budgets": False}),
    ("GET", "/workspaces/{id}/budgets/{interval}"): (200, {"data": budget_row()}),
    ("PUT", "/workspaces/{id}/budgets/{interval}"): (200, {"data": budget_row(limit=300)}),
    ("DELETE", "/workspaces/{id}/budgets/{interval}"): (200, {"deleted": True}),
    ("GET", "/workspaces/{id}/members"): (200, {"data": [member_row()], "total_count": 1}),
    ("POST", "/workspaces/{id}/members/add"): (200, {"data": [member_row()], "added_count": 1}),
    ("POST", "/workspaces/{id}/members/remove"): (200, {"removed_count": 1}),
}
CALLS = {
    "list_workspaces": (), "create_workspace": ({"name": "Research", "slug": "research"},),
    "get_workspace": ("research",), "update_workspace": ("research", {"description": "d"}),
    "delete_workspace": ("research",), "list_workspace_budgets": ("research",),
    "get_workspace_budget": ("research", "monthly"),
    "put_workspace_budget": ("research", "monthly", {"limit_usd": 300}),
    "delete_workspace_budget": ("research", "monthly"),
    "list_workspace_members": ("research",), "add_workspace_members": ("research", ["user_1"]),
    "remove_workspace_members": ("research", ["user_1"]),
}


def answer(request: httpx.Request) -> httpx.Response:
    path = request.url.path.removeprefix("/api/v1")
    matches = [(method, template) for (method, template) in ANSWERS
               if method == request.method and route_regex(template).match(path)]
    # The most specific template wins (/workspaces/{id}/budgets over /workspaces/{id}).
    method, template = max(matches, key=lambda m: m[1].count("/"))
    status, body = ANSWERS[(method, template)]
    return httpx.Response(status, json=body)


def reference_operations() -> set[tuple[str, str]]:
    with open(REFERENCE) as handle:
        document = yaml.safe_load(handle)
    return {(method.upper(), path) for path, item in document["paths"].items() if path.startswith("/workspaces")
            for method in item if method in ("get", "post", "put", "patch", "delete")}


def test_every_workspace_operation_of_the_reference_document_has_a_method():
    assert set(WORKSPACE_ENDPOINT_METHODS) == reference_operations()
    assert set(CALLS) == set(WORKSPACE_ENDPOINT_METHODS.values())
    for name in WORKSPACE_ENDPOINT_METHODS.values():
        assert callable(getattr(OpenRouterClient, name, None)), name


@pytest.mark.parametrize("endpoint", sorted(WORKSPACE_ENDPOINT_METHODS), ids=" ".join)
def test_each_workspace_method_calls_its_endpoint_with_the_management_key(endpoint):
    status, body = ANSWERS[endpoint]
    validate_response(endpoint[1], endpoint[0].lower(), status, body)   # the fake answers as documented
    script = Script(answer)
    name = WORKSPACE_ENDPOINT_METHODS[endpoint]
    with make_client(script) as client:
        result = getattr(client, name)(*CALLS[name])
    [request] = script.requests
    assert request.method == endpoint[0]
    assert route_regex(endpoint[1]).match(request.url.path.removeprefix("/api/v1"))
    assert request.headers["Authorization"] == f"Bearer {FAKE_MANAGEMENT_KEY}"
    if name.startswith(("add_", "remove_")):
        assert json.loads(request.content) == {"user_ids": ["user_1"]} and result == 1


def test_workspace_answers_are_typed():
    with make_client(Script(answer)) as client:
        [workspace] = client.list_workspaces()
        budgets = client.list_workspace_budgets(workspace.slug)
        [member] = client.list_workspace_members(workspace.id)
    assert (workspace.slug, workspace.default_guardrail_id) == ("research", "595d5849-7e86-51fd-a7c0-705c34e4afff")
    assert {budget.interval: budget.limit_usd for budget in budgets.data} == {"monthly": 100, "lifetime": 500}
    assert budgets.include_byok_in_budgets is False
    assert member.user_id == "user_1"


def test_scoped_listings_name_the_workspace_and_keep_the_hidden_keys():
    script = Script(lambda request: httpx.Response(200, json=(
        {"data": [key_row(1, workspace_id=WS_ID)]} if request.url.path.endswith("/keys")
        else {"data": [guardrail_row(workspace_id=WS_ID)], "total_count": 1})))
    with make_client(script) as client:
        [key] = client.list_keys(workspace_id=WS_ID)
        [guardrail] = client.list_guardrails(workspace_id=WS_ID)
    key_query = dict(script.requests[0].url.params)
    assert key_query["workspace_id"] == WS_ID
    assert key_query["include_disabled"] == key_query["include_expired"] == "true"
    assert dict(script.requests[-1].url.params)["workspace_id"] == WS_ID
    assert key.workspace_id == guardrail.workspace_id == WS_ID


def test_unscoped_listings_send_no_workspace():
    script = Script(httpx.Response(200, json={"data": []}))
    with make_client(script) as client:
        client.list_keys()
    assert "workspace_id" not in script.requests[0].url.params


def test_a_key_moves_with_one_patch_naming_the_workspace():
    script = Script(httpx.Response(200, json={"data": key_row(1, workspace_id=WS_ID)}))
    with make_client(script) as client:
        moved = client.update_key(key_hash(1), {"workspace_id": WS_ID})
    assert json.loads(script.requests[0].content) == {"workspace_id": WS_ID}
    assert moved.workspace_id == WS_ID


def test_budgets_outside_enterprise_are_a_clear_403():
    script = Script(httpx.Response(403, json=error_body(403, "Workspace budgets require an Enterprise plan")))
    with make_client(script) as client, pytest.raises(ForbiddenError, match="Enterprise"):
        client.put_workspace_budget("research", "daily", {"limit_usd": 5})
