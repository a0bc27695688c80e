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
    target_kind: ClassVar[str]

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

    @staticmethod
    def refs_for(target_address: str, guardrail: str | None) -> dict[str, str]:
        refs = {"target": target_address}
        if guardrail:
            refs["guardrail"] = f"guardrail.{guardrail}"
        return refs



class KeyAssignments(_Assignments):
    kind = "key_assignment"
    type_name = "openrouter_guardrail_key_assignment"
    target_kind = "key"

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

    def live(self, state, resolution) -> list[LiveObject]:
        names = self.declared_guardrail_names(resolution)
        guardrail_by_hash = {row.key_hash: row.guardrail_id for row in state.key_assignments}
        objects = []
        for address, key_hash in resolution.live_ids.items():
            if (not address.startswith("key.") or not key_hash or address in resolution.deleted
                    or resolution.is_new(address)):
                continue
            guardrail_id = guardrail_by_hash.get(key_hash)
            fields = self.live_fields(guardrail_id, names)
            objects.append(LiveObject(id=key_hash, name=address.removeprefix("key."), fields=fields,
                                      digest_source={"key_hash": key_hash, "guardrail_id": guardrail_id},
                                      refs={"guardrail_id": guardrail_id} if guardrail_id else {}))
        return objects

    def assign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return client.assign_keys(guardrail_id, ids)

    def unassign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return client.unassign_keys(guardrail_id, ids)


class MemberAssignments(_Assignments):
    kind = "member_assignment"
    type_name = "openrouter_guardrail_member_assignment"
    target_kind = "member"

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

    def live(self, state, resolution) -> list[LiveObject]:
        names = self.declared_guardrail_names(resolution)
        guardrail_by_user = {row.user_id: row.guardrail_id for row in state.member_assignments}
        objects = []
        for address, user_id in resolution.live_ids.items():
            if not address.startswith("member."):
                continue
            guardrail_id = guardrail_by_user.get(user_id)
            objects.append(LiveObject(id=user_id, name=address.removeprefix("member."),
                                      fields=self.live_fields(guardrail_id, names),
                                      digest_source={"user_id": user_id, "guardrail_id": guardrail_id},
                                      refs={"guardrail_id": guardrail_id} if guardrail_id else {}))
        return objects

    def assign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return client.assign_members(guardrail_id, ids)

    def unassign(self, client, guardrail_id: str, ids: list[str]) -> int:
        return client.unassign_members(guardrail_id, ids)

