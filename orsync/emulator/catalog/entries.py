"""The emulator's model and provider catalog, and its JSON forms for the catalog endpoints.

The built-in catalog (`data/catalog.json`) holds real model and provider slugs with their
prices per token; a seed's `catalog:` section (same format, kept raw in `state.catalog`)
replaces it. Model prices default to the cheapest endpoint's; an endpoint without its own
`pricing` charges the model's.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

# uuid5 namespace for endpoint ids: the same model and provider always get the same id.
ENDPOINT_NAMESPACE = uuid.UUID("6f1d7c2e-9a43-4b8e-8c55-0d7b7e1a2f90")
TEXT_MODALITIES = ("text",)


@dataclass(frozen=True)
class Provider:
    slug: str
    name: str
    headquarters: str | None = None
    datacenters: tuple[str, ...] | None = None
    privacy_policy_url: str | None = None
    terms_of_service_url: str | None = None
    status_page_url: str | None = None

    def matches(self, wanted: str) -> bool:
        """Requests and guardrails name a provider by slug or by display name."""
        wanted = wanted.strip().lower()
        return wanted in (self.slug.lower(), self.name.lower())

    def public(self) -> dict:
        return {"name": self.name, "slug": self.slug,
                "privacy_policy_url": self.privacy_policy_url,
                "terms_of_service_url": self.terms_of_service_url,
                "status_page_url": self.status_page_url,
                "headquarters": self.headquarters,
                "datacenters": list(self.datacenters) if self.datacenters is not None else None}


@dataclass(frozen=True)
class Endpoint:
    """One provider serving one model, with its own prices and limits."""

    model_id: str
    provider: Provider
    pricing: tuple[tuple[str, str], ...]
    context_length: int
    max_completion_tokens: int | None
    quantization: str | None
    zdr: bool
    is_moderated: bool
    supports_implicit_caching: bool

    @property
    def id(self) -> str:
        return str(uuid.uuid5(ENDPOINT_NAMESPACE, f"{self.model_id}@{self.provider.slug}"))

    @property
    def tag(self) -> str:
        if self.quantization and self.quantization != "unknown":
            return f"{self.provider.slug}/{self.quantization}"
        return self.provider.slug

    def price(self, part: str) -> float:
        """USD per unit (token, or request for `request`); 0 when the endpoint has no such price."""
        return float(dict(self.pricing).get(part, "0"))

    def public(self, model: Model) -> dict:
        """The PublicEndpoint object of /models/{author}/{slug}/endpoints and /endpoints/zdr."""
        stats = endpoint_stats(self.id)
        return {
            "name": f"{self.provider.name} | {model.canonical_slug}",
            "model_id": model.id,
            "model_name": model.name,
            "context_length": self.context_length,
            "pricing": dict(self.pricing),
            "provider_name": self.provider.name,
            "tag": self.tag,
            "quantization": self.quantization,
            "max_completion_tokens": self.max_completion_tokens,
            "max_prompt_tokens": None,
            "supported_parameters": list(model.supported_parameters),
            "status": 0,
            "uptime_last_30m": stats["uptime"],
            "uptime_last_5m": 100.0,
            "uptime_last_1d": stats["uptime"],
            "supports_implicit_caching": self.supports_implicit_caching,
            "latency_last_30m": stats["latency"],
            "throughput_last_30m": stats["throughput"],
            # Fields of today's PublicEndpoint (SDK 2026-10), required by current clients.
            "supports_tool_choice": model.tool_choice_support(),
            "native_tools": {},
            "service_tier": None,
            "supports_diarization": False,
        }


@dataclass(frozen=True)
class Model:
    id: str
    canonical_slug: str
    name: str
    created: int
    description: str
    context_length: int
    input_modalities: tuple[str, ...]
    output_modalities: tuple[str, ...]
    tokenizer: str
    instruct_type: str | None
    pricing: tuple[tuple[str, str], ...]
    supported_parameters: tuple[str, ...]
    categories: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    hugging_face_id: str | None = None
    knowledge_cutoff: str | None = None
    embedding_dimensions: int | None = None

    @property
    def modality(self) -> str:
        return "+".join(self.input_modalities) + "->" + "+".join(self.output_modalities)

    def architecture(self) -> dict:
        return {"modality": self.modality, "input_modalities": list(self.input_modalities),
                "output_modalities": list(self.output_modalities), "tokenizer": self.tokenizer,
                "instruct_type": self.instruct_type}

    @property
    def variant(self) -> str:
        """The `:variant` suffix of the id (`:free`), or ''."""
        _, sep, variant = self.id.partition(":")
        return sep + variant

    @property
    def stored_slug(self) -> str:
        """How a guardrail list stores this model: its canonical slug, with the id's variant
        (a `:free` model's canonical slug is its base model's)."""
        if self.variant and not self.canonical_slug.endswith(self.variant):
            return self.canonical_slug + self.variant
        return self.canonical_slug

    def tool_choice_support(self) -> dict[str, bool]:
        """Which `tool_choice` values the model's endpoints honour: all with `tool_choice`,
        only `auto` with tools alone, none without tools."""
        full = "tool_choice" in self.supported_parameters
        tools = full or "tools" in self.supported_parameters
        return {"auto": tools, "function": full, "none": full, "required": full}

    def names(self) -> set[str]:
        """The slugs a request or an allow-list may use for this model."""
        return {self.id.lower(), self.stored_slug.lower()}

    def public(self) -> dict:
        """The Model object of GET /models and its siblings."""
        top = self.endpoints[0] if self.endpoints else None
        return {
            "id": self.id,
            "canonical_slug": self.canonical_slug,
            "hugging_face_id": self.hugging_face_id,
            "name": self.name,
            "created": self.created,
            "description": self.description,
            "context_length": self.context_length,
            "architecture": self.architecture(),
            "pricing": dict(self.pricing),
            "top_provider": {"context_length": top.context_length if top else self.context_length,
                             "max_completion_tokens": top.max_completion_tokens if top else None,
                             "is_moderated": top.is_moderated if top else False},
            "per_request_limits": None,
            "supported_parameters": list(self.supported_parameters),
            "default_parameters": {"temperature": None, "top_p": None, "frequency_penalty": None},
            "supported_voices": None,
            "knowledge_cutoff": self.knowledge_cutoff,
            "expiration_date": None,
            "links": {"details": f"/api/v1/models/{self.id}/endpoints"},
        }

    def endpoints_public(self) -> dict:
        """The data object of GET /models/{author}/{slug}/endpoints."""
        return {"id": self.id, "name": self.name, "created": self.created,
                "description": self.description, "architecture": self.architecture(),
                "endpoints": [e.public(self) for e in self.endpoints]}


class Catalog:
    def __init__(self, providers: list[Provider], models: list[Model]) -> None:
        self.providers = providers
        self.models = models
        self._by_name = {name: m for m in models for name in m.names()}

    @classmethod
    def from_data(cls, data: Any) -> Catalog:
        """A catalog from its document form; ValueError names the bad entry."""
        if not isinstance(data, dict):
            raise ValueError("catalog: expected a mapping with providers and models")
        providers = _unique("provider", "slug", [
            _provider(f"catalog.providers[{n}]", row)
            for n, row in enumerate(_listed("catalog", data, "providers"))])
        by_slug = {p.slug: p for p in providers}
        models = _unique("model", "id", [
            _model(f"catalog.models[{n}]", row, by_slug)
            for n, row in enumerate(_listed("catalog", data, "models"))])
        return cls(providers, models)

    def model(self, name: str) -> Model | None:
        """The model a request names by id or canonical slug (case-insensitive)."""
        return self._by_name.get(name.strip().lower())

    def canonical(self, name: str) -> str:
        """What a guardrail stores for a model id: the canonical slug (with its `:variant`), as
        the API's resolver does; an id the catalog does not list is kept as given."""
        model = self.model(name)
        if model is not None:
            return model.stored_slug
        base, sep, variant = name.partition(":")
        model = self.model(base) if sep else None
        return f"{model.canonical_slug}:{variant}" if model is not None else name

    def provider(self, name: str) -> Provider | None:
        return next((p for p in self.providers if p.matches(name)), None)

    def listed(self, output_modalities: str | None = None, category: str | None = None,
               supported_parameters: str | None = None) -> list[Model]:
        """GET /models's filters: output modality (default text, `all` for every model),
        category, and parameters every listed model must support (comma-separated)."""
        wanted = _csv(output_modalities) or list(TEXT_MODALITIES)
        params = _csv(supported_parameters)
        return [m for m in self.models
                if ("all" in wanted or set(wanted) & set(m.output_modalities))
                and (not category or category in m.categories)
                and set(params) <= set(m.supported_parameters)]

    def with_output(self, modality: str) -> list[Model]:
        return [m for m in self.models if modality in m.output_modalities]

    def zdr_endpoints(self) -> list[dict]:
        """/endpoints/zdr rows: there `model_id` is the model's permaslug (canonical slug)."""
        return [{**e.public(m), "model_id": m.stored_slug}
                for m in self.models for e in m.endpoints if e.zdr]


