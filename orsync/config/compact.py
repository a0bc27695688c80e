"""Config entries that say the same fields share one record of which fields they say.

Pydantic gives every model instance its own set of the fields it was given (what tells
"omitted: unmanaged" from "null: clear"). An org file of 100,000 keys holds 100,000 such
sets, 0.7 KB each, nearly all equal: a handful of distinct ones (the shapes of its entries).
The config models are frozen, so nothing adds to a set once validated, and a copy
(`model_copy`) copies its set first; entries with equal sets can share one. A 100,000-key plan
peaks 75 MB lower (docs/performance.md).
"""

from __future__ import annotations

from pydantic import BaseModel


def share_fields_sets(model: BaseModel) -> None:
    """Make the entries of `model`'s list fields (keys, guardrails, ...) with equal fields sets
    share one set object. Only frozen models are touched."""
    shared: dict[frozenset[str], set[str]] = {}
    for name in type(model).model_fields:
        entries = getattr(model, name)
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if isinstance(entry, BaseModel) and entry.model_config.get("frozen"):
                given = entry.__pydantic_fields_set__
                object.__setattr__(entry, "__pydantic_fields_set__", shared.setdefault(frozenset(given), given))
