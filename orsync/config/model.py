"""The desired org as pydantic models: the config file contract of DESIGN.md.

Three states per managed field: omitted (unmanaged, never touched), a value (set), null
(clear). Pydantic keeps the difference in `model_fields_set`; `managed_fields()` is the only
way the planner reads a spec, so an omitted field can never leak into a request body.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    WithJsonSchema,
    model_validator,
)

ResetInterval = Literal["daily", "weekly", "monthly"]
Endpoint = Literal["chat", "responses", "messages", "embeddings", "rerank"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
KEY_HASH_PATTERN = r"^[0-9a-f]{64}$"


def _not_a_boolean(value: Any) -> Any:
    # Pydantic's lax mode reads `limit: yes` as 1.0; a budget must never come from a typo.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


def _not_null(value: bool | None) -> bool:
    if value is None:
        raise ValueError("must be true or false (null cannot clear a boolean)")
    return value


def _date_time_text(value: Any) -> Any:
    # Lax datetime parsing reads `expires_at: 2027` as 33 minutes past the 1970 epoch.
    if not isinstance(value, (str, datetime)):
        raise ValueError("expected a date-time string such as 2027-06-30T00:00:00Z")
    return value


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timezone.utc.utcoffset(None):
        raise ValueError("must be a UTC date-time such as 2027-06-30T00:00:00Z")
    return value.astimezone(timezone.utc)


Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1)]
NonEmptyList = Annotated[list[Text], Field(min_length=1)]
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False), BeforeValidator(_not_a_boolean)]
PositiveUsd = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(_not_a_boolean)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_not_a_boolean)]
# Fields the API accepts as true/false only: omitting them is the only way to leave them alone.
SetOnlyBool = Annotated[bool | None, AfterValidator(_not_null), WithJsonSchema({"type": "boolean"})]
UtcDateTime = Annotated[datetime, BeforeValidator(_date_time_text), AfterValidator(_utc)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Fields that say which object an entry is, or whether it should exist, rather than
    # what it should look like.
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def managed_fields(self) -> dict[str, Any]:
        """The fields the file sets (values or null), without identity and control fields.

        In declaration order, so plans list fields the same way every run.
        """
        return {
            name: getattr(self, name)
            for name in type(self).model_fields
            if name in self.model_fields_set and name not in self.IDENTITY_FIELDS
        }


class Policy(StrictModel):
    """What orsync may do to live objects that the file does not describe."""

    prune: bool = Field(default=False, description="Delete live keys and guardrails that this file does not declare.")
    protect: list[Text] = Field(
        default_factory=list,
        description="Name globs (fnmatch) never deleted or replaced unless --allow-destroy.")
    max_deletes: Count | None = Field(
        default=None, description="A plan deleting more objects than this is refused unless --force.")


class GuardrailSpec(StrictModel):
    """A guardrail: a budget and model/provider allow-lists for the keys and members assigned to it."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "id", "state"})

    name: Name = Field(description="Identity of the guardrail in the org (1-200 characters).")
    id: Text | None = Field(default=None, description="Pin to one live guardrail by id (allows renames).")
    state: Literal["present", "absent"] = Field(
        default="present", description="absent: delete this guardrail even when prune is off.")
    description: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Free text, at most 1000 characters; null clears it.")
    limit_usd: PositiveUsd | None = Field(
        default=None, description="Spending limit in USD (> 0); null removes the limit. Needs reset_interval.")
    reset_interval: ResetInterval | None = Field(
        default=None, description="When the budget resets: daily, weekly, monthly, or null (never).")
    allowed_models: NonEmptyList | None = Field(
        default=None, description="Model slugs the guardrail allows (a set); null allows all.")
    allowed_providers: NonEmptyList | None = Field(
        default=None, description="Provider ids the guardrail allows (a set); null allows all.")
    ignored_providers: NonEmptyList | None = Field(
        default=None, description="Provider ids never routed to (a set); null clears the list.")
    ignored_models: NonEmptyList | None = Field(
        default=None, description="Model slugs never used (a set); null clears the list.")
    enforce_zdr: bool | None = Field(
        default=None, description="Route only to zero-data-retention endpoints; null clears it.")
    include_byok_in_budgets: SetOnlyBool = Field(
        default=None, description="Count bring-your-own-key usage against limit_usd (true or false).")

    @model_validator(mode="after")
    def _budget_needs_interval(self) -> GuardrailSpec:
        if self.limit_usd is not None and "reset_interval" not in self.model_fields_set:
            raise ValueError("limit_usd needs reset_interval (daily, weekly, monthly or null)")
        return self


