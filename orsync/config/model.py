"""The desired org as pydantic models: the config file contract of DESIGN.md.

Three states per managed field: omitted (unmanaged, never touched), a value (set), null
(clear). Pydantic keeps the difference in `model_fields_set`; `managed_fields()` is the only
way the planner reads a spec, so an omitted field can never leak into a request body.
"""

from __future__ import annotations

import re
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

from orsync.config.regex_rules import regex_problem

ResetInterval = Literal["daily", "weekly", "monthly"]
DataRegion = Literal["global", "europe", "us"]
FilterAction = Literal["redact", "block", "flag"]
BuiltinFilterSlug = Literal["email", "phone", "ssn", "credit-card", "ip-address", "person-name", "address",
                            "regex-prompt-injection"]
SCANNING_BUILTIN = "regex-prompt-injection"  # the one builtin that takes scan_scope
Endpoint = Literal["chat", "responses", "messages", "embeddings", "rerank"]
EMAIL_PATTERN = r"^[^@\s]+@[^@\s]+\.[^@\s]+$"
KEY_HASH_PATTERN = r"^[0-9a-f]{64}$"
WORKSPACE_SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
BudgetInterval = Literal["daily", "weekly", "monthly", "lifetime"]


def _whole_number(value: Any) -> Any:
    # JSON Schema counts 5.0 as an integer: so does a count here.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _not_a_boolean(value: Any) -> Any:
    # Pydantic's lax mode reads `limit: yes` as 1.0; a budget must never come from a typo.
    if isinstance(value, bool):
        raise ValueError("expected a number, not true/false")
    return value


def _not_null(value: bool | None) -> bool:
    if value is None:
        raise ValueError("must be true or false (null cannot clear a boolean)")
    return value


_DATE_START = re.compile(r"\d{4}-\d{2}-\d{2}")


def _date_time_text(value: Any) -> Any:
    # Lax datetime parsing reads `expires_at: 2027` (and the text "2027") as 33 minutes past
    # the 1970 epoch: only a date-time spelled as one is taken, as the JSON Schema says.
    if isinstance(value, str) and not _DATE_START.match(value):
        raise ValueError("expected a date-time such as 2027-06-30T00:00:00Z")
    if not isinstance(value, (str, datetime)):
        raise ValueError("expected a date-time string such as 2027-06-30T00:00:00Z")
    return value


def _api_regex(pattern: str) -> str:
    problem = regex_problem(pattern)
    if problem:
        raise ValueError(problem)
    return pattern


def _utc(value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() != timezone.utc.utcoffset(None):
        raise ValueError("must be a UTC date-time such as 2027-06-30T00:00:00Z")
    return value.astimezone(timezone.utc)


Name = Annotated[str, Field(min_length=1, max_length=200)]
Text = Annotated[str, Field(min_length=1)]
NonEmptyList = Annotated[list[Text], Field(min_length=1)]
Usd = Annotated[float, Field(ge=0, allow_inf_nan=False), BeforeValidator(_not_a_boolean)]
PositiveUsd = Annotated[float, Field(gt=0, allow_inf_nan=False), BeforeValidator(_not_a_boolean)]
Count = Annotated[int, Field(ge=0), BeforeValidator(_whole_number), BeforeValidator(_not_a_boolean)]
# Fields the API accepts as true/false only: omitting them is the only way to leave them alone.
SetOnlyBool = Annotated[bool | None, AfterValidator(_not_null), WithJsonSchema({"type": "boolean"})]
# Not strict: the file spells a date-time as text, which pydantic then parses.
UtcDateTime = Annotated[datetime, Field(strict=False), BeforeValidator(_date_time_text), AfterValidator(_utc)]


def _managed_order(model: type[StrictModel]) -> tuple[str, ...]:
    """The model's fields but its identity ones, in declaration order (managed_fields runs for
    every entry of the file: 110,000 times for a 100,000-key org)."""
    order = _MANAGED_ORDERS.get(model)
    if order is None:
        order = _MANAGED_ORDERS[model] = tuple(name for name in model.model_fields
                                                if name not in model.IDENTITY_FIELDS)
    return order


_MANAGED_ORDERS: dict[type, tuple[str, ...]] = {}


class StrictModel(BaseModel):
    # Strict types, as the JSON Schema says (an editor refuses `limit: "5"`, so does orsync):
    # nothing is coerced from text, and a boolean is only true or false.
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)

    # Fields that say which object an entry is, or whether it should exist, rather than
    # what it should look like.
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset()

    def managed_fields(self) -> dict[str, Any]:
        """The fields the file sets (values or null), without identity and control fields.

        In declaration order, so plans list fields the same way every run.
        """
        fields_set = self.model_fields_set   # a property: asked once, not once per field
        return {name: getattr(self, name) for name in _managed_order(type(self)) if name in fields_set}


