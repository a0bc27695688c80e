"""Kinds whose objects have a name and an id of their own (keys, guardrails).

The config section and the live listing share a name (`keys`, `guardrails`), and the field that
pins an entry is the live object's id attribute (`hash`, `id`). Names are unique within a
workspace: an object's plan name is `name` in the default workspace and `slug/name` elsewhere
(orsync.resources.scopes), and its `workspace` field says where it is.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

from orsync.resources.base import Desired, LiveObject, ResourceKind
from orsync.resources.scopes import qualified, scopes_of

WORKSPACE_FIELD = "workspace"
WORKSPACE_ID = "workspace_id"


class NamedKind(ResourceKind):
    section: ClassVar[str]        # config section and LiveState listing: "keys"
    id_attribute: ClassVar[str]   # the live id, and the entry's pin field: "hash"
    prunable = True
    scope_field = WORKSPACE_FIELD

    def desired(self, config, resolution) -> list[Desired]:
        scopes = scopes_of(resolution)
        wanted = []
        declared = {workspace.slug for workspace in config.workspaces if workspace.state == "present"}
        for index, spec in enumerate(getattr(config, self.section)):
            scope = scopes.scope_of_slug(spec.workspace)
            if spec.state == "present" and scope is not None and scope not in declared and scopes.live_id(scope) is None:
                raise resolution.error_at((self.section, index, WORKSPACE_FIELD),
                                          f"workspace {scope!r} is neither in the org nor declared under workspaces")
            fields = {"name": spec.name, **spec.managed_fields()}
            if "workspace" in spec.model_fields_set and spec.workspace is not None:
                fields[WORKSPACE_FIELD] = spec.workspace
            wanted.append(Desired(name=qualified(spec.name, scope), fields=self.normalise_all(fields),
                                  present=spec.state == "present", pin=getattr(spec, self.id_attribute),
                                  source=(self.section, index), scope=scope, local=spec.name))
        return wanted

    def live(self, state, resolution) -> list[LiveObject]:
        scopes = scopes_of(resolution)
        hidden = self.hidden_ids(state)
        objects = []
        for obj in state.rows(self.section):
            if getattr(obj, self.id_attribute) in hidden:
                continue
            live = self.live_object(obj)
            scope = scopes.scope_of_id(getattr(obj, WORKSPACE_ID, None))
            where = {WORKSPACE_FIELD: scopes.slug(scope)} if scopes.known else {}
            # The workspace is part of what a saved plan's fingerprint covers: a move is a change.
            objects.append(replace(live, name=qualified(obj.name, scope), fields={**live.fields, **where},
                                   digest_source={**live.digest_source, **where}, scope=scope, local=obj.name))
        return objects

    def hidden_ids(self, state) -> set[str]:
        """Ids of listed objects that are not this kind's to manage (none by default)."""
        return set()

    def live_object(self, obj: Any) -> LiveObject:
        live_id = getattr(obj, self.id_attribute)
        fields = self.normalise_all({name: getattr(obj, name, None) for name in self.managed})
        return LiveObject(id=live_id, name=obj.name, fields=fields,
                          digest_source={self.id_attribute: live_id, **fields})

    def moved(self, want: Desired, live: LiveObject, resolution) -> Desired:
        """Found in another workspace: the entry's workspace (the default one's slug when the
        file names none) becomes a managed field, so the plan moves it back."""
        slug = want.fields.get(WORKSPACE_FIELD) or scopes_of(resolution).slug(want.scope)
        return replace(want, fields={**want.fields, WORKSPACE_FIELD: slug})

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        """What the API takes: a workspace by id (its slug while it does not exist yet)."""
        if WORKSPACE_FIELD not in proposed:
            return proposed
        body = {name: value for name, value in proposed.items() if name != WORKSPACE_FIELD}
        slug = proposed[WORKSPACE_FIELD]
        scopes = scopes_of(resolution)
        body[WORKSPACE_ID] = scopes.live_id(scopes.scope_of_slug(slug)) or slug
        return body

    def find_created(self, state, body: dict[str, Any]) -> list[str]:
        """Ids of live objects that a create with this body could have made (lost responses)."""
        return [getattr(obj, self.id_attribute) for obj in state.rows(self.section)
                if obj.name == body.get("name")]
