"""Listing rows as the planner keeps them: the API's models without what a plan never reads.

A plan of 100,000 keys holds every row of the key and assignment listings until it is done.
As pydantic models each row carries an instance dict, the set of fields it was given and a
dict of unknown fields: 3.6 KB a key, 1.5 KB an assignment (bench/, docs/performance.md).
These rows are pydantic dataclasses with slots, validated straight from the page's bytes like
the models, with the same field names and types; they leave out the usage counters and the
fields the server sends that we do not know (a listing still must not break on those). That
is 0.5 KB a key or an assignment, and slightly less CPU per page.

Each row type is derived from its model, so a field added to the model is a field of its row.
Views (`orsync get`, `usage`) keep asking for the full models: they show usage and dump rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic.dataclasses import dataclass

from orsync.api.models import Guardrail, Key, KeyAssignment, KeyUsage


def row_of(model: type[BaseModel], *, without: Iterable[str] = ()) -> type:
    """A frozen, slotted pydantic dataclass with `model`'s fields (but `without`), extra
    fields ignored; required fields first, as a dataclass needs."""
    skipped = set(without)
    fields = {name: info for name, info in model.model_fields.items() if name not in skipped}
    ordered = sorted(fields, key=lambda name: not fields[name].is_required())
    namespace: dict[str, Any] = {
        "__annotations__": {name: fields[name].annotation for name in ordered},
        "__module__": __name__,
        "__qualname__": f"{model.__name__}Row",
        "__doc__": f"A {model.__name__} as a listing row ({', '.join(ordered)}).",
    }
    for name in ordered:
        if not fields[name].is_required():
            namespace[name] = fields[name].default
    plain = type(f"{model.__name__}Row", (), namespace)
    return dataclass(plain, slots=True, frozen=True, config=ConfigDict(extra="ignore"))


KeyRow = row_of(Key, without=KeyUsage.model_fields)
GuardrailRow = row_of(Guardrail)
KeyAssignmentRow = row_of(KeyAssignment)
