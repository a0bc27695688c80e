"""What every resource kind declares, and the value objects the planner compares.

A kind knows its identity, its managed fields, which of them force a replacement, which are
sets, the listings the live read fetches for it (`Listing`), where its changes fall in apply
order (`steps`, see steps.py), how a plan words them, how to see the desired objects in a config
and the live objects in a LiveState, and the calls that create, update and delete one (or, for
a batched kind, add and remove many under one parent). The planner and apply are generic over
kinds: adding a kind is adding a module here and listing it in `orsync.resources.KINDS`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import cached_property
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from orsync.planner.live import LiveState
    from orsync.planner.resolve import Resolution


_NO_REFS: Mapping[str, str] = MappingProxyType({})


def no_refs() -> Mapping[str, str]:
    """The refs of an object that has none: one read-only mapping shared by all of them, not
    an empty dict each (200,000 of them at 100,000 keys)."""
    return _NO_REFS


@dataclass(frozen=True, slots=True)
class Desired:
    """One entry of the config file as the planner sees it."""

    name: str
    fields: dict[str, Any]            # managed fields only: omitted ones are absent
    present: bool = True              # False for `state: absent`
    pin: str | None = None            # `hash:` / `id:` / member id: match this live object only
    source: tuple = ()                # field path in the config file, for error locations
    refs: Mapping[str, str] = field(default_factory=no_refs)  # role -> address of another object
    scope: str | None = None          # the workspace it belongs in (None: the default one)
    local: str | None = None          # its name within that workspace (None: `name`)


@dataclass(frozen=True, slots=True)
class LiveObject:
    """One object read from the API, reduced to what the planner compares."""

    id: str
    name: str
    fields: dict[str, Any]            # every managed field, normalised
    refs: Mapping[str, str] = field(default_factory=no_refs)
    scope: str | None = None          # the workspace it is in (None: the default one)
    local: str | None = None          # its name within that workspace (None: `name`)
    digest_key: str = "id"            # the name its id goes under in the fingerprint
    # What the fingerprint covers besides the id, when it is not `fields` (shared, never copied).
    digest_of: dict[str, Any] | None = None

    @property
    def fingerprint(self) -> str:
        # Computed on demand: a plan needs it only for the objects it changes, and digesting
        # every object of a 10,000-key org up front cost more than the rest of the diff. The
        # values are assembled here too, not kept: a second dict per live object was ~45 MB
        # at 100,000 keys. (Slots, like Desired's: 6 MB less at 10,000 keys without __dict__.)
        covered = self.fields if self.digest_of is None else self.digest_of
        return fingerprint({self.digest_key: self.id, **covered})


@dataclass(frozen=True)
class Listing:
    """How the live read gets one listing: a client method, org-wide or once per workspace.

    `name` is the LiveState entry holding its rows. A listing `per_scope` is called once for
    each scope (workspace) with `scope_param=<scope id>`, and its rows are deduped on
    `identity`. The one listing that is the `scope` (the workspaces) is read before them.
    `lower_bound` names a listing whose total_count is a lower bound on this one's rows (a
    speed hint for listings that page without a total). A listing `forbidden_ok` that answers
    403 is recorded as unreadable (LiveState.unreadable) and its kind says so in the plan.
    """

    name: str
    method: str
    identity: str = "id"
    per_scope: bool = False
    scope: bool = False
    scope_param: str | None = None
    lower_bound: str | None = None
    needs_scope: bool = False     # only answers for a named workspace: nothing to read without
    anchor: bool = False          # read unscoped first: its rows name the default workspace
    forbidden_ok: bool = False    # a 403 (a feature the org lacks) leaves it unread, not the plan
    on_demand: bool = False       # read only for a file that manages it (kind.needs_listings)
    rows: Any = None              # parse rows into this (api/rows.py) instead of the API's model


@dataclass(frozen=True)
class CreateResult:
    live_id: str
    secret: Any = None                # a SecretStr for new keys; never logged or printed


def announced(result: CreateResult, on_created: Callable[[CreateResult], None] | None) -> CreateResult:
    """`result`, once `on_created` (apply's hook: journal, secrets sink) has heard of it. A
    kind's `create` calls this as soon as the object exists, before any follow-up call."""
    if on_created is not None:
        on_created(result)
    return result


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
    # Attributes the official Terraform provider marks sensitive (JSON plans mark them so).
    sensitive_fields: ClassVar[tuple[str, ...]] = ()
    # The listings the live read must fetch for this kind (shared ones are read once).
    listings: ClassVar[tuple[Listing, ...]] = ()
    # The listing a lost create is looked for in (kinds that create objects of their own).
    created_in: ClassVar[str | None] = None
    # Apply steps: the step of each action; lower steps run first, equal steps together.
    steps: ClassVar[dict[str, int]] = {}
    # Changes of a batched kind are sent together, one call per parent (assignments).
    batched: ClassVar[bool] = False
    parent_noun: ClassVar[str] = ""           # what a batch is sent to: "guardrail"
    # The field that says which workspace an object is in, for kinds whose names are unique
    # only within one: a declared object found by name in exactly one other workspace was moved
    # there by hand, and its change sets this field back (a PATCH, or a replacement when the
    # field is in replace_fields).
    scope_field: ClassVar[str | None] = None
    # How the kind is spoken of in messages: "key" -> "keys".
    noun: ClassVar[str] = ""
    # The field the address already shows (`key.ci-smoke`): a create's field lines leave it out.
    identity_field: ClassVar[str] = "name"

    def normalise(self, name: str, value: Any) -> Any:
        if name in self.set_fields:
            return normalise_set(value)
        if name in self.number_fields:
            return normalise_number(value)
        if name in self.time_fields:
            return normalise_timestamp(value)
        return value

    def normalise_all(self, values: dict[str, Any]) -> dict[str, Any]:
        return self.normalised_in_place(dict(values))

    def normalised_in_place(self, values: dict[str, Any]) -> dict[str, Any]:
        """`values`, a dict the caller built and owns, with its typed fields normalised."""
        # Only the typed fields need work: the rest pass through untouched (a plan of a
        # 10,000-key org normalises some 150,000 values, so the loop visits as few as it can).
        for name in self.typed_order:
            if name in values:
                values[name] = self.normalise(name, values[name])
        return values

    @cached_property
    def typed_fields(self) -> frozenset[str]:
        return self.set_fields | self.number_fields | self.time_fields

    @cached_property
    def typed_order(self) -> tuple[str, ...]:
        return tuple(sorted(self.typed_fields))

    def address(self, name: str) -> str:
        return f"{self.kind}.{name}"

    @property
    def plural(self) -> str:
        return (self.noun or self.kind.replace("_", " ")) + "s"

    def step(self, action: str, body: dict[str, Any] | None = None, before: dict[str, Any] | None = None) -> int:
        """Where a change of this kind falls in apply order (see STEPS in orsync.resources)."""
        return self.steps[action]

    def headline(self, before: dict[str, Any] | None, after: dict[str, Any] | None) -> str:
        """Words after the address in a plan's headline; empty when the field lines say it all."""
        return ""

    def created_scope(self, body: dict[str, Any], listing: Listing) -> dict[str, Any]:
        """Arguments that point the `created_in` listing at where a create with this body
        lands (its workspace): a lost create is looked for there."""
        scope = body.get(listing.scope_param) if listing.scope_param else None
        return {listing.scope_param: scope} if scope else {}

    def delete_body(self, live: LiveObject) -> dict[str, Any]:
        """What apply needs to delete this live object besides its id (by default nothing)."""
        return {}

    def find_created(self, state: LiveState, body: dict[str, Any]) -> list[str]:
        """Ids of live objects a create with this body could have made (kinds whose creates
        can be lost say; the others create nothing a lost answer could leave behind)."""
        return []

    # Batched kinds (`batched = True`) say how a phase of their changes is sent:
    def batch_parent(self, change, op: str) -> tuple[str | None, str | None]:
        """(live id, address of an object this apply creates) of the parent a change joins."""
        raise NotImplementedError(f"{type(self).__name__} is not batched")

    def run_batch(self, client, verb: str, parent_id: str, ids: list[str]) -> int:
        """Send one batch; how many the API says it (un)assigned."""
        raise NotImplementedError(f"{type(self).__name__} is not batched")

    def held_ids(self, client, parent_id: str) -> set[str]:
        """The ids the parent holds now (to name which of a short batch were missed)."""
        raise NotImplementedError(f"{type(self).__name__} is not batched")

    def batch_target(self, change) -> str | None:
        """A batched change's target id when the kind knows it (else apply resolves `target`)."""
        return None

    def shows_fields(self, action: str) -> bool:
        """Whether a plan lists this change's fields under its headline."""
        return action != "delete"

    def creation_problem(self, body: dict[str, Any]) -> tuple[str, str] | None:
        """(field, message) when the API would refuse to create an object with this body."""
        return None

    def update_problem(self, live: dict[str, Any], wanted: dict[str, Any]) -> tuple[str, str] | None:
        """(field, message) when the API would refuse to update the live object to `wanted`."""
        return None

    def change_details(self, before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
        """Lines that say what changes inside a structured field (content filters), for the plan."""
        return ()

    def needs_listings(self, config) -> bool:
        """Whether this config needs the kind's on-demand listings read (most kinds: always)."""
        return True

    def moved(self, want: Desired, live: LiveObject, resolution: Resolution) -> Desired:
        """The entry, matched to a live object in another workspace: its workspace is now managed."""
        return want

    def undeclared(self, obj: LiveObject, config, resolution: Resolution) -> str | None:
        """Why a live object no entry claims is to be deleted, or None to leave it alone."""
        if self.prunable and config.policy.prune:
            return "not declared and policy.prune is true"
        return None

    def check_plan(self, changes: list, resolution: Resolution) -> None:
        """Refuse, once every kind is diffed, a plan this kind cannot allow (raises ConfigError)."""

    def classify(self, after: dict[str, Any]) -> str:
        """The action for a matched object whose fields differ (assignments say assign/unassign)."""
        return "update"

    def request_body(self, resolution: Resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        """What apply sends; by default the fields the planner proposes."""
        return proposed

    def prepare(self, config, scopes) -> Any:
        """The config half of `desired`, computed before the live org is read (prepared.py):
        None for a kind with little to prepare. `scopes` answers only `scope_of_slug`."""
        return None

    # Reading: every kind says what the config wants and what is live. Writing: keys and
    # guardrails add create/update/delete; assignments add assign/unassign (batched by apply).
    def desired(self, config, resolution: Resolution) -> list[Desired]:
        raise NotImplementedError(f"{type(self).__name__} must say what the config declares")

    def live(self, state: LiveState, resolution: Resolution) -> list[LiveObject]:
        raise NotImplementedError(f"{type(self).__name__} must say what is live")