class Policy(StrictModel):
    """What orsync may do to live objects that the file does not describe."""

    prune: bool = Field(default=False, description="Delete live keys and guardrails that this file does not declare, "
                                                   "in the workspaces it names (and the default one).")
    protect: list[Text] = Field(
        default_factory=list,
        description="Name globs (fnmatch) never deleted or replaced unless --allow-destroy.")
    max_deletes: Count | None = Field(
        default=None, description="A plan deleting more objects than this is refused unless --force.")


class ContentFilterSpec(StrictModel):
    """A custom regex filter: what to do when a request message matches the pattern."""

    pattern: Annotated[str, Field(min_length=1), AfterValidator(_api_regex)] = Field(
        description="A regex matched against request messages; no lookaround or backreferences.")
    action: FilterAction = Field(description="redact, block or flag.")
    label: Annotated[str, Field(max_length=100)] | None = Field(
        default=None, description="Shown in redaction placeholders and error messages, e.g. [API_KEY].")


class BuiltinFilterSpec(StrictModel):
    """A builtin filter: a PII detector or the regex prompt-injection detector."""

    slug: BuiltinFilterSlug = Field(description="Which builtin filter, e.g. email or regex-prompt-injection.")
    action: FilterAction = Field(description="redact, block or flag.")
    scan_scope: Literal["user_only", "all_messages"] | None = Field(
        default=None, description="regex-prompt-injection only: which messages to scan (default all_messages).")

    @model_validator(mode="after")
    def _scope_only_for_injection(self) -> BuiltinFilterSpec:
        if self.scan_scope is not None and self.slug != SCANNING_BUILTIN:
            raise ValueError(f"scan_scope applies only to the {SCANNING_BUILTIN} builtin")
        return self


def _listed_once(attribute: str, what: str, hint: str = ""):
    """An after-validator refusing a filter list that names the same `attribute` value twice."""
    def check(filters: list | None) -> list | None:
        values = [getattr(entry, attribute) for entry in filters or []]
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise ValueError(f"{what} {repeated[0]!r} is listed twice{hint}")
        return filters
    return check


_PATTERNS_ONCE = AfterValidator(_listed_once("pattern", "content filter pattern"))
_SLUGS_ONCE = AfterValidator(_listed_once("slug", "builtin filter", " (one entry per slug)"))

NullableBool = Annotated[bool | None, Field(strict=True)]


