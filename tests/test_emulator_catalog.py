"""The emulator's catalog: the built-in models and providers, the catalog endpoints' filters and
pages, /models/user under guardrails, and a seed's `catalog:` replacing the built-in one."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from orsync.emulator.catalog.entries import Catalog, catalog_of, default_catalog_data
from orsync.emulator.testing import RunningEmulator

TEXT_MODELS = {"openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3.5-haiku",
               "anthropic/claude-sonnet-4", "google/gemini-2.5-flash",
               "meta-llama/llama-3.1-8b-instruct", "meta-llama/llama-3.1-8b-instruct:free",
               "mistralai/mistral-small"}
EMBEDDING_MODELS = {"openai/text-embedding-3-small", "openai/text-embedding-3-large"}


@pytest.fixture(scope="module")
def shared(session_emulator) -> RunningEmulator:
    """The session's emulator, reset once: this module's tests only read."""
    session_emulator.reset()
    return session_emulator


@pytest.fixture(scope="module")
def public(shared) -> Iterator[httpx.Client]:
    client = shared.http(key="")
    yield client
    client.close()


def ids(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {m["id"] for m in response.json()["data"]}


def test_builtin_catalog_uses_real_slugs_and_prices():
    catalog = catalog_of(None)
    mini = catalog.model("openai/gpt-4o-mini")
    assert mini.canonical_slug == "openai/gpt-4o-mini-2024-07-18"
    assert (mini.endpoints[0].price("prompt"), mini.endpoints[0].price("completion")) == (1.5e-07, 6e-07)
    assert catalog.model("OpenAI/GPT-4o-mini-2024-07-18") is mini  # canonical slug, any case
    slugs = {p.slug for p in catalog.providers}
    assert {"openai", "anthropic", "google-vertex", "together", "mistral", "cohere", "deepinfra"} <= slugs
    assert {e.provider.slug for m in catalog.models for e in m.endpoints} <= slugs


def test_bad_catalog_documents_name_the_entry():
    data = default_catalog_data()
    data["models"][1]["endpoints"][0]["provider"] = "nobody"
    with pytest.raises(ValueError, match=r"catalog.models\[1\].endpoints\[0\]: provider 'nobody'"):
        Catalog.from_data(data)
    data = default_catalog_data()
    del data["models"][0]["pricing"]["prompt"]
    with pytest.raises(ValueError, match=r"catalog.models\[0\]: pricing needs prompt and completion"):
        Catalog.from_data(data)


def test_models_lists_text_models_unless_other_outputs_are_asked(public):
    assert ids(public.get("/models")) == TEXT_MODELS
    assert ids(public.get("/models", params={"output_modalities": "embeddings"})) == EMBEDDING_MODELS
    everything = ids(public.get("/models", params={"output_modalities": "all"}))
    assert everything == TEXT_MODELS | EMBEDDING_MODELS | {"cohere/rerank-v3.5"}
    assert public.get("/models/count").json() == {"data": {"count": len(TEXT_MODELS)}}
    counted = public.get("/models/count", params={"output_modalities": "text,rerank"}).json()
    assert counted["data"]["count"] == len(TEXT_MODELS) + 1


def test_models_filter_by_category_and_every_listed_parameter(public):
    assert ids(public.get("/models", params={"category": "roleplay"})) == {
        "anthropic/claude-3.5-haiku", "meta-llama/llama-3.1-8b-instruct",
        "meta-llama/llama-3.1-8b-instruct:free"}
    assert ids(public.get("/models", params={"supported_parameters": "tools,top_k"})) == {
        "anthropic/claude-3.5-haiku", "anthropic/claude-sonnet-4", "meta-llama/llama-3.1-8b-instruct"}
    refused = public.get("/models", params={"category": "cooking"})
    assert refused.status_code == 400


def test_models_page_only_when_asked(public):
    whole = public.get("/models").json()
    assert whole["total_count"] == len(TEXT_MODELS) and whole["links"] == {"next": None}
    first = public.get("/models", params={"limit": 3}).json()
    assert len(first["data"]) == 3 and first["total_count"] == len(TEXT_MODELS)
    assert first["links"]["next"] == "/api/v1/models?offset=3&limit=3"
    rest = public.get("/models", params={"offset": 6, "limit": 3}).json()
    assert [m["id"] for m in rest["data"]] == [m["id"] for m in whole["data"][6:]]
    assert rest["links"]["next"] is None


def test_model_object_carries_prices_limits_and_links(public):
    model = next(m for m in public.get("/models").json()["data"] if m["id"] == "anthropic/claude-sonnet-4")
    assert model["pricing"]["prompt"] == "0.000003" and model["pricing"]["completion"] == "0.000015"
    assert model["context_length"] == 200000
    assert model["top_provider"] == {"context_length": 200000, "max_completion_tokens": 64000,
                                     "is_moderated": True}
    assert model["architecture"]["tokenizer"] == "Claude"
    assert model["links"]["details"] == "/api/v1/models/anthropic/claude-sonnet-4/endpoints"


def test_model_endpoints_list_each_provider_with_its_price(public):
    data = public.get("/models/meta-llama/llama-3.1-8b-instruct/endpoints").json()["data"]
    assert data["id"] == "meta-llama/llama-3.1-8b-instruct"
    prices = {e["provider_name"]: e["pricing"]["prompt"] for e in data["endpoints"]}
    assert prices == {"DeepInfra": "0.00000002", "Groq": "0.00000005", "Together": "0.00000018"}
    assert {e["tag"] for e in data["endpoints"]} == {"deepinfra/bf16", "groq", "together/fp8"}
    missing = public.get("/models/openai/gpt-9/endpoints")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == 404


def test_providers_and_zero_data_retention_endpoints(public):
    providers = {p["slug"]: p for p in public.get("/providers").json()["data"]}
    assert providers["google-vertex"]["name"] == "Google"
    assert providers["mistral"]["headquarters"] == "FR"
    zdr = {(e["model_id"], e["provider_name"]) for e in public.get("/endpoints/zdr").json()["data"]}
    assert ("google/gemini-2.5-flash", "Google") in zdr
    assert ("google/gemini-2.5-flash", "Google AI Studio") not in zdr
    assert ("meta-llama/llama-3.1-8b-instruct", "DeepInfra") not in zdr


def test_embedding_and_rerank_model_lists(public):
    assert ids(public.get("/embeddings/models")) == EMBEDDING_MODELS
    assert ids(public.get("/rerank/models")) == {"cohere/rerank-v3.5"}


def test_user_models_follow_the_callers_guardrails(shared):
    ci = shared.http(shared.state.key_named("ci-smoke").secret)
    assert ids(ci.get("/models/user")) == {"openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"}
    prod = shared.http(shared.state.key_named("prod-backend").secret)
    assert ids(prod.get("/models/user")) == TEXT_MODELS  # its guardrail has a budget only
    assert shared.http(key="").get("/models/user").status_code == 401


def test_a_seeded_catalog_replaces_the_builtin_one(make_emulator):
    seed = {"catalog": {
        "providers": [{"slug": "acme", "name": "Acme"}],
        "models": [{"id": "acme/tiny", "name": "Acme: Tiny", "context_length": 4096,
                    "pricing": {"prompt": 0.001, "completion": "0.002"},
                    "endpoints": [{"provider": "acme", "zdr": True}]}],
    }, "keys": [{"name": "k"}]}
    emulator = make_emulator(seed)
    public = emulator.http(key="")
    assert ids(public.get("/models")) == {"acme/tiny"}
    assert public.get("/models").json()["data"][0]["pricing"] == {"prompt": "0.001", "completion": "0.002"}
    assert [p["slug"] for p in public.get("/providers").json()["data"]] == ["acme"]
    caller = emulator.http(emulator.state.key_named("k").secret)
    answer = caller.post("/chat/completions", json={
        "model": "acme/tiny", "messages": [{"role": "user", "content": "hi"}]}).json()
    usage = answer["usage"]
    assert answer["provider"] == "Acme"
    assert usage["cost"] == pytest.approx(usage["prompt_tokens"] * 0.001 + usage["completion_tokens"] * 0.002)
    assert caller.post("/chat/completions", json={
        "model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}).status_code == 400


def _bad_catalogs() -> list[tuple[dict, str]]:
    unknown_provider = default_catalog_data()
    unknown_provider["models"][1]["endpoints"][0]["provider"] = "nobody"
    bad_context = default_catalog_data()
    bad_context["models"][2]["context_length"] = "big"
    modalities_as_text = default_catalog_data()
    modalities_as_text["models"][0]["output_modalities"] = "text"
    twice = default_catalog_data()
    twice["models"].append(twice["models"][0])
    return [
        (unknown_provider, r"seed catalog.models\[1\].endpoints\[0\]: provider 'nobody'"),
        (bad_context, r"seed catalog.models\[2\]: context_length must be an integer"),
        (modalities_as_text, r"seed catalog.models\[0\]: output_modalities must be a list of strings"),
        (twice, r"seed catalog.models\[11\]: model 'openai/gpt-4o-mini' is listed twice"),
        ([], r"seed catalog: expected a mapping with providers and models"),
    ]


@pytest.mark.parametrize(("catalog", "message"), _bad_catalogs())
def test_a_bad_seeded_catalog_is_refused_when_seeding(catalog, message):
    from orsync.emulator.store.state import EmulatorState

    with pytest.raises(ValueError, match=message):
        EmulatorState.from_seed({"catalog": catalog})


def test_reseeding_with_a_bad_catalog_is_a_400_and_keeps_the_org(shared):
    catalog, message = _bad_catalogs()[0]
    answer = shared.http().post(shared.control_url + "/seed", json={"catalog": catalog})
    assert answer.status_code == 400 and "provider 'nobody'" in answer.json()["error"]["message"]
    assert shared.http(key="").get("/models").status_code == 200


def test_the_emulator_command_names_a_bad_catalog_before_serving(tmp_path):
    from orsync.emulator.serve import build_app
    from orsync.errors import OrsyncError

    seed = tmp_path / "seed.yaml"
    seed.write_text("catalog:\n  providers: [{slug: acme, name: Acme}]\n  models:\n"
                    "    - {id: acme/x, name: X, context_length: 10, endpoints: [{provider: nobody}],\n"
                    "       pricing: {prompt: 1, completion: 1}}\n")
    with pytest.raises(OrsyncError, match=r"seed.yaml: seed catalog.models\[0\].endpoints\[0\]: "
                                          r"provider 'nobody' is not in catalog.providers$"):
        build_app(state_path=None, seed_path=str(seed), management_key=None, latency_ms=0,
                  fault_rate=0.0, fault_seed=0)
