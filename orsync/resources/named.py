"""Kinds whose objects have a name and an id of their own (keys, guardrails).

The config section and the live listing share a name (`keys`, `guardrails`), and the field that
pins an entry is the live object's id attribute (`hash`, `id`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from orsync.resources.base import Desired, LiveObject, ResourceKind


class NamedKind(ResourceKind):
    section: ClassVar[str]        # config section and LiveState listing: "keys"
    id_attribute: ClassVar[str]   # the live id, and the entry's pin field: "hash"
    prunable = True

    def desired(self, config, resolution) -> list[Desired]:
        return [
            Desired(
                name=spec.name,
                fields=self.normalise_all({"name": spec.name, **spec.managed_fields()}),
                present=spec.state == "present",
                pin=getattr(spec, self.id_attribute),
                source=(self.section, index),
            )
            for index, spec in enumerate(getattr(config, self.section))
        ]

    def live(self, state, resolution) -> list[LiveObject]:
        return [self.live_object(obj) for obj in getattr(state, self.section)]

    def live_object(self, obj: Any) -> LiveObject:
        live_id = getattr(obj, self.id_attribute)
        fields = self.normalise_all({name: getattr(obj, name, None) for name in self.managed})
        return LiveObject(id=live_id, name=obj.name, fields=fields,
                          digest_source={self.id_attribute: live_id, **fields})

    def find_created(self, state, body: dict[str, Any]) -> list[str]:
        """Ids of live objects that a create with this body could have made (lost responses)."""
        return [getattr(obj, self.id_attribute) for obj in getattr(state, self.section)
                if obj.name == body.get("name")]
