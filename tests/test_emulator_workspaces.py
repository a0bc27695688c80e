"""Workspaces over loopback HTTP: each behaviour of API-NOTES "Workspaces", every answer checked
against the official schema (plus today's fields), each test naming its source."""

from __future__ import annotations

import uuid

import pytest

from tests.openapi_schema import validated_json

CHAT = {"messages": [{"role": "user", "content": "Reply with OK"}]}
BOB = "user_2dHFtBobMember000000000002"
CAROL = "user_2dHFtCarolMember0000000003"


@pytest.fixture
def emulator(reset_emulator):
    return reset_emulator


def new_workspace(api, slug: str, **body) -> dict:
    return validated_json(api.post("/workspaces", json={"name": slug.title(), "slug": slug, **body}),
                          "/workspaces", 201)["data"]


def new_key(api, status: int = 201, **body) -> dict:
    return validated_json(api.post("/keys", json={"name": "k", **body}), "/keys", status)


def new_guardrail(api, **body) -> dict:
    return validated_json(api.post("/guardrails", json={"name": "g", **body}), "/guardrails", 201)["data"]


def listed_keys(api, **params) -> list[str]:
    body = validated_json(api.get("/keys", params={"include_disabled": "true", **params}), "/keys", 200)
    return [k["hash"] for k in body["data"]]


def listed_guardrails(api, **params) -> list[str]:
    body = validated_json(api.get("/guardrails", params=params), "/guardrails", 200)
    return [g["id"] for g in body["data"]]


def error(response, template: str, status: int) -> str:
    return validated_json(response, template, status)["error"]["message"]


def test_a_workspace_is_reached_by_id_or_slug_and_changed_and_deleted(api, emulator):
    """Reference spec /workspaces*: `{id}` is the UUID or the slug; POST needs name and slug."""
    made = new_workspace(api, "staging", description="pre-production")
    assert made["slug"] == "staging" and made["description"] == "pre-production"
    by_slug = validated_json(api.get("/workspaces/staging"), "/workspaces/{id}", 200)["data"]
    assert validated_json(api.get(f"/workspaces/{made['id']}"), "/workspaces/{id}", 200)["data"] == by_slug
    renamed = validated_json(api.patch("/workspaces/staging", json={"name": "Stage", "slug": "stage"}),
                             "/workspaces/{id}", 200)["data"]
    assert (renamed["id"], renamed["name"], renamed["slug"]) == (made["id"], "Stage", "stage")
    listing = validated_json(api.get("/workspaces"), "/workspaces", 200)
    assert {w["id"] for w in listing["data"]} >= {made["id"], emulator.state.default_workspace_id}
    assert listing["total_count"] == len(listing["data"])
    assert validated_json(api.delete("/workspaces/stage"), "/workspaces/{id}", 200) == {"deleted": True}
    assert error(api.get(f"/workspaces/{made['id']}"), "/workspaces/{id}", 404) == "Workspace not found"


@pytest.mark.parametrize("slug", ["Upper", "two--hyphens", "-lead", "trail-", "under_score"])
def test_a_slug_is_lowercase_alphanumeric_segments_joined_by_single_hyphens(api, slug):
    """API-NOTES "Workspaces" (reference spec CreateWorkspaceRequest.slug pattern)."""
    validated_json(api.post("/workspaces", json={"name": "x", "slug": slug}), "/workspaces", 400)


def test_a_slug_is_unique(api):
    """A slug names one workspace (`{id}` accepts it), so a second one cannot take it.
    Source: API-NOTES "Workspaces" (path `{id}` accepts the UUID or its slug; reference spec)."""
    new_workspace(api, "team-a")
    validated_json(api.post("/workspaces", json={"name": "x", "slug": "team-a"}), "/workspaces", 400)


def test_an_unscoped_key_listing_shows_only_the_default_workspace(api, emulator):
    """API-NOTES "Workspaces": GET /keys answers for the default workspace unless `workspace_id`
    names another, include_disabled or not (reference spec parameter docs; keymaster ADR 0004,
    observed against the live API)."""
    workspace = new_workspace(api, "team-b")
    scoped = new_key(api, name="scoped", workspace_id=workspace["id"])["data"]
    assert scoped["workspace_id"] == workspace["id"]
    unscoped = new_key(api, name="unscoped")["data"]
    assert unscoped["workspace_id"] == emulator.state.default_workspace_id
    assert scoped["hash"] not in listed_keys(api) and unscoped["hash"] in listed_keys(api)
    assert listed_keys(api, workspace_id=workspace["id"]) == [scoped["hash"]]
    assert listed_keys(api, workspace_id="team-b") == [scoped["hash"]]  # a slug names it too


