"""Model slugs over loopback HTTP: each behaviour of API-NOTES "Model slugs in guardrails"."""

from __future__ import annotations

import pytest

from tests.openapi_schema import validated_json

CHAT = {"messages": [{"role": "user", "content": "Reply with OK"}]}


@pytest.fixture
def emulator(reset_emulator):
    return reset_emulator


def models(client, **params) -> dict:
    return validated_json(client.get("/models", params=params), "/models", 200)


def test_guardrail_model_lists_are_stored_as_canonical_slugs(api):
    """API-NOTES "Model slugs in guardrails": the API stores and returns canonical slugs, in
    request order with duplicates removed; `x/y:free` is stored as `<canonical_slug>:free`; an
    id `/models` does not list is stored as given (Terraform provider
    internal/provider/guardrail_model_ids.go, citing the server's resolver; its bug #347)."""
    sent = ["openai/gpt-4o-mini", "anthropic/claude-sonnet-4", "openai/gpt-4o-mini-2024-07-18",
            "openai/gpt-4o-mini:free", "meta-llama/llama-3.1-8b-instruct:free", "acme/unlisted-model",
            "openai/gpt-4o"]
    created = validated_json(api.post("/guardrails", json={"name": "slugs", "allowed_models": sent,
                                                           "ignored_models": ["anthropic/claude-3.5-haiku"]}),
                             "/guardrails", 201)["data"]
    assert created["allowed_models"] == [
        "openai/gpt-4o-mini-2024-07-18", "anthropic/claude-4-sonnet-20250522",
        "openai/gpt-4o-mini-2024-07-18:free", "meta-llama/llama-3.1-8b-instruct:free",
        "acme/unlisted-model", "openai/gpt-4o"]
    assert created["ignored_models"] == ["anthropic/claude-3-5-haiku"]
    patched = validated_json(api.patch(f"/guardrails/{created['id']}",
                                       json={"allowed_models": ["anthropic/claude-3.5-haiku"]}),
                             "/guardrails/{id}", 200)["data"]
    assert patched["allowed_models"] == ["anthropic/claude-3-5-haiku"]


def test_the_catalog_has_models_whose_id_and_canonical_slug_differ_and_a_free_variant():
    """The default catalog lets a client prove it compares through the catalog (API-NOTES)."""
    from orsync.emulator.catalog.entries import default_catalog_data

    rows = default_catalog_data()["models"]
    assert sum(1 for m in rows if m.get("canonical_slug", m["id"]) != m["id"]) >= 3
    assert any(m["id"].endswith(":free") for m in rows)


def test_a_guardrail_that_names_a_model_by_its_id_still_allows_it(api, emulator):
    """Canonical storage changes nothing for inference: the id a request names still matches.
    Source: API-NOTES "Model slugs in guardrails" (the API accepts an id or its canonical slug)."""
    created = api.post("/keys", json={"name": "slug-user"}).json()
    guardrail = api.post("/guardrails", json={"name": "mini", "allowed_models": ["openai/gpt-4o-mini"]}).json()
    api.post(f"/guardrails/{guardrail['data']['id']}/assignments/keys",
             json={"key_hashes": [created["data"]["hash"]]}).raise_for_status()
    caller = emulator.http(created["key"])
    assert caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o-mini"}).status_code == 200
    assert caller.post("/chat/completions", json={**CHAT, "model": "openai/gpt-4o"}).status_code == 403


def test_models_page_with_offset_limit_and_total_count(emulator):
    """API-NOTES: `/models` pages with `offset`/`limit` and `total_count`; `output_modalities=all`
    lists every model (reference spec GET /models parameters)."""
    public = emulator.http("")
    everything = models(public, output_modalities="all")
    total = everything["total_count"]
    assert total == len(everything["data"]) and total > len(models(public)["data"])  # text only by default
    first, second = models(public, output_modalities="all", offset=0, limit=3), \
        models(public, output_modalities="all", offset=3, limit=3)
    assert first["total_count"] == second["total_count"] == total
    assert [m["id"] for m in first["data"] + second["data"]] == [m["id"] for m in everything["data"][:6]]
    embeddings = models(public, output_modalities="embeddings")["data"]
    assert embeddings and all("embeddings" in m["architecture"]["output_modalities"] for m in embeddings)


def test_the_filtered_catalog_applies_to_credentialed_callers_only(api, emulator):
    """API-NOTES "Model slugs in guardrails": a credentialed caller whose org enables the filtered
    model catalog (`is_filtered_model_catalog_enabled`, GET|PATCH /organization/settings) gets a
    list filtered by its guardrails; read the catalog without credentials."""
    settings = validated_json(api.get("/organization/settings"), "/organization/settings", 200)["data"]
    assert settings == {"id": emulator.state.organization_id, "is_filtered_model_catalog_enabled": False}
    ci = emulator.http(emulator.state.key_named("ci-smoke").secret)  # under ci-policy
    full = {m["id"] for m in models(emulator.http(""))["data"]}
    assert {m["id"] for m in models(ci)["data"]} == full
    turned = api.patch("/organization/settings", json={"is_filtered_model_catalog_enabled": True})
    assert validated_json(turned, "/organization/settings", 200)["data"]["is_filtered_model_catalog_enabled"]
    filtered = {m["id"] for m in models(ci)["data"]}
    assert filtered == {"openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"}
    assert {m["id"] for m in models(emulator.http(""))["data"]} == full  # no key: the whole catalog
    validated_json(api.patch("/organization/settings", json={"is_filtered_model_catalog_enabled": "yes"}),
                   "/organization/settings", 400)


def test_endpoint_rows_say_which_tool_choices_they_support_and_zdr_rows_give_the_permaslug(emulator):
    """API-NOTES "Newer than the reference spec": endpoint rows carry `supports_tool_choice`
    `{auto, function, none, required}`; `/endpoints/zdr` rows give the permaslug as `model_id`."""
    public = emulator.http("")
    rows = validated_json(public.get("/models/openai/gpt-4o-mini/endpoints"),
                          "/models/{author}/{slug}/endpoints", 200)["data"]["endpoints"]
    assert rows[0]["supports_tool_choice"] == {"auto": True, "function": True, "none": True, "required": True}
    assert rows[0]["model_id"] == "openai/gpt-4o-mini"
    zdr = validated_json(public.get("/endpoints/zdr"), "/endpoints/zdr", 200)["data"]
    slugs = {row["model_id"] for row in zdr}
    assert {"anthropic/claude-4-sonnet-20250522", "openai/gpt-4o-mini-2024-07-18"} <= slugs
    assert "anthropic/claude-sonnet-4" not in slugs and "openai/gpt-4o-mini" not in slugs
