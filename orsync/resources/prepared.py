"""The config half of the desired objects, computed before the live org is read.

Most of what a kind's `desired` does needs the file alone: reading each entry's managed fields,
normalising them, building the planner's Desired objects. `prepare_desired(config)` does that
for every kind that declares a `prepare`, while the org is still being read (the read runs in
other threads; the main thread would only wait), so that after the read only what needs the
live state is left: matching, the live objects, the comparison.

What an entry's workspace is depends on one live fact: which workspace is the default one (an
entry naming it by slug is in the default workspace, written without a slug). Before the read
that is unknown, so the prepared half assumes it is none of the workspaces the file names, and
records every slug it asked about; a plan whose default workspace turns out to be one of those
prepares again with the real answer (`prepared_for`). Checks against live workspaces (does the
named one exist?) stay in the live half.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from orsync.resources.scopes import scopes_of

MEMO = "prepared"   # Resolution.memo entry: the Prepared the plan uses


class ProvisionalScopes:
    """Scopes as far as the file alone tells: a named workspace is not the default one.

    Only `scope_of_slug` is answered (the rest needs the live workspaces); the slugs asked
    about are recorded, so that the assumption can be checked once the org is read."""

    def __init__(self) -> None:
        self.asked: set[str] = set()

    def scope_of_slug(self, slug: str | None) -> str | None:
        if slug is not None:
            self.asked.add(slug)
        return slug


@dataclass(frozen=True)
class Prepared:
    """Each preparing kind's config half (kind name -> what its `prepare` returned), handed to
    the first plan that uses it, kind by kind (a second plan from it prepares anew)."""

    config: Any
    by_kind: dict[str, Any]
    asked: frozenset[str] = field(default_factory=frozenset)   # workspace slugs assumed not default

    def holds_for(self, config, default_slug: str | None) -> bool:
        """Whether it was prepared from this config under an assumption the live org bears out."""
        return self.config is config and default_slug not in self.asked


def prepare_desired(config) -> Prepared:
    """The config half of every kind's desired objects, under provisional scopes."""
    from orsync.resources import KINDS

    scopes = ProvisionalScopes()
    prepared = {kind.kind: kind.prepare(config, scopes) for kind in KINDS}
    by_kind = {name: value for name, value in prepared.items() if value is not None}
    return Prepared(config=config, by_kind=by_kind, asked=frozenset(scopes.asked))


def use_prepared(resolution, prepared: Prepared | None) -> None:
    """Hand the plan its prepared half (checked when a kind first asks for it, in plan order)."""
    if prepared is not None:
        resolution.memo[MEMO] = prepared


def prepared_for(kind, config, resolution) -> Any:
    """The kind's config half for this plan: prepared during the read if that still holds, else
    now, with the real scopes."""
    prepared = resolution.memo.get(MEMO)
    scopes = scopes_of(resolution)
    if prepared is not None and kind.kind in prepared.by_kind and prepared.holds_for(config, scopes.default_slug):
        # Handed over once: freed with the kind's diff, as a half computed here would be (the
        # later kinds need not keep 100,000 desired keys alive).
        return prepared.by_kind.pop(kind.kind)
    return kind.prepare(config, scopes)