class GuardrailFields(StrictModel):
    """Every setting a guardrail takes; shared by `guardrails:` entries and a workspace's
    `default_guardrail` (orsync.resources.guardrail_fields lists the same fields for the planner)."""

    description: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="Free text, at most 1000 characters; null clears it.")
    limit_usd: PositiveUsd | None = Field(
        default=None, description="Spending limit in USD (> 0) for each key and member governed; null removes it. Needs reset_interval.")
    reset_interval: ResetInterval | None = Field(
        default=None, description="When the budget resets: daily, weekly, monthly, or null (never).")
    allowed_models: NonEmptyList | None = Field(
        default=None, description="Model ids or canonical slugs the guardrail allows (a set); null allows all.")
    ignored_models: NonEmptyList | None = Field(
        default=None, description="Model ids or canonical slugs never used (a set); null clears the list.")
    allowed_providers: NonEmptyList | None = Field(
        default=None, description="Provider ids the guardrail allows (a set); null allows all.")
    ignored_providers: NonEmptyList | None = Field(
        default=None, description="Provider ids never routed to (a set); null clears the list.")
    allowed_data_regions: Annotated[list[DataRegion], Field(min_length=1)] | None = Field(
        default=None, description="Regions requests may be processed in: global, europe, us (a set); null allows all.")
    enforce_zdr: NullableBool = Field(
        default=None, description="Deprecated shorthand: zero data retention for every provider flag below not given.")
    enforce_zdr_anthropic: NullableBool = Field(default=None, description="Zero data retention for Anthropic models.")
    enforce_zdr_google: NullableBool = Field(default=None, description="Zero data retention for Google models.")
    enforce_zdr_openai: NullableBool = Field(default=None, description="Zero data retention for OpenAI models.")
    enforce_zdr_other: NullableBool = Field(
        default=None, description="Zero data retention for models not from Anthropic, OpenAI, Google or xAI.")
    enforce_zdr_xai: NullableBool = Field(default=None, description="Zero data retention for xAI models.")
    enable_free_model_publication: NullableBool = Field(
        default=None, description="Allow free endpoints that publish prompts.")
    enable_free_model_training: NullableBool = Field(
        default=None, description="Allow free endpoints that train on request data.")
    enable_paid_model_training: NullableBool = Field(
        default=None, description="Allow paid endpoints that train on request data.")
    allow_safety_retention_google: NullableBool = Field(
        default=None, description="Allow Google endpoints that retain prompts for safety review.")
    allow_safety_retention_other: NullableBool = Field(
        default=None, description="Allow other endpoints that retain prompts for safety review.")
    include_byok_in_budgets: SetOnlyBool = Field(
        default=None, description="Count bring-your-own-key usage against limit_usd (true or false).")
    content_filters: Annotated[list[ContentFilterSpec], _PATTERNS_ONCE] | None = Field(
        default=None, description="Custom regex filters (a set); null removes them all.")
    content_filter_builtins: Annotated[list[BuiltinFilterSpec], _SLUGS_ONCE] | None = Field(
        default=None, description="Builtin PII and prompt-injection filters, one per slug; null removes them all.")

    @model_validator(mode="after")
    def _budget_needs_interval(self) -> GuardrailFields:
        if self.limit_usd is not None and "reset_interval" not in self.model_fields_set:
            raise ValueError("limit_usd needs reset_interval (daily, weekly or monthly)")
        return self


WorkspaceSlug = Annotated[str, Field(min_length=1, max_length=50, pattern=WORKSPACE_SLUG_PATTERN)]


class GuardrailIdentity(StrictModel):
    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "id", "state", "workspace"})

    name: Name = Field(description="Identity of the guardrail in the org (1-200 characters).")
    id: Text | None = Field(default=None, description="Pin to one live guardrail by id (allows renames).")
    state: Literal["present", "absent"] = Field(
        default="present", description="absent: delete this guardrail even when prune is off.")
    workspace: WorkspaceSlug | None = Field(
        default=None, description="Slug of the guardrail's workspace; omitted: the default one. Changing it "
                                  "creates the guardrail there and leaves the old one (declare it "
                                  "`state: absent` to delete it).")


class GuardrailSpec(GuardrailFields, GuardrailIdentity):
    """A guardrail: a budget, model/provider allow-lists, data policies and content filters for
    the keys and members assigned to it."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "id", "state", "workspace"})


class KeySpec(StrictModel):
    """An API key, its spending limit and the guardrail that governs it."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name", "hash", "state", "guardrail", "workspace"})

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
        default=None, description="Name of a guardrail declared in the key's workspace; null removes the key's assignment.")
    workspace: WorkspaceSlug | None = Field(
        default=None, description="Slug of the key's workspace; omitted: the default one. Changing it moves the key (same secret).")


