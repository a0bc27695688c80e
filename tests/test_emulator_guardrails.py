"""Guardrails, assignments and members over loopback HTTP, checked against the official schema."""

from __future__ import annotations

import pytest

from tests.openapi_schema import validated_json


@pytest.fixture
def emulator(reset_emulator):
    """The session's emulator reset to the default seed: these tests need no server of their own."""
    return reset_emulator

ONE = "/guardrails/{id}"
CAROL = "user_2dHFtCarolMember0000000003"
BOB = "user_2dHFtBobMember000000000002"


def create(api, **body) -> dict:
    return validated_json(api.post("/guardrails", json=body), "/guardrails", 201)["data"]


def guardrail_id(emulator, name: str) -> str:
    return next(g.id for g in emulator.state.guardrails.values() if g.name == name)


def test_create_returns_every_field_with_newer_ones_null(api, emulator):
    made = create(api, name="team-a", description="Team A budget", limit_usd=25,
                  reset_interval="weekly", allowed_models=["openai/gpt-4o-mini"],
                  allowed_providers=["openai", "anthropic", "openai"], enforce_zdr=True,
                  enforce_zdr_xai=False)
    assert made["allowed_providers"] == ["openai", "anthropic"]  # request order, no duplicates
    assert (made["enforce_zdr_openai"], made["enforce_zdr_anthropic"], made["enforce_zdr_xai"]) == \
        (True, True, False)  # enforce_zdr fills the per-provider flags the request left out
    assert made["content_filters"] is None and made["allowed_data_regions"] is None
    assert made["include_byok_in_budgets"] is False and made["workspace_id"] == emulator.state.workspace_id
    assert made["updated_at"] is None
    assert validated_json(api.get(f"/guardrails/{made['id']}"), ONE, 200)["data"] == made


def test_content_filters_are_stored_with_system_labels(api):
    made = create(api, name="pii", content_filters=[{"pattern": "secret-\\d+", "action": "block"}],
                  content_filter_builtins=[{"slug": "email", "action": "redact", "label": "mine"}])
    assert made["content_filters"] == [{"label": None, "pattern": "secret-\\d+", "action": "block"}]
    assert made["content_filter_builtins"] == [{"slug": "email", "action": "redact", "label": "[EMAIL]"}]


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "g", "limit_usd": 0}, "Too small: expected number to be >0"),
    ({"name": "g", "limit_usd": -5}, "Too small: expected number to be >0"),
    ({"name": ""}, "Too small: expected string to have >=1 characters"),
    ({"name": "x" * 201}, "Too big: expected string to have <=200 characters"),
    ({"name": "g", "description": "d" * 1001}, "Too big: expected string to have <=1000 characters"),
    ({"name": "g", "reset_interval": "hourly"}, 'Invalid option: expected one of "daily"|"weekly"|"monthly"'),
    ({"name": "g", "allowed_models": []}, "Too small: expected array to have >=1 items"),
    ({"name": "g", "allowed_providers": "openai"}, "Invalid input: expected array, received string"),
    ({"name": "g", "content_filters": [{"pattern": "x"}]},
     "Invalid input: expected string, received undefined"),
    ({"name": "g", "colour": "red"}, 'Unrecognized key: "colour"'),
    ({"limit_usd": 5}, "Invalid input: expected string, received undefined"),
])
def test_create_validation_messages(api, emulator, body, message):
    before = len(emulator.state.guardrails)
    error = validated_json(api.post("/guardrails", json=body), "/guardrails", 400)
    assert error["error"]["message"] == message
    assert len(emulator.state.guardrails) == before


