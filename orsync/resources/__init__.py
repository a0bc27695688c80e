"""The kinds of object orsync manages, in the order the planner resolves them.

Workspaces come first (everything lives in one), guardrails next (keys and members refer to
them), then keys, then what needs both: assignments, workspace members and budgets. Apply
order is the kinds' own (orsync.resources.steps). LISTINGS are what the live read fetches:
every listing some kind declares, once.
"""

from orsync.resources.assignments import KeyAssignments, MemberAssignments
from orsync.resources.base import Listing, ResourceKind
from orsync.resources.default_guardrails import DefaultGuardrails
from orsync.resources.guardrails import Guardrails
from orsync.resources.keys import Keys
from orsync.resources.workspace_budgets import WorkspaceBudgets
from orsync.resources.workspace_members import WorkspaceMembers
from orsync.resources.workspaces import Workspaces

KINDS: tuple[ResourceKind, ...] = (Workspaces(), Guardrails(), DefaultGuardrails(), Keys(), KeyAssignments(),
                                   MemberAssignments(), WorkspaceMembers(), WorkspaceBudgets())
KINDS_BY_NAME = {kind.kind: kind for kind in KINDS}
_ALL = {listing.name: listing for kind in KINDS for listing in kind.listings}
# Read for every plan; on-demand listings (a request per workspace for what few files manage,
# e.g. budgets) only for a file whose kinds need them (listings_for).
LISTINGS: tuple[Listing, ...] = tuple(listing for listing in _ALL.values() if not listing.on_demand)


def listings_for(config) -> tuple[Listing, ...]:
    """The on-demand listings this config needs."""
    return tuple({listing.name: listing for kind in KINDS if kind.needs_listings(config)
                  for listing in kind.listings if listing.on_demand}.values())

# The listings that hold objects apply creates (a lost create's object is looked for there).
CREATED_IN: tuple[Listing, ...] = tuple(listing for listing in LISTINGS
                                        if listing.name in {kind.created_in for kind in KINDS})

__all__ = ["CREATED_IN", "KINDS", "KINDS_BY_NAME", "LISTINGS", "listings_for", "Listing", "ResourceKind"]
