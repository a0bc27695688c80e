"""Routing: templates, static-over-parameter precedence, discovery, handler results."""

from __future__ import annotations

import json

import pytest

from orsync.emulator.app import EmulatorApp
from orsync.emulator.routes.dispatch import ApiFailure, EmulatorResponse, Router, discover_routes, route
from orsync.emulator.store.state import EmulatorState

ROUTES: list = []


@route("GET", "/things/{id}", auth="none")
def thing(call):
    return {"id": call.params["id"], "q": call.query.get("q")}


@route("GET", "/things/special", auth="none")
def special_thing(call):
    return 202, {"special": True}


@route("GET", "/models/{author}/{slug}/endpoints", auth="none")
def endpoints(call):
    return {"author": call.params["author"], "slug": call.params["slug"]}


@route("POST", "/things", auth="inference")
def make_thing(call):
    return EmulatorResponse.stream([b"data: 1\n\n", b"data: [DONE]\n\n"])


@route("GET", "/fail", auth="none")
def failing(call):
    raise ApiFailure(409, "Resource conflict. Please try again later.", {"why": "test"})


def test_static_segment_beats_parameter_whatever_the_declaration_order():
    router = Router(ROUTES)
    special, params = router.resolve("GET", "/things/special")
    assert special.handler is special_thing and params == {}
    other, params = router.resolve("GET", "/things/abc")
    assert other.handler is thing and params == {"id": "abc"}


def test_unknown_path_is_404_and_wrong_method_is_405():
    router = Router(ROUTES)
    with pytest.raises(ApiFailure) as missing:
        router.resolve("GET", "/nothing/here")
    assert missing.value.status == 404
    with pytest.raises(ApiFailure) as wrong:
        router.resolve("DELETE", "/things/abc")
    assert wrong.value.status == 405


def test_route_declared_twice_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        Router(ROUTES + ROUTES[:1])


def test_bad_auth_mode_is_refused_at_declaration():
    with pytest.raises(ValueError, match="auth must be one of"):
        route("GET", "/x", auth="admin")


def test_discovery_finds_every_routes_module():
    names = {r.name for r in discover_routes()}
    assert {"GET /keys", "PATCH /keys/{hash}", "GET /guardrails/assignments/keys",
            "POST /guardrails/{id}/assignments/members/remove", "GET /organization/members",
            "POST /auth/keys", "GET /credits"} <= names


@pytest.fixture
def app() -> EmulatorApp:
    app = EmulatorApp(EmulatorState.from_seed(EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key")
    app.router = Router(ROUTES)
    return app


def test_handler_results_become_responses(app):
    plain = app.handle("GET", "/api/v1/things/x7", "q=1", {}, b"")
    assert (plain.status, json.loads(plain.body)) == (200, {"id": "x7", "q": "1"})
    assert app.handle("GET", "/api/v1/things/special").status == 202
    nested = app.handle("GET", "/api/v1/models/openai/gpt-4o/endpoints")
    assert json.loads(nested.body) == {"author": "openai", "slug": "gpt-4o"}


def test_api_failure_answers_the_api_error_body(app):
    answer = app.handle("GET", "/api/v1/fail")
    assert answer.status == 409
    assert json.loads(answer.body) == {
        "error": {"code": 409, "message": "Resource conflict. Please try again later.",
                  "metadata": {"why": "test"}}, "user_id": None}


def test_inference_routes_refuse_management_keys_and_serve_api_keys(app):
    api_key = app.state.key_named("ci-smoke").secret
    refused = app.handle("POST", "/api/v1/things", headers={"Authorization": "Bearer sk-or-v1-fake-mgmt-key"})
    assert refused.status == 401  # what the real API answers a management key (API-NOTES)
    assert json.loads(refused.body)["error"]["message"] == "User not found"
    served = app.handle("POST", "/api/v1/things", headers={"authorization": f"Bearer {api_key}"})
    assert served.status == 200 and served.is_stream
    assert b"".join(served.body) == b"data: 1\n\ndata: [DONE]\n\n"


def test_paths_outside_the_api_are_404(app):
    assert app.handle("GET", "/v2/keys").status == 404
    assert app.handle("GET", "/api/v1").status == 404


def test_malformed_json_body_is_400():
    app = EmulatorApp(EmulatorState.from_seed(EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key")
    answer = app.handle("POST", "/api/v1/keys", headers={"Authorization": "Bearer sk-or-v1-fake-mgmt-key"},
                        body=b"{not json")
    assert answer.status == 400
    assert json.loads(answer.body)["error"]["message"] == "Invalid JSON in request body"
