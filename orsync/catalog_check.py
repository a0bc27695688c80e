"""Catalog checks at plan time: every model and provider a guardrail names must exist.

A typo in an allow-list is not caught by the API until a request is refused in production, so
`orsync plan` compares the file's model and provider lists with the public catalogs (GET
/models of every output modality, read without credentials as the API's own resolver reads it,
plus the embedding and rerank catalogs, GET /providers) and stops at the first unknown name,
located in the file, with the closest matches. A guardrail that enforces ZDR for a model's maker
(enforce_zdr_<maker>, or the older enforce_zdr) while allowing a model that has no
zero-data-retention endpoint (GET /endpoints/zdr) gets a warning: it is legal, but every
request for that model will be refused.

Only the catalogs the file needs are fetched, concurrently; `orsync plan --offline` skips all
of this.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from orsync.config.source import field_name
from orsync.errors import ConfigError, OrsyncError

MODEL_FIELDS = ("allowed_models", "ignored_models")
PROVIDER_FIELDS = ("allowed_providers", "ignored_providers")
# The public GET /models of every modality (the one the slug map reads too); embedding and
# rerank models also have catalogs of their own.
MODEL_LISTINGS = ("list_catalog_models", "list_embedding_models", "list_rerank_models")
# enforce_zdr_<flag> governs the models of these makers (the author part of a model id);
# enforce_zdr_other every other maker's.
ZDR_MAKERS = {"anthropic": "anthropic", "google": "google", "openai": "openai", "x-ai": "xai"}
SUGGESTIONS = 3


@dataclass(frozen=True)
class Reference:
    """One model or provider named in the file, and where."""

    path: tuple                       # ("guardrails", 0, "allowed_models", 1)
    value: str
    guardrail: str


@dataclass(frozen=True)
class Catalog:
    models: dict[str, str]            # every id and canonical slug -> the model's id
    providers: frozenset[str]         # provider slugs
    zdr_models: frozenset[str]        # model ids and slugs with a zero-data-retention endpoint


def kept_guardrails(config) -> list[tuple[tuple, Any, str]]:
    """(path, settings, label) of every guardrail the file keeps: its `guardrails:` entries
    (absent ones are deleted) and each kept workspace's default guardrail."""
    found: list[tuple[tuple, Any, str]] = [
        (("guardrails", index), guardrail, guardrail.name)
        for index, guardrail in enumerate(config.guardrails) if guardrail.state == "present"]
    for index, workspace in enumerate(config.workspaces):
        if workspace.state == "present" and workspace.default_guardrail is not None:
            found.append((("workspaces", index, "default_guardrail"), workspace.default_guardrail,
                          f"{workspace.slug} default"))
    return found


def references(config, fields: Iterable[str]) -> list[Reference]:
    """The list items under `fields` of every guardrail the file keeps."""
    found = []
    for path, guardrail, label in kept_guardrails(config):
        for field in fields:
            for position, value in enumerate(getattr(guardrail, field) or ()):
                found.append(Reference((*path, field, position), value, label))
    return found


def zdr_guardrails(config) -> list[tuple[tuple, Any, str]]:
    """Guardrails that enforce ZDR for some maker and declare which models they allow."""
    return [(path, g, label) for path, g, label in kept_guardrails(config)
            if g.allowed_models and any(zdr_enforced(g, model) for model in g.allowed_models)]


def zdr_enforced(guardrail, model: str) -> bool:
    """Whether the guardrail enforces ZDR for this model's maker: its own flag, else enforce_zdr
    (the API copies the older flag into every per-maker flag a request leaves out)."""
    maker = ZDR_MAKERS.get(model.partition("/")[0].lower(), "other")
    flag = f"enforce_zdr_{maker}"
    own = getattr(guardrail, flag) if flag in guardrail.model_fields_set else None
    return own if own is not None else guardrail.enforce_zdr is True


def check_catalog(loaded, client) -> list[str]:
    """Raise ConfigError for the first unknown model or provider; return ZDR warnings."""
    config = loaded.model
    models = references(config, MODEL_FIELDS)
    providers = references(config, PROVIDER_FIELDS)
    zdr = zdr_guardrails(config)
    if not (models or providers):
        return []
    catalog = fetch_catalog(client, models=bool(models), providers=bool(providers), zdr=bool(zdr))
    problems = [(ref, unknown_model_message(ref.value, catalog)) for ref in models if ref.value not in catalog.models]
    problems += [(ref, unknown_provider_message(ref.value, catalog)) for ref in providers
                 if ref.value not in catalog.providers]
    if problems:
        raise first_error(loaded, problems)
    return list(zdr_warnings(loaded, zdr, catalog))


