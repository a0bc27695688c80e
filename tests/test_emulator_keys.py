"""/keys and /keys/{hash} over loopback HTTP, every body checked against the official schema."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.openapi_schema import validated_json


@pytest.fixture
def emulator(reset_emulator):
    """The session's emulator reset to the default seed: these tests need no server of their own."""
    return reset_emulator

KEY = "/keys/{hash}"


def create(api, status: int = 201, **body) -> dict:
    return validated_json(api.post("/keys", json=body), "/keys", status)


def error_message(response, template: str, status: int) -> str:
    return validated_json(response, template, status)["error"]["message"]


def test_create_returns_the_secret_once_and_a_masked_label(api, emulator):
    created = create(api, name="ci-new", limit=5, limit_reset="daily",
                     include_byok_in_limit=True, expires_at="2099-01-01T00:00:00Z",
                     creator_user_id="user_2dHFtBobMember000000000002")
    key, secret = created["data"], created["key"]
    assert re.fullmatch(r"[0-9a-f]{64}", key["hash"])
    assert re.fullmatch(r"sk-or-v1-[0-9a-f]{64}", secret)
    assert key["label"] == f"sk-or-v1-{secret[9:12]}...{secret[-3:]}"
    assert (key["limit"], key["limit_remaining"], key["limit_reset"]) == (5, 5, "daily")
    assert key["disabled"] is False and key["workspace_id"] == emulator.state.workspace_id
    fetched = validated_json(api.get(f"/keys/{key['hash']}"), KEY, 200)["data"]
    assert fetched == key and "key" not in validated_json(api.get(f"/keys/{key['hash']}"), KEY, 200)
    current = validated_json(emulator.http(secret).get("/key"), "/key", 200)["data"]
    assert current["is_management_key"] is False and current["label"] == key["label"]


@pytest.mark.parametrize(("body", "message"), [
    ({"name": ""}, "Too small: expected string to have >=1 characters"),
    ({}, "Invalid input: expected string, received undefined"),
    ({"name": 7}, "Invalid input: expected string, received number"),
    ({"name": "k", "disabled": True}, 'Unrecognized key: "disabled"'),
    ({"name": "k", "limit_reset": "yearly"}, 'Invalid option: expected one of "daily"|"weekly"|"monthly"'),
    ({"name": "k", "limit": -1}, "Too small: expected number to be >=0"),
    ({"name": "k", "limit": "5"}, "Invalid input: expected number, received string"),
    ({"name": "k", "include_byok_in_limit": None}, "Invalid input: expected boolean, received null"),
    ({"name": "k", "expires_at": "2099-01-01T00:00:00+02:00"}, "Invalid ISO datetime"),
    ({"name": "k", "expires_at": "2099-01-01"}, "Invalid ISO datetime"),
    ({"name": "k", "expires_at": "2099-13-45T00:00:00Z"}, "Invalid ISO datetime"),
    ({"name": "k", "expires_at": "2001-01-01T00:00:00Z"}, "Expiration date must be in the future"),
    ({"name": "k", "creator_user_id": "user_nobody"}, "creator_user_id is not a member of this organization"),
])
def test_create_validation_messages(api, emulator, body, message):
    before = len(emulator.state.keys)
    assert error_message(api.post("/keys", json=body), "/keys", 400) == message
    assert len(emulator.state.keys) == before


def test_create_error_names_the_field(api):
    error = validated_json(api.post("/keys", json={"name": "k", "limit_reset": "yearly"}), "/keys", 400)
    assert error["error"]["metadata"]["issues"][0]["path"] == ["limit_reset"]
    assert error["user_id"] is None


def test_limit_zero_is_a_real_cap_and_null_means_no_limit(api):
    capped = create(api, name="zero", limit=0)["data"]
    assert (capped["limit"], capped["limit_remaining"]) == (0, 0)
    unlimited = create(api, name="open", limit=None)["data"]
    assert (unlimited["limit"], unlimited["limit_remaining"]) == (None, None)


def test_patch_sets_given_fields_clears_nulls_and_leaves_the_rest(api):
    key = create(api, name="p", limit=10, limit_reset="weekly", expires_at="2099-01-01T00:00:00Z")["data"]
    patched = validated_json(api.patch(f"/keys/{key['hash']}", json={
        "name": "p2", "disabled": True, "limit": None, "limit_reset": None,
        "include_byok_in_limit": True}), KEY, 200)["data"]
    assert (patched["name"], patched["disabled"], patched["limit"], patched["limit_reset"],
            patched["include_byok_in_limit"]) == ("p2", True, None, None, True)
    assert patched["expires_at"] == "2099-01-01T00:00:00Z" and patched["updated_at"] is not None
    again = validated_json(api.patch(f"/keys/{key['hash']}", json={"limit": 0}), KEY, 200)["data"]
    assert (again["name"], again["limit"], again["disabled"]) == ("p2", 0, True)


