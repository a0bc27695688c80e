"""The emulator's stored objects, each able to render itself as the real API's JSON object.

Every field a real response carries is present, as null where the emulator has no value:
generated clients validate responses strictly and reject objects that lack a field.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import MISSING, dataclass, fields
from datetime import datetime

from orsync.emulator.store.windows import WINDOW_SUFFIXES, parse_iso, turned_windows, utc_now

SECRET_PREFIX = "sk-or-v1-"


def new_secret() -> str:
    """A secret of the real shape, generated at run time (never written into source)."""
    return SECRET_PREFIX + secrets.token_hex(32)


def hash_of(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def label_of(secret: str) -> str:
    """The masked form the API shows, e.g. `sk-or-v1-abc...123`."""
    body = secret[len(SECRET_PREFIX):] if secret.startswith(SECRET_PREFIX) else secret
    return f"{SECRET_PREFIX}{body[:3]}...{body[-3:]}"


class Stored:
    """A record whose stored (persisted) form is all of its fields.

    A record read from the state knows its table (`_owner`, set by `tables.Table`) and tells it
    before and after each change, so a change is written whoever makes it: at the end of the
    write transaction it happens in, or at once outside any.
    """

    def __setattr__(self, name: str, value: object) -> None:
        owner = self.__dict__.get("_owner")
        if owner is None:
            object.__setattr__(self, name, value)
            return
        owner.before_change(self)
        object.__setattr__(self, name, value)
        owner.after_change(self)

    @classmethod
    def from_row(cls, data: dict) -> Stored:
        """A record from its stored row, fast: no __init__, no per-field __setattr__ (a page
        of 100 keys is built per request). Fields the row lacks take their defaults; fields
        this version does not know are dropped."""
        names, defaults = _shape(cls)
        record = object.__new__(cls)
        values = record.__dict__
        values.update(defaults)
        if _NAME_SETS[cls].issuperset(data):
            values.update(data)
        else:
            values.update((k, v) for k, v in data.items() if k in _NAME_SETS[cls])
        return record

    def to_dict(self) -> dict:
        values = self.__dict__
        return {name: values[name] for name in _shape(type(self))[0]}

    def to_row(self) -> dict:
        """The stored form: the fields that differ from their defaults (`from_row` restores
        the rest), so a seeded key's row is a third of its full JSON."""
        names, defaults = _shape(type(self))
        values = self.__dict__
        row = {}
        for name in names:
            value = values[name]
            if name in defaults:
                default = defaults[name]
                if value is default or (type(value) is type(default) and value == default):
                    continue
            row[name] = value
        return row


_SHAPES: dict[type, tuple[tuple[str, ...], dict]] = {}
_NAME_SETS: dict[type, frozenset[str]] = {}


def _shape(cls: type) -> tuple[tuple[str, ...], dict]:
    """A record type's field names and default values, computed once."""
    shape = _SHAPES.get(cls)
    if shape is None:
        found = fields(cls)
        shape = (tuple(f.name for f in found),
                 {f.name: f.default for f in found if f.default is not MISSING})
        _SHAPES[cls] = shape
        _NAME_SETS[cls] = frozenset(shape[0])
    return shape


class Editable(Stored):
    """A record a PATCH changes: the fields given are set and `updated_at` is stamped."""

    updated_at: str | None

    def patch(self, values: dict, at: str) -> None:
        for name, value in values.items():
            setattr(self, name, value)
        self.updated_at = at


