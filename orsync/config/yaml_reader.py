"""YAML text -> plain data, keeping the line and column of every value.

PyYAML's composer recurses once per nesting level (its C version overflows the C stack on
deeply nested input) and its constructor silently keeps the last of two duplicate keys. So
the file is read from the parser's event stream with an explicit stack: nesting is bounded,
duplicate keys are errors, aliases cannot multiply the input without limit, and the place of
every value is recorded under its field path. String values are `${VAR}`-expanded here, where
their position is known.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from orsync.config.interpolate import InterpolationError, expand
from orsync.config.source import FieldPath, Location

MAX_DEPTH = 32  # the deepest real field is 4 levels down; the rest is room for anchors
MAX_VALUES = 1_000_000  # after alias expansion: an org of 10,000 keys has ~100,000
SECRET_SHAPE = re.compile(r"(?<![A-Za-z0-9])sk-or-")
SECRET_ADVICE = ("secrets never go in the org file (smoke tests read a key's secret from the "
                 "secrets file, or from env:VAR)")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_PLAIN_SCALAR_TAGS = {f"{_TAG}{kind}" for kind in ("null", "bool", "int", "float")}
_CONSTRUCTOR = SafeConstructor()
_RESOLVER = Resolver()
_MERGE_TAG = f"{_TAG}merge"
_STR_TAG = f"{_TAG}str"
_TIMESTAMP_TAG = f"{_TAG}timestamp"
_MAP_TAG = f"{_TAG}map"
_SEQ_TAG = f"{_TAG}seq"

ErrorFactory = Callable[[str, Location, FieldPath], Exception]


def parse(text: str, env: Mapping[str, str], error: ErrorFactory) -> tuple[Any, dict[FieldPath, Location]]:
    """The document's data and the place of each field path; `error(message, location,
    path)` builds the exception raised for a problem."""
    builder = _Builder(env, error)
    try:
        for event in yaml.parse(text, Loader=_Loader):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        raise error(_yaml_problem(exc), _location(exc.problem_mark or exc.context_mark), ()) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {' '.join(str(exc).split())}", (1, 1), ()) from None
    return builder.root, dict(builder.entries)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "malformed"
    if exc.context and exc.context_mark is not None and exc.context_mark != exc.problem_mark:
        return f"invalid YAML: {problem} ({exc.context} at line {exc.context_mark.line + 1})"
    return f"invalid YAML: {problem}"


def _location(mark: Any) -> Location:
    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)


@lru_cache(maxsize=4096)
def _implicit_tag(value: str, implicit: tuple[bool, bool]) -> str:
    # Org files repeat the same few plain values (daily, 5, a guardrail name) thousands of
    # times; resolving each runs several regular expressions.
    return _RESOLVER.resolve(ScalarNode, value, implicit)


def _short(tag: str) -> str:
    return "!!" + tag.removeprefix(_TAG) if tag.startswith(_TAG) else tag


@dataclass
class _Collection:
    """A mapping or sequence being read."""

    path: FieldPath
    value: dict[str, Any] | list[Any]
    anchor: str | None
    first_entry: int  # index in entries of the first place nested in this collection
    key: str | None = None  # mappings: the key whose value comes next
    key_location: Location = (1, 1)
    key_is_merge: bool = False
    key_lines: dict[str, int] = field(default_factory=dict)
    merge_sources: list[tuple[FieldPath, dict[str, Any]]] = field(default_factory=list)


@dataclass
class _Anchor:
    value: Any
    path: FieldPath
    first_entry: int
    end_entry: int


class _Builder:
    def __init__(self, env: Mapping[str, str], error: ErrorFactory) -> None:
        self.env = env
        self.error = error
        self.root: Any = None
        self.entries: list[tuple[FieldPath, Location]] = []
        self.stack: list[_Collection] = []
        self.anchors: dict[str, _Anchor] = {}
        self.documents = 0

    def feed(self, event: yaml.Event) -> None:
        kind = type(event)
        if kind is yaml.ScalarEvent:
            top = self.stack[-1] if self.stack else None
            if top is not None and top.key is None and isinstance(top.value, dict):
                self._key(top, event)
            else:
                self._scalar(event)
        elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            self._open(event)
        elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            self._close()
        elif kind is yaml.AliasEvent:
            self._alias(event)
        elif kind is yaml.DocumentStartEvent:
            self.documents += 1
            if self.documents > 1:
                raise self.error("the file holds more than one YAML document (---); orsync reads one",
                                 _location(event.start_mark), ())

    # -- places --------------------------------------------------------------------------

    def _record(self, path: FieldPath, location: Location) -> None:
        self._check_room(1, location, path)
        self.entries.append((path, location))

    def _check_room(self, count: int, location: Location, path: FieldPath) -> None:
        if len(self.entries) + count > MAX_VALUES:
            raise self.error(f"the file holds more than {MAX_VALUES:,} values (aliases expanding "
                             "without limit?)", location, path)

    def _value_path(self, event: yaml.Event) -> FieldPath:
        """The path of the value that `event` starts; records its place unless a mapping
        key already did."""
        if not self.stack:
            self._record((), _location(event.start_mark))
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, dict):
            if parent.key is None:
                raise self.error("mapping keys must be plain strings", _location(event.start_mark),
                                 parent.path)
            return parent.path + (parent.key,)
        path = parent.path + (len(parent.value),)
        self._record(path, _location(event.start_mark))
        return path

    # -- events --------------------------------------------------------------------------

    def _key(self, mapping: _Collection, event: yaml.ScalarEvent) -> None:
        key, location = event.value, _location(event.start_mark)
        path = mapping.path + (key,)
        if key in mapping.key_lines:
            raise self.error(f"duplicate key (also at line {mapping.key_lines[key]})", location, path)
        if event.anchor is not None or event.tag is not None:
            raise self.error("mapping keys must be plain strings", location, path)
        mapping.key_lines[key] = location[0]
        mapping.key, mapping.key_location = key, location
        # Only a plain `<<` merges; a quoted "<<" is an ordinary (and unknown) key.
        mapping.key_is_merge = key == "<<" and _implicit_tag(key, event.implicit) == _MERGE_TAG
        if not mapping.key_is_merge:
            self._record(path, location)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        path = self._value_path(event)
        value = self._scalar_value(event, path)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, path, len(self.entries), len(self.entries))
        self._add(value)

    def _scalar_value(self, event: yaml.ScalarEvent, path: FieldPath) -> Any:
        tag = event.tag
        if tag is None or tag == "!":
            tag = _implicit_tag(event.value, event.implicit) if event.implicit[0] else _STR_TAG
        if tag == _STR_TAG:
            return self._expanded(event, path)
        if tag == _TIMESTAMP_TAG:
            return event.value  # pydantic parses it, and checks that it is UTC
        if tag in _PLAIN_SCALAR_TAGS:
            node = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
            try:
                return _CONSTRUCTOR.yaml_constructors[tag](_CONSTRUCTOR, node)
            except ValueError:  # int() refuses over 4300 digits (CPython's guard against slow parsing)
                raise self.error(f"a number of {len(event.value)} digits is too large",
                                 _location(event.start_mark), path) from None
        raise self.error(f"unsupported YAML tag {_short(tag)} (write a plain value)",
                         _location(event.start_mark), path)

    def _expanded(self, event: yaml.ScalarEvent, path: FieldPath) -> str:
        location = _location(event.start_mark)
        try:
            value = expand(event.value, self.env)
        except InterpolationError as exc:
            raise self.error(str(exc), location, path) from None
        if value != event.value and SECRET_SHAPE.search(value):
            raise self.error(f"an environment variable here holds a value shaped like an OpenRouter "
                             f"secret (sk-or-...); {SECRET_ADVICE}", location, path)
        return value

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        path = self._value_path(event)
        location = _location(event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep", location, path)
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", _MAP_TAG if mapping else _SEQ_TAG):
            raise self.error(f"unsupported YAML tag {_short(event.tag)}", location, path)
        self.stack.append(_Collection(path, {} if mapping else [], event.anchor, len(self.entries)))

    def _close(self) -> None:
        collection = self.stack.pop()
        if isinstance(collection.value, dict):
            self._apply_merges(collection)
        if collection.anchor is not None:
            self.anchors[collection.anchor] = _Anchor(
                collection.value, collection.path, collection.first_entry, len(self.entries))
        self._add(collection.value)

    def _alias(self, event: yaml.AliasEvent) -> None:
        path = self._value_path(event)
        anchor = self.anchors.get(event.anchor)
        if anchor is None:
            raise self.error(f"alias *{event.anchor} names no anchor defined before it (&{event.anchor})",
                             _location(event.start_mark), path)
        # Checked before copying, so that the error names the alias that overflows.
        self._check_room(anchor.end_entry - anchor.first_entry, _location(event.start_mark), path)
        self._copy_places(anchor.path, path, anchor.first_entry, anchor.end_entry)
        self._add(anchor.value)

    def _add(self, value: Any) -> None:
        if not self.stack:
            self.root = value
            return
        parent = self.stack[-1]
        if isinstance(parent.value, list):
            parent.value.append(value)
            return
        key, parent.key = parent.key, None
        if parent.key_is_merge:
            parent.merge_sources.extend(self._merge_sources(parent, value))
        else:
            parent.value[key] = value

    # -- merge keys (<<: *defaults) ------------------------------------------------------

    def _merge_sources(self, mapping: _Collection, value: Any) -> list[tuple[FieldPath, dict[str, Any]]]:
        path = mapping.path + ("<<",)
        if isinstance(value, dict):
            sources = [(path, value)]
        elif isinstance(value, list):
            sources = [(path + (index,), item) for index, item in enumerate(value)]
        else:
            sources = []
        if not sources or not all(isinstance(source, dict) for _, source in sources):
            raise self.error("<< merges a mapping or a list of mappings", mapping.key_location, mapping.path)
        return sources

    def _apply_merges(self, mapping: _Collection) -> None:
        end = len(self.entries)
        for source_path, source in mapping.merge_sources:
            taken = [key for key in source if key not in mapping.value]
            for key in taken:
                mapping.value[key] = source[key]
            for key in taken:
                self._copy_places(source_path + (key,), mapping.path + (key,), mapping.first_entry, end,
                                  include_root=True)

    def _copy_places(self, source: FieldPath, target: FieldPath, first: int, end: int,
                     include_root: bool = False) -> None:
        """Record under `target` the places recorded under `source` in entries[first:end]."""
        size = len(source)
        for path, location in self.entries[first:end]:
            if path[:size] == source and (include_root or len(path) > size):
                self._record(target + path[size:], location)
