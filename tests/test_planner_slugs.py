"""Canonical model slugs: a file naming models by id plans no change against a guardrail that
reads back canonical slugs; the catalog is read once, without credentials, with every modality."""

from __future__ import annotations

import json

import httpx

from orsync.api.client import OpenRouterClient
from orsync.api.errors import ServerError
from orsync.planner.diff import plan_from_state
from orsync.planner.read import build_plan
from orsync.planner.slugs import ModelSlugs, names_models, read_model_slugs, slugs_from_rows
from tests.live_factories import config, guardrail, live

ROWS = [
    {"id": "openai/gpt-4o-mini", "canonical_slug": "openai/gpt-4o-mini-2024-07-18"},
    {"id": "openai/gpt-4o", "canonical_slug": "openai/gpt-4o"},
    {"id": "meta-llama/llama-3.1-8b-instruct:free", "canonical_slug": "meta-llama/llama-3.1-8b-instruct"},
    {"id": "meta-llama/llama-3.1-8b-instruct", "canonical_slug": "meta-llama/llama-3.1-8b-instruct"},
]
SLUGS = slugs_from_rows(ROWS)


def test_ids_slugs_variants_and_unknown_models():
    assert SLUGS.canonical("openai/gpt-4o-mini") == "openai/gpt-4o-mini-2024-07-18"
    assert SLUGS.canonical("openai/gpt-4o-mini-2024-07-18") == "openai/gpt-4o-mini-2024-07-18"
    assert SLUGS.canonical("OpenAI/GPT-4o-mini") == "openai/gpt-4o-mini-2024-07-18"
    assert SLUGS.canonical("meta-llama/llama-3.1-8b-instruct:free") == "meta-llama/llama-3.1-8b-instruct:free"
    assert SLUGS.canonical("openai/gpt-4o-mini:floor") == "openai/gpt-4o-mini-2024-07-18:floor"
    assert SLUGS.canonical("acme/not-listed") == "acme/not-listed"
    assert SLUGS.canonical("acme/not-listed:free") == "acme/not-listed:free"


def test_a_model_named_by_id_plans_no_change_against_its_canonical_slug():
    declared = config(guardrails=[{"name": "ci", "allowed_models": ["openai/gpt-4o-mini", "meta-llama/llama-3.1-8b-instruct:free"],
                                   "ignored_models": ["openai/gpt-4o"]}])
    state = live(guardrails=[guardrail("ci", allowed_models=["meta-llama/llama-3.1-8b-instruct:free",
                                                             "openai/gpt-4o-mini-2024-07-18"],
                                       ignored_models=["openai/gpt-4o"])])

    assert plan_from_state(declared, state, model_slugs=SLUGS).changes == ()
    as_written = plan_from_state(declared, state)  # --offline: compared as written
    assert [change.changed_fields for change in as_written.changes] == [["allowed_models"]]


def test_a_real_change_still_shows_in_canonical_form():
    declared = config(guardrails=[{"name": "ci", "allowed_models": ["openai/gpt-4o", "openai/gpt-4o-mini"]}])
    state = live(guardrails=[guardrail("ci", allowed_models=["openai/gpt-4o-mini-2024-07-18"])])

    (change,) = plan_from_state(declared, state, model_slugs=SLUGS).changes
    assert change.before["allowed_models"] == ["openai/gpt-4o-mini-2024-07-18"]
    assert change.after["allowed_models"] == ["openai/gpt-4o", "openai/gpt-4o-mini-2024-07-18"]


def test_only_a_file_that_names_models_needs_the_catalog():
    assert not names_models(config(keys=[{"name": "k"}], guardrails=[{"name": "g", "limit_usd": 5,
                                                                       "reset_interval": "daily"}]).model)
    assert names_models(config(guardrails=[{"name": "g", "ignored_models": ["x/y"]}]).model)


class CatalogServer:
    """GET /models in pages of `page` rows, recording each request's query and credential."""

    def __init__(self, rows: list[dict], page: int | None = None, status: int = 200) -> None:
        self.rows, self.page, self.status = rows, page, status
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.status != 200:
            return httpx.Response(self.status, json={"error": {"code": self.status, "message": "down"}})
        offset = int(request.url.params.get("offset", 0))
        size = self.page or int(request.url.params.get("limit", len(self.rows)))
        return httpx.Response(200, content=json.dumps(
            {"data": self.rows[offset:offset + size], "total_count": len(self.rows)}))


def client_for(server: CatalogServer) -> OpenRouterClient:
    return OpenRouterClient(base_url="http://127.0.0.1:9", management_key="fake-management-key",
                            api_key="fake-inference-key", transport=httpx.MockTransport(server),
                            max_attempts=1)


def test_the_catalog_is_read_without_credentials_and_with_every_modality():
    server = CatalogServer(ROWS)
    with client_for(server) as client:
        slugs, warnings = read_model_slugs(client)

    assert warnings == [] and isinstance(slugs, ModelSlugs) and len(slugs) == 5
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert request.url.params["output_modalities"] == "all"


def test_every_page_of_the_catalog_is_read():
    rows = [{"id": f"acme/m{n}", "canonical_slug": f"acme/m{n}-2026"} for n in range(2500)]
    server = CatalogServer(rows, page=1000)
    with client_for(server) as client:
        slugs, _ = read_model_slugs(client)

    assert slugs.canonical("acme/m2499") == "acme/m2499-2026"
    assert sorted(int(r.url.params["offset"]) for r in server.requests) == [0, 1000, 2000]


def test_an_unreadable_catalog_is_a_warning_and_lists_compare_as_written():
    server = CatalogServer(ROWS, status=503)
    with client_for(server) as client:
        slugs, warnings = read_model_slugs(client)

    assert slugs is None
    assert len(warnings) == 1 and warnings[0].startswith("model catalog unreadable")


class FailingCatalogClient:
    """Reads the org (an empty one) but not the catalog."""

    def __getattr__(self, name):
        if name == "list_catalog_models":
            def fail():
                raise ServerError(method="GET", path="/models", status=503, message="Service Unavailable")
            return fail
        if name.startswith("list_"):
            return lambda **_: []
        raise AttributeError(name)


def test_a_plan_says_when_the_catalog_could_not_be_read():
    declared = config(guardrails=[{"name": "g", "allowed_models": ["openai/gpt-4o-mini"]}])
    plan = build_plan(declared, FailingCatalogClient(), allow_empty_org=True)
    assert any(w.startswith("model catalog unreadable") for w in plan.warnings)

    offline = build_plan(declared, FailingCatalogClient(), model_slugs=False, allow_empty_org=True)
    assert not any("catalog" in w for w in offline.warnings)
