"""Workspaces as scopes of names: which workspace a live object is in, how its name is written.

Identity is the name within its workspace. A name in the default workspace is written as is
(`ci`, address `key.ci`), elsewhere with its workspace's slug (`research/ci`, `key.research/ci`),
so that a file without workspaces plans exactly as before. The default workspace is the org's
one an unscoped GET /keys answers for (the Workspace object has no flag for it; see
docs/adr/0004-identity-across-workspaces.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

WORKSPACE_LISTING = "workspaces"


@dataclass(frozen=True)
class Scopes:
    by_id: dict[str, Any]
    by_slug: dict[str, Any]
    default_id: str | None

    @classmethod
    def of(cls, rows: list[Any], default_id: str | None = None) -> Scopes:
        """`default_id` as the live read learned it; else the workspace slugged `default`, else
        the oldest (OpenRouter creates the default one with the org)."""
        by_slug = {row.slug: row for row in rows}
        if default_id is None and rows:
            named = by_slug.get("default")
            default_id = (named or min(rows, key=lambda row: (row.created_at or "", row.id))).id
        return cls(by_id={row.id: row for row in rows}, by_slug=by_slug, default_id=default_id)

    @property
    def known(self) -> bool:
        """Whether the server lists workspaces at all (one older than workspaces does not)."""
        return self.default_id is not None

    @property
    def default_slug(self) -> str | None:
        return self.by_id[self.default_id].slug if self.default_id else None

    def scope_of_id(self, workspace_id: str | None) -> str | None:
        """The scope (slug; None for the default workspace) of a live object's workspace_id."""
        if workspace_id is None or workspace_id == self.default_id or not self.known:
            return None
        row = self.by_id.get(workspace_id)
        return row.slug if row else workspace_id

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
                                              resolution.state.default_scope)
    return resolution.memo["scopes"]
