"""The desired org as pydantic models: the config file contract of DESIGN.md.

Three states per managed field: omitted (unmanaged, never touched), a value (set), null
(clear). Pydantic keeps the difference in `model_fields_set`; `managed_fields()` is the only
way the planner reads a spec, so an omitted field can never leak into a request body.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

ResetInterval = Literal["daily", "weekly", "monthly"]
Endpoint = Literal["chat", "responses", "messages", "embeddings", "rerank"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
Name = Annotated[str, Field(min_length=1, max_length=200)]
NonEmptyList = Annotated[list[Annotated[str, Field(min_length=1)]], Field(min_length=1)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    # Fields that say which object an entry is, or whether it should exist, rather than
    # what it should look like.
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def managed_fields(self) -> dict[str, Any]:
        """The fields the file sets (values or null), without identity and control fields."""
        return {
            name: getattr(self, name)
            for name in self.model_fields_set
            if name not in self.IDENTITY_FIELDS
        }


class Policy(StrictModel):
    prune: bool = False
    protect: list[str] = Field(default_factory=list)
    max_deletes: int | None = Field(default=None, ge=0)


class GuardrailSpec(StrictModel):
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "id", "state"})

    name: Name
    id: str | None = Field(default=None, description="Pin to one live guardrail (allows renames).")
    state: Literal["present", "absent"] = "present"
    description: Annotated[str, Field(max_length=1000)] | None = None
    limit_usd: Annotated[float, Field(gt=0)] | None = None
    reset_interval: ResetInterval | None = None
    allowed_models: NonEmptyList | None = None
    allowed_providers: NonEmptyList | None = None
    ignored_providers: NonEmptyList | None = None
    ignored_models: NonEmptyList | None = None
    enforce_zdr: bool | None = None
    include_byok_in_budgets: bool | None = None

    @model_validator(mode="after")
    def _budget_needs_interval(self) -> GuardrailSpec:
        if self.limit_usd is not None and "reset_interval" not in self.model_fields_set:
            raise ValueError("limit_usd needs reset_interval (daily, weekly, monthly or null)")
        return self


class KeySpec(StrictModel):
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "hash", "state", "guardrail"})

    name: Name
    hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")] | None = Field(
        default=None, description="Pin to one live key (allows renames).")
    state: Literal["present", "absent"] = "present"
    limit: Annotated[float, Field(ge=0)] | None = None
    limit_reset: ResetInterval | None = None
    include_byok_in_limit: bool | None = None
    expires_at: datetime | None = None
    disabled: bool | None = None
    creator_user_id: str | None = None
    guardrail: str | None = Field(default=None, description="Name of a declared guardrail; null removes it.")

    @field_validator("expires_at")
    @classmethod
    def _utc_only(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() != timezone.utc.utcoffset(None):
            raise ValueError("expires_at must be UTC, e.g. 2027-06-30T00:00:00Z")
        return value.astimezone(timezone.utc)

    @field_validator("include_byok_in_limit", "disabled", mode="after")
    @classmethod
    def _no_null_for_booleans(cls, value: bool | None) -> bool | None:
        if value is None:
            raise ValueError("must be true or false (null cannot clear a boolean)")
        return value


class MemberSpec(StrictModel):
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"email", "id"})

    email: Annotated[str, Field(pattern=EMAIL_PATTERN)] | None = None
    id: str | None = None
    guardrail: str | None = Field(default=None, description="Name of a declared guardrail; null removes it.")

    @model_validator(mode="after")
    def _one_identity(self) -> MemberSpec:
        if (self.email is None) == (self.id is None):
            raise ValueError("a member needs exactly one of email or id")
        return self

    @property
    def ref(self) -> str:
        return self.email or self.id or ""


class SmokeExpect(StrictModel):
    status: int = Field(ge=100, le=599)
    contains: str | None = None
    max_latency_ms: Annotated[float, Field(gt=0)] | None = None
    max_cost_usd: Annotated[float, Field(ge=0)] | None = None


class SmokeSpec(StrictModel):
    name: Name
    key: str = Field(description="A managed key's name (secret from the secrets file) or env:VAR.")
    endpoint: Endpoint
    model: str
    input: str | None = None
    documents: list[str] | None = None
    expect: SmokeExpect


class OrgConfig(StrictModel):
    version: Literal[1]
    policy: Policy = Field(default_factory=Policy)
    guardrails: list[GuardrailSpec] = Field(default_factory=list)
    keys: list[KeySpec] = Field(default_factory=list)
    members: list[MemberSpec] = Field(default_factory=list)
    smoke: list[SmokeSpec] = Field(default_factory=list)
