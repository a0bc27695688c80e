"""The whole org as the read-only views see it: every workspace, one concurrent read.

`plan` reads budgets and workspace members only for a file that manages them; `export`,
`get` and `usage` show them, so they ask for every listing a kind declares, or for the few a
view needs (the workspace listing always comes with them: it is what the others are read by).
Rows are the API's full objects, not the planner's slimmer rows: views show usage and --json
prints every field.
"""

from __future__ import annotations

from dataclasses import replace

from orsync.planner.live import LiveState, ReadOnlyClient, read_live_state
from orsync.resources import KINDS
from orsync.resources.base import Listing
from orsync.resources.scopes import WORKSPACE_LISTING, Scopes


def org_listings(*names: str) -> tuple[Listing, ...]:
    """The listings named (every one when none is), with the workspace listing."""
    every = {listing.name: replace(listing, rows=None) for kind in KINDS for listing in kind.listings}
    return tuple(listing for name, listing in every.items() if not names or name in names or listing.scope)


def read_org(client, *names: str) -> LiveState:
    """The org's listings `names` (all when none), across every workspace; reads only."""
    return read_live_state(ReadOnlyClient(client), org_listings(*names))


def default_slug(state: LiveState) -> str | None:
    """The default workspace's slug, decided as the planner decides it (None: no workspaces)."""
    return Scopes.of(state.rows(WORKSPACE_LISTING), getattr(state, "default_scope", None)).default_slug
