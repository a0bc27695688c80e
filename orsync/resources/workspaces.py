"""Workspaces: identified by slug (or pinned by id), created, updated and deleted whole.

Every key and guardrail lives in a workspace, so workspaces are written first and deleted last;
a workspace is deleted only when everything live in it goes with it in the same plan (the API
would delete its guardrails silently, and refuse or orphan the rest). Workspaces are never
pruned: an undeclared workspace is left alone whatever `policy.prune` says.
"""

from __future__ import annotations

from typing import Any

from orsync.resources import steps
from orsync.resources.base import CreateResult, Desired, Listing, LiveObject, ResourceKind, announced
from orsync.resources.scopes import WORKSPACE_LISTING, scopes_of

SETTINGS = ("name", "description", "default_text_model", "default_image_model", "default_provider_sort",
            "is_observability_io_logging_enabled", "is_observability_broadcast_enabled",
            "is_data_discount_logging_enabled", "io_logging_sampling_rate")
# What lives in a workspace, by listing: a workspace holding any of it that the plan keeps
# cannot be deleted.
CONTENTS = (("keys", "hash"), ("guardrails", "id"))


class Workspaces(ResourceKind):
    kind = "workspace"
    type_name = "openrouter_workspace"
    section = "workspaces"
    id_attribute = "id"
    managed = ("slug", *SETTINGS)
    identity_field = "slug"   # the address shows the slug; the plan shows the name beside it
    number_fields = frozenset({"io_logging_sampling_rate"})
    listings = (Listing(WORKSPACE_LISTING, "list_workspaces", scope=True),)
    created_in = WORKSPACE_LISTING
    steps = {"create": steps.WORKSPACE_WRITES, "update": steps.WORKSPACE_WRITES,
             "delete": steps.WORKSPACE_DELETES}

    def desired(self, config, resolution) -> list[Desired]:
        return [Desired(name=spec.slug, fields=self.normalise_all({"slug": spec.slug, **spec.managed_fields()}),
                        present=spec.state == "present", pin=spec.id, source=(self.section, index))
                for index, spec in enumerate(config.workspaces)]

    def live(self, state, resolution) -> list[LiveObject]:
        objects = []
        for row in state.rows(WORKSPACE_LISTING):
            fields = self.normalise_all({name: getattr(row, name, None) for name in self.managed})
            objects.append(LiveObject(id=row.id, name=row.slug, fields=fields))
        return objects

    def step(self, action: str, body=None, before=None) -> int:
        """Renames before the other workspace writes: a create may take the slug one frees."""
        if action == "update" and "slug" in (body or {}):
            return steps.WORKSPACE_RENAMES
        return self.steps[action]

    def creation_problem(self, body: dict[str, Any]) -> tuple[str, str] | None:
        if not body.get("name"):
            return ("slug", f"workspace {body.get('slug')} does not exist yet, and creating it needs a name")
        return None

    def check_plan(self, changes: list, resolution) -> None:
        """Refuse deleting a workspace that still holds objects the plan keeps, or the default one,
        and renaming one onto a slug another still holds (a swap or a chain of renames)."""
        self._refuse_taken_slugs(changes, resolution)
        deleting = {change.live_id: change for change in changes
                    if change.kind == self.kind and change.action == "delete"}
        if not deleting:
            return
        # Deleted, replaced (the new one lives where the file says) or moved out by this plan.
        gone = {change.live_id for change in changes
                if change.action in ("delete", "replace") or "workspace_id" in change.body}
        scopes = scopes_of(resolution)
        for live_id, change in deleting.items():
            source = self._source(resolution, change.name)
            if live_id == scopes.default_id:
                raise resolution.error_at(source, f"workspace {change.name} is the org's default "
                                                  "workspace, which orsync does not delete")
            kept = [f"{listing[:-1]} {row.name}" for listing, id_attribute in CONTENTS
                    for row in resolution.state.rows(listing)
                    if getattr(row, "workspace_id", None) == live_id and getattr(row, id_attribute) not in gone
                    and getattr(row, id_attribute) != scopes.by_id[live_id].default_guardrail_id]
            if kept:
                listed = ", ".join(kept[:5]) + (f" and {len(kept) - 5} more" if len(kept) > 5 else "")
                raise resolution.error_at(source, f"workspace {change.name} still holds {listed}, which this "
                                                  "file does not delete; declare them `state: absent` (or "
                                                  "move them) to delete the workspace")

    def _refuse_taken_slugs(self, changes: list, resolution) -> None:
        """The API renames one workspace at a time and refuses a slug another holds, so renames
        that trade slugs would fail on every apply, or leave the org half renamed."""
        holders = {row.slug: row.id for row in resolution.state.rows(WORKSPACE_LISTING)}
        for change in changes:
            if change.kind != self.kind or change.action != "update" or "slug" not in change.body:
                continue
            holder = holders.get(change.body["slug"])
            if holder is not None and holder != change.live_id:
                source = self._source(resolution, change.name)[:-1] + ("slug",)
                raise resolution.error_at(source, f"slug {change.body['slug']!r} is still held by workspace "
                                                  f"{holder}, which this plan renames too; the API renames one "
                                                  "at a time: give that one a spare slug first, in its own apply")

    @staticmethod
    def _source(resolution, slug: str) -> tuple:
        config = resolution.config_source.model
        index = next(i for i, spec in enumerate(config.workspaces) if spec.slug == slug)
        return ("workspaces", index, "state")

    def find_created(self, state, body: dict[str, Any]) -> list[str]:
        return [row.id for row in state.rows(WORKSPACE_LISTING) if row.slug == body.get("slug")]

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        return announced(CreateResult(live_id=client.create_workspace(body).id), on_created)

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_workspace(live_id, body)

    def delete(self, client, live_id: str) -> None:
        client.delete_workspace(live_id)
