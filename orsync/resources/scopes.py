"""Workspaces as scopes of names: which workspace a live object is in, how its name is written.

Identity is the name within its workspace. A name in the default workspace is written as is
(`ci`, address `key.ci`), elsewhere with its workspace's slug (`research/ci`, `key.research/ci`),
so that a file without workspaces plans exactly as before. The default workspace is the org's
one an unscoped GET /keys answers for (the Workspace object has no flag for it; see
docs/adr/0004-identity-across-workspaces.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orsync.errors import OrsyncError

WORKSPACE_LISTING = "workspaces"


@dataclass(frozen=True)
class Scopes:
    by_id: dict[str, Any]
    by_slug: dict[str, Any]
    default_id: str | None
    slugs: dict[str, str] = field(default_factory=dict)   # workspace id -> the slug it goes by

    @classmethod
    def of(cls, rows: list[Any], default_id: str | None = None, renamed: dict[str, str] | None = None) -> Scopes:
        """`default_id` as the live read learned it; else the workspace slugged `default`, else
        the oldest (OpenRouter creates the default one with the org). `renamed` (workspace id ->
        slug) are the slugs a file gives workspaces it pins by id: the plan speaks of a
        workspace by its new slug, so that what the file places in it is found there, not
        moved or replaced into it (the rename is the workspace's own change)."""
        if default_id is not None and all(row.id != default_id for row in rows):
            # The unscoped key listing answered for a workspace the workspace listing lacks: that
            # listing is not the whole org (a proxy, a stub), and planning from it would miss
            # every object in the workspaces it leaves out, and create them a second time.
            raise OrsyncError(f"GET /workspaces does not list workspace {default_id}, which the "
                              "default workspace's keys name: the live read is incomplete (a proxy "
                              "or gateway answering for the API?), so orsync does not act on it")
        if default_id is None and rows:
            named = next((row for row in rows if row.slug == "default"), None)
            default_id = (named or min(rows, key=lambda row: (row.created_at or "", row.id))).id
        slugs = {row.id: (renamed or {}).get(row.id, row.slug) for row in rows}
        return cls(by_id={row.id: row for row in rows}, by_slug={slugs[row.id]: row for row in rows},
                   default_id=default_id, slugs=slugs)

    @property
    def known(self) -> bool:
        """Whether the server lists workspaces at all (one older than workspaces does not)."""
        return self.default_id is not None

    @property
    def default_slug(self) -> str | None:
        return self.slugs.get(self.default_id) if self.default_id else None

    def scope_of_id(self, workspace_id: str | None) -> str | None:
        """The scope (slug; None for the default workspace) of a live object's workspace_id."""
        if workspace_id is None or workspace_id == self.default_id or not self.known:
            return None
        return self.slugs.get(workspace_id, workspace_id)

    def scope_of_slug(self, slug: str | None) -> str | None:
        """The scope of a workspace named in the file (None: the default workspace)."""
        return None if slug is None or slug == self.default_slug else slug

    def slug(self, scope: str | None) -> str | None:
        """The slug to show and compare for a scope (the default workspace's own slug)."""
        return self.default_slug if scope is None else scope

    def live_id(self, scope: str | None) -> str | None:
        """The live id of a scope's workspace, or None when it does not exist yet."""
        if scope is None:
            return self.default_id
        row = self.by_slug.get(scope)
        return row.id if row else None


def qualified(name: str, scope: str | None) -> str:
    return name if scope is None else f"{scope}/{name}"


def scopes_of(resolution) -> Scopes:
    """The plan's Scopes, computed once from the live workspaces."""
    if "scopes" not in resolution.memo:
        resolution.memo["scopes"] = Scopes.of(resolution.state.rows(WORKSPACE_LISTING),
                                              resolution.state.default_scope, _renamed(resolution))
    return resolution.memo["scopes"]


def _renamed(resolution) -> dict[str, str]:
    """Workspace id -> slug, for workspaces the file pins by id and keeps."""
    config = getattr(resolution.config_source, "model", None)
    return {spec.id: spec.slug for spec in getattr(config, "workspaces", ())
            if spec.id and spec.state == "present"}


def file_scopes(resolution) -> set[str | None]:
    """The workspaces a file speaks of: the default one, those under `workspaces:` and those its
    entries name with `workspace:`. `prune` reaches only these, so that a file written for one
    workspace (a 0.1 file, a team's own file) never deletes what lives in the others."""
    if "file_scopes" not in resolution.memo:
        config = resolution.config_source.model
        scopes = scopes_of(resolution)
        slugs = {spec.slug for spec in getattr(config, "workspaces", ())}
        slugs |= {entry.workspace for section in ("keys", "guardrails", "members")
                  for entry in getattr(config, section, ()) if getattr(entry, "workspace", None)}
        resolution.memo["file_scopes"] = {None} | {scopes.scope_of_slug(slug) for slug in slugs}
    return resolution.memo["file_scopes"]
