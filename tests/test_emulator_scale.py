"""A large org: 10,000 keys served in full as 100 pages of the GET /keys listing."""

from __future__ import annotations

import json

from orsync.emulator.store.seeding import DEFAULT_SEED


def large_seed(count: int) -> dict:
    keys = [{"name": f"svc-{n:05d}", "limit": n % 50, "disabled": n % 997 == 0,
             "created_at": f"2025-{1 + n // 1000 % 12:02d}-01T00:{n // 60 % 60:02d}:{n % 60:02d}Z"}
            for n in range(count)]
    return {"members": DEFAULT_SEED["members"], "keys": keys}


def test_ten_thousand_keys_list_in_one_hundred_pages(make_emulator):
    api = make_emulator(large_seed(10_000)).http()
    pages, offset = [], 0
    for _ in range(110):  # bounded: 100 pages and the empty one that ends the listing
        rows = api.get("/keys", params={"offset": offset, "include_disabled": "true"}).json()["data"]
        if not rows:
            break
        pages.append(rows)
        offset += len(rows)
    assert len(pages) == 100 and {len(p) for p in pages} == {100}
    hashes = [row["hash"] for page in pages for row in page]
    assert len(set(hashes)) == 10_000
    stamps = [row["created_at"] for page in pages for row in page]
    assert stamps == sorted(stamps, reverse=True)
    hidden = api.get("/keys", params={"offset": 9_980}).json()["data"]
    assert len(hidden) == 10_000 - 11 - 9_980  # 11 disabled keys are hidden by default


# --- what a request costs the store, counted in SQLite VM steps (deterministic, not timed) --------

def vm_steps(state, action) -> int:
    """How many SQLite virtual-machine steps (in tens) `action` runs: the store's work,
    counted the same on any machine, where a wall clock would be noisy."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    state.db.conn.set_progress_handler(tick, 10)
    try:
        action()
    finally:
        state.db.conn.set_progress_handler(None, 0)
    return count[0]


def tied_seed(count: int) -> dict:
    """Keys in runs of 500 that share a timestamp, as seeded orgs do."""
    return {"keys": [{"name": f"svc-{n:05d}", "disabled": n % 997 == 0,
                      "created_at": f"2025-01-{1 + n // 500 % 28:02d}T00:00:00Z"} for n in range(count)]}


def management_app(seed: dict):
    from orsync.emulator.app import EmulatorApp
    from orsync.emulator.store.state import EmulatorState

    app = EmulatorApp(EmulatorState.from_seed(seed), management_key="sk-or-v1-fake-mgmt-key")
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    return app, lambda method, path, query="", body=b"": app.handle(
        method, "/api/v1" + path, query=query, headers=auth, body=body)


def test_every_keys_page_costs_the_same_at_any_offset():
    """DESIGN.md "The emulator": a list page costs the same at offset 0 and deep in the org
    (issue 12: each page walked from the first row to its offset)."""
    app, call = management_app(tied_seed(20_000))
    listing = "include_disabled=true&offset="
    first = vm_steps(app.state, lambda: call("GET", "/keys", listing + "0"))
    assert first > 0
    walked = [vm_steps(app.state, lambda: call("GET", "/keys", f"{listing}{offset}"))
              for offset in range(0, 20_000, 100)]
    assert max(walked) <= 1.5 * first
    call("PATCH", f"/keys/{app.state.key_named('svc-00007').hash}", body=b'{"disabled": true}')
    call("GET", "/keys", listing + "19900")  # after a write: one index scan notes every boundary
    deep = vm_steps(app.state, lambda: call("GET", "/keys", listing + "19900"))
    assert deep <= 1.5 * first


def test_a_write_costs_the_same_in_a_small_and_a_large_org():
    """DESIGN.md "The emulator": a write costs the same at 1,000 and 20,000 keys (issue 12:
    each write rewrote the whole state)."""
    costs = []
    for size in (1_000, 20_000):
        app, call = management_app(tied_seed(size))
        key_hash = app.state.key_named("svc-00042").hash
        costs.append((vm_steps(app.state, lambda: call("PATCH", f"/keys/{key_hash}", body=b'{"limit": 3}')),
                      vm_steps(app.state, lambda: call("POST", "/keys", body=b'{"name": "one-more"}'))))
    (small_patch, small_post), (large_patch, large_post) = costs
    assert large_patch <= 1.5 * small_patch and large_post <= 1.5 * small_post


def test_assignment_and_guardrail_pages_cost_the_same_at_any_offset():
    """DESIGN.md "The emulator": every list page costs the same at any offset, total included
    (issue 12: each assignment page rebuilt the full list)."""
    seed = {**tied_seed(10_000), "guardrails": [{"name": f"g{n}"} for n in range(300)],
            "key_assignments": [{"guardrail": f"g{n % 3}", "key": f"svc-{n:05d}"} for n in range(10_000)]}
    app, call = management_app(seed)
    for path, count in (("/guardrails/assignments/keys", 10_000), ("/guardrails", 300)):
        call("GET", path, "limit=100&offset=0")  # counts the rows once: total_count is cached
        first = vm_steps(app.state, lambda: call("GET", path, "limit=100&offset=0"))
        pages = [vm_steps(app.state, lambda: call("GET", path, f"limit=100&offset={offset}"))
                 for offset in range(0, count, 100)]
        assert 0 < max(pages[1:]) <= 1.5 * first, path
    rows = [json.loads(call("GET", "/guardrails/assignments/keys", f"limit=100&offset={offset}").body)
            for offset in (0, 9_900)]
    assert [r["total_count"] for r in rows] == [10_000, 10_000] and len(rows[1]["data"]) == 100