def test_patch_replaces_lists_clears_with_null_and_keeps_the_rest(api, emulator):
    gid = guardrail_id(emulator, "ci-policy")
    patched = validated_json(api.patch(f"/guardrails/{gid}", json={
        "allowed_models": ["openai/gpt-4o"], "allowed_providers": None, "limit_usd": 30}), ONE, 200)["data"]
    assert patched["allowed_models"] == ["openai/gpt-4o"] and patched["allowed_providers"] is None
    assert patched["limit_usd"] == 30 and patched["reset_interval"] == "monthly"
    assert patched["name"] == "ci-policy" and patched["updated_at"] is not None
    refused = validated_json(api.patch(f"/guardrails/{gid}", json={"limit_usd": 0}), ONE, 400)
    assert refused["error"]["message"] == "Too small: expected number to be >0"
    moved = validated_json(api.patch(f"/guardrails/{gid}", json={"workspace_id": "x"}), ONE, 400)
    assert moved["error"]["message"] == 'Unrecognized key: "workspace_id"'


def test_missing_guardrail_is_404(api):
    missing = "/guardrails/550e8400-e29b-41d4-a716-446655440000"
    for response in (api.get(missing), api.patch(missing, json={"name": "x"}), api.delete(missing)):
        assert validated_json(response, ONE, 404)["error"]["message"] == "Guardrail not found"
    listing = api.get(missing + "/assignments/keys")
    validated_json(listing, "/guardrails/{id}/assignments/keys", 404)


def test_listing_pagination_with_total_count(make_emulator):
    api = make_emulator({"guardrails": [{"name": f"g{n:03d}", "limit_usd": 1} for n in range(120)]}).http()
    first = validated_json(api.get("/guardrails"), "/guardrails", 200)
    assert (len(first["data"]), first["total_count"]) == (50, 120)
    last = validated_json(api.get("/guardrails", params={"offset": 100, "limit": 100}), "/guardrails", 200)
    assert [g["name"] for g in last["data"]] == [f"g{n:03d}" for n in range(100, 120)]
    for params, message in (({"limit": 0}, "Too small: expected number to be >=1"),
                            ({"limit": 101}, "Too big: expected number to be <=100"),
                            ({"offset": -1}, "Too small: expected number to be >=0")):
        error = validated_json(api.get("/guardrails", params=params), "/guardrails", 400)
        assert error["error"]["message"] == message


def test_delete_guardrail_removes_its_assignments(api, emulator):
    gid = guardrail_id(emulator, "ci-policy")
    assert validated_json(api.delete(f"/guardrails/{gid}"), ONE, 200) == {"deleted": True}
    keys = validated_json(api.get("/guardrails/assignments/keys"), "/guardrails/assignments/keys", 200)
    members = validated_json(api.get("/guardrails/assignments/members"),
                             "/guardrails/assignments/members", 200)
    assert gid not in {row["guardrail_id"] for row in keys["data"] + members["data"]}
    assert members["total_count"] == 0


def key_rows(api, gid: str | None = None) -> dict:
    template = "/guardrails/{id}/assignments/keys" if gid else "/guardrails/assignments/keys"
    path = f"/guardrails/{gid}/assignments/keys" if gid else "/guardrails/assignments/keys"
    return validated_json(api.get(path), template, 200)


def test_assigning_a_key_elsewhere_moves_it_and_unknown_hashes_are_not_counted(api, emulator):
    ci, prod = guardrail_id(emulator, "ci-policy"), guardrail_id(emulator, "prod-budget")
    key = emulator.state.key_named("ci-smoke")
    response = api.post(f"/guardrails/{prod}/assignments/keys",
                        json={"key_hashes": [key.hash, "f" * 64, key.hash]})
    assert validated_json(response, "/guardrails/{id}/assignments/keys", 200) == {"assigned_count": 1}
    assert key.hash not in {r["key_hash"] for r in key_rows(api, ci)["data"]}
    rows = key_rows(api, prod)
    assert rows["total_count"] == 2
    row = next(r for r in rows["data"] if r["key_hash"] == key.hash)
    assert (row["key_name"], row["key_label"], row["guardrail_id"]) == ("ci-smoke", key.label, prod)
    assert row["assigned_by"] == "user_2dHFtAliceAdmin00000000001"
    assert key_rows(api)["total_count"] == 3  # org-wide: each key once (research's included)


