"""Kinds whose objects have a name and an id of their own (keys, guardrails).

The config section and the live listing share a name (`keys`, `guardrails`), and the field that
pins an entry is the live object's id attribute (`hash`, `id`). Names are unique within a
workspace: an object's plan name is `name` in the default workspace and `slug/name` elsewhere
(orsync.resources.scopes), and its `workspace` field says where it is.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from functools import cached_property
from operator import attrgetter
from typing import Any, ClassVar

from orsync.resources.base import Desired, LiveObject, ResourceKind
from orsync.resources.prepared import prepared_for
from orsync.resources.scopes import file_scopes, qualified, scopes_of

WORKSPACE_FIELD = "workspace"
WORKSPACE_ID = "workspace_id"


class NamedKind(ResourceKind):
    section: ClassVar[str]        # config section and LiveState listing: "keys"
    id_attribute: ClassVar[str]   # the live id, and the entry's pin field: "hash"
    prunable = True
    scope_field = WORKSPACE_FIELD

    def prepare(self, config, scopes) -> tuple[list[Desired], list[tuple[int, str]]]:
        """The entries as Desired objects, and (index, workspace) of each present entry in a
        workspace the file does not declare (whether it is live is for `desired` to say)."""
        wanted, undeclared = [], []
        declared = {workspace.slug for workspace in config.workspaces if workspace.state == "present"}
        normalise = self.normalised_in_place
        for index, spec in enumerate(getattr(config, self.section)):
            scope = scopes.scope_of_slug(spec.workspace)
            present = spec.state == "present"
            if present and scope is not None and scope not in declared:
                undeclared.append((index, scope))
            fields = {"name": spec.name, **spec.managed_fields()}
            if spec.workspace is not None and "workspace" in spec.model_fields_set:
                fields[WORKSPACE_FIELD] = spec.workspace
            wanted.append(Desired(name=qualified(spec.name, scope), fields=normalise(fields),
                                  present=present, pin=getattr(spec, self.id_attribute),
                                  source=(self.section, index), scope=scope, local=spec.name))
        return wanted, undeclared

    def desired(self, config, resolution) -> list[Desired]:
        wanted, undeclared = prepared_for(self, config, resolution)
        scopes = scopes_of(resolution)
        for index, scope in undeclared:
            if scopes.live_id(scope) is None:
                raise resolution.error_at((self.section, index, WORKSPACE_FIELD),
                                          f"workspace {scope!r} is neither in the org nor declared under workspaces")
        return wanted

    def live(self, state, resolution) -> list[LiveObject]:
        scopes = scopes_of(resolution)
        hidden = self.hidden_ids(state)
        id_attribute, live_fields, known = self.id_attribute, self.live_fields, scopes.known
        where: dict[Any, tuple[str | None, str | None]] = {}   # workspace id -> (scope, slug), once each
        objects = []
        for obj in state.rows(self.section):
            live_id = getattr(obj, id_attribute)
            if live_id in hidden:
                continue
            fields = live_fields(obj)
            workspace_id = getattr(obj, WORKSPACE_ID, None)
            if workspace_id not in where:
                scope = scopes.scope_of_id(workspace_id)
                where[workspace_id] = (scope, scopes.slug(scope))
            scope, slug = where[workspace_id]
            if known:
                # The workspace is part of what a saved plan's fingerprint covers: a move is a change.
                fields[WORKSPACE_FIELD] = slug
            # Built once, in place: this runs for every listed key (100,000 in a large org).
            objects.append(LiveObject(id=live_id, name=qualified(obj.name, scope), fields=fields, scope=scope,
                                      local=obj.name, digest_key=id_attribute))
        return objects

    def hidden_ids(self, state) -> set[str]:
        """Ids of listed objects that are not this kind's to manage (none by default)."""
        return set()

    def live_fields(self, obj: Any) -> dict[str, Any]:
        """A listed object's managed fields, normalised: a new dict, the caller's to extend."""
        try:
            values = dict(zip(self.managed, self._managed_getter(obj)))
        except AttributeError:   # a row without some field (a stand-in built by hand): None
            values = {name: getattr(obj, name, None) for name in self.managed}
        return self.normalised_in_place(values)

    @cached_property
    def _managed_getter(self) -> Callable[[Any], tuple]:
        """The managed fields of a row as a tuple, in one call (they are read for every row)."""
        getter = attrgetter(*self.managed)
        return getter if len(self.managed) > 1 else (lambda obj: (getter(obj),))

    def live_object(self, obj: Any) -> LiveObject:
        """A listed object as the planner sees it, its workspace aside (export reads its fields)."""
        return LiveObject(id=getattr(obj, self.id_attribute), name=obj.name, fields=self.live_fields(obj),
                          digest_key=self.id_attribute)

    def moved(self, want: Desired, live: LiveObject, resolution) -> Desired:
        """Found in another workspace: the entry's workspace (the default one's slug when the
        file names none) becomes a managed field, so the plan moves it back."""
        slug = want.fields.get(WORKSPACE_FIELD) or scopes_of(resolution).slug(want.scope)
        return replace(want, fields={**want.fields, WORKSPACE_FIELD: slug})

    def undeclared(self, obj: LiveObject, config, resolution) -> str | None:
        """Pruned only in a workspace the file speaks of (scopes.file_scopes)."""
        if obj.scope not in file_scopes(resolution):
            return None
        return super().undeclared(obj, config, resolution)

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
