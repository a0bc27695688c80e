"""The org file on disk -> a validated OrgConfig that remembers where each value came from.

Every problem becomes one ConfigError, `file:line:col: field.path: message`, raised before
anything reads or writes the live org.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from orsync.collector import collector_paused
from orsync.config.checks import reference_problems
from orsync.config.compact import share_fields_sets
from orsync.config.messages import validation_problems
from orsync.config.model import OrgConfig
from orsync.config.source import FieldPath, Location, SourceMap, field_name
from orsync.config.yaml_reader import SECRET_ADVICE, SECRET_SHAPE, parse
from orsync.errors import ConfigError

MAX_FILE_BYTES = 20 * 1024 * 1024
EXTENSION_PREFIX = "x-"  # top-level keys ignored by orsync: a home for YAML anchors
# Characters YAML does not allow in a stream (YAML 1.1 "printable"): their presence means
# the file is not text.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_PRINTABLE_ASCII = b"\t\n\r" + bytes(range(0x20, 0x7f))


@dataclass(frozen=True)
class LoadedConfig:
    """A validated org file: the model, the file's digest, and the place of every field."""

    path: Path
    sha256: str
    model: OrgConfig
    source: SourceMap = field(repr=False, compare=False, hash=False)

    def locate(self, path: Iterable[str | int]) -> Location:
        """(line, column) of a field path such as ("keys", 2, "limit_reset"); a path the file
        does not spell out is located at its nearest ancestor."""
        return self.source.locate(path)

    def where(self, path: Iterable[str | int]) -> str:
        """`org.yaml:14:5` for a field path."""
        return self.source.where(path)

    def error(self, path: Iterable[str | int], message: str) -> ConfigError:
        """A ConfigError about a field, for problems found later (e.g. at plan time)."""
        return self.source.error(path, message)


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None) -> LoadedConfig:
    """Read, interpolate (from `env`, default os.environ) and validate the org file; the first
    problem in the file is raised, counting the others (`orsync validate` lists them all)."""
    loaded, problems = check_config(path, env)
    if problems:
        raise _first_of(problems)
    assert loaded is not None
    return loaded


def check_config(path: str | os.PathLike[str],
                 env: Mapping[str, str] | None = None) -> tuple[LoadedConfig | None, list[ConfigError]]:
    """The validated file, or every problem found in it, in file order.

    A file that cannot be read as YAML has one problem (reading stops there); otherwise every
    field's problem is listed, and the references across entries once the fields are valid.
    """
    file = str(path)
    text = None
    try:
        data = _file_bytes(Path(path), file)
        text = _text(data, file)
        _refuse_secrets(text, file)
        with collector_paused():
            root, source = _read(text, file, env)
            top = _top_level(root, source)
    except ConfigError as exc:
        return None, [_with_tab_hint(exc, text)]
    with collector_paused():
        try:
            model = OrgConfig.model_validate(top)
        except ValidationError as exc:
            return None, _located(validation_problems(exc), source)
    problems = reference_problems(model, source)
    if problems:
        return None, _located(problems, source)
    share_fields_sets(model)  # 0.7 KB less per entry (orsync/config/compact.py)
    return LoadedConfig(Path(path), hashlib.sha256(data).hexdigest(), model, source), []


def _read(text: str, file: str, env: Mapping[str, str] | None) -> tuple[Any, SourceMap]:
    def problem(message: str, location: Location, field_path: FieldPath) -> ConfigError:
        line, column = location
        return ConfigError(message, file=file, line=line, column=column, field=field_name(field_path))

    root, places = parse(text, os.environ if env is None else env, problem)
    return root, SourceMap(file, places)