@lru_cache(maxsize=1)
def _builtin_document() -> str:
    return resources.files("orsync.emulator.catalog").joinpath("data/catalog.json").read_text("utf-8")


def default_catalog_data() -> dict:
    """The built-in catalog document (a fresh copy callers may edit)."""
    return json.loads(_builtin_document())


@lru_cache(maxsize=8)
def _parsed(document: str) -> Catalog:
    return Catalog.from_data(json.loads(document))


def catalog_of(state: Any) -> Catalog:
    """The catalog a state serves: its seed's `catalog:` section, else the built-in one."""
    data = getattr(state, "catalog", None)
    if data is None:
        return _parsed(_builtin_document())
    return _parsed(json.dumps(data, sort_keys=True))


def _provider(where: str, row: Any) -> Provider:
    _require(where, row, ("slug", "name"))
    datacenters = _strings(where, row, "datacenters")
    return Provider(slug=row["slug"], name=row["name"], headquarters=row.get("headquarters"),
                    datacenters=datacenters,
                    privacy_policy_url=row.get("privacy_policy_url"),
                    terms_of_service_url=row.get("terms_of_service_url"),
                    status_page_url=row.get("status_page_url"))


def _model(where: str, row: Any, providers: dict[str, Provider]) -> Model:
    _require(where, row, ("id", "name", "context_length", "endpoints"))
    context = _integer(where, row, "context_length")
    own_pricing = _pricing(where, row["pricing"]) if row.get("pricing") else None
    endpoints = tuple(_endpoint(f"{where}.endpoints[{n}]", row["id"], e, providers, context,
                                row.get("pricing"))
                      for n, e in enumerate(_listed(where, row, "endpoints")))
    return Model(
        id=row["id"], canonical_slug=row.get("canonical_slug") or row["id"], name=row["name"],
        created=_integer(where, row, "created") or 0, description=row.get("description", ""),
        context_length=context,
        input_modalities=_strings(where, row, "input_modalities") or TEXT_MODALITIES,
        output_modalities=_strings(where, row, "output_modalities") or TEXT_MODALITIES,
        tokenizer=row.get("tokenizer", "Other"), instruct_type=row.get("instruct_type"),
        pricing=own_pricing or _cheapest_pricing(endpoints),
        supported_parameters=_strings(where, row, "supported_parameters") or (),
        categories=_strings(where, row, "categories") or (), endpoints=endpoints,
        hugging_face_id=row.get("hugging_face_id"), knowledge_cutoff=row.get("knowledge_cutoff"),
        embedding_dimensions=_integer(where, row, "embedding_dimensions"))


