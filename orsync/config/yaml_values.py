"""Scalars of the org file: the value a YAML scalar event stands for, `${VAR}`-expanded.

Shared by both readers of the file (orsync.config.yaml_reader): the one that keeps the place
of every value and the faster one that keeps none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from orsync.config.interpolate import InterpolationError, expand
from orsync.config.source import Location

SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9])sk-or-")
SECRET_ADVICE = ("secrets never go in the org file (smoke tests read a key's secret from the "
                 "secrets file, or from env:VAR)")

TAG = "tag:yaml.org,2002:"
MERGE_TAG = f"{TAG}merge"
MAP_TAG = f"{TAG}map"
SEQ_TAG = f"{TAG}seq"
_STR_TAG = f"{TAG}str"
_TIMESTAMP_TAG = f"{TAG}timestamp"
_PLAIN_SCALAR_TAGS = {f"{TAG}{kind}" for kind in ("null", "bool", "int", "float")}
_MAX_DIGITS = 4300
_CONSTRUCTOR = SafeConstructor()


class _Yaml12Booleans(Resolver):
    """YAML 1.2's booleans: only true and false (any case). Editors' YAML (1.2) reads `yes`,
    `no`, `on` and `off` as text; so does orsync, and then says "did you mean true?" rather
    than silently reading a boolean where a name or a number was meant."""


_BOOL_TAG = f"{TAG}bool"
_Yaml12Booleans.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != _BOOL_TAG]
    for first, resolvers in Resolver.yaml_implicit_resolvers.items()}
_Yaml12Booleans.add_implicit_resolver(_BOOL_TAG, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                      list("tTfF"))
_RESOLVER = _Yaml12Booleans()


class Unreadable(ValueError):
    """A scalar orsync refuses; str() is the one-line reason (the caller knows the place)."""


def location(mark: Any) -> Location:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


@lru_cache(maxsize=4096)
def implicit_tag(value: str, implicit: tuple[bool, bool]) -> str:
    # Org files repeat the same few plain values (daily, 5, a guardrail name) thousands of
    # times; resolving each runs several regular expressions.
    return _RESOLVER.resolve(ScalarNode, value, implicit)


def short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix(TAG) if tag.startswith(TAG) else tag


def scalar_value(event: yaml.ScalarEvent, env: Mapping[str, str]) -> Any:
    """The value of a scalar (timestamps stay text: pydantic parses them, and checks UTC)."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = implicit_tag(event.value, event.implicit) if event.implicit[0] else _STR_TAG
    if tag == _STR_TAG:
        value = _expanded(event.value, env)
        if value is not event.value and event.implicit[0] and event.tag is None:
            return _as_if_written(value)
        return value
    if tag == _TIMESTAMP_TAG:
        return event.value
    if tag in _PLAIN_SCALAR_TAGS:
        try:
            return _plain(tag, event.value)
        except (ValueError, KeyError):  # an explicit `!!bool maybe` or `!!int abc`, or too long
            raise Unreadable(_unconvertible(tag, event.value)) from None
    raise Unreadable(f"unsupported YAML tag {short_tag(tag)} (write a plain value)")


@lru_cache(maxsize=4096)
def _plain(tag: str, text: str) -> Any:
    # Cached like implicit_tag: the values are immutable (None, bools, ints, floats).
    return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, ScalarNode(tag, text))


def _unconvertible(tag: str, text: str) -> str:
    if len(text) > _MAX_DIGITS:  # int() refuses more digits (CPython's guard against slow parsing)
        return f"a number of {len(text)} digits is too large"
    return f"{text[:50]!r} is not a valid {short_tag(tag)}"


def _as_if_written(text: str) -> Any:
    """An unquoted `${VAR}` reads as YAML reads the variable's value written there: `limit:
    ${LIMIT}` with LIMIT=12.5 is the number 12.5 (quoted, "${LIMIT}" stays text)."""
    tag = implicit_tag(text, (True, False))
    if tag in _PLAIN_SCALAR_TAGS - {f"{TAG}null"}:
        try:
            return _plain(tag, text)
        except (ValueError, KeyError):
            return text
    return text


def _expanded(text: str, env: Mapping[str, str]) -> str:
    try:
        value = expand(text, env)
    except InterpolationError as exc:
        raise Unreadable(str(exc)) from None
    if value != text and SECRET_SHAPE.search(value):
        raise Unreadable(f"an environment variable here holds a value shaped like an OpenRouter "
                         f"secret (sk-or-...); {SECRET_ADVICE}")
    return value
