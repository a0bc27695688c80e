"""The catalog: GET /models (+ /count, /user, /{author}/{slug}/endpoints), /providers,
/endpoints/zdr, /embeddings/models and /rerank/models.

Public like the real ones (no key needed), except /models/user, which lists what the calling
key may use under the guardrails that govern it. GET /models lists text models unless
`output_modalities` asks for others (`all` for every model), as the reference spec documents.
"""

from __future__ import annotations

from orsync.emulator.catalog import Catalog, Model, catalog_of
from orsync.emulator.ledger import governing_guardrails
from orsync.emulator.router import ApiFailure, Call, route
from orsync.emulator.routing import Policy
from orsync.emulator.validation import invalid_option, query_integer

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
    return model_page(call, models, "models")


@route("GET", "/models/count", auth="none")
def count_models(call: Call) -> dict:
    return {"data": {"count": len(catalog(call).listed(_modalities(call)))}}


@route("GET", "/models/user", auth="any")
def list_user_models(call: Call) -> dict:
    """The models the caller may use: its guardrails' model and provider rules applied."""
    models = catalog(call).listed()
    if not call.caller.is_management:
        policy = Policy.of(g for _, g in governing_guardrails(call.state, call.caller))
        models = [m for m in models if policy.model_refusal(m) is None
                  and any(policy.permits(e) for e in m.endpoints)]
    return model_page(call, models, "models/user")


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