def _endpoint(where: str, model_id: str, row: Any, providers: dict[str, Provider], context: int,
              model_pricing: dict | None) -> Endpoint:
    _require(where, row, ("provider",))
    provider = providers.get(row["provider"])
    if provider is None:
        raise ValueError(f"{where}: provider {row['provider']!r} is not in catalog.providers")
    pricing = row.get("pricing") or model_pricing
    if pricing is None:
        raise ValueError(f"{where}: no pricing on the endpoint or its model")
    return Endpoint(model_id=model_id, provider=provider, pricing=_pricing(where, pricing),
                    context_length=_integer(where, row, "context_length") or context,
                    max_completion_tokens=_integer(where, row, "max_completion_tokens"),
                    quantization=row.get("quantization"), zdr=bool(row.get("zdr", False)),
                    is_moderated=bool(row.get("is_moderated", False)),
                    supports_implicit_caching=bool(row.get("supports_implicit_caching", False)))


def _pricing(where: str, pricing: Any) -> tuple[tuple[str, str], ...]:
    """Prices as the API writes them: decimal strings, `prompt` and `completion` always."""
    if not isinstance(pricing, dict) or "prompt" not in pricing or "completion" not in pricing:
        raise ValueError(f"{where}: pricing needs prompt and completion")
    try:
        return tuple((part, _decimal_text(value)) for part, value in pricing.items())
    except (TypeError, ValueError):
        raise ValueError(f"{where}: prices are numbers or decimal strings") from None


