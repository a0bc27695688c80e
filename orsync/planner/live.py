"""Reading the live org: every listing the kinds declare, concurrently, one request per page.

The kinds in orsync.resources say which listings they need (`Listing`). Org-wide listings and
the scope listing (the workspaces) go out at once; listings that answer for one workspace at a
time go out for every workspace as soon as the workspaces are known, and their rows are deduped.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from operator import attrgetter
from typing import Any

from orsync.api.errors import ForbiddenError, NotFoundError
from orsync.resources import LISTINGS, listings_for
from orsync.resources.base import Listing

log = logging.getLogger(__name__)


class LiveState:
    """Everything the planner compares against: each listing's rows (the API's own models),
    by listing name. Views and tests may also read a listing as an attribute (`state.keys`)."""

    def __init__(self, rows: dict[str, list[Any]] | None = None, /, *, unreadable: dict[str, str] | None = None,
                 default_scope: str | None = None, **listings: Any) -> None:
        self.__dict__["rows_by_listing"] = {**(rows or {}), **{name: list(value) for name, value in listings.items()}}
        # Listings the org may not read (403 on a feature it lacks): name -> why.
        self.__dict__["unreadable"] = dict(unreadable or {})
        # The default workspace's id, when the read could tell (the Workspace object cannot).
        self.__dict__["default_scope"] = default_scope

    def rows(self, listing: str) -> list[Any]:
        return self.rows_by_listing.get(listing, [])

    def __getattr__(self, name: str) -> list[Any]:
        rows = self.__dict__.get("rows_by_listing", {})
        if name in rows:
            return rows[name]
        raise AttributeError(name)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("LiveState is read-only")

    def holds_any(self, listings: list[str]) -> bool:
        return any(self.rows(name) for name in listings)

    def ids(self, listings: tuple[Listing, ...]) -> set[str]:
        """The ids of every row of these listings."""
        return {getattr(row, listing.identity) for listing in listings for row in self.rows(listing.name)}


def read_live_state(client, listings: tuple[Listing, ...] = LISTINGS, *, config=None) -> LiveState:
    """Fetch the listings (and the on-demand ones `config` needs) concurrently; any failure is
    an error, never 'empty'.

    Org-wide listings, the scope listing (workspaces) and the anchor listing read unscoped
    (GET /keys answers for the default workspace) go out at once; the anchor's rows name the
    default workspace, which the Workspace object does not. The other per-workspace listings
    then go out for every workspace, the anchor's for every workspace but the default one.
    An org with one workspace thus costs the listings of before plus the workspace list.

    GET /keys has no total, so a listing that declares a `lower_bound` (another listing's
    total_count, e.g. the key assignments: a key holds one guardrail at most) learns as its
    first pages land how many pages surely exist. That bound is org-wide, so it is used only
    once the org turns out to have a single workspace.
    """
    listings = listings + (listings_for(config) if config is not None else ())
    scope = next((listing for listing in listings if listing.scope), None)
    scoped = [listing for listing in listings if listing.per_scope]
    anchor = next((listing for listing in scoped if listing.anchor), None)
    org_wide = [listing for listing in listings if not listing.per_scope]
    with ThreadPoolExecutor(max_workers=8 + len(scoped) * 4, thread_name_prefix="orsync-read") as pool:
        single = _Count()   # 1 once the org is known to have one workspace
        counts = {listing.lower_bound: _Count() for listing in scoped if listing.lower_bound}
        futures: dict[str, Future] = {
            listing.name: pool.submit(getattr(client, listing.method), **_total_hint(listing, counts))
            for listing in org_wide}
        anchored = pool.submit(_read, client, anchor, _bound(anchor, counts, single)) if anchor else None
        scopes = _scope_rows(futures.pop(scope.name), scope) if scope else []
        single.set(1 if len(scopes) <= 1 else 0)
        scope_ids = [getattr(row, scope.identity) for row in scopes]
        per_scope = {listing.name: _submit_scoped(pool, client, listing, _scopes_to_read(listing, scope_ids))
                     for listing in scoped if listing is not anchor}
        # Only the anchor's other workspaces wait for the anchor: its rows say which is the default.
        anchor_rows = anchored.result() if anchored else []
        default_id = _default_scope(anchor, anchor_rows, scope_ids)
        if anchor:
            others = [scope_id for scope_id in scope_ids if scope_id != default_id] if default_id else scope_ids
            per_scope[anchor.name] = _submit_scoped(pool, client, anchor, others)
        rows = {name: future.result() for name, future in futures.items()}
        if scope:
            rows[scope.name] = scopes
        unreadable: dict[str, str] = {}
        for listing in scoped:
            pages = [future.result() for future in per_scope[listing.name]]
            rows[listing.name] = _merged([anchor_rows, *pages] if listing is anchor else pages, listing, unreadable)
    return LiveState(rows, unreadable=unreadable, default_scope=default_id)


def complete_live_state(client, state: LiveState, config) -> LiveState:
    """The state with the on-demand listings `config` needs that it lacks (a read started
    before the file was loaded), read for every workspace it knows."""
    missing = [listing for listing in listings_for(config) if listing.name not in state.rows_by_listing]
    if not missing:
        return state
    scope = next(listing for listing in LISTINGS if listing.scope)
    scope_ids = [getattr(row, scope.identity) for row in state.rows(scope.name)]
    rows = dict(state.rows_by_listing)
    unreadable = dict(state.unreadable)
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="orsync-read") as pool:
        pending = {listing.name: [pool.submit(_read, client, listing, {listing.scope_param: scope_id})
                                  for scope_id in scope_ids] for listing in missing}
        for listing in missing:
            rows[listing.name] = _merged([future.result() for future in pending[listing.name]], listing, unreadable)
    return LiveState(rows, unreadable=unreadable, default_scope=state.default_scope)


def _merged(pages: list[Any], listing: Listing, unreadable: dict[str, str]) -> list[Any]:
    """One listing's rows from its per-workspace reads; a refused one is noted in `unreadable`."""
    refused = [page for page in pages if isinstance(page, ForbiddenError)]
    if refused:
        unreadable[listing.name] = str(refused[0])
    return _deduped([page for page in pages if not isinstance(page, ForbiddenError)], listing.identity)