class KeySpec(StrictModel):
    """An API key, its spending limit and the guardrail that governs it."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "hash", "state", "guardrail"})

    name: Name = Field(description="Identity of the key in the org (1-200 characters).")
    hash: Annotated[str, Field(pattern=KEY_HASH_PATTERN)] | None = Field(
        default=None, description="Pin to one live key by its hash, 64 lowercase hex characters (allows renames).")
    state: Literal["present", "absent"] = Field(
        default="present", description="absent: delete this key even when prune is off.")
    limit: Usd | None = Field(
        default=None, description="Spending limit in USD (0 allowed); null means no limit.")
    limit_reset: ResetInterval | None = Field(
        default=None, description="When the limit resets: daily, weekly, monthly, or null (never).")
    include_byok_in_limit: SetOnlyBool = Field(
        default=None, description="Count bring-your-own-key usage against the limit (true or false).")
    expires_at: UtcDateTime | None = Field(
        default=None, description="UTC expiry such as 2027-06-30T00:00:00Z; null: never. Changing it replaces the key.")
    disabled: SetOnlyBool = Field(default=None, description="Disable the key (true or false).")
    creator_user_id: Text | None = Field(
        default=None, description="User id of the member who owns the key. Changing it replaces the key.")
    guardrail: Name | None = Field(
        default=None, description="Name of a declared guardrail; null removes the key's assignment.")


class MemberSpec(StrictModel):
    """An organization member (who must already exist) and the guardrail that governs them."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"email", "id"})

    email: Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=320)] | None = Field(
        default=None, description="The member's email address (or give id).")
    id: Text | None = Field(default=None, description="The member's user id, e.g. user_2dHF... (or give email).")
    guardrail: Name | None = Field(
        default=None, description="Name of a declared guardrail; null removes the member's assignment.")

    @model_validator(mode="after")
    def _one_identity(self) -> MemberSpec:
        if (self.email is None) == (self.id is None):
            raise ValueError("a member needs exactly one of email or id")
        return self

    @property
    def ref(self) -> str:
        return self.email or self.id or ""


class SmokeExpect(StrictModel):
    """What a smoke test's response must look like."""

    status: int = Field(ge=100, le=599, description="Expected HTTP status, e.g. 200, or 403 for a blocked model.")
    contains: str | None = Field(default=None, description="Text the response must contain.")
    max_latency_ms: Annotated[float, Field(gt=0, allow_inf_nan=False)] | None = Field(
        default=None, description="Fail when the call takes longer than this.")
    max_cost_usd: Usd | None = Field(default=None, description="Fail when the call costs more than this.")


class SmokeSpec(StrictModel):
    """One inference call that `orsync run --suite` makes, and what it must return."""

    name: Name = Field(description="Shown in the test report.")
    key: Text = Field(description="A managed key's name (secret from the secrets file) or env:VAR.")
    endpoint: Endpoint = Field(description="chat, responses, messages, embeddings or rerank.")
    model: Text = Field(description="Model slug, e.g. openai/gpt-4o-mini.")
    input: str | None = Field(default=None, description="The prompt (for rerank: the query).")
    documents: NonEmptyList | None = Field(default=None, description="Documents to rank (rerank only).")
    expect: SmokeExpect

    @model_validator(mode="after")
    def _documents_only_for_rerank(self) -> SmokeSpec:
        if (self.endpoint == "rerank") != (self.documents is not None):
            raise ValueError("documents is required for endpoint rerank and only allowed there")
        return self


class OrgConfig(StrictModel):
    """The desired state of an OpenRouter organization."""

    version: Literal[1] = Field(description="Format version of this file; always 1.")
    policy: Policy = Field(default_factory=Policy)
    guardrails: list[GuardrailSpec] = Field(default_factory=list)
    keys: list[KeySpec] = Field(default_factory=list)
    members: list[MemberSpec] = Field(default_factory=list)
    smoke: list[SmokeSpec] = Field(default_factory=list)