@pytest.mark.parametrize(("body", "message"), [
    ({"expires_at": "2099-01-01T00:00:00Z"}, 'Unrecognized key: "expires_at"'),
    ({"creator_user_id": "user_2dHFtBobMember000000000002"}, 'Unrecognized key: "creator_user_id"'),
    ({"name": None}, "Invalid input: expected string, received null"),
    ({"disabled": "yes"}, "Invalid input: expected boolean, received string"),
    ({"name": "", "extra": 1, "more": 2}, 'Unrecognized keys: "extra", "more"'),
])
def test_patch_accepts_five_fields_only(api, emulator, body, message):
    key = emulator.state.key_named("ci-smoke")
    assert error_message(api.patch(f"/keys/{key.hash}", json=body), KEY, 400) == message
    assert key.name == "ci-smoke"


def test_missing_key_is_404_for_get_patch_delete(api):
    missing = "/keys/" + "0" * 64
    for response in (api.get(missing), api.patch(missing, json={"name": "x"}), api.delete(missing)):
        assert error_message(response, KEY, 404) == "API key not found"


def test_delete_removes_the_key_and_its_assignment(api, emulator):
    key = emulator.state.key_named("ci-smoke")
    assert validated_json(api.delete(f"/keys/{key.hash}"), KEY, 200) == {"deleted": True}
    assert api.get(f"/keys/{key.hash}").status_code == 404
    rows = validated_json(api.get("/guardrails/assignments/keys"), "/guardrails/assignments/keys", 200)
    assert key.hash not in {row["key_hash"] for row in rows["data"]}
    assert emulator.http(key.secret).get("/key").status_code == 401


def test_management_keys_are_not_api_keys(api, emulator):
    management = emulator.state.find_key_by_secret(emulator.management_key)
    listed = validated_json(api.get("/keys", params={"include_disabled": "true"}), "/keys", 200)
    assert management.hash not in {k["hash"] for k in listed["data"]}
    assert api.get(f"/keys/{management.hash}").status_code == 404
    current = validated_json(api.get("/key"), "/key", 200)["data"]
    assert current["is_management_key"] is True and current["is_provisioning_key"] is True


def listing_seed(total: int, disabled: set[int], expired: set[int] = frozenset()) -> dict:
    keys = []
    for n in range(total):
        stamp = f"2025-01-01T{n // 3600:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        row = {"name": f"key-{n:03d}", "created_at": stamp}
        if n in disabled:
            row["disabled"] = True
        if n in expired:
            row["expires_at"] = "2025-02-01T00:00:00Z"
        keys.append(row)
    return {"keys": keys}


def all_pages(api, **params) -> list[list[dict]]:
    pages, offset = [], 0
    for _ in range(50):  # bounded: a listing that never ends is a failure, not a hang
        rows = validated_json(api.get("/keys", params={**params, "offset": offset}), "/keys", 200)["data"]
        pages.append(rows)
        if not rows:
            return pages
        offset += len(rows)
    raise AssertionError("listing did not end")


def test_listing_pages_of_100_newest_first_hiding_disabled_by_default(make_emulator):
    api = make_emulator(listing_seed(250, disabled={5, 100, 249})).http()
    pages = all_pages(api)
    assert [len(p) for p in pages] == [100, 100, 47, 0]
    names = [row["name"] for page in pages for row in page]
    assert names[0] == "key-248" and names[-1] == "key-000"
    assert names == sorted(names, reverse=True)
    assert not {"key-005", "key-100", "key-249"} & set(names)
    response = api.get("/keys")
    assert "total_count" not in response.json()


def test_include_disabled_is_the_string_true(make_emulator):
    api = make_emulator(listing_seed(250, disabled={5, 100, 249})).http()
    pages = all_pages(api, include_disabled="true")
    assert [len(p) for p in pages] == [100, 100, 50, 0]
    assert pages[0][0]["name"] == "key-249" and pages[0][0]["disabled"] is True
    assert [len(p) for p in all_pages(api, include_disabled="false")] == [100, 100, 47, 0]
    for bad in ("True", "1", "yes"):
        message = error_message(api.get("/keys", params={"include_disabled": bad}), "/keys", 400)
        assert message == 'Invalid option: expected one of "true"|"false"'


