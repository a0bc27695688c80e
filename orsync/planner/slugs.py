"""Model ids as the API stores them: the catalog's canonical slugs.

A guardrail's model lists accept a model id or its canonical slug, and the API stores and
returns canonical slugs (a `:free` variant as `<canonical_slug>:free`; an id the catalog does
not list as given). A file that names `openai/gpt-4o-mini` reads back as
`openai/gpt-4o-mini-2024-07-18`, so the planner compares both sides through this map, read once
per run from the public catalog (API-NOTES "Model slugs in guardrails"). Kinds that hold model
lists call `canonical()`; nothing here knows which kinds those are.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cache
from typing import Any, get_args

from pydantic import BaseModel

from orsync.errors import OrsyncError
from orsync.resources.guardrail_fields import MODEL_LIST_FIELDS


class ModelSlugs:
    """Model id or canonical slug -> what a guardrail stores for it."""

    def __init__(self, stored_by_name: dict[str, str]) -> None:
        self._stored = stored_by_name

    def __len__(self) -> int:
        return len(self._stored)

    def canonical(self, model: str) -> str:
        stored = self._stored.get(model.lower())
        if stored is not None:
            return stored
        base, sep, variant = model.partition(":")
        if sep and base.lower() in self._stored:
            return f"{self._stored[base.lower()]}:{variant}"
        return model


def slugs_from_rows(rows: Iterable[Any]) -> ModelSlugs:
    """The map from GET /models rows (ids and canonical slugs match case-insensitively)."""
    stored: dict[str, str] = {}
    for row in rows:
        model_id, slug = _get(row, "id"), _get(row, "canonical_slug") or _get(row, "id")
        if not model_id:
            continue
        _, sep, variant = model_id.partition(":")
        # A variant's canonical slug is its base model's: the variant is kept on top of it.
        target = f"{slug}:{variant}" if sep and not slug.endswith(f":{variant}") else slug
        stored.setdefault(model_id.lower(), target)
        if not sep:
            stored.setdefault(slug.lower(), slug)
    return ModelSlugs(stored)


class SharedCatalog:
    """The client, with its public model catalog read at most once: the slug map and the
    catalog checks of one plan need the same rows, and each costs a request."""

    def __init__(self, client) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._rows: list[Any] | None = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def list_catalog_models(self) -> list[Any]:
        with self._lock:  # a second reader waits for the first one's rows
            if self._rows is None:
                self._rows = self._client.list_catalog_models()
            return self._rows


def read_model_slugs(client) -> tuple[ModelSlugs | None, list[str]]:
    """The map and the warnings of reading it; None (compare as written) when it cannot be read."""
    try:
        rows = client.list_catalog_models()
    except OrsyncError as exc:
        return None, [f"model catalog unreadable ({exc}): model lists are compared as written, "
                      "so a model named by id may show as a change (use --offline to skip the read)"]
    if not rows:
        return None, ["GET /models listed no models: model lists are compared as written"]
    return slugs_from_rows(rows), []


def as_written_warnings(changes) -> list[str]:
    """Without the catalog (--offline), a model list that changes may differ only in how a
    model is named: say so, or the change shows (and is applied) on every run, unexplained."""
    changing = sorted({change.address for change in changes if change.action == "update"
                       and any(name in (change.body or {}) for name in MODEL_LIST_FIELDS)})
    if not changing:
        return []
    return [f"model lists are compared as written (--offline reads no catalog): {', '.join(changing)} may "
            "differ only in naming a model by id where the API stores its canonical slug"]


def _get(row: Any, name: str) -> Any:
    return row.get(name) if isinstance(row, dict) else getattr(row, name, None)


def names_models(value: Any) -> bool:
    """Whether the config (or any part of it) declares a model list: only then is the catalog
    worth a request. Entries whose model class holds no model list are skipped unread."""
    if isinstance(value, BaseModel):
        if not _may_name_models(type(value)):
            return False
        return any(getattr(value, name, None) for name in MODEL_LIST_FIELDS) or \
            any(names_models(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, (list, tuple)):
        return any(names_models(item) for item in value)
    return False


@cache
def _may_name_models(model: type[BaseModel]) -> bool:
    if set(MODEL_LIST_FIELDS) & model.model_fields.keys():
        return True
    return any(_annotation_may_name_models(info.annotation) for info in model.model_fields.values())


def _annotation_may_name_models(annotation: Any) -> bool:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _may_name_models(annotation)
    return any(_annotation_may_name_models(argument) for argument in get_args(annotation))
