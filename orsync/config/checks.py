"""Checks across entries that no single field can make: unique names and pins, references."""

from __future__ import annotations

import difflib
import re
from collections.abc import Hashable, Iterator, Sequence

from orsync.config.model import OrgConfig
from orsync.config.source import FieldPath, SourceMap

Problem = tuple[FieldPath, str]
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def reference_problems(config: OrgConfig, source: SourceMap) -> list[Problem]:
    """Every duplicate and dangling reference in `config`, located in `source`."""
    members = config.members
    return [
        *_duplicates(source, "guardrails", "name", "guardrail name", [g.name for g in config.guardrails]),
        *_duplicates(source, "guardrails", "id", "guardrail id", [g.id for g in config.guardrails]),
        *_duplicates(source, "keys", "name", "key name", [k.name for k in config.keys]),
        *_duplicates(source, "keys", "hash", "key hash", [k.hash for k in config.keys]),
        # Email addresses are compared the way mail servers compare them in practice.
        *_duplicates(source, "members", "email", "member",
                     [m.email.casefold() if m.email else None for m in members]),
        *_duplicates(source, "members", "id", "member", [m.id for m in members]),
        *_duplicates(source, "smoke", "name", "smoke test name", [s.name for s in config.smoke]),
        *_guardrail_references(config),
        *_smoke_key_references(config),
    ]


def _duplicates(source: SourceMap, section: str, field: str, what: str,
                values: Sequence[Hashable | None]) -> Iterator[Problem]:
    first_index: dict[Hashable, int] = {}
    for index, value in enumerate(values):
        if value is None:
            continue
        if value in first_index:
            first_line, _ = source.locate((section, first_index[value], field))
            yield (section, index, field), f"duplicate {what} {value!r} (also at line {first_line})"
        else:
            first_index[value] = index


def _guardrail_references(config: OrgConfig) -> Iterator[Problem]:
    states = {guardrail.name: guardrail.state for guardrail in config.guardrails}
    for section, entries in (("keys", config.keys), ("members", config.members)):
        for index, entry in enumerate(entries):
            if entry.guardrail is None or getattr(entry, "state", "present") == "absent":
                continue
            problem = _undeclared(entry.guardrail, states, "guardrail", "")
            if problem:
                yield (section, index, "guardrail"), problem


def _smoke_key_references(config: OrgConfig) -> Iterator[Problem]:
    states = {key.name: key.state for key in config.keys}
    for index, test in enumerate(config.smoke):
        path = ("smoke", index, "key")
        if test.key.startswith("env:"):
            if not _ENV_NAME.fullmatch(test.key[4:]):
                yield path, f"{test.key!r} does not name an environment variable (env:NAME)"
            continue
        problem = _undeclared(test.key, states, "key", " (write env:VAR for a key that orsync does not manage)")
        if problem:
            yield path, problem


def _undeclared(name: str, states: dict[str, str], kind: str, hint: str) -> str | None:
    """Why `name` cannot be referred to, or None when it names a present entry."""
    state = states.get(name)
    if state == "present":
        return None
    if state == "absent":
        return f"{kind} {name!r} is declared with state: absent"
    present = [candidate for candidate, candidate_state in states.items() if candidate_state == "present"]
    close = difflib.get_close_matches(name, present, n=1)
    suggestion = f" (did you mean {close[0]!r}?)" if close else hint
    return f"{kind} {name!r} is not declared under {kind}s{suggestion}"
