"""The 39 endpoints in scope: verb, path template, which credential each needs, and whether it
may be retried. The client's methods name one of these; orsync.api.client.ENDPOINT_METHODS maps them
back to method names (and a test checks both against the spec)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote


class Auth(Enum):
    MANAGEMENT = "management"  # /keys*, /guardrails*, members, credits, activity
    INFERENCE = "inference"    # model calls and per-user data: an inference key
    ANY = "any"                # GET /key describes whichever key calls it
    OPTIONAL = "optional"      # public catalog: the inference key is sent when there is one
    NONE = "none"              # no credential at all


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    auth: Auth
    # A write that makes something new each time it is processed (a key, a guardrail, an auth
    # code): never retried once the server may have received it.
    creates: bool = False

    def path(self, **params: str) -> str:
        """The template filled in; each value is escaped so an id cannot change the route."""
        escaped = {name: quote(str(value), safe="") for name, value in params.items()}
        return self.template.format(**escaped)

    def __str__(self) -> str:
        return f"{self.method} {self.template}"


M, I = Auth.MANAGEMENT, Auth.INFERENCE

LIST_KEYS = Endpoint("GET", "/keys", M)
CREATE_KEY = Endpoint("POST", "/keys", M, creates=True)
GET_KEY = Endpoint("GET", "/keys/{hash}", M)
UPDATE_KEY = Endpoint("PATCH", "/keys/{hash}", M)
DELETE_KEY = Endpoint("DELETE", "/keys/{hash}", M)

LIST_GUARDRAILS = Endpoint("GET", "/guardrails", M)
CREATE_GUARDRAIL = Endpoint("POST", "/guardrails", M, creates=True)
GET_GUARDRAIL = Endpoint("GET", "/guardrails/{id}", M)
UPDATE_GUARDRAIL = Endpoint("PATCH", "/guardrails/{id}", M)
DELETE_GUARDRAIL = Endpoint("DELETE", "/guardrails/{id}", M)

# Assigning is idempotent (a key holds one guardrail; assigning again changes nothing), and so
# is removing: both are retried like reads.
LIST_KEY_ASSIGNMENTS = Endpoint("GET", "/guardrails/assignments/keys", M)
LIST_MEMBER_ASSIGNMENTS = Endpoint("GET", "/guardrails/assignments/members", M)
LIST_GUARDRAIL_KEY_ASSIGNMENTS = Endpoint("GET", "/guardrails/{id}/assignments/keys", M)
LIST_GUARDRAIL_MEMBER_ASSIGNMENTS = Endpoint("GET", "/guardrails/{id}/assignments/members", M)
ASSIGN_KEYS = Endpoint("POST", "/guardrails/{id}/assignments/keys", M)
UNASSIGN_KEYS = Endpoint("POST", "/guardrails/{id}/assignments/keys/remove", M)
ASSIGN_MEMBERS = Endpoint("POST", "/guardrails/{id}/assignments/members", M)
UNASSIGN_MEMBERS = Endpoint("POST", "/guardrails/{id}/assignments/members/remove", M)

LIST_MEMBERS = Endpoint("GET", "/organization/members", M)
GET_CURRENT_KEY = Endpoint("GET", "/key", Auth.ANY)
GET_CREDITS = Endpoint("GET", "/credits", M)
GET_ACTIVITY = Endpoint("GET", "/activity", M)
COINBASE_CHARGE = Endpoint("POST", "/credits/coinbase", Auth.NONE, creates=True)

# Workspaces (the reference OpenAPI document; `{id}` takes the UUID or the slug). A workspace's
# slug is unique, so a second POST is refused rather than duplicated; it is still never re-sent
# blindly. Budgets are PUT per interval (idempotent), members added and removed in bulk.
LIST_WORKSPACES = Endpoint("GET", "/workspaces", M)
CREATE_WORKSPACE = Endpoint("POST", "/workspaces", M, creates=True)
GET_WORKSPACE = Endpoint("GET", "/workspaces/{id}", M)
UPDATE_WORKSPACE = Endpoint("PATCH", "/workspaces/{id}", M)
DELETE_WORKSPACE = Endpoint("DELETE", "/workspaces/{id}", M)
LIST_WORKSPACE_BUDGETS = Endpoint("GET", "/workspaces/{id}/budgets", M)
GET_WORKSPACE_BUDGET = Endpoint("GET", "/workspaces/{id}/budgets/{interval}", M)
PUT_WORKSPACE_BUDGET = Endpoint("PUT", "/workspaces/{id}/budgets/{interval}", M)
DELETE_WORKSPACE_BUDGET = Endpoint("DELETE", "/workspaces/{id}/budgets/{interval}", M)
LIST_WORKSPACE_MEMBERS = Endpoint("GET", "/workspaces/{id}/members", M)
ADD_WORKSPACE_MEMBERS = Endpoint("POST", "/workspaces/{id}/members/add", M)
REMOVE_WORKSPACE_MEMBERS = Endpoint("POST", "/workspaces/{id}/members/remove", M)

# Model calls are not idempotent in cost, but a repeated call changes no org state: retried on
# the same statuses as reads (a smoke test would rather pass than fail on a transient 429).
CHAT_COMPLETIONS = Endpoint("POST", "/chat/completions", I)
RESPONSES = Endpoint("POST", "/responses", I)
MESSAGES = Endpoint("POST", "/messages", I)
EMBEDDINGS = Endpoint("POST", "/embeddings", I)
RERANK = Endpoint("POST", "/rerank", I)
GET_GENERATION = Endpoint("GET", "/generation", I)
LIST_USER_MODELS = Endpoint("GET", "/models/user", I)
CREATE_AUTH_CODE = Endpoint("POST", "/auth/keys/code", I, creates=True)
EXCHANGE_AUTH_CODE = Endpoint("POST", "/auth/keys", Auth.NONE, creates=True)

LIST_MODELS = Endpoint("GET", "/models", Auth.OPTIONAL)
COUNT_MODELS = Endpoint("GET", "/models/count", Auth.OPTIONAL)
GET_MODEL_ENDPOINTS = Endpoint("GET", "/models/{author}/{slug}/endpoints", Auth.OPTIONAL)
LIST_PROVIDERS = Endpoint("GET", "/providers", Auth.OPTIONAL)
LIST_ZDR_ENDPOINTS = Endpoint("GET", "/endpoints/zdr", Auth.OPTIONAL)
LIST_EMBEDDING_MODELS = Endpoint("GET", "/embeddings/models", Auth.OPTIONAL)
LIST_RERANK_MODELS = Endpoint("GET", "/rerank/models", Auth.OPTIONAL)