class MemberSpec(StrictModel):
    """An organization member (who must already exist) and the guardrail that governs them."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"email", "id", "workspace"})

    email: Annotated[str, Field(pattern=EMAIL_PATTERN, max_length=320)] | None = Field(
        default=None, description="The member's email address (or give id).")
    id: Text | None = Field(default=None, description="The member's user id, e.g. user_2dHF... (or give email).")
    guardrail: Name | None = Field(
        default=None, description="Name of a declared guardrail; null removes the member's assignment.")
    workspace: WorkspaceSlug | None = Field(
        default=None, description="Workspace of that guardrail (a member holds one per workspace); "
                                  "omitted: the one workspace declaring it, else the default one.")

    @model_validator(mode="after")
    def _one_identity(self) -> MemberSpec:
        if (self.email is None) == (self.id is None):
            raise ValueError("a member needs exactly one of email or id")
        return self

    @property
    def ref(self) -> str:
        return self.email or self.id or ""


def _refuse_name(value: Any) -> Any:
    raise ValueError("a workspace default guardrail cannot be named (OpenRouter names it "
                     "'Workspace <id> Default' and refuses a new name); remove name")


def _budgets_decrease(budgets: dict[str, float | None] | None) -> dict[str, float | None] | None:
    limits = [(interval, budgets[interval]) for interval in BUDGET_ORDER
              if (budgets or {}).get(interval) is not None]
    for (wide, wide_limit), (narrow, narrow_limit) in zip(limits, limits[1:]):
        if not wide_limit > narrow_limit:
            raise ValueError(f"{wide} ({wide_limit:g}) must be more than {narrow} ({narrow_limit:g}): "
                             "OpenRouter needs lifetime > monthly > weekly > daily")
    return budgets


class DefaultGuardrailSpec(GuardrailFields):
    """A workspace's default guardrail: every guardrail setting, but no name (the server's)."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset({"name"})

    name: Annotated[Any, AfterValidator(_refuse_name)] = Field(
        default=None, description="Not allowed: OpenRouter names a default guardrail itself.")


class WorkspaceSpec(StrictModel):
    """A workspace: its settings, pooled budgets, default guardrail and member list."""

    IDENTITY_FIELDS: ClassVar[frozenset[str]] = frozenset(
        {"slug", "id", "state", "budgets", "include_byok_in_budgets", "default_guardrail", "members"})

    slug: WorkspaceSlug = Field(description="Identity of the workspace: lowercase words joined by single hyphens.")
    id: Text | None = Field(default=None, description="Pin to one live workspace by id (allows changing the slug).")
    state: Literal["present", "absent"] = Field(
        default="present", description="absent: delete the workspace (it must hold nothing this file keeps).")
    name: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Display name (1-100 characters); needed to create the workspace.")
    description: Annotated[str, Field(max_length=500)] | None = Field(
        default=None, description="Free text, at most 500 characters; null clears it.")
    default_text_model: Text | None = Field(default=None, description="Model used when a request names none.")
    default_image_model: Text | None = Field(default=None, description="Image model used when a request names none.")
    default_provider_sort: Literal["price", "throughput", "latency", "exacto"] | None = Field(
        default=None, description="Default provider sort: price, throughput, latency or exacto.")
    is_observability_io_logging_enabled: SetOnlyBool = Field(default=None, description="Private I/O logging.")
    is_observability_broadcast_enabled: SetOnlyBool = Field(default=None, description="Broadcast to observability tools.")
    is_data_discount_logging_enabled: SetOnlyBool = Field(default=None, description="Data discount logging.")
    io_logging_sampling_rate: Annotated[float, Field(ge=0.0001, le=1, strict=False)] | None = Field(
        default=None, description="Share of requests logged (0.0001-1).")
    budgets: Annotated[dict[BudgetInterval, PositiveUsd | None], AfterValidator(_budgets_decrease)] | None = Field(
        default=None, description="Pooled caps in USD per interval (daily, weekly, monthly, lifetime); "
                                  "an interval set to null is deleted. lifetime > monthly > weekly > daily.")
    include_byok_in_budgets: SetOnlyBool = Field(
        default=None, description="Count bring-your-own-key spend against the workspace budgets.")
    default_guardrail: DefaultGuardrailSpec | None = Field(
        default=None, description="The guardrail for every key and member here without one of their own.")
    members: list[Text] | None = Field(
        default=None, description="The workspace's whole member list, by email or user id.")


# Widest first: the order budget limits must strictly decrease in.
BUDGET_ORDER: tuple[str, ...] = ("lifetime", "monthly", "weekly", "daily")


class SmokeExpect(StrictModel):
    """What a smoke test's response must look like."""

    status: Annotated[int, BeforeValidator(_whole_number)] = Field(
        ge=100, le=599, description="Expected HTTP status, e.g. 200, or 403 for a blocked model.")
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
    workspaces: list[WorkspaceSpec] = Field(default_factory=list)
    guardrails: list[GuardrailSpec] = Field(default_factory=list)
    keys: list[KeySpec] = Field(default_factory=list)
    members: list[MemberSpec] = Field(default_factory=list)
    smoke: list[SmokeSpec] = Field(default_factory=list)