def test_guardrails_are_created_in_a_workspace_and_listed_by_it(api):
    """API-NOTES "Workspaces": POST /guardrails takes `workspace_id` (default: the default
    workspace); GET /guardrails answers for the default workspace unless scoped."""
    workspace = new_workspace(api, "team-c")
    scoped = new_guardrail(api, workspace_id=workspace["id"])
    plain = new_guardrail(api, name="plain")
    assert scoped["workspace_id"] == workspace["id"]
    assert scoped["id"] not in listed_guardrails(api) and plain["id"] in listed_guardrails(api)
    assert listed_guardrails(api, workspace_id=workspace["id"]) == [scoped["id"]]


def test_a_create_in_an_unknown_workspace_is_refused(api):
    """Source: API-NOTES "Workspaces" (`workspace_id` on POST /keys and the listings; reference
    spec parameter docs). An unknown workspace is refused, never a silent default."""
    assert error(api.post("/keys", json={"name": "k", "workspace_id": str(uuid.uuid4())}),
                 "/keys", 400) == "Workspace not found"
    error(api.get("/guardrails", params={"workspace_id": "no-such-workspace"}), "/guardrails", 400)


def test_patching_workspace_id_moves_a_key_with_its_secret_and_guardrail(api, emulator):
    """API-NOTES "Workspaces": since 2026-10 PATCH /keys/{hash} takes `workspace_id` and moves
    the key, which keeps its secret and its guardrail (official SDK models, 2026-10)."""
    workspace = new_workspace(api, "team-d")
    created = new_key(api, name="mover")
    key, secret = created["data"], created["key"]
    guardrail = new_guardrail(api)
    api.post(f"/guardrails/{guardrail['id']}/assignments/keys", json={"key_hashes": [key["hash"]]})
    moved = validated_json(api.patch(f"/keys/{key['hash']}", json={"workspace_id": "team-d"}),
                           "/keys/{hash}", 200)["data"]
    assert moved["workspace_id"] == workspace["id"] and moved["hash"] == key["hash"]
    assert key["hash"] in listed_keys(api, workspace_id=workspace["id"])
    assert key["hash"] not in listed_keys(api)
    current = validated_json(emulator.http(secret).get("/key"), "/key", 200)["data"]
    assert current["workspace_id"] == workspace["id"]  # the same secret, now in the new workspace
    rows = validated_json(api.get(f"/guardrails/{guardrail['id']}/assignments/keys"),
                          "/guardrails/{id}/assignments/keys", 200)["data"]
    assert [r["key_hash"] for r in rows] == [key["hash"]]


def test_a_key_takes_a_guardrail_only_of_its_own_workspace(api):
    """API-NOTES "Workspaces": "a key can take a guardrail only from its own workspace (the API
    refuses otherwise)" (Terraform provider docs/resources/guardrail_key_assignment.md)."""
    workspace = new_workspace(api, "team-e")
    elsewhere = new_guardrail(api, workspace_id=workspace["id"])
    key = new_key(api)["data"]
    refused = api.post(f"/guardrails/{elsewhere['id']}/assignments/keys", json={"key_hashes": [key["hash"]]})
    assert "another workspace" in error(refused, "/guardrails/{id}/assignments/keys", 400)
    rows = validated_json(api.get("/guardrails/assignments/keys"), "/guardrails/assignments/keys", 200)
    assert key["hash"] not in [r["key_hash"] for r in rows["data"]]


