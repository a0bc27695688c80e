"""The catalog: GET /models (+ /count, /user, /{author}/{slug}/endpoints), /providers,
/endpoints/zdr, /embeddings/models and /rerank/models.

Public like the real ones (no key needed), except /models/user, which lists what the calling
key may use under the guardrails that govern it; /models lists the same for a credentialed
caller when the org's filtered model catalog is on. GET /models lists text models unless
`output_modalities` asks for others (`all` for every model), as the reference spec documents.
"""

from __future__ import annotations

from orsync.emulator.catalog.entries import Catalog, Model, catalog_of
from orsync.emulator.inference.budgets import governing_guardrails
from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.inference.routing import Policy
from orsync.emulator.routes.organization import filtered_catalog_enabled
from orsync.emulator.routes.validation import invalid_option, query_integer
from orsync.emulator.store.records import default_guardrail_id

ROUTES: list = []
CATEGORIES = ("programming", "roleplay", "marketing", "marketing/seo", "technology", "science",
              "translation", "legal", "finance", "health", "trivia", "academia")
OUTPUT_MODALITIES = ("all", "text", "image", "embeddings", "audio", "video", "rerank", "speech",
                     "transcription")
PAGE_DEFAULT, PAGE_MAX = 500, 1000


@route("GET", "/models", auth="none")
def list_models(call: Call) -> dict:
    category = call.query.get("category") or None
    if category is not None and category not in CATEGORIES:
        raise invalid_option(["category"], CATEGORIES)
    models = catalog(call).listed(_modalities(call), category, call.query.get("supported_parameters"))
    if call.caller is not None and filtered_catalog_enabled(call):
        models = usable_models(call, models)  # the org's filtered catalog, for a credentialed caller
    return model_page(call, models, "models")


@route("GET", "/models/count", auth="none")
def count_models(call: Call) -> dict:
    return {"data": {"count": len(catalog(call).listed(_modalities(call)))}}


@route("GET", "/models/user", auth="any")
def list_user_models(call: Call) -> dict:
    """The models the caller may use: its guardrails' model and provider rules applied."""
    return model_page(call, usable_models(call, catalog(call).listed()), "models/user")


def usable_models(call: Call, models: list[Model]) -> list[Model]:
    """The models the caller's guardrails let it use (a management key: the default
    workspace's default guardrail, when it has been materialised)."""
    caller = call.caller
    if caller.is_management:
        default = call.state.guardrails.get(default_guardrail_id(call.state.default_workspace_id))
        guardrails = [default] if default is not None else []
    else:
        guardrails = [g for _, g in governing_guardrails(call.state, caller)]
    policy = Policy.of(guardrails)
    return [m for m in models if policy.model_refusal(m) is None
            and any(policy.permits(e) for e in m.endpoints)]


@route("GET", "/models/{author}/{slug}/endpoints", auth="none")
def model_endpoints(call: Call) -> dict:
    model = catalog(call).model(f"{call.params['author']}/{call.params['slug']}")
    if model is None:
        raise ApiFailure(404, "Model not found")
    return {"data": model.endpoints_public()}


@route("GET", "/providers", auth="none")
def list_providers(call: Call) -> dict:
    return {"data": [p.public() for p in catalog(call).providers]}


@route("GET", "/endpoints/zdr", auth="none")
def list_zdr_endpoints(call: Call) -> dict:
    return {"data": catalog(call).zdr_endpoints()}


@route("GET", "/embeddings/models", auth="none")
def list_embedding_models(call: Call) -> dict:
    return model_page(call, catalog(call).with_output("embeddings"), "embeddings/models")


@route("GET", "/rerank/models", auth="none")
def list_rerank_models(call: Call) -> dict:
    return model_page(call, catalog(call).with_output("rerank"), "rerank/models")


def catalog(call: Call) -> Catalog:
    try:
        return catalog_of(call.state)
    except ValueError as exc:
        raise ApiFailure(500, f"The emulator's catalog is invalid: {exc}") from None


def model_page(call: Call, models: list[Model], path: str) -> dict:
    """A ModelsListResponse: the whole list unless `offset` or `limit` asks for a page."""
    if "offset" not in call.query and "limit" not in call.query:
        return {"data": [m.public() for m in models], "total_count": len(models),
                "links": {"next": None}}
    offset = query_integer(call.query, "offset", 0, minimum=0)
    limit = query_integer(call.query, "limit", PAGE_DEFAULT, minimum=1, maximum=PAGE_MAX)
    end = offset + limit
    following = f"/api/v1/{path}?offset={end}&limit={limit}" if end < len(models) else None
    return {"data": [m.public() for m in models[offset:end]], "total_count": len(models),
            "links": {"next": following}}


def _modalities(call: Call) -> str | None:
    wanted = call.query.get("output_modalities") or None
    for modality in (wanted or "").split(","):
        if modality.strip() and modality.strip() not in OUTPUT_MODALITIES:
            raise ApiFailure(400, f"Invalid output modality: {modality.strip()}")
    return wanted