def fetch_catalog(client, *, models: bool, providers: bool, zdr: bool) -> Catalog:
    """The catalogs the file needs, fetched at once; a failure or an empty catalog is an error."""
    wanted = [*(MODEL_LISTINGS if models else ()), *(("list_providers",) if providers else ()),
              *(("list_zdr_endpoints",) if zdr else ())]
    with ThreadPoolExecutor(max_workers=len(wanted), thread_name_prefix="orsync-catalog") as pool:
        futures = {name: pool.submit(getattr(client, name)) for name in wanted}
        rows = {name: _result(name, future) for name, future in futures.items()}
    model_rows = [row for name in MODEL_LISTINGS for row in rows.get(name, ())]
    if models and not rows["list_catalog_models"]:
        raise OrsyncError("GET /models returned no models, so the file's model lists cannot be "
                          "checked (use --offline to skip catalog checks)")
    if providers and not rows["list_providers"]:
        raise OrsyncError("GET /providers returned no providers, so the file's provider lists cannot "
                          "be checked (use --offline to skip catalog checks)")
    names = model_names(model_rows)
    return Catalog(models=names, providers=frozenset(_get(row, "slug") for row in rows.get("list_providers", ())),
                   zdr_models=zdr_names(rows.get("list_zdr_endpoints", ()), names))


def _result(name: str, future) -> list[Any]:
    try:
        return list(future.result())
    except OrsyncError as exc:
        raise OrsyncError(f"catalog check: {exc} (use --offline to skip catalog checks)") from None


def model_names(rows: Iterable[Any]) -> dict[str, str]:
    names: dict[str, str] = {}
    for row in rows:
        model_id = _get(row, "id")
        for name in (model_id, _get(row, "canonical_slug")):
            if name:
                names.setdefault(name, model_id)
    return names


def zdr_names(rows: Iterable[Any], names: dict[str, str]) -> frozenset[str]:
    """Every name (id or slug) of a model that some ZDR endpoint serves."""
    served = {names.get(_get(row, "model_id"), _get(row, "model_id")) for row in rows}
    return frozenset(name for name, model_id in names.items() if model_id in served) | served


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def closest(value: str, candidates: Iterable[str]) -> list[str]:
    """Up to three candidates most like `value`, ignoring case."""
    by_folded: dict[str, str] = {}
    for candidate in sorted(candidates):
        by_folded.setdefault(candidate.lower(), candidate)
    matches = difflib.get_close_matches(value.lower(), by_folded, n=SUGGESTIONS, cutoff=0.6)
    return [by_folded[match] for match in matches]


def did_you_mean(value: str, candidates: Iterable[str]) -> str:
    matches = closest(value, candidates)
    return f"; did you mean {' or '.join(matches)}?" if matches else ""


def unknown_model_message(value: str, catalog: Catalog) -> str:
    ids = set(catalog.models.values())
    return (f"unknown model {value!r} (not in GET /models, /embeddings/models or /rerank/models)"
            + did_you_mean(value, ids))


def unknown_provider_message(value: str, catalog: Catalog) -> str:
    return f"unknown provider {value!r} (not in GET /providers)" + did_you_mean(value, catalog.providers)


def first_error(loaded, problems: list[tuple[Reference, str]]) -> ConfigError:
    """The unknown name that comes first in the file, saying how many more there are."""
    ref, message = min(problems, key=lambda problem: loaded.locate(problem[0].path))
    if len(problems) > 1:
        more = len(problems) - 1
        message += f" (and {more} more unknown name{'s' if more > 1 else ''})"
    line, column = loaded.locate(ref.path)
    return ConfigError(message, file=str(loaded.path), line=line, column=column, field=field_name(ref.path))


def zdr_warnings(loaded, guardrails: list[tuple[tuple, Any, str]], catalog: Catalog) -> Iterator[str]:
    for where, guardrail, label in guardrails:
        missing = sorted(model for model in set(guardrail.allowed_models)
                         if zdr_enforced(guardrail, model) and model not in catalog.zdr_models)
        if missing:
            path = (*where, "allowed_models")
            line, column = loaded.locate(path)
            yield (f"{loaded.path}:{line}:{column}: {field_name(path)}: guardrail {label!r} "
                   f"enforces ZDR, but {', '.join(missing)} {'has' if len(missing) == 1 else 'have'} no "
                   "zero-data-retention endpoint (GET /endpoints/zdr): requests for "
                   f"{'it' if len(missing) == 1 else 'them'} will be refused")
