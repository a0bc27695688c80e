"""The API's objects as pydantic models, field for field after the official OpenAPI document.

Responses keep fields the server sends that are not declared here (`extra="allow"`): the live
API is newer than the reference document, and a field we do not know yet must not break a run.
Request models describe the bodies of writes for callers that build them; a body is sent as the
caller's dict (absent = leave alone, None = clear), so build them with
`model_dump(exclude_unset=True)`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, SecretStr, StrictInt

Interval = Literal["daily", "weekly", "monthly"]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="allow")


# --- keys -------------------------------------------------------------------------------------

class KeyUsage(ApiModel):
    """Spend in USD, all-time and per UTC day, week (Monday-Sunday) and month; BYOK apart."""

    usage: float
    usage_daily: float
    usage_weekly: float
    usage_monthly: float
    byok_usage: float
    byok_usage_daily: float
    byok_usage_weekly: float
    byok_usage_monthly: float


class Key(KeyUsage):
    """An API key as GET/PATCH /keys return it; `hash` is its identity, `label` a masked form."""

    hash: str
    name: str
    label: str
    disabled: bool
    limit: float | None
    limit_remaining: float | None
    limit_reset: str | None
    include_byok_in_limit: bool
    created_at: str
    updated_at: str | None
    expires_at: datetime | None = None
    creator_user_id: str | None
    # Required in the reference document, absent from servers older than workspaces.
    workspace_id: str | None = None


class CreatedKey(ApiModel):
    """POST /keys: the new key and its secret, which the API returns this once only."""

    data: Key
    key: SecretStr


class KeyCreate(ApiModel):
    name: str = Field(min_length=1)
    limit: float | None = None
    limit_reset: Interval | None = None
    include_byok_in_limit: bool | None = None
    expires_at: datetime | None = None
    creator_user_id: str | None = Field(default=None, min_length=1)
    workspace_id: str | None = None


class KeyUpdate(ApiModel):
    """PATCH /keys/{hash} accepts only these; other changes need a new key."""

    name: str | None = None
    disabled: bool | None = None
    limit: float | None = None
    limit_reset: Interval | None = None
    include_byok_in_limit: bool | None = None


class CurrentKey(KeyUsage):
    """GET /key: the key making the call, and whether it is a management key."""

    label: str
    limit: float | None
    is_free_tier: bool
    is_management_key: bool
    is_provisioning_key: bool
    limit_remaining: float | None
    limit_reset: str | None
    include_byok_in_limit: bool
    expires_at: datetime | None = None
    creator_user_id: str | None
    rate_limit: RateLimit | None = None  # deprecated by the API


class RateLimit(ApiModel):
    requests: int
    interval: str
    note: str


class Credits(ApiModel):
    total_credits: float
    total_usage: float


# --- guardrails -------------------------------------------------------------------------------

class ContentFilter(ApiModel):
    pattern: str
    action: str
    label: str | None = None


class BuiltinContentFilter(ApiModel):
    slug: str
    action: str
    label: str | None = None
    scan_scope: str | None = None


class GuardrailSettings(ApiModel):
    """The settable fields, shared by the guardrail object and its create/update bodies."""

    description: str | None = None
    limit_usd: float | None = None
    reset_interval: str | None = None
    allowed_models: list[str] | None = None
    allowed_providers: list[str] | None = None
    ignored_models: list[str] | None = None
    ignored_providers: list[str] | None = None
    enforce_zdr: bool | None = None
    enforce_zdr_anthropic: bool | None = None
    enforce_zdr_google: bool | None = None
    enforce_zdr_openai: bool | None = None
    enforce_zdr_other: bool | None = None
    enforce_zdr_xai: bool | None = None
    enable_free_model_publication: bool | None = None
    enable_free_model_training: bool | None = None
    enable_paid_model_training: bool | None = None
    # Newer than the reference document (official SDK models, 2026-10).
    allowed_data_regions: list[str] | None = None
    allow_safety_retention_google: bool | None = None
    allow_safety_retention_other: bool | None = None
    content_filters: list[ContentFilter] | None = None
    content_filter_builtins: list[BuiltinContentFilter] | None = None


class Guardrail(GuardrailSettings):
    """A guardrail; `id` (a UUID) is its identity. Lists are None or hold at least one item."""

    id: str
    name: str
    include_byok_in_budgets: bool
    created_at: str
    updated_at: str | None = None
    workspace_id: str | None = None


class GuardrailCreate(GuardrailSettings):
    name: str = Field(min_length=1, max_length=200)
    include_byok_in_budgets: bool | None = None
    workspace_id: str | None = None


class GuardrailUpdate(GuardrailSettings):
    """A PATCH replaces each list it names as a whole."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    include_byok_in_budgets: bool | None = None


