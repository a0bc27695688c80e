"""Catalog checks at plan time: unknown models and providers stop the plan, with suggestions."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from orsync.api.errors import ServerError
from orsync.catalog_check import check_catalog, closest
from orsync.config.loader import load_config
from orsync.errors import ConfigError, OrsyncError
from tests.cli_runner import run_cli

MODELS = [{"id": "openai/gpt-4o-mini", "canonical_slug": "openai/gpt-4o-mini-2024-07-18"},
          {"id": "openai/gpt-4o", "canonical_slug": "openai/gpt-4o"},
          {"id": "anthropic/claude-3.5-haiku", "canonical_slug": "anthropic/claude-3-5-haiku"},
          {"id": "mistralai/mistral-small", "canonical_slug": "mistralai/mistral-small"}]
CATALOG = {
    "list_catalog_models": MODELS,
    "list_embedding_models": [{"id": "openai/text-embedding-3-small", "canonical_slug": "openai/text-embedding-3-small"}],
    "list_rerank_models": [{"id": "cohere/rerank-v3.5", "canonical_slug": "cohere/rerank-v3.5"}],
    "list_providers": [{"slug": "openai"}, {"slug": "anthropic"}, {"slug": "mistral"}, {"slug": "azure"}],
    "list_zdr_endpoints": [{"model_id": "openai/gpt-4o-mini"}, {"model_id": "anthropic/claude-3.5-haiku"}],
}


class CatalogClient:
    """Serves CATALOG, records each call, and (with `together`) lets no call finish until
    that many are in flight at once: sequential fetching would break the barrier."""

    def __init__(self, together: int = 0, failing: str | None = None) -> None:
        self.calls: list[str] = []
        self._barrier = threading.Barrier(together, timeout=10) if together else None
        self._failing = failing

    def __getattr__(self, name: str):
        if name not in CATALOG:
            raise AttributeError(name)

        def listing():
            self.calls.append(name)
            if self._barrier:
                self._barrier.wait()
            if name == self._failing:
                raise ServerError(method="GET", path="/providers", status=503, message="Service Unavailable")
            return CATALOG[name]
        return listing


def org_file(tmp_path: Path, guardrails: str) -> Path:
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nguardrails:\n" + guardrails)
    return path


def check(path: Path, client=None) -> list[str]:
    return check_catalog(load_config(path, env={}), client or CatalogClient())


def test_unknown_model_is_an_error_at_its_list_item_with_the_closest_match(tmp_path):
    path = org_file(tmp_path, "  - name: ci\n"
                              "    allowed_models:\n"
                              "      - openai/gpt-4o-mini\n"
                              "      - anthropic/claude-3.5-haikuu\n")
    with pytest.raises(ConfigError) as raised:
        check(path)
    assert str(raised.value) == (
        f"{path}:6:9: guardrails[0].allowed_models[1]: unknown model 'anthropic/claude-3.5-haikuu' "
        "(not in GET /models, /embeddings/models or /rerank/models); did you mean anthropic/claude-3.5-haiku?")


def test_unknown_provider_suggests_the_slug(tmp_path):
    path = org_file(tmp_path, "  - name: ci\n    ignored_providers: [azure, OpenAI]\n")
    with pytest.raises(ConfigError) as raised:
        check(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:4:32: guardrails[0].ignored_providers[1]: unknown provider 'OpenAI'")
    assert message.endswith("did you mean openai?")


def test_first_unknown_in_the_file_is_reported_with_a_count_of_the_others(tmp_path):
    path = org_file(tmp_path, "  - name: a\n    allowed_providers: [nope]\n"
                              "  - name: b\n    ignored_models: [zzz/unheard-of, openai/gpt-4o-mni]\n")
    with pytest.raises(ConfigError) as raised:
        check(path)
    message = str(raised.value)
    assert message.startswith(f"{path}:4:25: guardrails[0].allowed_providers[0]: unknown provider 'nope'")
    assert message.endswith("(and 2 more unknown names)")


def test_ids_canonical_slugs_and_embedding_and_rerank_models_are_known(tmp_path):
    path = org_file(tmp_path, "  - name: ci\n    allowed_models: [openai/gpt-4o-mini-2024-07-18, openai/gpt-4o,\n"
                              "      openai/text-embedding-3-small, cohere/rerank-v3.5]\n"
                              "    allowed_providers: [mistral]\n")
    assert check(path) == []


def test_catalogs_are_fetched_concurrently_and_only_when_needed(tmp_path):
    both = org_file(tmp_path, "  - name: ci\n    allowed_models: [openai/gpt-4o]\n    allowed_providers: [openai]\n"
                              "    enforce_zdr: true\n")
    client = CatalogClient(together=5)
    check(both, client)
    assert sorted(client.calls) == sorted(CATALOG)

    providers_only = org_file(tmp_path, "  - name: ci\n    allowed_providers: [openai]\n")
    client = CatalogClient()
    check(providers_only, client)
    assert client.calls == ["list_providers"]

    nothing = org_file(tmp_path, "  - name: ci\n    limit_usd: 5\n    reset_interval: daily\n")
    client = CatalogClient()
    assert check(nothing, client) == [] and client.calls == []


def test_zdr_guardrail_allowing_a_model_without_zdr_endpoint_is_a_warning(tmp_path):
    path = org_file(tmp_path, "  - name: private\n    enforce_zdr: true\n"
                              "    allowed_models: [openai/gpt-4o-mini-2024-07-18, mistralai/mistral-small, openai/gpt-4o]\n"
                              "  - name: open\n    enforce_zdr: false\n    allowed_models: [mistralai/mistral-small]\n")
    warnings = check(path)
    assert warnings == [
        f"{path}:5:5: guardrails[0].allowed_models: guardrail 'private' enforces ZDR, but mistralai/mistral-small, "
        "openai/gpt-4o have no zero-data-retention endpoint (GET /endpoints/zdr): requests for them will be refused"]


def test_per_maker_zdr_flags_warn_only_for_that_makers_models(tmp_path):
    path = org_file(tmp_path, "  - name: private\n    enforce_zdr: false\n    enforce_zdr_openai: true\n"
                              "    allowed_models: [openai/gpt-4o, mistralai/mistral-small]\n"
                              "  - name: all-but-openai\n    enforce_zdr: true\n    enforce_zdr_openai: false\n"
                              "    allowed_models: [openai/gpt-4o, mistralai/mistral-small]\n")
    warnings = check(path)
    assert len(warnings) == 2
    assert "guardrail 'private' enforces ZDR, but openai/gpt-4o has no" in warnings[0]
    assert "guardrail 'all-but-openai' enforces ZDR, but mistralai/mistral-small has no" in warnings[1]


def test_a_workspace_default_guardrail_is_checked_too(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nworkspaces:\n  - slug: research\n    name: Research\n    default_guardrail:\n"
                    "      enforce_zdr: true\n      allowed_models: [openai/gpt-4o, openai/gpt-4o-mni]\n")
    with pytest.raises(ConfigError) as raised:
        check(path)
    assert str(raised.value).startswith(
        f"{path}:7:39: workspaces[0].default_guardrail.allowed_models[1]: unknown model 'openai/gpt-4o-mni'")

    path.write_text(path.read_text().replace(", openai/gpt-4o-mni]", "]"))
    (warning,) = check(path)
    assert "guardrail 'research default' enforces ZDR, but openai/gpt-4o has no" in warning


def test_guardrails_being_deleted_are_not_checked(tmp_path):
    path = org_file(tmp_path, "  - name: old\n    state: absent\n    allowed_models: [gone/model]\n")
    client = CatalogClient()
    assert check(path, client) == [] and client.calls == []


def test_catalog_failure_says_how_to_skip_the_checks(tmp_path):
    path = org_file(tmp_path, "  - name: ci\n    allowed_providers: [openai]\n")
    with pytest.raises(OrsyncError) as raised:
        check(path, CatalogClient(failing="list_providers"))
    assert "503" in str(raised.value) and str(raised.value).endswith("(use --offline to skip catalog checks)")


def test_closest_ignores_case_and_keeps_the_catalog_spelling():
    assert closest("Anthropic/Claude-3.5-Haiku", ["anthropic/claude-3.5-haiku", "openai/gpt-4o"]) == [
        "anthropic/claude-3.5-haiku"]
    assert closest("zzzz", ["openai/gpt-4o"]) == []


# --- through `orsync plan` against the emulator's catalogs --------------------------------------

@pytest.fixture
def target(emulator, monkeypatch):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
    return emulator


def test_plan_stops_on_a_typo_before_writing_anything(target, tmp_path, capsys):
    path = org_file(tmp_path, "  - name: ci-policy\n    allowed_models: [openai/gpt-4o-mini, anthropic/claude-3.5-haiku]\n"
                              "    allowed_providers: [openai, antropic]\n")
    target.reset_counts()

    code, out, err = run_cli(capsys, "--base-url", target.base_url, "plan", str(path))

    assert code == 1 and out == ""
    assert err == (f"orsync: error: {path}:5:33: guardrails[0].allowed_providers[1]: unknown provider "
                   "'antropic' (not in GET /providers); did you mean anthropic?\n")
    counts = target.request_counts()
    assert counts["GET /providers"] == 1 and counts["GET /models"] == 1
    # The catalogs are read while the org is (plan never writes): nothing was changed.
    assert target.write_count() == 0


def test_plan_offline_skips_the_catalog(target, tmp_path, capsys):
    path = org_file(tmp_path, "  - name: ci-policy\n    allowed_models: [not/in-the-catalog]\n")
    target.reset_counts()

    code, out, _ = run_cli(capsys, "--base-url", target.base_url, "plan", "--offline", str(path))

    assert code == 0
    assert "~ guardrail.ci-policy" in out
    counts = target.request_counts()
    assert counts["GET /keys"] >= 1
    assert not any("models" in route or "providers" in route for route in counts)


def test_plan_shows_the_zdr_warning(target, tmp_path, capsys):
    path = org_file(tmp_path, "  - name: private\n    enforce_zdr: true\n    allowed_models: [mistralai/mistral-small]\n")

    code, out, _ = run_cli(capsys, "--base-url", target.base_url, "plan", "--format", "markdown", str(path))

    assert code == 0
    assert "Warning" in out and "mistralai/mistral-small has no zero-data-retention endpoint" in out
