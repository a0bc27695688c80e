"""A large org: 10,000 keys served in full as 100 pages of the GET /keys listing."""

from __future__ import annotations

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