def test_unassign_counts_only_keys_under_that_guardrail(api, emulator):
    ci, prod = guardrail_id(emulator, "ci-policy"), guardrail_id(emulator, "prod-budget")
    ci_key, prod_key = emulator.state.key_named("ci-smoke"), emulator.state.key_named("prod-backend")
    response = api.post(f"/guardrails/{ci}/assignments/keys/remove",
                        json={"key_hashes": [ci_key.hash, prod_key.hash, "e" * 64]})
    assert validated_json(response, "/guardrails/{id}/assignments/keys/remove", 200) == \
        {"unassigned_count": 1}
    assert key_rows(api, ci)["total_count"] == 0 and key_rows(api, prod)["total_count"] == 1
    empty = api.post(f"/guardrails/{ci}/assignments/keys/remove", json={"key_hashes": []})
    assert validated_json(empty, "/guardrails/{id}/assignments/keys/remove", 400)["error"]["message"] == \
        "Too small: expected array to have >=1 items"


def test_member_assignments_move_count_and_list(api, emulator):
    ci, prod = guardrail_id(emulator, "ci-policy"), guardrail_id(emulator, "prod-budget")
    assign = api.post(f"/guardrails/{prod}/assignments/members",
                      json={"member_user_ids": [CAROL, BOB, "user_nobody"]})
    assert validated_json(assign, "/guardrails/{id}/assignments/members", 200) == {"assigned_count": 2}
    ci_rows = validated_json(api.get(f"/guardrails/{ci}/assignments/members"),
                             "/guardrails/{id}/assignments/members", 200)
    assert ci_rows == {"data": [], "total_count": 0}  # Carol moved: one direct guardrail
    everyone = validated_json(api.get("/guardrails/assignments/members"),
                              "/guardrails/assignments/members", 200)
    assert {(r["user_id"], r["guardrail_id"]) for r in everyone["data"]} == {(CAROL, prod), (BOB, prod)}
    assert {r["organization_id"] for r in everyone["data"]} == {emulator.state.organization_id}
    remove = api.post(f"/guardrails/{prod}/assignments/members/remove",
                      json={"member_user_ids": [BOB, "user_nobody"]})
    assert validated_json(remove, "/guardrails/{id}/assignments/members/remove", 200) == \
        {"unassigned_count": 1}
    wrong_field = api.post(f"/guardrails/{prod}/assignments/members", json={"key_hashes": ["x"]})
    error = validated_json(wrong_field, "/guardrails/{id}/assignments/members", 400)
    assert error["error"]["message"] == 'Unrecognized key: "key_hashes"'


def test_assignment_listing_pagination(make_emulator):
    seed = {"keys": [{"name": f"k{n}"} for n in range(130)], "guardrails": [{"name": "g"}],
            "key_assignments": [{"guardrail": "g", "key": f"k{n}"} for n in range(130)]}
    api = make_emulator(seed).http()
    seen = []
    for offset in (0, 100):
        response = api.get("/guardrails/assignments/keys", params={"offset": offset, "limit": 100})
        page = validated_json(response, "/guardrails/assignments/keys", 200)
        assert page["total_count"] == 130
        seen += [row["key_name"] for row in page["data"]]
    assert sorted(seen) == sorted(f"k{n}" for n in range(130))


def test_members_listing(api):
    members = "/organization/members"
    first = validated_json(api.get(members, params={"limit": 3}), members, 200)
    assert first["total_count"] == 4 and len(first["data"]) == 3
    assert first["data"][0] == {"id": "user_2dHFtAliceAdmin00000000001", "email": "alice@example.com",
                                "first_name": "Alice", "last_name": "Nguyen", "role": "org:admin"}
    rest = validated_json(api.get(members, params={"offset": 3}), members, 200)
    assert [m["email"] for m in rest["data"]] == ["dave@example.com"]
    assert rest["data"][0]["last_name"] is None