# --- assignments and members ------------------------------------------------------------------

class KeyAssignment(ApiModel):
    id: str
    key_hash: str
    key_name: str
    key_label: str
    guardrail_id: str
    assigned_by: str | None
    created_at: str


class MemberAssignment(ApiModel):
    id: str
    user_id: str
    organization_id: str
    guardrail_id: str
    assigned_by: str | None
    created_at: str


class Member(ApiModel):
    """An organization member; `id` is the user id (user_...)."""

    id: str
    email: str
    first_name: str | None
    last_name: str | None
    role: str


# --- workspaces -------------------------------------------------------------------------------

class Workspace(ApiModel):
    """A workspace; `id` (a UUID) is its id, `slug` its identity in a config file. Every key
    lives in one; its default guardrail has a deterministic id, materialised by a first PATCH."""

    id: str
    slug: str
    name: str
    description: str | None = None
    default_guardrail_id: str | None = None
    default_text_model: str | None = None
    default_image_model: str | None = None
    default_provider_sort: str | None = None
    is_observability_io_logging_enabled: bool | None = None
    is_observability_broadcast_enabled: bool | None = None
    is_data_discount_logging_enabled: bool | None = None
    io_logging_sampling_rate: float | None = None
    io_logging_api_key_ids: list[int] | None = None
    include_byok_in_budgets: bool | None = None
    created_at: str
    updated_at: str | None = None
    created_by: str | None = None


class WorkspaceCreate(ApiModel):
    name: str = Field(min_length=1, max_length=100)
    slug: str = Field(min_length=1, max_length=50, pattern=r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
    description: str | None = Field(default=None, max_length=500)
    default_text_model: str | None = None
    default_image_model: str | None = None
    default_provider_sort: str | None = None


class WorkspaceBudget(ApiModel):
    """One pooled cap of a workspace; `reset_interval` null is the lifetime budget."""

    id: str
    workspace_id: str
    limit_usd: float
    reset_interval: str | None
    created_at: str
    updated_at: str | None = None

    @property
    def interval(self) -> str:
        """The budget's interval as its path names it: daily, weekly, monthly or lifetime."""
        return self.reset_interval or "lifetime"


class WorkspaceBudgets(ApiModel):
    """GET /workspaces/{id}/budgets: every budget, and the workspace-wide BYOK flag."""

    data: list[WorkspaceBudget]
    include_byok_in_budgets: bool | None = None


class WorkspaceMember(ApiModel):
    id: str
    workspace_id: str
    user_id: str
    role: str
    created_at: str


# --- envelopes --------------------------------------------------------------------------------

Item = TypeVar("Item")


class Envelope(ApiModel, Generic[Item]):
    """`{"data": ...}`, the wrapper of most answers."""

    data: Item


class Page(ApiModel, Generic[Item]):
    """One page of a listing; `total_count` is absent on GET /keys."""

    data: list[Item]
    total_count: StrictInt | None = None  # `false` or "0" is a broken answer, not an empty listing


CurrentKey.model_rebuild()
