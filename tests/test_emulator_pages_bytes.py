"""Listing pages are joined from each object's kept JSON text (`store/rendered.py`): every page
must be, byte for byte, what the record path writes — `json.dumps` of the records' API objects —
on its first read and on later ones, after every kind of change, whoever made it."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from orsync.emulator.app import EmulatorApp
from orsync.emulator.routes.guardrail_rules import BUILTIN_SLUGS, FILTER_ACTIONS
from orsync.emulator.store.seeding import DEFAULT_SEED
from orsync.emulator.store.state import EmulatorState

NOW = datetime(2026, 6, 17, 12, 30, tzinfo=timezone.utc)  # a Wednesday
ADMIN = DEFAULT_SEED["members"][0]["id"]
HOSTILE = ['naïve "quoted" ✓ 🚀', "back\\slash\ttab", "</script>\u2028", "  spaced  "]


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def rich_seed() -> dict:
    """The default org and keys of every shape: hostile names, fractional limits, expired,
    disabled, charged (usage windows that roll with the clock), in both workspaces."""
    seed = json.loads(json.dumps(DEFAULT_SEED))
    charged = (NOW - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for n in range(230):  # three pages of the default workspace
        seed["keys"].append({
            "name": HOSTILE[n % 4] + f" {n}", "limit": [None, 0.1, 1e-7, 250][n % 4],
            "limit_reset": [None, "daily", "weekly", "monthly"][n % 4], "disabled": n % 7 == 0,
            "include_byok_in_limit": n % 2 == 0, "usage": n / 3, "usage_daily": 0.25,
            "byok_usage_weekly": 1.5, "creator_user_id": ADMIN if n % 3 else None,
            "expires_at": ["2026-01-01T00:00:00Z", "2027-01-01T00:00:00Z", None][n % 3],
            "last_used_at": charged if n % 11 == 0 else None,
            "created_at": f"2025-0{1 + n % 9}-01T00:00:{n % 60:02d}Z",
            **({"workspace": "research"} if n % 5 == 0 else {})})
    seed["key_assignments"] += [{"guardrail": "prod-budget", "key": HOSTILE[n % 4] + f" {n}"}
                                for n in range(1, 230, 5)]
    return seed


def every_field_guardrail(n: int, workspace: str | None) -> dict:
    return {"name": f"gr-{n} {HOSTILE[n % 4]}", "description": HOSTILE[(n + 1) % 4],
            "limit_usd": 12.5, "reset_interval": "daily",
            "allowed_models": ["openai/gpt-4o-mini"], "ignored_providers": ["google-vertex"],
            "allowed_data_regions": ["europe"], "enforce_zdr": True, "include_byok_in_budgets": True,
            "content_filters": [{"pattern": "secret-[0-9]+", "action": FILTER_ACTIONS[0],
                                 "label": "ids"}],
            "content_filter_builtins": [{"slug": BUILTIN_SLUGS[0], "action": FILTER_ACTIONS[-1]}],
            **({"workspace_id": workspace} if workspace else {})}


# --- the record path: what the listings answered before their texts were kept ---------------

def record_path_page(state: EmulatorState, now: datetime, path: str, query: dict) -> bytes:
    offset, limit = int(query.get("offset", 0)), int(query.get("limit", 50))
    workspace = query.get("workspace_id")
    with state.transaction():
        if path == "/keys":
            rows = state.keys_page(workspace or state.default_workspace_id, offset, 100,
                                   include_disabled=query.get("include_disabled") == "true",
                                   include_expired=query.get("include_expired") == "true", now=now)
            for key in rows:
                key.roll_windows(now)
            return json.dumps({"data": [key.public() for key in rows]}).encode()
        if path == "/guardrails":
            rows, total = state.guardrails_in(workspace or state.default_workspace_id, offset,
                                              limit, include_defaults=bool(workspace))
            data = [g.public() for g in rows]
        elif path == "/guardrails/assignments/keys":
            rows, total = state.assignment_page("keys", None, offset, limit)
            data = [a.public(state.keys[a.key_hash]) for a in rows]
        elif path == "/guardrails/assignments/members":
            rows, total = state.assignment_page("members", None, offset, limit)
            data = [a.public(state.organization_id) for a in rows]
        else:
            members = list(state.members.values())
            rows, total = members[offset:offset + limit], len(members)
            data = [m.public() for m in rows]
        return json.dumps({"data": data, "total_count": total}).encode()


def listing_requests(state: EmulatorState) -> list[tuple[str, dict]]:
    requests = []
    for workspace in [None, *[w.id for w in state.workspaces_in_order()]]:
        scope = {"workspace_id": workspace} if workspace else {}
        for flags in ({}, {"include_disabled": "true"}, {"include_expired": "true"},
                      {"include_disabled": "true", "include_expired": "true"}):
            requests += [("/keys", {**scope, **flags, "offset": o}) for o in (0, 100, 200, 300)]
        requests += [("/guardrails", {**scope, "limit": 2, "offset": o}) for o in (0, 2, 4)]
    for path in ("/guardrails/assignments/keys", "/guardrails/assignments/members",
                 "/organization/members"):
        requests += [(path, {"limit": limit, "offset": o}) for limit in (3, 100) for o in (0, 3, 60)]
    return requests


def assert_pages_as_the_record_path_writes(emulator, clock: Clock) -> int:
    """Every listing page, read twice (its first texts, then the kept ones): the record path's
    bytes each time. Returns how many pages had rows."""
    api, full = emulator.http(), 0
    for _ in range(2):
        for path, query in listing_requests(emulator.state):
            answer = api.get(path, params=query)
            assert answer.status_code == 200, (path, query, answer.text)
            assert answer.headers["content-type"] == "application/json"
            expected = record_path_page(emulator.state, clock.now, path, query)
            assert answer.content == expected, (path, query)
            full += bool(json.loads(answer.content)["data"])
    return full


def test_every_listing_page_is_the_record_paths_bytes_through_every_change(make_emulator):
    clock = Clock(NOW)
    emulator = make_emulator(rich_seed(), clock=clock)
    api, state = emulator.http(), emulator.state
    research = state.workspace("research").id
    for n in range(7):
        created = api.post("/guardrails", json=every_field_guardrail(n, research if n % 2 else None))
        assert created.status_code == 201, created.text
    assert api.patch(f"/guardrails/{state.workspace('research').default_guardrail_id}",
                     json={"limit_usd": 3, "reset_interval": "weekly"}).status_code == 200  # a workspace default, materialised
    assert assert_pages_as_the_record_path_writes(emulator, clock) > 40

    key, assigned = state.key_named(HOSTILE[0] + " 4"), state.key_named(HOSTILE[0] + " 16")
    assert key.guardrail_id is None and assigned.guardrail_id is not None
    guardrail = api.get("/guardrails").json()["data"][0]["id"]
    changes = [
        ("PATCH", f"/keys/{assigned.hash}", {"name": "renamed ✓", "limit": 0.3}),  # its assignment too
        ("PATCH", f"/keys/{state.key_named(HOSTILE[1] + ' 1').hash}", {"disabled": True}),
        ("PATCH", f"/keys/{state.key_named(HOSTILE[2] + ' 6').hash}", {"workspace_id": "research"}),
        ("DELETE", f"/keys/{state.key_named(HOSTILE[3] + ' 11').hash}", None),
        ("POST", f"/guardrails/{guardrail}/assignments/keys", {"key_hashes": [key.hash]}),
        ("POST", f"/guardrails/{guardrail}/assignments/members", {"member_user_ids": [ADMIN]}),
        ("PATCH", f"/guardrails/{guardrail}", {"description": None, "allowed_models": None}),
        ("POST", "/keys", {"name": "brand new", "limit": 1}),
    ]
    for method, path, body in changes:
        assert api.request(method, path, json=body).status_code < 300, (method, path)
        assert_pages_as_the_record_path_writes(emulator, clock)

    clock.now = NOW + timedelta(days=1)  # charged keys' daily windows turn; their rows do not
    assert_pages_as_the_record_path_writes(emulator, clock)
    clock.now = NOW + timedelta(days=400)  # and now the unexpired keys have expired
    assert_pages_as_the_record_path_writes(emulator, clock)


def test_a_change_held_in_the_requests_transaction_shows_before_it_is_written():
    """A listing read inside a write transaction shows the objects as that transaction holds
    them, as the record path did, though their rows (and kept texts) are older."""
    app = EmulatorApp(EmulatorState.from_seed(rich_seed()), management_key="sk-or-v1-fake-mgmt-key",
                      clock=lambda: NOW)
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}

    def listed(path: str) -> list[dict]:
        return json.loads(app.handle("GET", "/api/v1" + path, "limit=100", auth).body)["data"]

    key = app.state.key_named("prod-backend")
    assert any(row["key_name"] == "prod-backend" for row in listed("/guardrails/assignments/keys"))
    assert any(row["name"] == "prod-backend" for row in listed("/keys"))  # texts kept now
    with app.state.lock:
        key.name = "held, not yet written"
        assert any(row["name"] == "held, not yet written" for row in listed("/keys"))
        assert any(row["key_name"] == "held, not yet written"
                   for row in listed("/guardrails/assignments/keys"))
    assert any(row["name"] == "held, not yet written" for row in listed("/keys"))
    for name in ("held once", "held twice"):  # what one held read showed is not kept for the next
        with app.state.lock:
            key.name = name
            assert [row["key_name"] for row in listed("/guardrails/assignments/keys")
                    if row["key_hash"] == key.hash] == [name]


def test_another_processs_write_to_the_shared_file_shows_in_the_next_page(tmp_path):
    """Two states on one database file (the server, and a CLI's emulator of the same org): a
    row the other one rewrote is rendered again, not served from the kept text."""
    path = tmp_path / "org.db"
    served = EmulatorState.open(path, rich_seed())
    other = EmulatorState.open(path)
    app = EmulatorApp(served, management_key="sk-or-v1-fake-mgmt-key", clock=lambda: NOW)
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}

    def names() -> list[str]:
        body = app.handle("GET", "/api/v1/keys", "include_disabled=true", auth).body
        assert body == record_path_page(served, NOW, "/keys", {"include_disabled": "true"})
        return [row["name"] for row in json.loads(body)["data"]]

    assert "prod-backend" in names()
    with other.lock:
        other.key_named("prod-backend").name = "renamed elsewhere"
    assert "renamed elsewhere" in names() and "prod-backend" not in names()
    served.db.close()
    other.db.close()


def test_a_page_read_again_renders_no_object(monkeypatch):
    """The point of the kept texts: a page whose rows did not change builds no record."""
    from orsync.emulator.store.tables import Table

    app = EmulatorApp(EmulatorState.from_seed(rich_seed()), management_key="sk-or-v1-fake-mgmt-key",
                      clock=lambda: NOW)
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    built = []
    materialise = Table.materialise
    monkeypatch.setattr(Table, "materialise", lambda table, *row: built.append(table.name)
                        or materialise(table, *row))
    pages = [("/keys", "include_disabled=true&include_expired=true&offset=100"),
             ("/guardrails/assignments/keys", "limit=100"), ("/guardrails/assignments/members", ""),
             ("/guardrails", ""), ("/organization/members", "")]
    for path, query in pages:
        first = app.handle("GET", "/api/v1" + path, query, auth).body
        assert json.loads(first)["data"] and built, path
        built.clear()
        assert app.handle("GET", "/api/v1" + path, query, auth).body == first
        charged = [row for row in json.loads(first)["data"] if row.get("last_used_at")]
        assert len(built) == len(charged), (path, built)  # charged keys are rendered anew
        assert bool(charged) == (path == "/keys")