def test_expired_keys_hidden_unless_include_expired(make_emulator):
    api = make_emulator(listing_seed(10, disabled={1}, expired={2, 3})).http()
    default = [r["name"] for page in all_pages(api) for r in page]
    assert len(default) == 7 and "key-002" not in default
    everything = all_pages(api, include_disabled="true", include_expired="true")
    assert sum(len(p) for p in everything) == 10


def test_listing_offset_validation(api):
    assert error_message(api.get("/keys", params={"offset": -1}), "/keys", 400) == \
        "Too small: expected number to be >=0"
    assert error_message(api.get("/keys", params={"offset": "ten"}), "/keys", 400) == \
        "Invalid input: expected number, received NaN"
    assert validated_json(api.get("/keys", params={"offset": 1000}), "/keys", 200) == {"data": []}


# --- usage windows and limit_remaining ------------------------------------------------------

class Clock:
    """A settable clock for the app: `make_emulator(clock=clock)`; `clock.now = ...` moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


WINDOWS = ("usage_daily", "usage_weekly", "usage_monthly")
CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Reply with OK"}]}


def usage_seen(emulator, key_hash: str, secret: str) -> list[dict]:
    """The key's figures as GET /keys, GET /keys/{hash} and GET /key (with its secret) show them."""
    listed = validated_json(emulator.http().get("/keys"), "/keys", 200)["data"]
    one = validated_json(emulator.http().get(f"/keys/{key_hash}"), KEY, 200)["data"]
    mine = validated_json(emulator.http(secret).get("/key"), "/key", 200)["data"]
    return [next(k for k in listed if k["hash"] == key_hash), one, mine]


def test_figures_of_windows_that_turned_since_the_last_charge_read_zero(emulator):
    key = emulator.state.key_named("prod-backend")
    long_ago = (datetime.now(timezone.utc) - timedelta(days=40)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    with emulator.state.lock:
        key.usage_daily = key.usage_weekly = key.usage_monthly = 3.0
        key.last_used_at = long_ago
    for shown in usage_seen(emulator, key.hash, key.secret):
        assert [shown[w] for w in WINDOWS] == [0, 0, 0] and shown["usage"] == 41.25
        assert shown["limit_remaining"] == 200  # a monthly limit: the new month is unspent


def test_windows_roll_at_midnight_week_and_month_boundaries(make_emulator):
    clock = Clock(datetime(2026, 3, 31, 23, 59, tzinfo=timezone.utc))  # a Tuesday
    emulator = make_emulator({"keys": [{"name": "spender", "limit": 1, "limit_reset": "daily"}]},
                             clock=clock)
    key = emulator.state.key_named("spender")
    answer = emulator.http(key.secret).post("/chat/completions", json=CHAT)
    cost = answer.json()["usage"]["cost"]
    assert answer.status_code == 200 and cost > 0
    for shown in usage_seen(emulator, key.hash, key.secret):
        assert [shown[w] for w in WINDOWS] == [cost, cost, cost]
        assert shown["limit_remaining"] == pytest.approx(1 - cost)
    clock.now = datetime(2026, 4, 1, 0, 1, tzinfo=timezone.utc)  # new day and month, same week
    for shown in usage_seen(emulator, key.hash, key.secret):
        assert [shown[w] for w in WINDOWS] == [0, cost, 0] and shown["usage"] == cost
        assert shown["limit_remaining"] == 1
    clock.now = datetime(2026, 4, 6, 0, 1, tzinfo=timezone.utc)  # the next Monday
    for shown in usage_seen(emulator, key.hash, key.secret):
        assert [shown[w] for w in WINDOWS] == [0, 0, 0] and shown["usage"] == cost


def test_limit_remaining_counts_the_spend_of_the_limit_window(make_emulator):
    spent = {"usage": 100, "usage_daily": 1, "byok_usage": 7, "byok_usage_daily": 0.5}
    emulator = make_emulator({"keys": [
        {"name": "daily", "limit": 5, "limit_reset": "daily", **spent},
        {"name": "daily-byok", "limit": 5, "limit_reset": "daily", "include_byok_in_limit": True, **spent},
        {"name": "total-byok", "limit": 200, "include_byok_in_limit": True, **spent},
        {"name": "total", "limit": 50, **spent},
    ]})
    rows = validated_json(emulator.http().get("/keys"), "/keys", 200)["data"]
    assert {row["name"]: row["limit_remaining"] for row in rows} == {
        "daily": 4, "daily-byok": 3.5, "total-byok": 93, "total": 0}
