"""Reading a whole listing, several pages at a time.

Two kinds of listing exist. GET /keys has fixed pages of 100 and no total: pages are fetched
speculatively in growing windows (1, 2, 4, ... up to the concurrency) until one comes back short.
The others say `total_count` on every page: after the first, all remaining pages are fetched at
once. Rows are deduplicated by identity, which also absorbs rows shifted by concurrent inserts.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

from orsync.api_errors import UnexpectedResponseError
from orsync.api_models import Page

PAGE_SIZE = 100
MAX_ROWS = 1_000_000  # a bound on every loop below; no org comes near it
Row = TypeVar("Row")
MapConcurrently = Callable[[Callable[[int], Any], Iterable[int]], list[Any]]


def fixed_page_listing(fetch: Callable[[int], list[Row]], identity: Callable[[Row], str],
                       run_all: MapConcurrently, max_window: int, what: str) -> list[Row]:
    """Every row of a listing served in pages of exactly PAGE_SIZE, the last one shorter.

    Offsets advance by the rows returned (all full pages, so PAGE_SIZE each); a window of pages
    is requested at once because their offsets are known in advance. The pages beyond the end
    in the last window come back empty, a few requests spent to save round trips.
    """
    rows: dict[str, Row] = {}
    offset, window = 0, 1
    while offset < MAX_ROWS:
        offsets = [offset + index * PAGE_SIZE for index in range(window)]
        for page in run_all(fetch, offsets):
            added = _add_new(rows, page, identity)
            if len(page) < PAGE_SIZE:
                return list(rows.values())
            if not added:
                raise UnexpectedResponseError("GET", what, None,
                                              "the same page came back twice: the server ignores offset")
        offset += window * PAGE_SIZE
        window = min(2 * window, max_window)
    raise UnexpectedResponseError("GET", what, None, f"listing did not end within {MAX_ROWS} rows")


def counted_listing(fetch: Callable[[int], Page[Row]], identity: Callable[[Row], str],
                    run_all: MapConcurrently, what: str) -> list[Row]:
    """Every row of a listing whose pages carry `total_count`.

    A page may come back short (rows of deleted keys are dropped), so the end is the total
    count, never a short page; if the count grows while reading, the new pages are read too.
    """
    first = fetch(0)
    rows: dict[str, Row] = {}
    _add_new(rows, first.data, identity)
    total = _total(first, what)
    offset = PAGE_SIZE
    while offset < min(total, MAX_ROWS):
        offsets = range(offset, total, PAGE_SIZE)
        for page in run_all(fetch, offsets):
            _add_new(rows, page.data, identity)
            total = max(total, _total(page, what))
        offset = offsets[-1] + PAGE_SIZE
    return list(rows.values())


def _total(page: Page[Any], what: str) -> int:
    # Without a total, a short page could be the end or a gap: guessing risks reading a partial
    # org as complete (and planning to recreate what is there), so refuse instead.
    if page.total_count is None:
        raise UnexpectedResponseError("GET", what, None, "page without total_count")
    return page.total_count


def _add_new(rows: dict[str, Row], page: list[Row], identity: Callable[[Row], str]) -> int:
    """Adds the rows not seen yet; returns how many were new."""
    before = len(rows)
    for row in page:
        rows.setdefault(identity(row), row)
    return len(rows) - before