def _with_tab_hint(error: ConfigError, text: str | None) -> ConfigError:
    """A YAML error on a line indented with a tab names the tab as the cause."""
    if text is None or error.line is None or not error.message.startswith("invalid YAML"):
        return error
    lines = text.splitlines()
    suspects = [error.line] + _context_lines(error.message)
    for number in suspects:
        if 0 < number <= len(lines):
            indent = lines[number - 1][:len(lines[number - 1]) - len(lines[number - 1].lstrip(" \t"))]
            if "\t" in indent:
                return ConfigError("invalid YAML: a tab indents this line (YAML indents with spaces only)",
                                   file=error.file, line=number, column=indent.index("\t") + 1,
                                   field=error.field)
    return error


def _context_lines(message: str) -> list[int]:
    found = re.search(r"at line (\d+)\)$", message)
    return [int(found.group(1))] if found else []


def _file_bytes(path: Path, file: str) -> bytes:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise ConfigError("no such file", file=file) from None
    except IsADirectoryError:
        raise ConfigError("is a directory, not an org file", file=file) from None
    except OSError as exc:
        raise ConfigError(f"cannot read: {exc.strerror or exc}", file=file) from None
    if len(data) > MAX_FILE_BYTES:
        raise ConfigError(f"too large for an org file (over {MAX_FILE_BYTES // 2**20} MiB)", file=file)
    return data


def _text(data: bytes, file: str) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line, column = _position(data, exc.start, b"\n")
        raise ConfigError(f"not UTF-8 text (byte 0x{data[exc.start]:02x}); is this a binary file?",
                          file=file, line=line, column=column) from None
    bad = _NOT_PRINTABLE.search(text) if _may_hold_control_characters(data, text) else None
    if bad:
        line, column = _position(text, bad.start(), "\n")
        raise ConfigError(f"not a text file: control character U+{ord(bad.group()):04X}",
                          file=file, line=line, column=column)
    return text


def _may_hold_control_characters(data: bytes, text: str) -> bool:
    # An ASCII file is checked by deleting its allowed bytes (C speed, 10 times faster than the
    # pattern): anything left over is a control character.
    return not text.isascii() or bool(data.translate(None, _PRINTABLE_ASCII))


def _refuse_secrets(text: str, file: str) -> None:
    # Anywhere, comments included: a secret committed in a comment has leaked all the same.
    # The message never repeats the secret. (The plain substring test first: the pattern's
    # look-behind makes a search of a large file 20 times slower.)
    found = SECRET_SHAPE.search(text) if "sk-or-" in text else None
    if found:
        line, column = _position(text, found.start(), "\n")
        raise ConfigError(f"a value shaped like an OpenRouter secret (sk-or-...); {SECRET_ADVICE}",
                          file=file, line=line, column=column)


def _position(text: str | bytes, offset: int, newline: Any) -> Location:
    line_start = text.rfind(newline, 0, offset) + 1
    return text.count(newline, 0, offset) + 1, offset - line_start + 1


def _top_level(root: Any, source: SourceMap) -> dict[str, Any]:
    if root is None:
        raise source.error((), "the file is empty (an org file starts with version: 1)")
    if not isinstance(root, dict):
        kind = "a list" if isinstance(root, list) else "a single value"
        raise source.error((), f"the top level must be a mapping that starts with version: 1 (got {kind})")
    return {key: value for key, value in root.items() if not key.startswith(EXTENSION_PREFIX)}


def _located(problems: list[tuple[FieldPath, str]], source: SourceMap) -> list[ConfigError]:
    """Each problem as a located ConfigError, in the order of the file (ties keep their order)."""
    ordered = sorted(problems, key=lambda problem: source.locate(problem[0]))
    return [source.error(path, message) for path, message in ordered]


def _first_of(problems: list[ConfigError]) -> ConfigError:
    """The problem that comes first in the file, saying how many more there are."""
    first = problems[0]
    if len(problems) == 1:
        return first
    more = len(problems) - 1
    message = f"{first.message} (and {more} more problem{'s' if more > 1 else ''}: orsync validate lists them all)"
    return ConfigError(message, file=first.file, line=first.line, column=first.column, field=first.field)
