"""Reading the live org: every listing the kinds declare, concurrently, one request per page.

The kinds in orsync.resources say which listings they need (`Listing`). Org-wide listings and
the scope listing (the workspaces) go out at once; listings that answer for one workspace at a
time go out for every workspace as soon as the workspaces are known, and their rows are deduped.
"""

from __future__ import annotations

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from orsync.api.errors import ForbiddenError, NotFoundError
from orsync.resources import LISTINGS
from orsync.resources.base import Listing

log = logging.getLogger(__name__)


class LiveState:
    """Everything the planner compares against: each listing's rows (the API's own models),
    by listing name. Views and tests may also read a listing as an attribute (`state.keys`)."""

    def __init__(self, rows: dict[str, list[Any]] | None = None, /, *, unreadable: dict[str, str] | None = None,
                 **listings: Any) -> None:
        self.__dict__["rows_by_listing"] = {**(rows or {}), **{name: list(value) for name, value in listings.items()}}
        # Listings the org may not read (403 on a feature it lacks): name -> why.
        self.__dict__["unreadable"] = dict(unreadable or {})

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


def read_live_state(client, listings: tuple[Listing, ...] = LISTINGS) -> LiveState:
    """Fetch the listings concurrently; any failure is an error, never 'empty'.

    GET /keys has no total, so a listing that declares a `lower_bound` (another listing's
    total_count, e.g. the key assignments: a key holds one guardrail at most) learns as its
    first pages land how many pages surely exist. With several workspaces the bound is
    org-wide and no longer says anything about one workspace, so it is left out.
    """
    scope = next((listing for listing in listings if listing.scope), None)
    scoped = [listing for listing in listings if listing.per_scope]
    org_wide = [listing for listing in listings if not listing.per_scope]
    with ThreadPoolExecutor(max_workers=8 + len(scoped) * 4, thread_name_prefix="orsync-read") as pool:
        counts = {listing.lower_bound: _Count() for listing in scoped if listing.lower_bound}
        futures: dict[str, Future] = {
            listing.name: pool.submit(getattr(client, listing.method), **_total_hint(listing, counts))
            for listing in org_wide}
        scopes = _scope_rows(futures.pop(scope.name), scope) if scope else []
        scope_ids = [getattr(row, scope.identity) for row in scopes] or [None]
        per_scope = {listing.name: [pool.submit(_read, client, listing,
                                                _scope_args(listing, scope_id, len(scope_ids), counts))
                                    for scope_id in scope_ids if scope_id is not None or not listing.needs_scope]
                     for listing in scoped}
        rows = {name: future.result() for name, future in futures.items()}
        if scope:
            rows[scope.name] = scopes
        unreadable: dict[str, str] = {}
        for listing in scoped:
            pages = [future.result() for future in per_scope[listing.name]]
            refused = [page for page in pages if isinstance(page, ForbiddenError)]
            if refused:
                unreadable[listing.name] = str(refused[0])
            rows[listing.name] = _deduped([page for page in pages if not isinstance(page, ForbiddenError)],
                                          listing.identity)
    return LiveState(rows, unreadable=unreadable)


def _read(client, listing: Listing, args: dict[str, Any]) -> list[Any] | ForbiddenError:
    """One scope's rows; a listing that may be forbidden returns the 403 instead of raising."""
    try:
        return getattr(client, listing.method)(**args)
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
    return {"on_total": counts[listing.name].set} if listing.name in counts else {}


def _scope_args(listing: Listing, scope_id: str | None, scopes: int, counts: dict[str, _Count]) -> dict[str, Any]:
    args: dict[str, Any] = {listing.scope_param: scope_id} if scope_id is not None else {}
    if listing.lower_bound and scopes == 1:
        args["at_least"] = counts[listing.lower_bound].get
    return args


def _deduped(pages: list[list[Any]], identity: str) -> list[Any]:
    if not pages:
        return []
    if len(pages) == 1:
        return pages[0]
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