def test_a_member_holds_one_direct_guardrail_per_workspace(api):
    """API-NOTES "Workspaces": "a member has at most one direct guardrail per workspace"
    (Terraform provider docs/resources/guardrail_member_assignment.md)."""
    workspace = new_workspace(api, "team-f")
    api.post("/workspaces/team-f/members/add", json={"user_ids": [BOB]}).raise_for_status()
    here, there, again = (new_guardrail(api, name="here"),
                          new_guardrail(api, name="there", workspace_id=workspace["id"]),
                          new_guardrail(api, name="again", workspace_id=workspace["id"]))
    for guardrail in (here, there, again):
        assigned = api.post(f"/guardrails/{guardrail['id']}/assignments/members",
                            json={"member_user_ids": [BOB]})
        assert validated_json(assigned, "/guardrails/{id}/assignments/members", 200) == {"assigned_count": 1}
    rows = validated_json(api.get("/guardrails/assignments/members"), "/guardrails/assignments/members", 200)
    held = {r["guardrail_id"] for r in rows["data"] if r["user_id"] == BOB}
    assert held == {here["id"], again["id"]}  # `again` replaced `there`, in its workspace only


def test_a_member_takes_a_guardrail_only_of_a_workspace_it_belongs_to(api):
    """Source: API-NOTES "Workspaces" (assignments across workspaces; Terraform provider
    docs/resources/guardrail_member_assignment.md). Refusing a non-member is the emulator's
    reading, noted in docs/emulator.md."""
    workspace = new_workspace(api, "team-g")
    guardrail = new_guardrail(api, workspace_id=workspace["id"])
    refused = api.post(f"/guardrails/{guardrail['id']}/assignments/members", json={"member_user_ids": [CAROL]})
    assert "not a member" in error(refused, "/guardrails/{id}/assignments/members", 400)


def test_the_default_guardrail_exists_once_patched_and_keeps_its_server_given_name(api, emulator):
    """API-NOTES "Workspaces": the default guardrail has a deterministic id; GET answers 404
    until its first PATCH; never POSTed; cannot be deleted nor assigned; its name is
    `Workspace <uuid> Default` and a PATCH naming it gets 400; absent from an unscoped listing,
    present in one scoped to its workspace (reference spec; Terraform provider
    docs/resources/workspace_default_guardrail.md; keymaster ADR 0004)."""
    workspace = new_workspace(api, "team-h")
    default_id = workspace["default_guardrail_id"]
    assert validated_json(api.get("/workspaces/team-h"), "/workspaces/{id}", 200)["data"][
        "default_guardrail_id"] == default_id
    assert error(api.get(f"/guardrails/{default_id}"), "/guardrails/{id}", 404) == "Guardrail not found"
    named = api.patch(f"/guardrails/{default_id}", json={"name": "mine"})
    assert error(named, "/guardrails/{id}", 400) == "A workspace default guardrail's name is not editable"
    assert error(api.get(f"/guardrails/{default_id}"), "/guardrails/{id}", 404)  # nothing materialised
    patched = validated_json(api.patch(f"/guardrails/{default_id}",
                                       json={"allowed_models": ["openai/gpt-4o-mini"]}),
                             "/guardrails/{id}", 200)["data"]
    assert patched["name"] == f"Workspace {workspace['id']} Default"
    assert patched["workspace_id"] == workspace["id"] and patched["id"] == default_id
    assert validated_json(api.get(f"/guardrails/{default_id}"), "/guardrails/{id}", 200)["data"] == patched
    assert default_id in listed_guardrails(api, workspace_id=workspace["id"])
    error(api.delete(f"/guardrails/{default_id}"), "/guardrails/{id}", 403)
    key = new_key(api, workspace_id=workspace["id"])["data"]
    refused = api.post(f"/guardrails/{default_id}/assignments/keys", json={"key_hashes": [key["hash"]]})
    error(refused, "/guardrails/{id}/assignments/keys", 400)


def test_the_default_workspace_default_guardrail_is_absent_from_the_unscoped_listing(api, emulator):
    """Source: API-NOTES "Workspaces" (the default guardrail is absent from an unscoped
    GET /guardrails; Terraform provider docs/resources/workspace_default_guardrail.md)."""
    default_id = validated_json(api.get(f"/workspaces/{emulator.state.default_workspace_id}"),
                                "/workspaces/{id}", 200)["data"]["default_guardrail_id"]
    validated_json(api.patch(f"/guardrails/{default_id}", json={"enforce_zdr": True}), "/guardrails/{id}", 200)
    assert default_id not in listed_guardrails(api)
    assert default_id in listed_guardrails(api, workspace_id=emulator.state.default_workspace_id)


