"""Which model and provider answer a request: guardrail rules, then the caller's preferences.

Guardrails governing a key combine as the real API documents: allow-lists intersect, ignore
lists add up, zero data retention applies if any guardrail asks for it. A request names a
model and optionally `models` (fallbacks tried in order); `provider` preferences (`order`,
`only`, `ignore`, `allow_fallbacks`, `zdr`, `sort`) pick among that model's endpoints. Without
an `order`, the cheapest endpoint serves (the real router favours cheaper providers too).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from orsync.emulator.catalog.entries import Catalog, Endpoint, Model, endpoint_stats


class UnknownModel(Exception):
    """A requested model is not in the catalog (400 "... is not a valid model ID")."""


class GuardrailBlock(Exception):
    """Every candidate is forbidden by a guardrail (403 "Request blocked ...")."""

    def __init__(self, message: str, guardrail_ids: list[str]) -> None:
        super().__init__(message)
        self.guardrail_ids = guardrail_ids


class NoEndpoint(Exception):
    """The caller's provider preferences leave no endpoint (404, as the real API answers)."""


@dataclass(frozen=True)
class Policy:
    """The combined rules of the guardrails that govern one key.

    Allow-lists are kept one per guardrail and each must admit a model or provider: they
    intersect by what they name, not by their strings (one list may name a model by its id,
    another by its canonical slug)."""

    guardrail_ids: tuple[str, ...] = ()
    allowed_models: tuple[frozenset[str], ...] = ()
    ignored_models: frozenset[str] = frozenset()
    allowed_providers: tuple[frozenset[str], ...] = ()
    ignored_providers: frozenset[str] = frozenset()
    enforce_zdr: bool = False

    @classmethod
    def of(cls, guardrails: Iterable[Any]) -> Policy:
        """Combine guardrail records (objects with the API's guardrail fields)."""
        rules = list({g.id: g for g in guardrails}.values())  # a default may govern twice
        return cls(
            guardrail_ids=tuple(g.id for g in rules),
            allowed_models=_allow_lists(g.allowed_models for g in rules),
            ignored_models=_union(getattr(g, "ignored_models", None) for g in rules),
            allowed_providers=_allow_lists(g.allowed_providers for g in rules),
            ignored_providers=_union(g.ignored_providers for g in rules),
            enforce_zdr=any(bool(g.enforce_zdr) for g in rules),
        )

    def model_refusal(self, model: Model) -> str | None:
        names = model.names()
        if any(not names & allowed for allowed in self.allowed_models):
            return f"model {model.id} is not in the guardrail's allowed models"
        if names & self.ignored_models:
            return f"model {model.id} is ignored by the guardrail"
        return None

    def permits(self, endpoint: Endpoint) -> bool:
        provider = endpoint.provider
        if any(not _named(provider, allowed) for allowed in self.allowed_providers):
            return False
        if _named(provider, self.ignored_providers):
            return False
        return endpoint.zdr or not self.enforce_zdr

    def provider_refusal(self, model: Model) -> str:
        """Why no endpoint of an allowed model passes the guardrail's provider rules."""
        if self.enforce_zdr and not any(e.zdr for e in model.endpoints):
            return f"no zero-data-retention endpoint serves {model.id}"
        served_by = ", ".join(sorted(e.provider.slug for e in model.endpoints))
        return f"no provider allowed by the guardrail serves {model.id} (served by {served_by})"


@dataclass(frozen=True)
class Choice:
    """The model and endpoint that answer, and the endpoints that were eligible after it."""

    model: Model
    endpoint: Endpoint
    fallbacks: tuple[Endpoint, ...] = field(default=())


def requested_models(body: dict) -> list[str]:
    """`model` first, then the `models` fallback list, without repeats."""
    names = [body["model"]] if isinstance(body.get("model"), str) else []
    names += [m for m in body.get("models") or [] if isinstance(m, str)]
    return list(dict.fromkeys(names))


def choose(catalog: Catalog, names: list[str], preferences: dict | None, policy: Policy,
           output: str = "text") -> Choice:
    """The first requested model with an endpoint both the guardrails and the caller accept.

    Without a model the catalog's first model with the wanted output answers (the real API
    uses the account's default model). `output` is the modality the endpoint produces.
    """
    models = []
    for name in names or [_default_model(catalog, output)]:
        model = catalog.model(name)
        if model is None:
            raise UnknownModel(f"{name} is not a valid model ID")
        if output not in model.output_modalities:
            raise UnknownModel(f"{model.id} does not produce {output}")
        models.append(model)
    refusals: list[str] = []
    preference_misses = 0
    for model in models:
        refusal = policy.model_refusal(model)
        permitted = [e for e in model.endpoints if policy.permits(e)] if refusal is None else []
        if refusal is None and not permitted:
            refusal = policy.provider_refusal(model)
        if refusal is not None:
            refusals.append(refusal)
            continue
        ranked = _by_preference(permitted, preferences or {})
        if ranked:
            return Choice(model, ranked[0], tuple(ranked[1:]))
        preference_misses += 1
    if refusals and not preference_misses:
        raise GuardrailBlock("Request blocked by guardrail: " + "; ".join(refusals),
                             list(policy.guardrail_ids))
    raise NoEndpoint("No allowed providers are available for the selected model.")


def _default_model(catalog: Catalog, output: str) -> str:
    candidates = catalog.with_output(output)
    if not candidates:
        raise UnknownModel(f"the catalog has no model that produces {output}")
    return candidates[0].id


def _by_preference(endpoints: list[Endpoint], preferences: dict) -> list[Endpoint]:
    """Endpoints in the order the caller's `provider` preferences try them."""
    only, ignore = _names(preferences.get("only")), _names(preferences.get("ignore"))
    order = list(dict.fromkeys(_names_in_order(preferences.get("order"))))
    eligible = [e for e in endpoints
                if (not only or _named(e.provider, only))
                and not _named(e.provider, ignore)
                and (e.zdr or not preferences.get("zdr"))]
    eligible.sort(key=_sort_key(preferences.get("sort")))
    if not order:
        return eligible
    first = [e for wanted in order for e in eligible if e.provider.matches(wanted)]
    rest = [e for e in eligible if e not in first]
    return first if preferences.get("allow_fallbacks") is False else first + rest


def _sort_key(sort: Any):
    """Cheapest first by default and for `price`; fastest first for throughput or latency."""
    by = sort.get("by") if isinstance(sort, dict) else sort
    if by in ("throughput", "latency"):
        sign = -1 if by == "throughput" else 1
        return lambda e: sign * endpoint_stats(e.id)[by]["p50"]
    return lambda e: e.price("prompt") + e.price("completion")


def _names_in_order(value: Any) -> list[str]:
    """Provider names of a preference list, lower-cased; anything but a list names none."""
    return [v.strip().lower() for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _names(value: Any) -> frozenset[str]:
    return frozenset(_names_in_order(value))


def _named(provider: Any, names: frozenset[str]) -> bool:
    return any(provider.matches(n) for n in names)


def _allow_lists(lists: Iterable[list[str] | None]) -> tuple[frozenset[str], ...]:
    """Each guardrail's allow-list, lower-cased; a guardrail without one allows everything."""
    return tuple(frozenset(i.lower() for i in items) for items in lists if items is not None)


def _union(lists: Iterable[list[str] | None]) -> frozenset[str]:
    return frozenset(i.lower() for items in lists if items for i in items)
