"""Which guardrail governs each declared key and member.

An assignment is identified by what it governs (a key's name; a member in one workspace, since
a member holds one direct guardrail per workspace). Its one field is a
*label* of the guardrail: the declared name for a guardrail the file declares, else the live
name with the start of its id (`old-policy (1a2b3c4d)`). Labels stand for ids, so a key under
an undeclared guardrail that merely shares a declared name is seen as under the wrong one.
Only declared keys and members appear: an undeclared key's assignment is never touched.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar

from orsync.api.rows import KeyAssignmentRow
from orsync.resources import steps
from orsync.resources.base import Desired, Listing, LiveObject, ResourceKind, no_refs
from orsync.resources.members import guardrail_homes, live_members, member_workspace
from orsync.resources.prepared import prepared_for
from orsync.resources.scopes import qualified, scopes_of

LABELS = "guardrail_labels"   # Resolution.memo entry
# What an unassigned target's fingerprint covers besides its id (one dict for all of them).
_UNASSIGNED = {"guardrail_id": None}
_NONE = object()              # no row holds the key
SHARED = "assignment_dicts"   # Resolution.memo entry: the dicts equal objects share


def shared(resolution, name: str, value: Any) -> dict[str, Any]:
    """`{name: value}`, one dict for every object of the plan that holds it. Planner objects
    never change their fields or refs, and a 100,000-key org has 200,000 such dicts (desired
    and live) for ~10,000 distinct guardrails: ~40 MB of its peak memory, one each."""
    dicts = resolution.memo.setdefault(SHARED, {})
    held = dicts.get((name, value))
    if held is None:
        held = dicts[(name, value)] = {name: value}
    return held


def guardrail_labels(resolution) -> dict[str, str]:
    """Live guardrail id -> its label (computed once guardrails are resolved)."""
    if LABELS not in resolution.memo:
        # A guardrail being replaced is not its entry any more: what it governs now is seen as
        # under another guardrail, and assigned to the replacement (refs name it until apply).
        declared = {live_id: address.removeprefix("guardrail.")
                    for address, live_id in resolution.live_ids.items()
                    if address.startswith("guardrail.") and live_id and address not in resolution.replaced}
        resolution.memo[LABELS] = {
            guardrail.id: declared.get(guardrail.id, f"{guardrail.name} ({guardrail.id[:8]})")
            for guardrail in resolution.state.rows("guardrails")}
    return resolution.memo[LABELS]


class _Assignments(ResourceKind):
    managed = ("guardrail",)
    verbs: ClassVar[dict[str, str]] = {"create": "assign", "update": "assign", "delete": "unassign"}
    listing: ClassVar[str]            # LiveState field with the org-wide assignment rows
    target_attribute: ClassVar[str]   # the row's field naming what is governed
    client_noun: ClassVar[str]        # client.assign_<noun> / unassign_<noun>
    steps = {"create": steps.ASSIGN, "update": steps.ASSIGN, "assign": steps.ASSIGN,
             "delete": steps.UNASSIGN, "unassign": steps.UNASSIGN}
    batched = True
    parent_noun = "guardrail"

    def headline(self, before, after) -> str:
        was, now = (before or {}).get("guardrail"), (after or {}).get("guardrail")
        return f"guardrail {was} -> {now}" if was and now else f"guardrail {now or was}"

    def shows_fields(self, action: str) -> bool:
        return False  # the headline says it all

    def batch_parent(self, change, op: str) -> tuple[str | None, str | None]:
        """(live id, address) of the guardrail a change is batched under: an unassign leaves
        the guardrail it had; an assign joins one by id, or one this apply creates (address)."""
        if op == "unassign":
            return change.body.get("previous_guardrail_id"), None
        return change.body.get("guardrail_id"), change.refs.get("guardrail")

    def run_batch(self, client, verb: str, parent_id: str, ids: list[str]) -> int:
        return getattr(self, verb)(client, parent_id, ids)

    def held_ids(self, client, parent_id: str) -> set[str]:
        """Ids of what the guardrail governs now (to tell which of a short batch were missed)."""
        rows = getattr(client, f"list_guardrail_{self.client_noun[:-1]}_assignments")(parent_id)
        return {getattr(row, self.target_attribute) for row in rows}

    def classify(self, after: dict[str, Any]) -> str:
        return "assign" if after.get("guardrail") is not None else "unassign"

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        """Live ids for apply; a guardrail this plan creates has none yet (refs names it)."""
        label = after.get("guardrail")
        ids_by_label = {text: live_id for live_id, text in guardrail_labels(resolution).items()}
        return {
            "guardrail_id": ids_by_label.get(label) if label else None,
            "previous_guardrail_id": live.refs.get("guardrail_id") if live else None,
        }

    @classmethod
    def refs_for(cls, resolution, target_address: str, label: str | None) -> dict[str, str]:
        refs = {"target": target_address}
        guardrail = cls.guardrail_ref(resolution, label)
        if guardrail:
            refs["guardrail"] = guardrail
        return refs

    @staticmethod
    def guardrail_ref(resolution, label: str | None) -> str | None:
        """The address of the declared guardrail a label names (None: not one the file declares)."""
        if label and (address := f"guardrail.{label}") in resolution.live_ids:
            return sys.intern(address)   # one string per guardrail, not per target
        return None

    def live(self, state, resolution) -> list[LiveObject]:
        """One object per declared target that exists live, with its current guardrail (or None)."""
        labels = guardrail_labels(resolution)
        guardrail_by_target = self.current(state.rows(self.listing), resolution)
        held: dict[str | None, tuple] = {}   # guardrail id -> (fields, refs): once per guardrail
        objects = []
        for name, target_id, held_by in self.live_targets(resolution):
            guardrail_id = guardrail_by_target.get(held_by)
            if guardrail_id not in held:
                held[guardrail_id] = (shared(resolution, "guardrail", labels.get(guardrail_id, guardrail_id)),
                                      shared(resolution, "guardrail_id", guardrail_id) if guardrail_id else no_refs())
            fields, refs = held[guardrail_id]
            objects.append(LiveObject(id=target_id, name=name, fields=fields, refs=refs,
                                      digest_key=self.target_attribute, digest_of=refs or _UNASSIGNED))
        return objects

    def current(self, rows, resolution) -> dict[Any, str]:
        """What holds each guardrail: target id -> guardrail id."""
        return {getattr(row, self.target_attribute): row.guardrail_id for row in rows}

    def assign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return getattr(client, f"assign_{self.client_noun}")(guardrail_id, ids)

    def unassign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return getattr(client, f"unassign_{self.client_noun}")(guardrail_id, ids)


class KeyAssignments(_Assignments):
    kind = "key_assignment"
    type_name = "openrouter_guardrail_key_assignment"
    listing = "key_assignments"
    target_attribute = "key_hash"
    client_noun = "keys"
    noun = "key assignment"
    listings = (Listing("key_assignments", "list_key_assignments", rows=KeyAssignmentRow),)

    def prepare(self, config, scopes) -> tuple[list[tuple], dict[str | None, tuple]]:
        """Per present key: (index, name, key address, whether the file manages its guardrail,
        the label); and per label: (fields, the address of the declared guardrail it names, or
        None). Every declared guardrail has an address in the plan's `live_ids` by the time
        assignments are diffed; `desired` checks that it is so. (Desired objects are built
        after the read, not here: held from the start, 100,000 of them would add ~20 MB to the
        peak of a 100,000-key plan, for 0.015 s at 10,000 keys.)"""
        declared = {qualified(spec.name, scopes.scope_of_slug(spec.workspace)) for spec in config.guardrails}
        guarded: dict[str | None, tuple] = {}
        entries = []
        for index, spec in enumerate(config.keys):
            if spec.state != "present":
                continue
            scope = scopes.scope_of_slug(spec.workspace)
            name = qualified(spec.name, scope)
            managed = "guardrail" in spec.model_fields_set
            # The key's own workspace's guardrail of that name (config checks refuse others).
            label = qualified(spec.guardrail, scope) if managed and spec.guardrail else None
            if managed and label not in guarded:
                guarded[label] = ({"guardrail": label},
                                  sys.intern(f"guardrail.{label}") if label in declared else None)
            entries.append((index, name, f"key.{name}", managed, label))
        return entries, guarded

    def desired(self, config, resolution) -> list[Desired]:
        entries, guarded = prepared_for(self, config, resolution)
        if self._as_prepared(guarded, resolution):
            pool = resolution.memo.setdefault(SHARED, {})
            for label, (fields, _) in guarded.items():
                pool.setdefault(("guardrail", label), fields)
        else:
            guarded = {}
        wanted = []
        replaced, is_new = resolution.replaced, resolution.is_new
        for index, name, address, managed, guardrail in entries:
            if managed:
                if guardrail is None and is_new(address):
                    continue
                if guardrail in guarded:
                    fields, reference = guarded[guardrail]
                    refs = {"target": address, "guardrail": reference} if reference else {"target": address}
                    wanted.append(Desired(name=name, fields=fields, source=("keys", index, "guardrail"), refs=refs))
                    continue
            elif address in replaced:
                # A replacement inherits the old key's guardrail when the file leaves it unmanaged.
                guardrail = self._live_guardrail_label(resolution, address)
                if guardrail is None and is_new(address):
                    continue
            else:
                continue
            wanted.append(Desired(name=name, fields=shared(resolution, "guardrail", guardrail),
                                  source=("keys", index, "guardrail"),
                                  refs=self.refs_for(resolution, address, guardrail)))
        return wanted

    def _as_prepared(self, guarded: dict[str | None, tuple], resolution) -> bool:
        """Whether each label names a declared guardrail exactly when `prepare` thought so."""
        return all((self.guardrail_ref(resolution, label) is not None) == (guardrail is not None)
                   for label, (_, guardrail) in guarded.items())

    @staticmethod
    def _live_guardrail_label(resolution, key_address: str) -> str | None:
        if "key_guardrails" not in resolution.memo:   # key hash -> its guardrail id, the first row's
            rows = resolution.state.rows("key_assignments")
            resolution.memo["key_guardrails"] = {row.key_hash: row.guardrail_id for row in reversed(rows)}
        guardrail_id = resolution.memo["key_guardrails"].get(resolution.live_ids.get(key_address), _NONE)
        return None if guardrail_id is _NONE else guardrail_labels(resolution).get(guardrail_id)

    def live_targets(self, resolution):
        deleted, created, replaced = resolution.deleted, resolution.created, resolution.replaced
        for address, key_hash in resolution.live_ids.items():
            if (key_hash and address.startswith("key.") and address not in deleted
                    and address not in created and address not in replaced):   # not is_new
                yield address[4:], key_hash, key_hash


class MemberAssignments(_Assignments):
    kind = "member_assignment"
    type_name = "openrouter_guardrail_member_assignment"
    listing = "member_assignments"
    target_attribute = "user_id"
    client_noun = "members"
    noun = "member assignment"
    listings = (Listing("member_assignments", "list_member_assignments"), Listing("members", "list_members"))

    def desired(self, config, resolution) -> list[Desired]:
        scopes = scopes_of(resolution)
        homes = guardrail_homes(config)  # once, not a scan of every guardrail per member
        wanted = []
        for index, spec in enumerate(config.members):
            if "guardrail" not in spec.model_fields_set:
                continue
            user_id = self._member_id(resolution, spec, index)
            scope = scopes.scope_of_slug(member_workspace(config, spec, homes))
            name = qualified(spec.ref, scope)
            label = qualified(spec.guardrail, scope) if spec.guardrail else None
            wanted.append(Desired(name=name, fields=shared(resolution, "guardrail", label), source=("members", index, "guardrail"),
                                  refs=self.refs_for(resolution, f"member.{name}", label), scope=scope))
            resolution.live_ids[f"member.{name}"] = user_id
            resolution.memo.setdefault("member_scopes", {})[name] = scope
        return wanted

    @staticmethod
    def _member_id(resolution, spec, index: int) -> str:
        member = live_members(resolution).find(email=spec.email, user_id=spec.id)
        if member is not None:
            return member.id
        field = "email" if spec.email else "id"
        raise resolution.error_at(("members", index, field), f"{spec.ref} is not a member of the organization")

    def live_targets(self, resolution):
        for address, user_id in resolution.live_ids.items():
            if address.startswith("member."):
                name = address.removeprefix("member.")
                yield name, user_id, (user_id, resolution.memo["member_scopes"][name])

    def current(self, rows, resolution) -> dict[Any, str]:
        """A member holds one direct guardrail per workspace: (user id, workspace) -> guardrail id."""
        scopes = scopes_of(resolution)
        scope_of_guardrail = {guardrail.id: scopes.scope_of_id(guardrail.workspace_id)
                              for guardrail in resolution.state.rows("guardrails")}
        return {(row.user_id, scope_of_guardrail.get(row.guardrail_id)): row.guardrail_id for row in rows}
