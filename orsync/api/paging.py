"""Reading a whole listing, several pages at a time.

Two kinds of listing exist. GET /keys has fixed pages of 100 and no total: pages are kept in
flight in a sliding window (a new one is sent as each one lands, never waiting for a whole
batch) until one comes back short. The others say `total_count` on every page: after the
first, all remaining pages are fetched at once. Rows are deduplicated by identity, which also
absorbs rows shifted by concurrent inserts.

Listings of the first kind read at the same time (GET /keys once per workspace) share one
window (`WindowShare`): each may keep ceil(2 x concurrency / listings) pages in flight (at most
`concurrency`), so that together they keep the client's threads busy while each guesses past
its end with a window of a few pages instead of a whole one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Any, Generic, TypeVar

from orsync.api.errors import UnexpectedResponseError
from orsync.api.models import Page

PAGE_SIZE = 100
MAX_ROWS = 1_000_000  # a bound on every loop below; no org comes near it
# Counted listings ask for at most this many pages at once: a total_count that lies costs a
# bounded number of requests (and queued futures) before the pages show it.
MAX_WINDOW_PAGES = 64
Row = TypeVar("Row")
MapConcurrently = Callable[[Callable[[int], Any], Iterable[int]], list[Any]]
Submit = Callable[..., Future]


class WindowShare:
    """The pages in flight that `concurrency` threads allow, shared fairly among the
    fixed-page listings being read at the moment (each is given at least one)."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = max(1, concurrency)
        self._readers = 0
        self._lock = threading.Lock()

    def window(self) -> int:
        """This listing's window now: ceil(2 x concurrency / listings), at most `concurrency`.
        Their windows add up to twice the threads: a listing sends its next page only once its
        own thread has seen the last one land, and meanwhile the others' pages keep every
        thread busy (with windows adding up to just `concurrency`, threads idled a few per cent)."""
        return min(self.concurrency, -(-2 * self.concurrency // max(1, self._readers)))

    def reading(self, fetch_rows: Callable[[Callable[[], int]], list[Row]]) -> list[Row]:
        """fetch_rows(window), counted among the listings being read while it runs."""
        with self._lock:
            self._readers += 1
        try:
            return fetch_rows(self.window)
        finally:
            with self._lock:
                self._readers -= 1


def fixed_page_listing(fetch: Callable[[int], list[Row]], identity: Callable[[Row], str],
                       submit: Submit, max_window: int | Callable[[], int], what: str,
                       at_least: Callable[[], int] = lambda: 0) -> list[Row]:
    """Every row of a listing served in pages of exactly PAGE_SIZE, the last one shorter.

    Only a short page shows the end, so any page past it is a guess. `at_least()`, a lower
    bound on the rows (asked again as pages land: it may become known while reading), says
    which pages must be read: up to `max_window` of those are kept in flight, the next one sent
    as each lands. Once they have all come back full, the guessing starts: batches as large as
    the pages read so far (1, 2, 4, ... a round trip), each sent when the last has landed, so
    that a small listing wastes few requests; at `max_window` wide the window slides again.
    At most `max_window - 1` pages past the end are sent, and none when the bound reaches it.
    `max_window` may be a function (WindowShare.window), asked again as pages land.
    """
    window = max_window if callable(max_window) else (lambda: max_window)
    return _SlidingPages(fetch, identity, submit, lambda: max(1, window()), what, at_least).rows()


class _SlidingPages(Generic[Row]):
    def __init__(self, fetch: Callable[[int], list[Row]], identity: Callable[[Row], str],
                 submit: Submit, max_window: Callable[[], int], what: str,
                 at_least: Callable[[], int]) -> None:
        self.fetch, self.identity, self.submit = fetch, identity, submit
        self.max_window, self.what, self.at_least = max_window, what, at_least
        self.pages: dict[int, list[Row]] = {}
        self.seen: set[str] = set()
        self.in_flight: dict[Future, int] = {}
        self.next_page = 0
        self.full_prefix = 0          # pages 0 .. full_prefix - 1 have landed full
        self.end: int | None = None   # the first short page: no page after it is sent
        self.batch = 0                # pages in the last batch of guesses
        self.batch_left = 0           # guesses of the current batch not sent yet

    def rows(self) -> list[Row]:
        try:
            while self._send_more() or self.in_flight:
                done, _ = wait(self.in_flight, return_when=FIRST_COMPLETED)
                for future in done:
                    if future in self.in_flight:  # not dropped as past the end meanwhile
                        self._landed(self.in_flight.pop(future), future.result())
        finally:
            for future in self.in_flight:  # after an error: what has not started never will
                future.cancel()
        pages = [self.pages[index] for index in sorted(self.pages)]
        if len(self.seen) == sum(map(len, pages)):  # no row came twice: the pages as they are
            return [row for page in pages for row in page]
        rows: dict[str, Row] = {}
        for page in pages:
            for row in page:
                rows.setdefault(self.identity(row), row)
        return list(rows.values())

    def _send_more(self) -> bool:
        """Sends the pages the window allows; False when none is in flight."""
        needed = self.at_least() // PAGE_SIZE  # pages up to this one exist, or end the listing
        window = self.max_window()
        while self.end is None and len(self.in_flight) < window:
            if self.next_page * PAGE_SIZE >= MAX_ROWS:
                raise UnexpectedResponseError("GET", self.what, None,
                                              f"listing did not end within {MAX_ROWS} rows")
            if self.next_page > needed and not self._may_guess(needed, window):
                break
            self.in_flight[self.submit(self.fetch, self.next_page * PAGE_SIZE)] = self.next_page
            self.next_page += 1
        return bool(self.in_flight)

    def _may_guess(self, needed: int, window: int) -> bool:
        """Whether one more page past the needed ones may be sent now (and counts it)."""
        if self.full_prefix <= needed:
            return False  # the needed pages may yet end the listing
        if self.batch_left == 0:
            if self.batch < window and any(index > needed for index in self.in_flight.values()):
                return False  # the last batch has not landed
            # As many pages as have landed full so far: 1, 2, 4, ... per round trip.
            self.batch = self.batch_left = min(window, self.full_prefix + 1)
        self.batch_left -= 1
        return True

    def _landed(self, index: int, page: list[Row]) -> None:
        identities = {self.identity(row) for row in page}
        if len(page) >= PAGE_SIZE and identities <= self.seen:
            raise UnexpectedResponseError("GET", self.what, None,
                                          "the same page came back twice: the server ignores offset")
        self.seen |= identities
        self.pages[index] = page
        if len(page) < PAGE_SIZE:
            self.end = index if self.end is None else min(self.end, index)
            self._drop_after(self.end)
        while len(self.pages.get(self.full_prefix, ())) >= PAGE_SIZE:
            self.full_prefix += 1

    def _drop_after(self, end: int) -> None:
        """Pages past the end are not waited for; those still queued are not sent at all."""
        for future, index in list(self.in_flight.items()):
            if index > end:
                future.cancel()
                del self.in_flight[future]


def counted_listing(fetch: Callable[[int], Page[Row]], identity: Callable[[Row], str],
                    run_all: MapConcurrently, what: str,
                    on_total: Callable[[int], None] | None = None) -> list[Row]:
    """Every row of a listing whose pages carry `total_count`.

    A page may come back short (rows of deleted keys are dropped), so the end is the total
    count, never a short page; if the count grows while reading, the new pages are read too.
    `on_total(total)` is told the first page's total as soon as it lands.
    """
    first = fetch(0)
    rows: dict[str, Row] = {}
    _add_new(rows, first.data, identity)
    total = _total(first, what)
    if on_total is not None:
        on_total(total)
    offset = PAGE_SIZE
    while offset < total:
        offsets = range(offset, min(total, offset + MAX_WINDOW_PAGES * PAGE_SIZE), PAGE_SIZE)
        pages = run_all(fetch, offsets)
        totals = [_total(page, what) for page in pages]
        if not any(page.data for page in pages):
            if max(totals) <= offset:  # rows deleted while reading: the listing ends here
                break
            raise UnexpectedResponseError("GET", what, None, f"total_count says {max(totals):,} rows but "
                                          f"the pages from offset {offset:,} are empty")
        for page in pages:
            _add_new(rows, page.data, identity)
        total = max(total, *totals)
        offset = offsets[-1] + PAGE_SIZE
    return list(rows.values())


def _total(page: Page[Any], what: str) -> int:
    # Without a total, a short page could be the end or a gap: guessing risks reading a partial
    # org as complete (and planning to recreate what is there), so refuse instead.
    if page.total_count is None:
        raise UnexpectedResponseError("GET", what, None, "page without total_count")
    if page.total_count > MAX_ROWS:
        raise UnexpectedResponseError("GET", what, None, f"total_count {page.total_count:,} is beyond any "
                                      f"org (at most {MAX_ROWS:,} rows are read)")
    return page.total_count


def _add_new(rows: dict[str, Row], page: list[Row], identity: Callable[[Row], str]) -> None:
    for row in page:
        rows.setdefault(identity(row), row)