@dataclass
class KeyRecord(Editable):
    """An API key (or a management key, which listings never show)."""

    hash: str
    name: str
    label: str
    secret: str
    created_at: str
    workspace_id: str
    disabled: bool = False
    limit: float | None = None
    limit_reset: str | None = None
    include_byok_in_limit: bool = False
    usage: float = 0.0
    usage_daily: float = 0.0
    usage_weekly: float = 0.0
    usage_monthly: float = 0.0
    byok_usage: float = 0.0
    byok_usage_daily: float = 0.0
    byok_usage_weekly: float = 0.0
    byok_usage_monthly: float = 0.0
    updated_at: str | None = None
    expires_at: str | None = None
    creator_user_id: str | None = None
    external_user: str | None = None
    last_used_at: str | None = None
    is_management: bool = False
    # Made by the seed, not through the API: its secret is the emulator's own to hand out.
    seeded: bool = False
    # The guardrail this key holds; kept equal to its row in EmulatorState.key_assignments.
    guardrail_id: str | None = None

    @property
    def limit_remaining(self) -> float | None:
        """What the limit leaves in its reset window (callers roll the windows first)."""
        if self.limit is None:
            return None
        return max(self.limit - self.window_spend(self.limit_reset, self.include_byok_in_limit), 0.0)

    def window_spend(self, interval: str | None, include_byok: bool) -> float:
        """Spend in the current window of `interval` (all time for None), BYOK when asked."""
        suffix = WINDOW_SUFFIXES[interval]
        spent = getattr(self, "usage" + suffix)
        return spent + (getattr(self, "byok_usage" + suffix) if include_byok else 0.0)

    def roll_windows(self, now: datetime) -> None:
        """Zero the windowed figures whose window has turned since the key's last charge."""
        if self.last_used_at is None:
            return  # never charged here: seeded figures are taken as current
        for interval in turned_windows(parse_iso(self.last_used_at), now):
            setattr(self, "usage" + WINDOW_SUFFIXES[interval], 0.0)
            setattr(self, "byok_usage" + WINDOW_SUFFIXES[interval], 0.0)

    def is_expired(self, now: datetime | None = None) -> bool:
        if self.expires_at is None:
            return False
        return parse_iso(self.expires_at) <= (now or utc_now())

    def public(self) -> dict:
        """The Key object of GET /keys, GET/PATCH /keys/{hash} and POST /keys."""
        out = {name: getattr(self, name) for name in KEY_PUBLIC_FIELDS}
        out["limit_remaining"] = self.limit_remaining
        return out

    def current_key(self) -> dict:
        """The object of GET /key, which describes the calling key."""
        out = {name: getattr(self, name) for name in CURRENT_KEY_FIELDS}
        out.update(limit_remaining=self.limit_remaining, is_free_tier=False,
                   is_management_key=self.is_management, is_provisioning_key=self.is_management,
                   rate_limit={"requests": -1, "interval": "10s",
                               "note": "This field is deprecated and safe to ignore."})
        return out


KEY_PUBLIC_FIELDS = (
    "hash", "name", "label", "disabled", "limit", "limit_reset", "include_byok_in_limit",
    "usage", "usage_daily", "usage_weekly", "usage_monthly", "byok_usage", "byok_usage_daily",
    "byok_usage_weekly", "byok_usage_monthly", "created_at", "updated_at", "expires_at",
    "creator_user_id", "workspace_id", "external_user", "last_used_at",
)
CURRENT_KEY_FIELDS = (
    "label", "limit", "usage", "usage_daily", "usage_weekly", "usage_monthly", "byok_usage",
    "byok_usage_daily", "byok_usage_weekly", "byok_usage_monthly", "limit_reset",
    "include_byok_in_limit", "expires_at", "creator_user_id",
)


@dataclass
class GuardrailRecord(Editable):
    """A guardrail with every field of the real object, newer ones null until set."""

    id: str
    name: str
    created_at: str
    workspace_id: str | None
    description: str | None = None
    limit_usd: float | None = None
    reset_interval: str | None = None
    allowed_models: list[str] | None = None
    allowed_providers: list[str] | None = None
    ignored_models: list[str] | None = None
    ignored_providers: list[str] | None = None
    allowed_data_regions: list[str] | None = None
    allow_safety_retention_google: bool | None = None
    allow_safety_retention_other: bool | None = None
    enforce_zdr: bool | None = None
    enforce_zdr_anthropic: bool | None = None
    enforce_zdr_google: bool | None = None
    enforce_zdr_openai: bool | None = None
    enforce_zdr_other: bool | None = None
    enforce_zdr_xai: bool | None = None
    enable_free_model_publication: bool | None = None
    enable_free_model_training: bool | None = None
    enable_paid_model_training: bool | None = None
    content_filters: list[dict] | None = None
    content_filter_builtins: list[dict] | None = None
    include_byok_in_budgets: bool = False
    updated_at: str | None = None
    # A workspace's default guardrail (id from default_guardrail_id); stored, never shown.
    is_workspace_default: bool = False

    def public(self) -> dict:
        out = self.to_dict()
        del out["is_workspace_default"]
        return out


