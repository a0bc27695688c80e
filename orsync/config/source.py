"""Where each value of the org file came from, and how to name a place in one line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import cached_property

from orsync.errors import ConfigError

FieldPath = tuple[str | int, ...]
Location = tuple[int, int]


def field_name(path: Iterable[str | int]) -> str:
    """`("keys", 2, "limit_reset")` -> `keys[2].limit_reset`."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += f"[{part}]"
        else:
            # A field name is the file's text: control characters in it (say, a YAML "\x1b")
            # would break the one-line error or drive the terminal; they are shown escaped.
            text = str(part) if str(part).isprintable() else str(part).encode("unicode_escape").decode()
            name += f".{text}" if name else text
    return name


class SourceMap:
    """The 1-based (line, column) of every field path: of the key for a mapping member, of
    the item for a list entry.

    `places` returns them all; it is called when a place is first asked for (reading them
    costs as much as reading the file, and a valid file never needs one).
    """

    def __init__(self, file: str, places: Callable[[], Mapping[FieldPath, Location]]) -> None:
        self.file = file
        self._places = places

    @cached_property
    def _locations(self) -> Mapping[FieldPath, Location]:
        return self._places()

    def locate(self, path: Iterable[str | int]) -> Location:
        """The place of `path`, or of its nearest ancestor present in the file (a missing
        field is reported where its entry starts)."""
        path = tuple(path)
        while path and path not in self._locations:
            path = path[:-1]
        return self._locations.get(path, (1, 1))

    def where(self, path: Iterable[str | int]) -> str:
        line, column = self.locate(path)
        return f"{self.file}:{line}:{column}"

    def error(self, path: Iterable[str | int], message: str) -> ConfigError:
        path = tuple(path)
        line, column = self.locate(path)
        return ConfigError(message, file=self.file, line=line, column=column, field=field_name(path))
