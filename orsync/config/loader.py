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
from orsync.config.file_text import MAX_FILE_BYTES, file_bytes, file_text
from orsync.config.forked_read import PendingRead
from orsync.config.messages import validation_problems
from orsync.config.model import OrgConfig
from orsync.config.source import FieldPath, Location, SourceMap, field_name
from orsync.config.yaml_reader import parse, places_reader
from orsync.errors import ConfigError

__all__ = ["EXTENSION_PREFIX", "MAX_FILE_BYTES", "LoadedConfig", "check_config", "load_config"]

EXTENSION_PREFIX = "x-"  # top-level keys ignored by orsync: a home for YAML anchors


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


def load_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None, *,
                pending: PendingRead | None = None) -> LoadedConfig:
    """Read, interpolate (from `env`, default os.environ) and validate the org file; the first
    problem in the file is raised, counting the others (`orsync validate` lists them all).
    `pending`: the file as a child read it (orsync.config.forked_read.start_reading)."""
    loaded, problems = check_config(path, env, pending=pending)
    if problems:
        raise _first_of(problems)
    assert loaded is not None
    return loaded


def check_config(path: str | os.PathLike[str], env: Mapping[str, str] | None = None, *,
                 pending: PendingRead | None = None) -> tuple[LoadedConfig | None, list[ConfigError]]:
    """The validated file, or every problem found in it, in file order.

    A file that cannot be read as YAML has one problem (reading stops there); otherwise every
    field's problem is listed, and the references across entries once the fields are valid.
    """
    if pending is not None:
        pending.wait(str(path), env)  # the collector runs meanwhile (forked_read.PendingRead.wait)
    # One pause for the whole load: each time the collector resumes, its first pass walks every
    # object built meanwhile (some 2 million at 100,000 keys, 0.3 s each time).
    with collector_paused():
        return _checked(path, str(path), env, pending)


def _checked(path: str | os.PathLike[str], file: str, env: Mapping[str, str] | None,
             pending: PendingRead | None) -> tuple[LoadedConfig | None, list[ConfigError]]:
    text = None
    try:
        done = pending.take(file, env) if pending is not None else None
        if done is not None:  # read by a child: the same data, the same places when asked
            digest, text, root = done.sha256, done.text, done.data
            source = SourceMap(file, places_reader(text, done.env, _error_factory(file)))
        else:
            data = file_bytes(Path(path), file)
            text = file_text(data, file)
            digest = hashlib.sha256(data).hexdigest()
            root, source = _read(text, file, env)
        top = _top_level(root, source)
    except ConfigError as exc:
        return None, [_with_tab_hint(exc, text)]
    try:
        model = OrgConfig.model_validate(top)
    except ValidationError as exc:
        return None, _located(validation_problems(exc), source)
    problems = reference_problems(model, source)
    if problems:
        return None, _located(problems, source)
    share_fields_sets(model)  # 0.7 KB less per entry (orsync/config/compact.py)
    return LoadedConfig(Path(path), digest, model, source), []


def _read(text: str, file: str, env: Mapping[str, str] | None) -> tuple[Any, SourceMap]:
    root, places = parse(text, os.environ if env is None else env, _error_factory(file))
    return root, SourceMap(file, places)


def _error_factory(file: str):
    def problem(message: str, location: Location, field_path: FieldPath) -> ConfigError:
        line, column = location
        return ConfigError(message, file=file, line=line, column=column, field=field_name(field_path))
    return problem


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
