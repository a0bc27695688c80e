"""Reading the keys of many workspaces at once: every key, few pages past the ends.

GET /keys says no total, so each workspace's listing finds its end by reading a page past it;
read one workspace at a time, a listing keeps up to a whole window (the client's concurrency)
in flight and so sends up to that many pages past its end. Read together, the workspaces share
the window (orsync.api.paging.WindowShare): each keeps ceil(2 x 8 / listings) pages in flight
while they all run, and the waste falls with it.
"""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from orsync.api.paging import WindowShare
from orsync.planner.live import read_live_state
from test_client_fakes import key_row, make_client

WORKSPACES = [f"ws-{number}" for number in range(9)]   # the first is the default one
KEYS_PER_WORKSPACE = 2_000   # 20 full pages and the empty one that proves the end


class WorkspaceKeysServer:
    """GET /keys per workspace (pages of 100), and the other listings empty; counts the key
    pages asked for and the requests in flight. The first pages of the workspaces named in a
    request (not the unscoped default one) are answered together, once `together` have come
    in: every listing has started by then, whatever the machine's load."""

    def __init__(self, keys_per_workspace: dict[str, int], together: int = 1) -> None:
        self.first_pages = threading.Barrier(together)
        self.rows = {workspace: [key_row(number * 100_000 + index, workspace_id=workspace)
                                 for index in range(count)]
                     for number, (workspace, count) in enumerate(keys_per_workspace.items())}
        self.key_pages: dict[str, list[int]] = {workspace: [] for workspace in self.rows}
        self.lock = threading.Lock()
        self.in_flight = self.max_in_flight = 0
        self.ended: set[str] = set()      # served their short page
        self.pages_out = {workspace: 0 for workspace in self.rows}
        # The most pages of one workspace in flight while at least 8 workspaces were being
        # read, and while it was the only one.
        self.most_per_workspace_among_8 = self.most_alone = 0

    def __call__(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        params = request.url.params
        if path == "/workspaces":
            rows = [{"id": workspace, "slug": workspace, "name": workspace,
                     "created_at": "2026-01-01T00:00:00Z"} for workspace in self.rows]
            return httpx.Response(200, json={"data": rows, "total_count": len(rows)})
        if path != "/keys":
            return httpx.Response(200, json={"data": [], "total_count": 0})
        workspace = params.get("workspace_id", WORKSPACES[0])  # unscoped: the default one
        offset = int(params["offset"])
        if offset == 0 and "workspace_id" in params:
            self.first_pages.wait(timeout=10)
        page = self.rows[workspace][offset:offset + 100]
        with self.lock:
            self.key_pages[workspace].append(offset)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            self.pages_out[workspace] += 1
            reading = sum(1 for name, pages in self.key_pages.items() if pages and name not in self.ended)
            if reading >= 8:
                self.most_per_workspace_among_8 = max(self.most_per_workspace_among_8,
                                                      self.pages_out[workspace])
            if reading == 1 and len(self.ended) == len(self.rows) - 1:
                self.most_alone = max(self.most_alone, self.pages_out[workspace])
        time.sleep(0.002)  # long enough for the listings' pages to overlap
        with self.lock:
            self.in_flight -= 1
            self.pages_out[workspace] -= 1
            if len(page) < 100:
                self.ended.add(workspace)
        return httpx.Response(200, json={"data": page})

    def pages_past_the_end(self) -> int:
        return sum(len(offsets) - (len(self.rows[workspace]) // 100 + 1)
                   for workspace, offsets in self.key_pages.items())


def test_workspaces_read_together_send_few_pages_past_their_ends():
    workspaces = WORKSPACES[1:]
    server = WorkspaceKeysServer({workspace: KEYS_PER_WORKSPACE for workspace in workspaces}, together=8)
    with make_client(server, concurrency=8) as client, ThreadPoolExecutor(len(workspaces)) as pool:
        listed = list(pool.map(lambda workspace: client.list_keys(workspace_id=workspace), workspaces))
    for workspace, keys in zip(workspaces, listed):
        assert len({key.hash for key in keys}) == KEYS_PER_WORKSPACE
        assert {key.workspace_id for key in keys} == {workspace}
        assert set(range(0, KEYS_PER_WORKSPACE + 1, 100)) <= set(server.key_pages[workspace])
    # Eight listings on 8 threads: each keeps two pages in flight (not 8) while they all run...
    assert server.most_per_workspace_among_8 <= 2
    assert server.max_in_flight == 8  # ... and together they still fill the client's threads.
    # Each listing alone would keep 8 pages in flight and could send 7 past its end (56 in
    # all). Sharing, the k-th listing from last to end holds min(8, ceil(16 / k)): 30 in all.
    assert server.pages_past_the_end() <= 30


def test_the_planner_reads_every_workspace_with_few_pages_past_the_ends():
    server = WorkspaceKeysServer({workspace: KEYS_PER_WORKSPACE for workspace in WORKSPACES}, together=8)
    with make_client(server, concurrency=8) as client:
        state = read_live_state(client)
    assert len(state.keys) == len(WORKSPACES) * KEYS_PER_WORKSPACE
    assert state.default_scope == WORKSPACES[0]
    # The default workspace is read first, alone (its rows name it), then the other eight
    # together, two pages in flight each: at most 7 past the first end, 30 past the others.
    assert server.most_per_workspace_among_8 <= 2
    assert server.pages_past_the_end() <= 7 + 30


def test_a_listing_left_alone_takes_the_whole_window_again():
    # One large workspace and eight small ones: once the small ones end, the large one reads
    # with all 8 threads rather than its share of one.
    sizes = {workspace: 150 for workspace in WORKSPACES}
    sizes[WORKSPACES[0]] = 6_000
    server = WorkspaceKeysServer(sizes)
    with make_client(server, concurrency=8) as client, ThreadPoolExecutor(len(WORKSPACES)) as pool:
        listed = list(pool.map(lambda workspace: client.list_keys(workspace_id=workspace), WORKSPACES))
    assert [len(keys) for keys in listed] == [sizes[workspace] for workspace in WORKSPACES]
    assert server.most_alone >= 3  # not held to the two pages it had while all nine ran


@pytest.mark.parametrize("listings", range(1, 20))
def test_shared_windows_add_up_to_the_concurrency_and_never_to_nothing(listings):
    share = WindowShare(8)
    windows: list[int] = []
    started = threading.Barrier(listings)
    done = threading.Event()

    def listing(window) -> list:
        started.wait(timeout=5)
        windows.append(window())
        done.wait(timeout=5)
        return []

    with ThreadPoolExecutor(listings) as pool:
        futures = [pool.submit(share.reading, listing) for _ in range(listings)]
        while len(windows) < listings:
            time.sleep(0.001)
        done.set()
        assert all(future.result() == [] for future in futures)
    assert 1 <= min(windows) and max(windows) <= 8
    # Twice the threads between them (a lone listing: all of them), rounded up.
    assert (8 if listings == 1 else 16) <= sum(windows) < 16 + listings
    assert share.window() == 8  # every listing has ended: the next one alone gets all of it


def test_a_key_seen_in_two_workspaces_while_it_moves_is_listed_once():
    server = WorkspaceKeysServer({workspace: 150 for workspace in WORKSPACES[:3]})
    moving = dict(server.rows[WORKSPACES[1]][0])
    server.rows[WORKSPACES[2]].append({**moving, "workspace_id": WORKSPACES[2]})
    with make_client(server, concurrency=8) as client:
        state = read_live_state(client)
    hashes = [key.hash for key in state.keys]
    assert len(hashes) == len(set(hashes)) == 3 * 150
    # The first workspace's row is kept, as when every row went through one dict.
    assert [key.workspace_id for key in state.keys if key.hash == moving["hash"]] == [WORKSPACES[1]]
