"""OpenRouterClient: every endpoint in scope as a typed method, with retries and pagination.

The pieces live in orsync.api (endpoints, the HTTP engine, pagination, the two method families);
this module is the import path and holds the table from the spec's endpoints to the methods.
"""

from __future__ import annotations

import os
from typing import Any

from orsync.api.http import DEFAULT_BASE_URL
from orsync.api.inference import InferenceMethods
from orsync.api.management import ManagementMethods

# Every `@endpoint` of the spec (openrouter-api.lap) and the method that calls it.
ENDPOINT_METHODS: dict[tuple[str, str], str] = {
    ("GET", "/keys"): "list_keys",
    ("POST", "/keys"): "create_key",
    ("GET", "/keys/{hash}"): "get_key",
    ("PATCH", "/keys/{hash}"): "update_key",
    ("DELETE", "/keys/{hash}"): "delete_key",
    ("GET", "/guardrails"): "list_guardrails",
    ("POST", "/guardrails"): "create_guardrail",
    ("GET", "/guardrails/{id}"): "get_guardrail",
    ("PATCH", "/guardrails/{id}"): "update_guardrail",
    ("DELETE", "/guardrails/{id}"): "delete_guardrail",
    ("GET", "/guardrails/assignments/keys"): "list_key_assignments",
    ("GET", "/guardrails/assignments/members"): "list_member_assignments",
    ("GET", "/guardrails/{id}/assignments/keys"): "list_guardrail_key_assignments",
    ("GET", "/guardrails/{id}/assignments/members"): "list_guardrail_member_assignments",
    ("POST", "/guardrails/{id}/assignments/keys"): "assign_keys",
    ("POST", "/guardrails/{id}/assignments/keys/remove"): "unassign_keys",
    ("POST", "/guardrails/{id}/assignments/members"): "assign_members",
    ("POST", "/guardrails/{id}/assignments/members/remove"): "unassign_members",
    ("GET", "/organization/members"): "list_members",
    ("GET", "/key"): "get_current_key",
    ("GET", "/credits"): "get_credits",
    ("POST", "/credits/coinbase"): "coinbase_charge",
    ("GET", "/activity"): "get_activity",
    ("POST", "/chat/completions"): "chat_completions",
    ("POST", "/responses"): "responses",
    ("POST", "/messages"): "messages",
    ("POST", "/embeddings"): "embeddings",
    ("POST", "/rerank"): "rerank",
    ("GET", "/generation"): "get_generation",
    ("GET", "/models/user"): "list_user_models",
    ("POST", "/auth/keys/code"): "create_auth_code",
    ("POST", "/auth/keys"): "exchange_auth_code",
    ("GET", "/models"): "list_models",
    ("GET", "/models/count"): "count_models",
    ("GET", "/models/{author}/{slug}/endpoints"): "get_model_endpoints",
    ("GET", "/providers"): "list_providers",
    ("GET", "/endpoints/zdr"): "list_zdr_endpoints",
    ("GET", "/embeddings/models"): "list_embedding_models",
    ("GET", "/rerank/models"): "list_rerank_models",
}

# The workspace endpoints: in the reference OpenAPI document (and the API as it is today), not
# in the 39 of the spec's compact form.
WORKSPACE_ENDPOINT_METHODS: dict[tuple[str, str], str] = {
    ("GET", "/workspaces"): "list_workspaces",
    ("POST", "/workspaces"): "create_workspace",
    ("GET", "/workspaces/{id}"): "get_workspace",
    ("PATCH", "/workspaces/{id}"): "update_workspace",
    ("DELETE", "/workspaces/{id}"): "delete_workspace",
    ("GET", "/workspaces/{id}/budgets"): "list_workspace_budgets",
    ("GET", "/workspaces/{id}/budgets/{interval}"): "get_workspace_budget",
    ("PUT", "/workspaces/{id}/budgets/{interval}"): "put_workspace_budget",
    ("DELETE", "/workspaces/{id}/budgets/{interval}"): "delete_workspace_budget",
    ("GET", "/workspaces/{id}/members"): "list_workspace_members",
    ("POST", "/workspaces/{id}/members/add"): "add_workspace_members",
    ("POST", "/workspaces/{id}/members/remove"): "remove_workspace_members",
}


class OpenRouterClient(ManagementMethods, InferenceMethods):
    """A thread-safe client for the OpenRouter API.

    `OpenRouterClient(base_url=None, management_key=None, api_key=None, *, timeout=30.0,
    max_attempts=5, max_retry_seconds=60.0, concurrency=8, transport=None, backoff_base=0.5,
    backoff_cap=8.0, sleep=time.sleep, clock=time.monotonic, max_body_bytes=16 MiB,
    response_seconds=None)`; see docs/client.md.
    """

    @classmethod
    def from_env(cls, base_url: str | None = None, **kw: Any) -> OpenRouterClient:
        """A client configured from OPENROUTER_BASE_URL, OPENROUTER_MANAGEMENT_KEY and
        OPENROUTER_API_KEY; explicit arguments win over the environment."""
        kw.setdefault("management_key", os.environ.get("OPENROUTER_MANAGEMENT_KEY") or None)
        kw.setdefault("api_key", os.environ.get("OPENROUTER_API_KEY") or None)
        return cls(base_url or os.environ.get("OPENROUTER_BASE_URL") or DEFAULT_BASE_URL, **kw)


__all__ = ["DEFAULT_BASE_URL", "ENDPOINT_METHODS", "OpenRouterClient", "WORKSPACE_ENDPOINT_METHODS"]