# Fields a create or update request may set (everything but identity and timestamps).
GUARDRAIL_SETTABLE = tuple(f.name for f in fields(GuardrailRecord)
                           if f.name not in {"id", "created_at", "updated_at", "workspace_id",
                                             "is_workspace_default"})

# Default guardrail ids are derived from the workspace id, as the API's are: deterministic.
DEFAULT_GUARDRAIL_NAMESPACE = uuid.UUID("6f0c2a4e-9b1d-5c7e-8a3f-2d4b6e8f0a1c")


def default_guardrail_id(workspace_id: str) -> str:
    return str(uuid.uuid5(DEFAULT_GUARDRAIL_NAMESPACE, workspace_id))


@dataclass
class WorkspaceRecord(Editable):
    """A workspace with every field of the real object (`default_guardrail_id` is derived)."""

    id: str
    slug: str
    name: str
    created_at: str
    description: str | None = None
    created_by: str | None = None
    updated_at: str | None = None
    default_text_model: str | None = None
    default_image_model: str | None = None
    default_provider_sort: str | None = None
    io_logging_api_key_ids: list[int] | None = None
    io_logging_sampling_rate: float = 1.0
    is_data_discount_logging_enabled: bool = True
    is_observability_broadcast_enabled: bool = False
    is_observability_io_logging_enabled: bool = False
    include_byok_in_budgets: bool = False
    disabled_server_tools: list[str] | None = None
    is_default: bool = False

    @property
    def default_guardrail_id(self) -> str:
        return default_guardrail_id(self.id)

    def public(self) -> dict:
        out = self.to_dict()
        del out["is_default"]
        out["default_guardrail_id"] = self.default_guardrail_id
        return out


@dataclass
class WorkspaceMemberRecord(Stored):
    id: str
    workspace_id: str
    user_id: str
    created_at: str
    role: str = "member"

    def public(self) -> dict:
        return self.to_dict()


@dataclass
class WorkspaceBudgetRecord(Editable):
    """One pooled cap per interval (`lifetime` is the interval of a null `reset_interval`)."""

    id: str
    workspace_id: str
    interval: str
    limit_usd: float
    created_at: str
    updated_at: str | None = None

    def public(self) -> dict:
        return {"id": self.id, "workspace_id": self.workspace_id, "limit_usd": self.limit_usd,
                "reset_interval": None if self.interval == "lifetime" else self.interval,
                "created_at": self.created_at, "updated_at": self.updated_at or self.created_at}


@dataclass
class MemberRecord(Stored):
    id: str
    email: str
    first_name: str | None = None
    last_name: str | None = None
    role: str = "org:member"

    def public(self) -> dict:
        return self.to_dict()


@dataclass
class KeyAssignment(Stored):
    """A key's place under a guardrail; name and label are read from the key when listed."""

    id: str
    key_hash: str
    guardrail_id: str
    assigned_by: str | None
    created_at: str

    def public(self, key: KeyRecord) -> dict:
        return {**self.to_dict(), "key_name": key.name, "key_label": key.label}


@dataclass
class MemberAssignment(Stored):
    """A member's direct guardrail in one workspace (a member holds one per workspace)."""

    id: str
    user_id: str
    guardrail_id: str
    assigned_by: str | None
    created_at: str
    workspace_id: str | None = None

    def public(self, organization_id: str) -> dict:
        out = self.to_dict()
        del out["workspace_id"]
        return {**out, "organization_id": organization_id}


@dataclass
class Credits(Stored):
    total_credits: float = 0.0
    total_usage: float = 0.0

