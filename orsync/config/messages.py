"""Pydantic's validation errors, said the way a person editing the org file needs to hear them."""

from __future__ import annotations

import difflib
from typing import Any, get_args

from pydantic import BaseModel, ValidationError

from orsync.config.model import EMAIL_PATTERN, KEY_HASH_PATTERN, OrgConfig
from orsync.config.source import FieldPath

Problem = tuple[FieldPath, str]

_PATTERN_MEANINGS = {
    EMAIL_PATTERN: "not a valid email address",
    KEY_HASH_PATTERN: "a key hash is 64 lowercase hex characters",
}
_EXPECTED = {
    "float": "expected a number",
    "int": "expected a whole number",
    "bool": "expected true or false",
    "string": "expected a string",
    "list": "expected a list",
    "model": "expected a mapping",
    "dict": "expected a mapping",
    "datetime": "expected a date-time such as 2027-06-30T00:00:00Z",
}


def validation_problems(exc: ValidationError) -> list[Problem]:
    """One (field path, message) per pydantic error."""
    return [_problem(error) for error in exc.errors()]


def _problem(error: dict[str, Any]) -> Problem:
    path: FieldPath = tuple(error["loc"])
    kind, value, ctx = error["type"], error["input"], error.get("ctx") or {}
    if kind == "missing":
        hint = " (add version: 1 at the top of the file)" if path == ("version",) else ""
        return path, f"missing required field{hint}"
    if kind == "extra_forbidden":
        return path, _unknown_field(path)
    if kind == "value_error":
        return _value_error(path, str(ctx.get("error", error["msg"])), value)
    message = f"{_message(kind, ctx, error['msg'])} (got {shown(value)})"
    if kind == "string_type" and isinstance(value, (bool, int, float)):
        message += "; quote it to make it text"
    hint = _hint(kind, value, ctx)
    return path, f"{message}; {hint}" if hint else message


# YAML 1.1 read these as booleans; YAML 1.2 (editors, and orsync) reads them as text.
_YAML11_BOOLEANS = {"yes": "true", "on": "true", "no": "false", "off": "false"}


def _hint(kind: str, value: Any, ctx: dict[str, Any]) -> str | None:
    """What the author probably meant, for values that are a near miss of a valid one."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if kind == "bool_type":
        if text.lower() in _YAML11_BOOLEANS:
            return f"did you mean {_YAML11_BOOLEANS[text.lower()]}?"
        if text.lower() in ("true", "false"):
            return f"write {text.lower()} without quotes"
    if kind in ("float_type", "int_type") and _is_number(text):
        return "write the number without quotes"
    if kind == "literal_error":
        choices = [choice.strip("'") for choice in ctx["expected"].replace(" or ", ", ").split(", ")]
        same = [choice for choice in choices if choice.lower() == text.lower()]
        close = same or difflib.get_close_matches(text.lower(), choices, n=1, cutoff=0.75)
        if close:
            return f"did you mean {close[0]!r}?"
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _message(kind: str, ctx: dict[str, Any], fallback: str) -> str:
    if kind == "literal_error":
        choices = [choice.strip("'") for choice in ctx["expected"].replace(" or ", ", ").split(", ")]
        return f"must be {choices[0]}" if len(choices) == 1 else f"must be one of {', '.join(choices)}"
    if kind == "string_too_short":
        return "must not be empty" if ctx["min_length"] == 1 else f"must be at least {ctx['min_length']} characters"
    if kind == "string_too_long":
        return f"too long: at most {ctx['max_length']} characters"
    if kind == "too_short":
        return f"must list at least {ctx['min_length']} item (write null to clear the list)"
    if kind == "string_pattern_mismatch":
        return _PATTERN_MEANINGS.get(ctx["pattern"], f"must match {ctx['pattern']}")
    bounds = {"greater_than": "greater than", "greater_than_equal": "at least",
              "less_than": "less than", "less_than_equal": "at most"}
    if kind in bounds:
        bound = next(iter(ctx.values()))
        return f"must be {bounds[kind]} {shown(bound)}"
    if kind == "finite_number":
        return "must be a finite number"
    family = kind.split("_")[0]
    if family in _EXPECTED:
        return _EXPECTED[family]
    return fallback[0].lower() + fallback[1:]


def _value_error(path: FieldPath, message: str, value: Any) -> Problem:
    message = message.removeprefix("Value error, ")
    if isinstance(value, dict):
        # A check across an entry's fields names the field it is about first: point there.
        field = message.split(" ", 1)[0]
        return (path + (field,) if field in value else path), message
    return path, message if value is None else f"{message} (got {shown(value)})"


def _unknown_field(path: FieldPath) -> str:
    name, allowed = str(path[-1]), list(_model_at(path[:-1]).model_fields)
    close = difflib.get_close_matches(name, allowed, n=1, cutoff=0.6)
    if close:
        return f"unknown field (did you mean '{close[0]}'?)"
    return f"unknown field (expected one of {', '.join(allowed)})"


def _model_at(path: FieldPath) -> type[BaseModel]:
    """The model class that validates the mapping at `path`."""
    model: type[BaseModel] = OrgConfig
    for part in path:
        if isinstance(part, str):
            model = _inner_model(model.model_fields[part].annotation)
    return model


def _inner_model(annotation: Any) -> type[BaseModel]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for argument in get_args(annotation):
        try:
            return _inner_model(argument)
        except LookupError:
            continue
    raise LookupError(annotation)


def shown(value: Any, limit: int = 40) -> str:
    """A value as the YAML author wrote it, shortened to fit in one line."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list" if value else "an empty list"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return repr(value)
    text = str(value)
    if len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return repr(text)