def test_the_default_guardrail_governs_keys_without_a_guardrail_of_their_own(api, emulator):
    """API-NOTES "Workspaces": the default guardrail "governs every key and member of the
    workspace that has no explicit guardrail"."""
    workspace = new_workspace(api, "team-i")
    api.patch(f"/guardrails/{workspace['default_guardrail_id']}",
              json={"allowed_models": ["openai/gpt-4o-mini"]}).raise_for_status()
    created = new_key(api, workspace_id=workspace["id"])
    caller = emulator.http(created["key"])
    assert caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o-mini"}).status_code == 200
    blocked = caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o"})
    assert blocked.status_code == 403 and blocked.json()["error"]["message"].startswith("Request blocked")
    own = new_guardrail(api, workspace_id=workspace["id"])
    api.post(f"/guardrails/{own['id']}/assignments/keys", json={"key_hashes": [created["data"]["hash"]]})
    assert caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o"}).status_code == 200


def test_the_rules_of_every_guardrail_over_a_key_intersect(api, emulator):
    """API-NOTES "Workspaces": "When several guardrails apply, their restrictions intersect"."""
    created = new_key(api, creator_user_id=CAROL)  # the seed puts carol under ci-policy
    own = new_guardrail(api, allowed_models=["openai/gpt-4o", "openai/gpt-4o-mini"])
    api.post(f"/guardrails/{own['id']}/assignments/keys", json={"key_hashes": [created["data"]["hash"]]})
    caller = emulator.http(created["key"])
    # ci-policy allows gpt-4o-mini and claude-3.5-haiku: only gpt-4o-mini is in both lists.
    assert caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o-mini"}).status_code == 200
    for model in ("openai/gpt-4o", "anthropic/claude-3.5-haiku"):
        assert caller.post("/chat/completions", json={**CHAT, "model": model}).status_code == 403


def test_workspace_members_add_list_and_remove(api, emulator):
    """Reference spec /workspaces/{id}/members*: the default workspace lists every org member;
    added members keep their org role; a member with keys in the workspace cannot be removed."""
    everyone = validated_json(api.get(f"/workspaces/{emulator.state.default_workspace_id}/members"),
                              "/workspaces/{id}/members", 200)
    assert everyone["total_count"] == len(emulator.state.members)
    workspace = new_workspace(api, "team-j")
    added = validated_json(api.post("/workspaces/team-j/members/add", json={"user_ids": [BOB, "user_nobody"]}),
                           "/workspaces/{id}/members/add", 200)
    assert added["added_count"] == 1 and added["data"][0]["user_id"] == BOB
    assert added["data"][0]["role"] == "member" and added["data"][0]["workspace_id"] == workspace["id"]
    again = api.post("/workspaces/team-j/members/add", json={"user_ids": [BOB]})
    assert validated_json(again, "/workspaces/{id}/members/add", 200)["added_count"] == 0
    listed = validated_json(api.get("/workspaces/team-j/members"), "/workspaces/{id}/members", 200)
    assert [m["user_id"] for m in listed["data"]] == [BOB] and listed["total_count"] == 1
    new_key(api, workspace_id=workspace["id"], creator_user_id=BOB)
    kept = api.post("/workspaces/team-j/members/remove", json={"user_ids": [BOB]})
    assert "has API keys" in error(kept, "/workspaces/{id}/members/remove", 400)


def test_removing_a_member_without_keys(api):
    """Source: API-NOTES "Workspaces" (members add/remove with `{"user_ids": [...]}`; reference spec)."""
    new_workspace(api, "team-k")
    api.post("/workspaces/team-k/members/add", json={"user_ids": [BOB]}).raise_for_status()
    removed = api.post("/workspaces/team-k/members/remove", json={"user_ids": [BOB]})
    assert validated_json(removed, "/workspaces/{id}/members/remove", 200) == {"removed_count": 1}


