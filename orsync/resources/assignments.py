"""Which guardrail governs each declared key and member.

An assignment is identified by what it governs (a key's or member's name). Its one field is a
*label* of the guardrail: the declared name for a guardrail the file declares, else the live
name with the start of its id (`old-policy (1a2b3c4d)`). Labels stand for ids, so a key under
an undeclared guardrail that merely shares a declared name is seen as under the wrong one.
Only declared keys and members appear: an undeclared key's assignment is never touched.
"""

from __future__ import annotations

from typing import Any, ClassVar

from orsync.resources.base import Desired, LiveObject, ResourceKind
from orsync.resources.members import find_member


def guardrail_labels(resolution) -> dict[str, str]:
    """Live guardrail id -> its label (computed once guardrails are resolved)."""
    if resolution.guardrail_labels is None:
        declared = {live_id: address.removeprefix("guardrail.")
                    for address, live_id in resolution.live_ids.items()
                    if address.startswith("guardrail.") and live_id}
        resolution.guardrail_labels = {
            guardrail.id: declared.get(guardrail.id, f"{guardrail.name} ({guardrail.id[:8]})")
            for guardrail in resolution.state.guardrails}
    return resolution.guardrail_labels


class _Assignments(ResourceKind):
    managed = ("guardrail",)
    verbs: ClassVar[dict[str, str]] = {"create": "assign", "update": "assign", "delete": "unassign"}
    listing: ClassVar[str]            # LiveState field with the org-wide assignment rows
    target_attribute: ClassVar[str]   # the row's field naming what is governed
    client_noun: ClassVar[str]        # client.assign_<noun> / unassign_<noun>

    def classify(self, after: dict[str, Any]) -> str:
        return "assign" if after.get("guardrail") is not None else "unassign"

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any]) -> dict[str, Any]:
        """Live ids for apply; a guardrail this plan creates has none yet (refs names it)."""
        label = after.get("guardrail")
        ids_by_label = {text: live_id for live_id, text in guardrail_labels(resolution).items()}
        return {
            "guardrail_id": ids_by_label.get(label) if label else None,
            "previous_guardrail_id": live.refs.get("guardrail_id") if live else None,
        }

    @staticmethod
    def refs_for(resolution, target_address: str, label: str | None) -> dict[str, str]:
        refs = {"target": target_address}
        if label and f"guardrail.{label}" in resolution.live_ids:
            refs["guardrail"] = f"guardrail.{label}"
        return refs

    def live(self, state, resolution) -> list[LiveObject]:
        """One object per declared target that exists live, with its current guardrail (or None)."""
        labels = guardrail_labels(resolution)
        rows = getattr(state, self.listing)
        guardrail_by_target = {getattr(row, self.target_attribute): row.guardrail_id for row in rows}
        objects = []
        for name, target_id in self.live_targets(resolution):
            guardrail_id = guardrail_by_target.get(target_id)
            objects.append(LiveObject(id=target_id, name=name, fields={"guardrail": labels.get(guardrail_id, guardrail_id)},
                                      digest_source={self.target_attribute: target_id, "guardrail_id": guardrail_id},
                                      refs={"guardrail_id": guardrail_id} if guardrail_id else {}))
        return objects

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
                guardrail = self._live_guardrail_label(resolution, address)
            else:
                continue
            if guardrail is None and resolution.is_new(address):
                continue
            wanted.append(Desired(name=spec.name, fields={"guardrail": guardrail},
                                  source=("keys", index, "guardrail"),
                                  refs=self.refs_for(resolution, address, guardrail)))
        return wanted

    @staticmethod
    def _live_guardrail_label(resolution, key_address: str) -> str | None:
        key_hash = resolution.live_ids.get(key_address)
        for row in resolution.state.key_assignments:
            if row.key_hash == key_hash:
                return guardrail_labels(resolution).get(row.guardrail_id)
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
                                  refs=self.refs_for(resolution, f"member.{spec.ref}", spec.guardrail)))
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
