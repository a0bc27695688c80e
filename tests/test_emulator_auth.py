"""Credentials, /key, /credits, the PKCE flow and the control surface."""

from __future__ import annotations

import base64
import hashlib

import pytest

from tests.openapi_schema import validated_json


@pytest.fixture
def emulator(reset_emulator):
    """The session's emulator reset to the default seed: these tests need no server of their own."""
    return reset_emulator

MANAGEMENT_ROUTES = [("GET", "/keys", "/keys"), ("POST", "/keys", "/keys"),
                     ("GET", "/guardrails", "/guardrails"), ("GET", "/credits", "/credits"),
                     ("GET", "/organization/members", "/organization/members"),
                     ("GET", "/guardrails/assignments/keys", "/guardrails/assignments/keys")]


@pytest.fixture
def api_key(emulator) -> str:
    return emulator.state.key_named("ci-smoke").secret


@pytest.mark.parametrize(("method", "path", "template"), MANAGEMENT_ROUTES)
def test_missing_unknown_and_inference_keys_are_refused(emulator, api_key, method, path, template):
    body = {"name": "x"} if method == "POST" else None
    missing = emulator.http(key="").request(method, path, json=body)
    assert validated_json(missing, template, 401)["error"]["message"] == "Missing Authentication header"
    unknown = emulator.http("sk-or-v1-fake-unknown").request(method, path, json=body)
    assert validated_json(unknown, template, 401)["error"]["message"] == "User not found."
    inference = emulator.http(api_key).request(method, path, json=body)
    assert inference.status_code == 403
    assert inference.json()["error"]["message"] == "Only management keys can perform this operation"
    assert len(emulator.state.api_keys_newest_first()) == 4  # nothing was created


def test_current_key_works_with_any_key(emulator, api_key):
    mine = validated_json(emulator.http(api_key).get("/key"), "/key", 200)["data"]
    assert (mine["is_management_key"], mine["limit"], mine["limit_reset"]) == (False, 5, "daily")
    assert mine["expires_at"] == "2027-06-30T00:00:00Z"
    management = validated_json(emulator.http().get("/key"), "/key", 200)["data"]
    assert management["is_management_key"] is True
    assert validated_json(emulator.http(key="").get("/key"), "/key", 401)


def test_credits_need_a_management_key(emulator, api_key):
    assert validated_json(emulator.http().get("/credits"), "/credits", 200) == \
        {"data": {"total_credits": 150.0, "total_usage": 44.77}}
    refused = validated_json(emulator.http(api_key).get("/credits"), "/credits", 403)
    assert refused["error"]["message"] == "Only management keys can perform this operation"


def test_coinbase_is_gone(emulator):
    gone = validated_json(emulator.http(key="").post("/credits/coinbase"), "/credits/coinbase", 410)
    assert gone["error"]["message"].startswith("The Coinbase APIs used by this endpoint have been deprecated")


def s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def new_code(emulator, api_key, **body) -> str:
    response = emulator.http(api_key).post("/auth/keys/code", json={
        "callback_url": "http://localhost:3000/callback", **body})
    data = validated_json(response, "/auth/keys/code", 200)["data"]
    assert data["id"].startswith("auth_code_")
    return data["id"]


@pytest.mark.parametrize("method", ["S256", "plain"])
def test_pkce_exchange_creates_a_key_once(emulator, api_key, method):
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk-verifier"
    challenge = s256(verifier) if method == "S256" else verifier
    code = new_code(emulator, api_key, code_challenge=challenge, code_challenge_method=method,
                    limit=3, key_label="my-cli", usage_limit_type="weekly")
    anonymous = emulator.http(key="")
    exchanged = validated_json(anonymous.post("/auth/keys", json={
        "code": code, "code_verifier": verifier, "code_challenge_method": method}), "/auth/keys", 200)
    record = emulator.state.find_key_by_secret(exchanged["key"])
    assert (record.name, record.limit, record.limit_reset) == ("my-cli", 3, "weekly")
    assert exchanged["user_id"] == record.creator_user_id
    assert validated_json(emulator.http(exchanged["key"]).get("/key"), "/key", 200)["data"]["limit"] == 3
    again = anonymous.post("/auth/keys", json={"code": code, "code_verifier": verifier})
    assert validated_json(again, "/auth/keys", 403)["error"]["message"] == "Invalid code"


def test_pkce_wrong_verifier_is_refused_and_creates_nothing(emulator, api_key):
    code = new_code(emulator, api_key, code_challenge=s256("right"), code_challenge_method="S256")
    before = len(emulator.state.keys)
    wrong = emulator.http(key="").post("/auth/keys", json={"code": code, "code_verifier": "wrong"})
    assert validated_json(wrong, "/auth/keys", 403)["error"]["message"] == "Invalid code_verifier"
    missing = emulator.http(key="").post("/auth/keys", json={"code": code})
    assert validated_json(missing, "/auth/keys", 400)
    assert len(emulator.state.keys) == before


def test_auth_code_request_validation(emulator, api_key):
    client = emulator.http(api_key)
    bad_url = client.post("/auth/keys/code", json={"callback_url": "http://evil.example.com/cb"})
    assert validated_json(bad_url, "/auth/keys/code", 400)["error"]["metadata"]["issues"][0]["path"] == \
        ["callback_url"]
    bad_method = client.post("/auth/keys/code", json={"callback_url": "https://app.example.com/cb",
                                                      "code_challenge_method": "S512"})
    assert validated_json(bad_method, "/auth/keys/code", 400)["error"]["message"] == \
        'Invalid option: expected one of "S256"|"plain"'


def test_control_surface_needs_the_management_key(emulator, api_key):
    for key, status in (("", 401), (api_key, 403)):
        client = emulator.http(key, base_url=emulator.control_url)
        assert client.get("/requests").status_code == status
        assert client.post("/reset").status_code == status


def test_request_counts_per_route_and_writes(emulator):
    api = emulator.http()
    key = emulator.state.key_named("ci-smoke")
    emulator.reset_counts()
    api.get("/keys")
    api.get("/keys", params={"offset": 100})
    api.get(f"/keys/{key.hash}")
    api.patch(f"/keys/{key.hash}", json={"name": "renamed"})
    api.post("/keys", json={"name": ""})  # refused, but a write call all the same
    api.get("/nowhere")
    assert emulator.request_counts() == {"GET /keys": 2, "GET /keys/{hash}": 1,
                                         "PATCH /keys/{hash}": 1, "POST /keys": 1}
    assert emulator.write_count() == 2
    emulator.reset_counts()
    assert emulator.request_counts() == {} and emulator.write_count() == 0


def test_reset_and_seed_through_the_control_surface(emulator):
    api = emulator.http()
    api.post("/keys", json={"name": "temporary"})
    assert emulator.state.key_named("temporary") is not None
    emulator.control("POST", "/reset")
    assert emulator.state.key_named("temporary") is None
    assert emulator.state.key_named("ci-smoke") is not None
    counts = emulator.control("POST", "/seed", {"keys": [{"name": "only"}], "members": []})
    assert counts == {"members": 0, "keys": 1, "guardrails": 0}
    listed = api.get("/keys").json()["data"]  # the management key survived the reseed
    assert [k["name"] for k in listed] == ["only"]
    bad = emulator.http(base_url=emulator.control_url).post("/seed", json={"keys": [{"nom": "x"}]})
    assert bad.status_code == 400 and "unknown field 'nom'" in bad.json()["error"]["message"]
    dump = emulator.control("GET", "/state")
    assert [k["name"] for k in dump["keys"] if not k["is_management"]] == ["only"]
