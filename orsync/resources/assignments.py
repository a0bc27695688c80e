"""Which guardrail governs each declared key and member.

An assignment is identified by what it governs (a key's or member's name), and its one field
is the guardrail's declared name. Only declared keys and members appear: an undeclared key's
assignment is never read as desired, never reported, never touched.
"""

from __future__ import annotations

from typing import Any, ClassVar

from orsync.resources.members import find_member
from orsync.resources.base import Desired, LiveObject, ResourceKind


class _Assignments(ResourceKind):
    managed = ("guardrail",)
    verbs: ClassVar[dict[str, str]] = {"create": "assign", "update": "assign", "delete": "unassign"}
    listing: ClassVar[str]            # LiveState field with the org-wide assignment rows
    target_attribute: ClassVar[str]   # the row's field naming what is governed
    client_noun: ClassVar[str]        # client.assign_<noun> / unassign_<noun>

    def classify(self, after: dict[str, Any]) -> str:
        return "assign" if after.get("guardrail") is not None else "unassign"

    @staticmethod
    def declared_guardrail_names(resolution) -> dict[str, str]:
        """Live guardrail id -> the name the config gives it (renames via id: pins included)."""
        names = resolution.state.guardrail_names()
        for address, live_id in resolution.live_ids.items():
            if address.startswith("guardrail.") and live_id:
                names[live_id] = address.removeprefix("guardrail.")
        return names

    def live_fields(self, guardrail_id: str | None, names: dict[str, str]) -> dict[str, Any]:
        return {"guardrail": names.get(guardrail_id, guardrail_id) if guardrail_id else None}

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any]) -> dict[str, Any]:
        """Live ids for apply; an id still unknown (object created by this plan) stays None."""
        guardrail = after.get("guardrail")
        return {
            "guardrail_id": self._guardrail_id(resolution, guardrail) if guardrail else None,
            "previous_guardrail_id": live.refs.get("guardrail_id") if live else None,
        }

    @staticmethod
    def _guardrail_id(resolution, guardrail: str) -> str | None:
        address = f"guardrail.{guardrail}"
        if address in resolution.live_ids:
            return resolution.live_ids[address]
        # An undeclared guardrail (a replacement inherits the old key's): the live one it names.
        found = [g.id for g in resolution.state.guardrails if guardrail in (g.name, g.id)]
        return found[0] if len(found) == 1 else None

    def live(self, state, resolution) -> list[LiveObject]:
        """One object per declared target that exists live, with its current guardrail (or None)."""
        names = self.declared_guardrail_names(resolution)
        rows = getattr(state, self.listing)
        guardrail_by_target = {getattr(row, self.target_attribute): row.guardrail_id for row in rows}
        objects = []
        for name, target_id in self.live_targets(resolution):
            guardrail_id = guardrail_by_target.get(target_id)
            objects.append(LiveObject(id=target_id, name=name, fields=self.live_fields(guardrail_id, names),
                                      digest_source={self.target_attribute: target_id, "guardrail_id": guardrail_id},
                                      refs={"guardrail_id": guardrail_id} if guardrail_id else {}))
        return objects

    def assign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return getattr(client, f"assign_{self.client_noun}")(guardrail_id, ids)

    def unassign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return getattr(client, f"unassign_{self.client_noun}")(guardrail_id, ids)

    @staticmethod
    def refs_for(target_address: str, guardrail: str | None) -> dict[str, str]:
        refs = {"target": target_address}
        if guardrail:
            refs["guardrail"] = f"guardrail.{guardrail}"
        return refs



class KeyAssignments(_Assignments):
    kind = "key_assignment"
    type_name = "openrouter_guardrail_key_assignment"
    listing = "key_assignments"
    target_attribute = "key_hash"
    client_noun = "keys"

    def desired(self, config, resolution) -> list[Desired]:
        wanted = []
        for index, spec in enumerate(config.keys):
            address = f"key.{spec.name}"
            if spec.state != "present":
                continue
            if "guardrail" in spec.model_fields_set:
                guardrail = spec.guardrail
            elif address in resolution.replaced:
                # A replacement inherits the old key's guardrail when the file leaves it unmanaged.
                guardrail = self._live_guardrail_name(resolution, address)
            else:
                continue
            if guardrail is None and resolution.is_new(address):
                continue
            wanted.append(Desired(name=spec.name, fields={"guardrail": guardrail},
                                  source=("keys", index, "guardrail"),
                                  refs=self.refs_for(address, guardrail)))
        return wanted

    def _live_guardrail_name(self, resolution, key_address: str) -> str | None:
        key_hash = resolution.live_ids.get(key_address)
        names = self.declared_guardrail_names(resolution)
        for row in resolution.state.key_assignments:
            if row.key_hash == key_hash:
                return names.get(row.guardrail_id)
        return None

    def live_targets(self, resolution):
        for address, key_hash in resolution.live_ids.items():
            if (address.startswith("key.") and key_hash and address not in resolution.deleted
                    and not resolution.is_new(address)):
                yield address.removeprefix("key."), key_hash


class MemberAssignments(_Assignments):
    kind = "member_assignment"
    type_name = "openrouter_guardrail_member_assignment"
    listing = "member_assignments"
    target_attribute = "user_id"
    client_noun = "members"

    def desired(self, config, resolution) -> list[Desired]:
        wanted = []
        for index, spec in enumerate(config.members):
            if "guardrail" not in spec.model_fields_set:
                continue
            user_id = self._member_id(resolution, spec, index)
            wanted.append(Desired(name=spec.ref, fields={"guardrail": spec.guardrail}, pin=user_id,
                                  source=("members", index, "guardrail"),
                                  refs=self.refs_for(f"member.{spec.ref}", spec.guardrail)))
            resolution.live_ids[f"member.{spec.ref}"] = user_id
        return wanted

    @staticmethod
    def _member_id(resolution, spec, index: int) -> str:
        member = find_member(resolution.state.members, email=spec.email, user_id=spec.id)
        if member is not None:
            return member.id
        field = "email" if spec.email else "id"
        raise resolution.error_at(("members", index, field), f"{spec.ref} is not a member of the organization")

    def live_targets(self, resolution):
        for address, user_id in resolution.live_ids.items():
            if address.startswith("member."):
                yield address.removeprefix("member."), user_id