def test_a_workspace_with_keys_cannot_be_deleted_and_the_default_one_needs_confirming(api, emulator):
    """Reference spec DELETE /workspaces/{id}: "Workspaces with active API keys cannot be
    deleted"; deleting the default workspace needs `confirm_default_workspace_deletion`
    (API-NOTES) and is still rolling out (403); a deletion takes the workspace's guardrails."""
    workspace = new_workspace(api, "team-l")
    key = new_key(api, workspace_id=workspace["id"])["data"]
    guardrail = new_guardrail(api, workspace_id=workspace["id"])
    error(api.delete("/workspaces/team-l"), "/workspaces/{id}", 400)
    api.delete(f"/keys/{key['hash']}").raise_for_status()
    validated_json(api.delete("/workspaces/team-l"), "/workspaces/{id}", 200)
    error(api.get(f"/guardrails/{guardrail['id']}"), "/guardrails/{id}", 404)
    default = f"/workspaces/{emulator.state.default_workspace_id}"
    error(api.delete(default), "/workspaces/{id}", 400)
    error(api.delete(default, params={"confirm_default_workspace_deletion": "true"}), "/workspaces/{id}", 403)


def test_budget_limits_strictly_decrease_as_the_interval_narrows(api):
    """API-NOTES "Workspaces": lifetime > monthly > weekly > daily, so writes must be ordered;
    the BYOK flag is workspace-wide (reference spec PUT /workspaces/{id}/budgets/{interval})."""
    new_workspace(api, "team-m")
    path = "/workspaces/{id}/budgets/{interval}"
    validated_json(api.put("/workspaces/team-m/budgets/monthly", json={"limit_usd": 100}), path, 200)
    assert "strictly decrease" in error(api.put("/workspaces/team-m/budgets/daily", json={"limit_usd": 100}), path, 400)
    validated_json(api.put("/workspaces/team-m/budgets/weekly", json={"limit_usd": 50}), path, 200)
    validated_json(api.put("/workspaces/team-m/budgets/daily", json={"limit_usd": 10}), path, 200)
    error(api.put("/workspaces/team-m/budgets/monthly", json={"limit_usd": 40}), path, 400)
    lifetime = validated_json(api.put("/workspaces/team-m/budgets/lifetime",
                                      json={"limit_usd": 1000, "include_byok_in_budgets": True}), path, 200)
    assert lifetime["data"]["reset_interval"] is None and lifetime["include_byok_in_budgets"] is True
    listing = validated_json(api.get("/workspaces/team-m/budgets"), "/workspaces/{id}/budgets", 200)
    assert [b["reset_interval"] for b in listing["data"]] == [None, "monthly", "weekly", "daily"]
    assert listing["include_byok_in_budgets"] is True  # set by one PUT, for every interval
    validated_json(api.delete("/workspaces/team-m/budgets/weekly"), path, 200)
    error(api.get("/workspaces/team-m/budgets/weekly"), path, 404)
    error(api.put("/workspaces/team-m/budgets/yearly", json={"limit_usd": 1}), path, 400)
    error(api.put("/workspaces/team-m/budgets/daily", json={"limit_usd": 0}), path, 400)


def test_budgets_need_the_enterprise_plan(api, emulator):
    """API-NOTES "Workspaces": "Budgets are an Enterprise feature: other orgs get 403"."""
    new_workspace(api, "team-n")
    emulator.control("PATCH", "/org", {"enterprise": False})
    error(api.get("/workspaces/team-n/budgets"), "/workspaces/{id}/budgets", 403)
    error(api.put("/workspaces/team-n/budgets/daily", json={"limit_usd": 5}),
          "/workspaces/{id}/budgets/{interval}", 403)
    emulator.control("PATCH", "/org", {"enterprise": True})
    validated_json(api.get("/workspaces/team-n/budgets"), "/workspaces/{id}/budgets", 200)


def test_a_workspace_budget_is_one_pooled_cap_for_all_its_keys(api, emulator):
    """API-NOTES "Workspaces": "one pooled cap per interval for the whole workspace (unlike a
    guardrail's `limit_usd`, which is counted separately for each key)"; inference enforces it."""
    workspace = new_workspace(api, "team-o")
    first, second = new_key(api, workspace_id=workspace["id"]), new_key(api, workspace_id=workspace["id"])
    api.put("/workspaces/team-o/budgets/daily", json={"limit_usd": 1}).raise_for_status()
    chat = {**CHAT, "model": "openai/gpt-4o-mini"}
    assert emulator.http(second["key"]).post("/chat/completions", json=chat).status_code == 200
    emulator.control("PATCH", f"/keys/{first['data']['hash']}", {"usage_daily": 0.6, "usage": 0.6})
    emulator.control("PATCH", f"/keys/{second['data']['hash']}", {"usage_daily": 0.5, "usage": 0.5})
    refused = emulator.http(second["key"]).post("/chat/completions", json=chat)
    assert refused.status_code == 403
    assert refused.json()["error"]["metadata"]["limit_source"] == "openrouter_workspace_budget"


