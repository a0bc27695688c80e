"""YAML text -> plain data; the line and column of every value, when a message needs them.

PyYAML's composer recurses once per nesting level (its C version overflows the C stack on
deeply nested input) and its constructor silently keeps the last of two duplicate keys. So
the file is read from the parser's event stream with an explicit stack: nesting is bounded,
duplicate keys are errors, aliases cannot multiply the input without limit. String values are
`${VAR}`-expanded as they are read.

Two readers share that work. The fast one (yaml_fast) builds the data alone. The full one
(below) also records the place of every field path: it runs when a problem must be located,
either during reading (then it raises the located error) or later (a place asked for by a
validation error or a plan-time check). Recording places costs as much again as reading, and
a valid file needs none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from orsync.config.source import FieldPath, Location
from orsync.config.yaml_fast import Unsupported, read_data
from orsync.config.yaml_values import (MAP_TAG, MERGE_TAG, SECRET_ADVICE, SECRET_SHAPE, SEQ_TAG,
                                       Unreadable, implicit_tag, location, scalar_value, short_tag)

MAX_DEPTH = 32  # the deepest real field is 4 levels down; the rest is room for anchors
MAX_VALUES = 1_000_000  # after alias expansion: an org of 10,000 keys has ~100,000

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

ErrorFactory = Callable[[str, Location, FieldPath], Exception]
Places = Callable[[], dict[FieldPath, Location]]

__all__ = ["MAX_DEPTH", "MAX_VALUES", "SECRET_ADVICE", "SECRET_SHAPE", "parse", "places_reader", "read_fast",
           "read_with_places"]


def parse(text: str, env: Mapping[str, str], error: ErrorFactory) -> tuple[Any, Places]:
    """The document's data, and a function returning the place of each field path (read
    again when first called); `error(message, location, path)` builds the exception raised
    for a problem in the file."""
    env = dict(env)  # the places are read later, with the same values
    try:
        data = read_fast(text, env)
    except (Unsupported, yaml.YAMLError):
        # Something to report (or rare enough to leave to the full reader): it raises the
        # located error, or reads the file with its places.
        data, places = read_with_places(text, env, error)
        return data, lambda: places
    return data, places_reader(text, env, error)


def read_fast(text: str, env: Mapping[str, str]) -> Any:
    """The document's data, keeping no places; raises Unsupported or a YAMLError at the first
    sign of a problem (then only the full reader can say where it is)."""
    return read_data(_events(text), env, max_depth=MAX_DEPTH, max_values=MAX_VALUES)


def places_reader(text: str, env: Mapping[str, str], error: ErrorFactory) -> Places:
    """The function that reads the place of each field path of a file already read."""
    return lambda: read_with_places(text, env, error)[1]


def _events(text: str):
    loader = _Loader(text)
    try:
        while True:
            event = loader.get_event()
            yield event
            if type(event) is yaml.StreamEndEvent:
                return
    finally:
        loader.dispose()


def read_with_places(text: str, env: Mapping[str, str],
                     error: ErrorFactory) -> tuple[Any, dict[FieldPath, Location]]:
    """The document's data and the place of each field path, or the located error."""
    builder = _Builder(env, error)
    try:
        for event in _events(text):
            builder.feed(event)
    except yaml.MarkedYAMLError as exc:
        raise error(_yaml_problem(exc), location(exc.problem_mark or exc.context_mark), ()) from None
    except yaml.YAMLError as exc:
        raise error(f"invalid YAML: {' '.join(str(exc).split())}", (1, 1), ()) from None
    return builder.root, dict(builder.entries)


def _yaml_problem(exc: yaml.MarkedYAMLError) -> str:
    problem = exc.problem or "malformed"
    if exc.context and exc.context_mark is not None and exc.context_mark != exc.problem_mark:
        return f"invalid YAML: {problem} ({exc.context} at line {exc.context_mark.line + 1})"
    return f"invalid YAML: {problem}"


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
                                 location(event.start_mark), ())

    # -- places --------------------------------------------------------------------------

    def _record(self, path: FieldPath, place: Location) -> None:
        self._check_room(1, place, path)
        self.entries.append((path, place))

    def _check_room(self, count: int, place: Location, path: FieldPath) -> None:
        if len(self.entries) + count > MAX_VALUES:
            raise self.error(f"the file holds more than {MAX_VALUES:,} values (aliases expanding "
                             "without limit?)", place, path)

    def _value_path(self, event: yaml.Event) -> FieldPath:
        """The path of the value that `event` starts; records its place unless a mapping
        key already did."""
        if not self.stack:
            self._record((), location(event.start_mark))
            return ()
        parent = self.stack[-1]
        if isinstance(parent.value, dict):
            if parent.key is None:
                raise self.error("mapping keys must be plain strings", location(event.start_mark),
                                 parent.path)
            return parent.path + (parent.key,)
        path = parent.path + (len(parent.value),)
        self._record(path, location(event.start_mark))
        return path

    # -- events --------------------------------------------------------------------------

    def _key(self, mapping: _Collection, event: yaml.ScalarEvent) -> None:
        key, place = event.value, location(event.start_mark)
        path = mapping.path + (key,)
        if key in mapping.key_lines:
            raise self.error(f"duplicate key (also at line {mapping.key_lines[key]})", place, path)
        if event.anchor is not None or event.tag is not None:
            raise self.error("mapping keys must be plain strings", place, path)
        mapping.key_lines[key] = place[0]
        mapping.key, mapping.key_location = key, place
        # Only a plain `<<` merges; a quoted "<<" is an ordinary (and unknown) key.
        mapping.key_is_merge = key == "<<" and implicit_tag(key, event.implicit) == MERGE_TAG
        if not mapping.key_is_merge:
            self._record(path, place)

    def _scalar(self, event: yaml.ScalarEvent) -> None:
        path = self._value_path(event)
        value = self._scalar_value(event, path)
        if event.anchor is not None:
            self.anchors[event.anchor] = _Anchor(value, path, len(self.entries), len(self.entries))
        self._add(value)

    def _scalar_value(self, event: yaml.ScalarEvent, path: FieldPath) -> Any:
        try:
            return scalar_value(event, self.env)
        except Unreadable as exc:
            raise self.error(str(exc), location(event.start_mark), path) from None

    def _open(self, event: yaml.CollectionStartEvent) -> None:
        path = self._value_path(event)
        place = location(event.start_mark)
        if len(self.stack) >= MAX_DEPTH:
            raise self.error(f"nested more than {MAX_DEPTH} levels deep", place, path)
        mapping = isinstance(event, yaml.MappingStartEvent)
        if event.tag not in (None, "!", MAP_TAG if mapping else SEQ_TAG):
            raise self.error(f"unsupported YAML tag {short_tag(event.tag)}", place, path)
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
                             location(event.start_mark), path)
        # Checked before copying, so that the error names the alias that overflows.
        self._check_room(anchor.end_entry - anchor.first_entry, location(event.start_mark), path)
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
        for path, place in self.entries[first:end]:
            if path[:size] == source and (include_root or len(path) > size):
                self._record(target + path[size:], place)
