"""Who is a member of each workspace: `members:` of a workspace is its whole member list.

A membership is `workspace_member.SLUG/EMAIL` (the org member's email; their user id when the
org does not know one). Members are added and removed in bulk, one call per workspace; a live
member missing from a declared list is removed. A workspace that declares no `members:` has
its members left alone. Nobody is created: every member must already be in the organization.
"""

from __future__ import annotations

from typing import Any

from orsync.resources import steps
from orsync.resources.base import Desired, Listing, LiveObject, ResourceKind
from orsync.resources.members import live_members
from orsync.resources.scopes import scopes_of

LISTING = "workspace_members"
IN = "member"   # the one field: is in the workspace


class WorkspaceMembers(ResourceKind):
    kind = "workspace_member"
    type_name = "openrouter_workspace_member"
    noun = "workspace member"
    managed = (IN,)
    verbs = {"create": "assign", "update": "assign", "delete": "unassign"}
    listings = (Listing(LISTING, "list_workspace_members", per_scope=True, scope_param="id", needs_scope=True,
                        on_demand=True),
                Listing("members", "list_members"))
    steps = {"create": steps.MEMBERS_ADDED, "assign": steps.MEMBERS_ADDED, "delete": steps.MEMBERS_REMOVED,
             "unassign": steps.MEMBERS_REMOVED}
    batched = True
    parent_noun = "workspace"

    def needs_listings(self, config) -> bool:
        return any(spec.state == "present" and spec.members is not None for spec in config.workspaces)

    def desired(self, config, resolution) -> list[Desired]:
        members = live_members(resolution)
        wanted = []
        for index, spec in enumerate(config.workspaces):
            if spec.state != "present" or spec.members is None:
                continue
            if scopes_of(resolution).scope_of_slug(spec.slug) is None:
                raise resolution.error_at(("workspaces", index, "members"),
                                          f"{spec.slug} is the default workspace, whose members are every "
                                          "member of the organization; remove its members list")
            for position, ref in enumerate(spec.members):
                member = members.find(email=ref if "@" in ref else None, user_id=None if "@" in ref else ref)
                if member is None:
                    raise resolution.error_at(("workspaces", index, "members", position),
                                              f"{ref} is not a member of the organization")
                wanted.append(Desired(name=f"{spec.slug}/{member.email or member.id}", fields={IN: True},
                                      source=("workspaces", index, "members", position),
                                      refs={"target": f"member.{member.id}", "parent": f"workspace.{spec.slug}"}))
        return wanted

    def live(self, state, resolution) -> list[LiveObject]:
        declared = {spec.slug for spec in resolution.config_source.model.workspaces
                    if spec.state == "present" and spec.members is not None}
        workspaces = scopes_of(resolution).slugs
        emails = {member.id: member.email for member in state.rows("members")}
        objects = []
        for row in state.rows(LISTING):
            slug = workspaces.get(row.workspace_id)
            if slug in declared:
                # One member is in several workspaces: the id is the membership's, unique per kind.
                objects.append(LiveObject(id=f"{row.workspace_id}/{row.user_id}",
                                          name=f"{slug}/{emails.get(row.user_id) or row.user_id}",
                                          fields={IN: True}, digest_of={"id": row.id},
                                          refs={"workspace_id": row.workspace_id, "user_id": row.user_id}))
        return objects

    def undeclared(self, obj: LiveObject, config, resolution) -> str | None:
        return f"not in workspace {obj.name.split('/', 1)[0]}'s members list"

    def delete_body(self, live: LiveObject) -> dict[str, Any]:
        return {"workspace_id": live.refs["workspace_id"], "user_id": live.refs["user_id"]}

    def headline(self, before, after) -> str:
        return ""

    def shows_fields(self, action: str) -> bool:
        return False

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        scopes = scopes_of(resolution)
        slug = name.split("/", 1)[0]
        return {"workspace_id": scopes.live_id(scopes.scope_of_slug(slug)),
                "user_id": live.refs["user_id"] if live else None}

    def batch_target(self, change) -> str | None:
        return change.body.get("user_id") or change.refs.get("target", "").removeprefix("member.")

    def batch_parent(self, change, op: str) -> tuple[str | None, str | None]:
        return change.body.get("workspace_id"), change.refs.get("parent")

    def run_batch(self, client, verb: str, parent_id: str, ids: list[str]) -> int:
        if verb == "assign":
            return client.add_workspace_members(parent_id, ids)
        return client.remove_workspace_members(parent_id, ids)

    def held_ids(self, client, parent_id: str) -> set[str]:
        return {row.user_id for row in client.list_workspace_members(parent_id)}
