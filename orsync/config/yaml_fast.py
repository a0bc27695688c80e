"""The org file's data from YAML events, as fast as Python allows, keeping no places.

It builds exactly what the full reader (orsync.config.yaml_reader) builds, but records no
line or column, so it cannot say where a problem is: at the first sign of one (a duplicate key,
a bad tag, too deep, too many values, an unknown alias, a refused scalar, a second document)
it raises Unsupported, and the full reader reads the file again to report it. Its value count
is never below the full reader's, so any file the full reader refuses comes back to it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import yaml

from orsync.config.yaml_values import (MAP_TAG, MERGE_TAG, SEQ_TAG, Unreadable, implicit_tag,
                                       scalar_value)

_MERGE = object()  # the pending key of a mapping whose `<<` value comes next
_MAP_TAGS = (None, "!", MAP_TAG)
_SEQ_TAGS = (None, "!", SEQ_TAG)


class Unsupported(Exception):
    """The full reader must read this file: to locate a problem, or because it is too big."""


class _Frame:
    """A mapping or sequence being read."""

    __slots__ = ("value", "is_map", "key", "anchor", "start", "merge_sources", "merge_start",
                 "merge_span")

    def __init__(self, value: dict | list, anchor: str | None, start: int) -> None:
        self.value = value
        self.is_map = type(value) is dict
        self.key: Any = None          # mappings: the key whose value comes next
        self.anchor = anchor
        self.start = start            # the value count when it opened (for its anchor's span)
        self.merge_sources: list[dict] | None = None
        self.merge_start = self.merge_span = 0


def read_data(events: Iterable[yaml.Event], env: Mapping[str, str], *, max_depth: int,
              max_values: int) -> Any:
    """The document's data; raises Unsupported (or the parser's YAMLError)."""
    return _Reader(env, max_depth, max_values).read(events)


class _Reader:
    def __init__(self, env: Mapping[str, str], max_depth: int, max_values: int) -> None:
        self.env, self.max_depth, self.max_values = env, max_depth, max_values
        self.stack: list[_Frame] = []
        self.anchors: dict[str, tuple[Any, int]] = {}  # name -> (value, values inside it)
        self.count = 0                # values placed, aliases expanded (the full reader's count)
        self.root: Any = None

    def read(self, events: Iterable[yaml.Event]) -> Any:
        stack, env, documents = self.stack, self.env, 0
        for event in events:
            kind = type(event)
            if kind is yaml.ScalarEvent:
                top = stack[-1] if stack else None
                if top is not None and top.is_map and top.key is None:
                    self._key(top, event)
                    continue
                if top is None or not top.is_map:
                    self.count += 1
                try:
                    value = scalar_value(event, env)
                except Unreadable:
                    raise Unsupported from None
                if event.anchor is not None:
                    self.anchors[event.anchor] = (value, 0)
                self._add(value, 0)
            elif kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
                self._open(event, kind is yaml.MappingStartEvent)
            elif kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                self._close()
            elif kind is yaml.AliasEvent:
                self._alias(event)
            elif kind is yaml.DocumentStartEvent:
                documents += 1
                if documents > 1:
                    raise Unsupported
        self._check_count()
        return self.root

    def _key(self, mapping: _Frame, event: yaml.ScalarEvent) -> None:
        key = event.value
        if event.anchor is not None or event.tag is not None:
            raise Unsupported
        if key in mapping.value or (key == "<<" and mapping.merge_sources is not None):
            raise Unsupported  # a duplicate key
        if key == "<<" and implicit_tag(key, event.implicit) == MERGE_TAG:
            mapping.key, mapping.merge_start = _MERGE, self.count
            mapping.merge_sources = []
        else:
            mapping.key = key
            self.count += 1

    def _placed(self) -> None:
        """Counts a value about to start that is not a mapping's value (the key counted that)."""
        top = self.stack[-1] if self.stack else None
        if top is None or not top.is_map:
            self.count += 1
        elif top.key is None:
            raise Unsupported  # a mapping key that is not a scalar

    def _open(self, event: yaml.CollectionStartEvent, is_map: bool) -> None:
        self._placed()
        if len(self.stack) >= self.max_depth or event.tag not in (_MAP_TAGS if is_map else _SEQ_TAGS):
            raise Unsupported
        self.stack.append(_Frame({} if is_map else [], event.anchor, self.count))

    def _close(self) -> None:
        frame = self.stack.pop()
        if frame.merge_sources:
            mapping = frame.value
            for source in frame.merge_sources:
                for key in [key for key in source if key not in mapping]:
                    mapping[key] = source[key]
            self.count += frame.merge_span  # the full reader copies places of merged values
        self._check_count()
        if frame.anchor is not None:
            self.anchors[frame.anchor] = (frame.value, self.count - frame.start)
        self._add(frame.value, self.count - frame.start)

    def _alias(self, event: yaml.AliasEvent) -> None:
        self._placed()
        if event.anchor not in self.anchors:
            raise Unsupported
        value, span = self.anchors[event.anchor]
        self.count += span
        self._check_count()
        self._add(value, span)

    def _add(self, value: Any, span: int) -> None:
        if not self.stack:
            self.root = value
            return
        top = self.stack[-1]
        if not top.is_map:
            top.value.append(value)
            return
        key, top.key = top.key, None
        if key is not _MERGE:
            top.value[key] = value
            return
        sources = value if type(value) is list else [value]
        if not sources or not all(type(source) is dict for source in sources):
            raise Unsupported  # << merges a mapping or a list of mappings
        top.merge_sources = sources
        top.merge_span = self.count - top.merge_start

    def _check_count(self) -> None:
        if self.count > self.max_values:
            raise Unsupported
