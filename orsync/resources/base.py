"""What every resource kind declares, and the value objects the planner compares.

A kind knows its identity, its managed fields, which of them force a replacement, which are
sets, how to see the desired objects in a config and the live objects in a LiveState, and the
calls that create, update and delete one. The planner is generic over kinds: adding a kind is
adding a module here and listing it in `orsync.resources.KINDS`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from orsync.planner.live import LiveState
    from orsync.planner.resolve import Resolution


@dataclass(frozen=True, slots=True)
class Desired:
    """One entry of the config file as the planner sees it."""

    name: str
    fields: dict[str, Any]            # managed fields only: omitted ones are absent
    present: bool = True              # False for `state: absent`
    pin: str | None = None            # `hash:` / `id:` / member id: match this live object only
    source: tuple = ()                # field path in the config file, for error locations
    refs: dict[str, str] = field(default_factory=dict)  # role -> address of another object


@dataclass(frozen=True, slots=True)
class LiveObject:
    """One object read from the API, reduced to what the planner compares."""

    id: str
    name: str
    fields: dict[str, Any]            # every managed field, normalised
    digest_source: dict[str, Any]     # the live values its fingerprint covers
    refs: dict[str, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        # Computed on demand: a plan needs it only for the objects it changes, and digesting
        # every object of a 10,000-key org up front cost more than the rest of the diff.
        # (Slots, like Desired's: a plan holds some 20,000 of each, 6 MB less without __dict__.)
        return fingerprint(self.digest_source)


@dataclass(frozen=True)
class CreateResult:
    live_id: str
    secret: Any = None                # a SecretStr for new keys; never logged or printed


def fingerprint(values: dict[str, Any]) -> str:
    """A short stable digest of a live object's state, to notice that it moved since a plan."""
    canonical = json.dumps(values, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def normalise_timestamp(value: Any) -> str | None:
    """Timestamps compare as UTC seconds: the API may add milliseconds or use +00:00."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def normalise_number(value: Any) -> float | None:
    return None if value is None else float(value)


def normalise_set(value: Any) -> list[str] | None:
    """Model and provider lists are sets: the API reorders and dedupes them."""
    return None if value is None else sorted(set(value))


class ResourceKind:
    """Base of every kind; subclasses fill the class attributes and the methods they need."""

    kind: ClassVar[str]                       # address prefix: "key", "guardrail", ...
    type_name: ClassVar[str]                  # Terraform-style type for JSON plans
    managed: ClassVar[tuple[str, ...]] = ()   # fields the config may manage
    replace_fields: ClassVar[frozenset[str]] = frozenset()
    set_fields: ClassVar[frozenset[str]] = frozenset()
    number_fields: ClassVar[frozenset[str]] = frozenset()
    time_fields: ClassVar[frozenset[str]] = frozenset()
    prunable: ClassVar[bool] = False
    # What create/update/delete are called for this kind in plans (assignments say assign).
    verbs: ClassVar[dict[str, str]] = {"create": "create", "update": "update", "delete": "delete"}
    # A new object of this kind comes with a new secret (keys).
    issues_secret: ClassVar[bool] = False

    def normalise(self, name: str, value: Any) -> Any:
        if name in self.set_fields:
            return normalise_set(value)
        if name in self.number_fields:
            return normalise_number(value)
        if name in self.time_fields:
            return normalise_timestamp(value)
        return value

    def normalise_all(self, values: dict[str, Any]) -> dict[str, Any]:
        # Only the typed fields need work: the rest pass through untouched (a plan of a
        # 10,000-key org normalises some 150,000 values, so the loop visits as few as it can).
        normalised = dict(values)
        for name in values.keys() & self.typed_fields:
            normalised[name] = self.normalise(name, values[name])
        return normalised

    @cached_property
    def typed_fields(self) -> frozenset[str]:
        return self.set_fields | self.number_fields | self.time_fields

    def address(self, name: str) -> str:
        return f"{self.kind}.{name}"

    def creation_problem(self, body: dict[str, Any]) -> tuple[str, str] | None:
        """(field, message) when the API would refuse to create an object with this body."""
        return None

    def classify(self, after: dict[str, Any]) -> str:
        """The action for a matched object whose fields differ (assignments say assign/unassign)."""
        return "update"

    def request_body(self, resolution: Resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any]) -> dict[str, Any]:
        """What apply sends; by default the fields the planner proposes."""
        return proposed

    # Reading: every kind says what the config wants and what is live. Writing: keys and
    # guardrails add create/update/delete; assignments add assign/unassign (batched by apply).
    def desired(self, config, resolution: Resolution) -> list[Desired]:
        raise NotImplementedError(f"{type(self).__name__} must say what the config declares")

    def live(self, state: LiveState, resolution: Resolution) -> list[LiveObject]:
        raise NotImplementedError(f"{type(self).__name__} must say what is live")
