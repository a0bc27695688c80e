"""Request validation with the messages the real API gives (it validates with zod).

A body is checked against a dict of `Field`s: unknown keys are refused ("Unrecognized key"),
then each present field's type and bounds. The first problem becomes a 400 whose message is
zod's, and whose metadata names the field (`{"issues": [{"path": [...], "message": ...}]}`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orsync.emulator.routes.dispatch import ApiFailure, json_type_name
from orsync.emulator.store.windows import parse_iso

UTC_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


@dataclass(frozen=True)
class Field:
    """One body field: its JSON type and bounds. `nullable` lets `null` through (to clear)."""

    kind: str                          # string | number | boolean | array | object
    nullable: bool = False
    min_length: int | None = None      # strings: characters; arrays: items
    max_length: int | None = None
    gt: float | None = None
    ge: float | None = None
    choices: tuple[str, ...] | None = None
    utc_datetime: bool = False
    items: Field | None = None         # arrays: each item
    shape: dict[str, Field] | None = None  # objects: their fields (strict)
    required: tuple[str, ...] = ()     # objects: required fields


def fail(path: list, message: str, code: str = "invalid_type") -> ApiFailure:
    return ApiFailure(400, message, {"issues": [{"code": code, "path": path, "message": message}]})


# zod's messages, each in one place.
def wrong_type(path: list, expected: str, value: Any) -> ApiFailure:
    return fail(path, f"Invalid input: expected {expected}, received {json_type_name(value)}")


def missing(path: list, expected: str) -> ApiFailure:
    return fail(path, f"Invalid input: expected {expected}, received undefined")


def invalid_option(path: list, choices: tuple[str, ...]) -> ApiFailure:
    options = "|".join(f'"{c}"' for c in choices)
    return fail(path, f"Invalid option: expected one of {options}", "invalid_value")


def too_small(path: list, expected: str) -> ApiFailure:
    """`expected` reads like "number to be >=1" or "array to have >=1 items"."""
    return fail(path, f"Too small: expected {expected}", "too_small")


def too_big(path: list, expected: str) -> ApiFailure:
    return fail(path, f"Too big: expected {expected}", "too_big")


def validate_body(body: Any, shape: dict[str, Field], required: tuple[str, ...] = ()) -> dict:
    """The body's fields, checked; ApiFailure 400 on the first problem."""
    _check(Field("object", shape=shape, required=required), body, [])
    return body


def _check(spec: Field, value: Any, path: list) -> None:
    if value is None:
        if not spec.nullable:
            raise wrong_type(path, spec.kind, value)
        return
    if json_type_name(value) != spec.kind:
        raise wrong_type(path, spec.kind, value)
    if spec.kind == "string":
        _check_string(spec, value, path)
    elif spec.kind == "number":
        _check_number(spec, value, path)
    elif spec.kind == "array":
        _check_size(spec, len(value), "array", "items", path)
        for n, item in enumerate(value):
            _check(spec.items, item, [*path, n])
    elif spec.kind == "object" and spec.shape is not None:
        _check_object(spec, value, path)


def _check_object(spec: Field, value: dict, path: list) -> None:
    unknown = [k for k in value if k not in spec.shape]
    if unknown:
        names = ", ".join(f'"{k}"' for k in unknown)
        plural = "s" if len(unknown) > 1 else ""
        raise fail(path, f"Unrecognized key{plural}: {names}", "unrecognized_keys")
    for name in spec.required:
        if name not in value:
            raise missing([*path, name], spec.shape[name].kind)
    for name, item in value.items():
        _check(spec.shape[name], item, [*path, name])


def _check_string(spec: Field, value: str, path: list) -> None:
    if spec.choices is not None and value not in spec.choices:
        raise invalid_option(path, spec.choices)
    _check_size(spec, len(value), "string", "characters", path)
    if spec.utc_datetime and not _is_utc_datetime(value):
        raise fail(path, "Invalid ISO datetime", "invalid_format")


def _check_number(spec: Field, value: float, path: list) -> None:
    if spec.gt is not None and not value > spec.gt:
        raise too_small(path, f"number to be >{spec.gt:g}")
    if spec.ge is not None and not value >= spec.ge:
        raise too_small(path, f"number to be >={spec.ge:g}")


def _check_size(spec: Field, size: int, kind: str, unit: str, path: list) -> None:
    if spec.min_length is not None and size < spec.min_length:
        raise too_small(path, f"{kind} to have >={spec.min_length} {unit}")
    if spec.max_length is not None and size > spec.max_length:
        raise too_big(path, f"{kind} to have <={spec.max_length} {unit}")


def _is_utc_datetime(value: str) -> bool:
    if not UTC_DATETIME.match(value):
        return False
    try:
        parse_iso(value)
    except ValueError:
        return False
    return True


def is_past(value: str, now: datetime) -> bool:
    return parse_iso(value) <= now


def query_integer(query: dict[str, str], name: str, default: int, *, minimum: int,
                  maximum: int | None = None) -> int:
    """An integer query parameter, as zod's coercion checks it."""
    raw = query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise fail([name], "Invalid input: expected number, received NaN") from None
    if value < minimum:
        raise too_small([name], f"number to be >={minimum}")
    if maximum is not None and value > maximum:
        raise too_big([name], f"number to be <={maximum}")
    return value


def query_flag(query: dict[str, str], name: str) -> bool:
    """A boolean sent as the strings "true"/"false" (default false), as GET /keys takes it."""
    raw = query.get(name, "false")
    if raw not in ("true", "false"):
        raise invalid_option([name], ("true", "false"))
    return raw == "true"


def page(records: list, query: dict[str, str], render: Callable[[Any], dict]) -> dict:
    """A `{"data", "total_count"}` page: offset >= 0, limit 1..100 (default 50)."""
    offset, limit = page_window(query)
    return {"data": [render(r) for r in records[offset:offset + limit]],
            "total_count": len(records)}


def page_window(query: dict[str, str]) -> tuple[int, int]:
    """The offset (>= 0) and limit (1..100, default 50) a paged listing is asked for."""
    return (query_integer(query, "offset", 0, minimum=0),
            query_integer(query, "limit", 50, minimum=1, maximum=100))