def _decimal_text(value: Any) -> str:
    if isinstance(value, str):
        float(value)
        return value
    return format(float(value), "f").rstrip("0").rstrip(".") or "0"


def _cheapest_pricing(endpoints: tuple[Endpoint, ...]) -> tuple[tuple[str, str], ...]:
    return min(endpoints, key=lambda e: e.price("prompt") + e.price("completion")).pricing


def _require(where: str, row: Any, names: tuple[str, ...]) -> None:
    if not isinstance(row, dict):
        raise ValueError(f"{where}: expected a mapping")
    missing = [n for n in names if row.get(n) in (None, "", [])]
    if missing:
        raise ValueError(f"{where}: {missing[0]!r} is required")


def _listed(where: str, row: dict, name: str) -> list:
    value = row.get(name) or []
    if not isinstance(value, list):
        raise ValueError(f"{where}: {name} must be a list")
    return value


def _integer(where: str, row: dict, name: str) -> int | None:
    value = row.get(name)
    if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
        raise ValueError(f"{where}: {name} must be an integer")
    return value


def _strings(where: str, row: dict, name: str) -> tuple[str, ...] | None:
    value = row.get(name)
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ValueError(f"{where}: {name} must be a list of strings")
    return tuple(value)


def _unique(kind: str, field: str, entries: list) -> list:
    """The entries, refusing two with one identity (the catalog could not tell them apart)."""
    seen: set[str] = set()
    for n, entry in enumerate(entries):
        identity = getattr(entry, field)
        if identity in seen:
            raise ValueError(f"catalog.{kind}s[{n}]: {kind} {identity!r} is listed twice")
        seen.add(identity)
    return entries


def _csv(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def endpoint_stats(endpoint_id: str) -> dict:
    """Plausible, stable uptime, latency (s) and throughput (tokens/s) for an endpoint."""
    seed = hashlib.sha256(endpoint_id.encode()).digest()
    latency = 0.3 + seed[0] / 255 * 0.9
    throughput = 40 + seed[1] / 255 * 160
    return {
        "uptime": round(99.0 + seed[2] / 255, 2),
        "latency": {"p50": round(latency, 3), "p75": round(latency * 1.3, 3),
                    "p90": round(latency * 1.8, 3), "p99": round(latency * 3.2, 3)},
        "throughput": {"p50": round(throughput, 1), "p75": round(throughput * 0.85, 1),
                       "p90": round(throughput * 0.7, 1), "p99": round(throughput * 0.45, 1)},
    }
