"""Listings return every object: disabled keys, short pages, shifting rows, concurrent pages."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from orsync.api.errors import AuthenticationError, UnexpectedResponseError
from orsync.planner.live import read_live_state
from test_client_fakes import (Script, error_body, guardrail_row, key_assignment_row, key_row,
                               make_client, member_row)


class KeysServer:
    """GET /keys as the API serves it: pages of 100, disabled keys hidden unless asked for."""

    def __init__(self, rows: list[dict]) -> None:
        self.all_rows = rows
        self.enabled_rows = [row for row in rows if not row["disabled"]]
        self.offsets: list[int] = []
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        params = request.url.params
        offset = int(params.get("offset", 0))
        with self.lock:
            self.offsets.append(offset)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        time.sleep(0.002)  # long enough for concurrent pages to overlap
        rows = self.all_rows if params.get("include_disabled") == "true" else self.enabled_rows
        with self.lock:
            self.in_flight -= 1
        return httpx.Response(200, json={"data": rows[offset:offset + 100]})


class CountedServer:
    """A listing with total_count; `drop` removes rows from pages (as deleted keys are dropped)."""

    def __init__(self, rows: list[dict], drop: set[str] = frozenset(), total: int | None = None) -> None:
        self.rows, self.drop, self.total = rows, drop, total
        self.requests: list[tuple[int, int]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        offset, limit = int(request.url.params["offset"]), int(request.url.params["limit"])
        self.requests.append((offset, limit))
        page = [row for row in self.rows[offset:offset + limit] if row["id"] not in self.drop]
        total = len(self.rows) if self.total is None else self.total
        return httpx.Response(200, json={"data": page, "total_count": total})


def test_250_keys_with_3_disabled_are_all_listed():
    rows = [key_row(number, disabled=number in {5, 120, 249}) for number in range(250)]
    server = KeysServer(rows)
    with make_client(server) as client:
        keys = client.list_keys()
    assert len(keys) == 250
    assert sum(key.disabled for key in keys) == 3
    assert [key.hash for key in keys] == [row["hash"] for row in rows]
    assert sorted(server.offsets) == [0, 100, 200]


def test_a_small_org_costs_one_request():
    server = KeysServer([key_row(number) for number in range(40)])
    with make_client(server) as client:
        assert len(client.list_keys()) == 40
    assert server.offsets == [0]


def test_10000_keys_are_read_in_concurrent_windows_with_little_waste():
    server = KeysServer([key_row(number) for number in range(10_000)])
    with make_client(server, concurrency=8) as client:
        keys = client.list_keys()
    assert len({key.hash for key in keys}) == 10_000
    needed = 101  # 100 full pages, then an empty one that proves the end
    assert needed <= client.request_count <= needed + 7
    assert 1 < server.max_in_flight <= 8


def test_rows_shifted_by_a_concurrent_insert_are_not_listed_twice():
    rows = [key_row(number) for number in range(150)]
    served = []

    def insert_after_first_page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        served.append(offset)
        if offset == 0:
            page = rows[:100]
            rows.insert(0, key_row(999))  # the newest key comes first
            return httpx.Response(200, json={"data": page})
        return httpx.Response(200, json={"data": rows[offset:offset + 100]})

    with make_client(insert_after_first_page) as client:
        keys = client.list_keys()
    hashes = [key.hash for key in keys]
    assert len(hashes) == len(set(hashes)) == 150


def test_a_server_that_ignores_offset_is_an_error_not_an_endless_loop():
    script = Script(httpx.Response(200, json={"data": [key_row(number) for number in range(100)]}))
    with make_client(script) as client, pytest.raises(UnexpectedResponseError, match="ignores offset"):
        client.list_keys()
    assert client.request_count <= 3


def test_counted_listings_stop_on_total_count_not_on_a_short_page():
    rows = [guardrail_row(number) for number in range(250)]
    dropped = {row["id"] for row in rows[100:130]}
    server = CountedServer(rows, drop=dropped)
    with make_client(server) as client:
        guardrails = client.list_guardrails()
    assert len(guardrails) == 220
    assert sorted(server.requests) == [(0, 100), (100, 100), (200, 100)]


def test_counted_listing_reads_pages_that_appear_while_reading():
    rows = [member_row(number) for number in range(150)]
    server = CountedServer(rows)
    first_total = {"sent": False}

    def grows(request: httpx.Request) -> httpx.Response:
        if not first_total["sent"]:
            first_total["sent"] = True
            response = server(request)
            rows.extend(member_row(number) for number in range(150, 260))
            return response
        return server(request)

    with make_client(grows) as client:
        members = client.list_members()
    assert len(members) == 260
    assert sorted(offset for offset, _ in server.requests) == [0, 100, 200]


def test_a_listing_without_total_count_is_refused():
    script = Script(httpx.Response(200, json={"data": [member_row(1)]}))
    with make_client(script) as client, pytest.raises(UnexpectedResponseError, match="total_count"):
        client.list_members()


def test_a_failed_page_fails_the_listing_instead_of_shortening_it():
    rows = [guardrail_row(number) for number in range(300)]
    server = CountedServer(rows)

    def refuse_third_page(request: httpx.Request) -> httpx.Response:
        if request.url.params["offset"] == "200":
            return httpx.Response(401, json=error_body(401, "User not found"))
        return server(request)

    with make_client(refuse_third_page) as client, pytest.raises(AuthenticationError):
        client.list_guardrails()


def test_keys_known_to_exist_are_read_without_a_page_past_the_end():
    server = KeysServer([key_row(number) for number in range(10_000)])
    with make_client(server, concurrency=8) as client:
        keys = client.list_keys(at_least=lambda: 10_000)
    assert len({key.hash for key in keys}) == 10_000
    assert sorted(server.offsets) == list(range(0, 10_001, 100))  # 100 full pages, 1 empty
    assert 1 < server.max_in_flight <= 8


def test_a_lower_bound_learned_while_reading_is_used_from_then_on():
    server = KeysServer([key_row(number) for number in range(3_000)])
    answers = iter([0])  # unknown when the listing starts, known once its first page is out
    with make_client(server, concurrency=8) as client:
        keys = client.list_keys(at_least=lambda: next(answers, 3_000))
    assert len(keys) == 3_000
    assert sorted(server.offsets) == list(range(0, 3_001, 100))


def test_a_lower_bound_that_is_too_high_costs_at_most_a_window_of_empty_pages():
    server = KeysServer([key_row(number) for number in range(250)])
    with make_client(server, concurrency=8) as client:
        keys = client.list_keys(at_least=lambda: 10_000)
    assert len(keys) == 250
    # The 3 pages that hold keys, and no more than a window (8) minus one past the end.
    assert {0, 100, 200} <= set(server.offsets) and len(server.offsets) <= 3 + 7


def test_a_slow_page_does_not_hold_back_the_pages_after_it():
    # The page at offset 300 answers only once the pages up to offset 2,000 have been asked
    # for: windows that wait for their slowest page would never get there (and time out).
    rows = [key_row(number) for number in range(3_000)]
    far_enough = threading.Event()
    offsets: list[int] = []

    def slow_fourth_page(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        offsets.append(offset)
        if offset >= 2_000:
            far_enough.set()
        if offset == 300:
            assert far_enough.wait(timeout=10), "the pages after the slow one waited for it"
        time.sleep(0.001)
        return httpx.Response(200, json={"data": rows[offset:offset + 100]})

    with make_client(slow_fourth_page, concurrency=4) as client:
        keys = client.list_keys(at_least=lambda: 3_000)
    assert [key.hash for key in keys] == [row["hash"] for row in rows]
    assert offsets.index(300) < offsets.index(2_000)


def test_key_assignments_report_their_total_as_soon_as_the_first_page_lands():
    totals: list[tuple[int, int]] = []
    server = CountedServer([key_assignment_row(number) for number in range(230)])
    with make_client(server) as client:
        assignments = client.list_key_assignments(
            on_total=lambda total: totals.append((total, len(server.requests))))
    assert len(assignments) == 230
    assert totals == [(230, 1)]  # told after the first page, before the other two were asked for


class OrgServer:
    """The five listings of an org whose keys all hold a guardrail (so the key assignments'
    total says how many keys there are at least)."""

    def __init__(self, keys: int) -> None:
        self.keys = KeysServer([key_row(number) for number in range(keys)])
        self.assignments = CountedServer([key_assignment_row(number) for number in range(keys)])
        self.empty = CountedServer([])

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        if path == "/keys":
            return self.keys(request)
        if path == "/guardrails/assignments/keys":
            return self.assignments(request)
        return self.empty(request)


def test_the_planner_reads_exactly_the_pages_the_listings_hold():
    server = OrgServer(keys=1_000)
    with make_client(server, concurrency=8) as client:
        state = read_live_state(client)
        sent = client.request_count
    assert len(state.keys) == len(state.key_assignments) == 1_000
    # 10 full key pages and the empty one that proves the end; 10 assignment pages; one
    # request for each of the three empty listings; and the workspace list (a 404 here: this
    # server predates workspaces, so its listings are read once, unscoped).
    assert sorted(server.keys.offsets) == list(range(0, 1_001, 100))
    assert sorted(offset for offset, _ in server.assignments.requests) == list(range(0, 1_000, 100))
    assert sent == 11 + 10 + 3 + 1
