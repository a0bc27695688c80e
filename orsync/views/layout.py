"""Declarative views: which fields of an API object a table or a record shows, and how.

A view reads plain JSON-shaped data (dicts), so it renders a pydantic object and a raw
response alike (`format.plain` turns the first into the second).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from orsync.views import format as fmt
from orsync.views.table import Column, render_fields, render_table

Getter = Callable[[dict[str, Any]], str]


@dataclass(frozen=True)
class Field:
    header: str
    get: Getter
    align: Literal["left", "right"] = "left"


def at(*path: str) -> Callable[[dict[str, Any]], Any]:
    """The value at a path of nested members, None where any step is missing."""
    def get(row: dict[str, Any]) -> Any:
        value: Any = row
        for name in path:
            value = value.get(name) if isinstance(value, dict) else None
        return value
    return get


def text(*path: str) -> Getter:
    value = at(*path)
    return lambda row: fmt.text(value(row))


def number(*path: str) -> Getter:
    value = at(*path)
    return lambda row: fmt.count(value(row))


def usd(*path: str) -> Getter:
    value = at(*path)
    return lambda row: fmt.money(value(row))


def milliseconds(*path: str) -> Getter:
    value = at(*path)
    return lambda row: fmt.duration_ms(value(row))


def price(*path: str) -> Getter:
    """A per-token price shown per million tokens, as model pages show it."""
    value = at(*path)
    return lambda row: fmt.per_million(value(row))


@dataclass(frozen=True)
class TableView:
    fields: tuple[Field, ...]
    empty: str = "(none)"

    def render(self, rows: Sequence[dict[str, Any]], width: int | None = None) -> str:
        if not rows:
            return self.empty + "\n"
        columns = [Column(f.header, f.align) for f in self.fields]
        return render_table(columns, [[f.get(row) for f in self.fields] for row in rows], width)


@dataclass(frozen=True)
class RecordView:
    fields: tuple[Field, ...]

    def render(self, record: dict[str, Any], width: int | None = None) -> str:
        return render_fields([(f.header, f.get(record)) for f in self.fields], width)