def _scopes_to_read(listing: Listing, scope_ids: list[str]) -> list[str | None]:
    """The workspaces a listing is read for (None: once, unscoped, on a server without them)."""
    if not scope_ids:
        return [] if listing.needs_scope else [None]
    return scope_ids


def _submit_scoped(pool, client, listing: Listing, scope_ids: list[str | None]) -> list[Future]:
    return [pool.submit(_read, client, listing, {listing.scope_param: scope_id} if scope_id else {})
            for scope_id in scope_ids]


def _default_scope(anchor: Listing | None, rows: Any, scope_ids: list[str]) -> str | None:
    """The default workspace's id: named by the unscoped anchor rows, or the only workspace."""
    if anchor and isinstance(rows, list) and rows:
        return getattr(rows[0], anchor.scope_param, None)
    return scope_ids[0] if len(scope_ids) == 1 else None


def _bound(listing: Listing, counts: dict[str, _Count], single: _Count) -> dict[str, Any]:
    if not listing.lower_bound:
        return {}
    count = counts[listing.lower_bound]
    return {"at_least": lambda: count.get() if single.get() else 0}


def _read(client, listing: Listing, args: dict[str, Any]) -> list[Any] | ForbiddenError:
    """One scope's rows; a listing that may be forbidden returns the 403 instead of raising."""
    try:
        return getattr(client, listing.method)(**args, **_row_type(listing))
    except ForbiddenError as exc:
        if listing.forbidden_ok:
            return exc
        raise


def _scope_rows(future: Future, scope: Listing) -> list[Any]:
    """The workspaces; a server older than workspaces (404 on the listing) has none, and its
    scoped listings are read once, unscoped (its one, default workspace)."""
    try:
        return future.result()
    except NotFoundError:
        log.warning("the server has no %s listing: reading its default one only", scope.name)
        return []


def _total_hint(listing: Listing, counts: dict[str, _Count]) -> dict[str, Any]:
    args = {"on_total": counts[listing.name].set} if listing.name in counts else {}
    return {**args, **_row_type(listing)}


def _row_type(listing: Listing) -> dict[str, Any]:
    # Lean rows where the kind asks for them (api/rows.py): 3.6 KB -> 0.5 KB a key.
    return {"rows": listing.rows} if listing.rows is not None else {}


def _deduped(pages: list[list[Any]], identity: str) -> list[Any]:
    if not pages:
        return []
    if len(pages) == 1:
        return pages[0]
    rows = [row for page in pages for row in page]
    # Workspaces' listings overlap only when an object moves while they are read: the rows as
    # they are, unless an id came twice (a set of ids costs half the dict below: 100,000 keys).
    if len(set(map(attrgetter(identity), rows))) == len(rows):
        return rows
    seen: dict[str, Any] = {}
    for page in pages:
        for row in page:
            seen.setdefault(getattr(row, identity), row)
    return list(seen.values())


class _Count:
    """A number one thread learns and another reads (0 until known)."""

    def __init__(self) -> None:
        self.value = 0

    def set(self, value: int) -> None:
        self.value = value

    def get(self) -> int:
        return self.value


class ReadOnlyClient:
    """Lets the planner see listings and GETs only: `drift` is read-only by construction."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        if not name.startswith(("list_", "get_")):
            raise AttributeError(f"{name} is not a read; drift never writes")
        return getattr(self._client, name)