def test_get_key_lists_every_spend_layer_and_the_one_that_blocks_first(api, emulator):
    """API-NOTES "Newer than the reference spec": GET /key adds `budgets` (every layer, in
    enforcement order) and `effective_budget` (SDK 2026-10 operations/getcurrentkey.py)."""
    workspace = new_workspace(api, "team-p")
    created = new_key(api, workspace_id=workspace["id"], limit=5, limit_reset="monthly")
    guardrail = new_guardrail(api, workspace_id=workspace["id"], limit_usd=3, reset_interval="weekly")
    api.post(f"/guardrails/{guardrail['id']}/assignments/keys", json={"key_hashes": [created["data"]["hash"]]})
    api.put("/workspaces/team-p/budgets/monthly", json={"limit_usd": 20}).raise_for_status()
    current = validated_json(emulator.http(created["key"]).get("/key"), "/key", 200)["data"]
    assert [b["scope"] for b in current["budgets"]] == ["api_key", "workspace", "key_limit"]
    assert current["effective_budget"]["scope"] == "api_key"
    assert current["effective_budget"]["remaining_usd"] == 3
    assert current["workspace_id"] == workspace["id"]
    assert current["organization_id"] == emulator.state.organization_id


def test_the_control_surface_creates_moves_and_renames_keys_by_hand(api, emulator):
    """DESIGN.md "The emulator": tests change the org by hand through `/_emulator/...`."""
    workspace = new_workspace(api, "team-q")
    made = emulator.control("POST", "/keys", {"name": "by-hand", "workspace": "team-q"})
    assert made["data"]["workspace_id"] == workspace["id"]
    moved = emulator.control("PATCH", f"/keys/{made['data']['hash']}",
                             {"workspace": emulator.state.default_workspace_id, "name": "renamed"})
    assert moved["data"]["name"] == "renamed"
    assert made["data"]["hash"] in listed_keys(api)


def test_a_guardrails_workspace_is_fixed_at_creation(api):
    """API-NOTES "Workspaces": "A guardrail's workspace is fixed at creation (change = replace)"
    (official Terraform provider docs/resources): PATCH does not take `workspace_id`."""
    workspace = new_workspace(api, "team-r")
    made = new_guardrail(api)
    refused = api.patch(f"/guardrails/{made['id']}", json={"workspace_id": workspace["id"]})
    assert "Unrecognized key" in error(refused, "/guardrails/{id}", 400)


def test_a_workspace_needs_a_name_and_a_slug(api):
    """API-NOTES "Workspaces": "`POST /workspaces` needs `name` and `slug`"."""
    validated_json(api.post("/workspaces", json={"name": "No slug"}), "/workspaces", 400)
    validated_json(api.post("/workspaces", json={"slug": "no-name"}), "/workspaces", 400)


def test_members_keep_their_org_role(api):
    """API-NOTES "Workspaces": workspace members "keep their org role"."""
    new_workspace(api, "team-s")
    alice = "user_2dHFtAliceAdmin00000000001"
    added = api.post("/workspaces/team-s/members/add", json={"user_ids": [alice]})
    assert validated_json(added, "/workspaces/{id}/members/add", 200)["data"][0]["role"] == "admin"


def test_a_default_guardrail_cannot_be_assigned_to_members(api, emulator):
    """API-NOTES "Workspaces": "legacy and default guardrails cannot be assigned to members"."""
    default_id = validated_json(api.get(f"/workspaces/{emulator.state.default_workspace_id}"),
                                "/workspaces/{id}", 200)["data"]["default_guardrail_id"]
    api.patch(f"/guardrails/{default_id}", json={"enforce_zdr": False}).raise_for_status()
    refused = api.post(f"/guardrails/{default_id}/assignments/members", json={"member_user_ids": [BOB]})
    error(refused, "/guardrails/{id}/assignments/members", 400)
