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
    # Names are unique within a workspace (two workspaces may each have a key `ci`), and a
    # member holds one direct guardrail per workspace.
    homes = _guardrail_homes(config, present_only=False)
    member_scopes = [_guardrail_workspace(homes, m.guardrail, m.workspace) for m in members]
    return [
        *_duplicates(source, "workspaces", "slug", "workspace slug", [w.slug for w in config.workspaces]),
        *_duplicates(source, "workspaces", "id", "workspace id", [w.id for w in config.workspaces]),
        *_duplicates(source, "guardrails", "name", "guardrail name",
                     [_in_workspace(g.name, g.workspace) for g in config.guardrails]),
        *_duplicates(source, "guardrails", "id", "guardrail id", [g.id for g in config.guardrails]),
        *_duplicates(source, "keys", "name", "key name", [_in_workspace(k.name, k.workspace) for k in config.keys]),
        *_duplicates(source, "keys", "hash", "key hash", [k.hash for k in config.keys]),
        # Email addresses are compared the way mail servers compare them in practice.
        *_duplicates(source, "members", "email", "member",
                     [_in_workspace(m.email.casefold(), scope) if m.email else None
                      for m, scope in zip(members, member_scopes)]),
        *_duplicates(source, "members", "id", "member",
                     [_in_workspace(m.id, scope) if m.id else None for m, scope in zip(members, member_scopes)]),
        *_workspace_member_duplicates(config, source),
        *_duplicates(source, "smoke", "name", "smoke test name", [s.name for s in config.smoke]),
        *_guardrail_references(config, homes),
        *_absent_workspace_references(config),
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


def _in_workspace(name: str, workspace: str | None) -> str:
    """A name as unique within its workspace: `research/ci`, or `ci` in the default one."""
    return f"{workspace}/{name}" if workspace else name


def _guardrail_workspace(homes: dict[str, set[str | None]], name: str | None, workspace: str | None) -> str | None:
    """The workspace of the guardrail a member entry names: its `workspace:`, else the one
    workspace that declares a guardrail of that name (the default one when several or none)."""
    if workspace or name is None:
        return workspace
    found = homes.get(name, set())
    return next(iter(found)) if len(found) == 1 else None


def _guardrail_homes(config: OrgConfig, *, present_only: bool) -> dict[str, set[str | None]]:
    """Guardrail name -> the workspaces declaring it, built once per check (looking it up entry
    by entry made a 10,000-key file take 1.6 s here, and 100,000 keys minutes)."""
    homes: dict[str, set[str | None]] = {}
    for guardrail in config.guardrails:
        if not present_only or guardrail.state == "present":
            homes.setdefault(guardrail.name, set()).add(guardrail.workspace)
    return homes


def _workspace_member_duplicates(config: OrgConfig, source: SourceMap) -> Iterator[Problem]:
    for index, workspace in enumerate(config.workspaces):
        seen: dict[str, int] = {}
        for position, member in enumerate(workspace.members or []):
            folded = member.casefold()
            if folded in seen:
                yield (("workspaces", index, "members", position),
                       f"{member!r} is listed twice in workspace {workspace.slug}'s members")
            seen.setdefault(folded, position)


def _guardrail_references(config: OrgConfig, all_homes: dict[str, set[str | None]]) -> Iterator[Problem]:
    states = {_in_workspace(g.name, g.workspace): g.state for g in config.guardrails}
    present_homes = _guardrail_homes(config, present_only=True)
    # Thousands of entries name the same few (guardrail, workspace) pairs: each pair is judged once.
    judged: dict[tuple[str, str, str | None], str | None] = {}
    for section, entries in (("keys", config.keys), ("members", config.members)):
        for index, entry in enumerate(entries):
            if entry.guardrail is None or getattr(entry, "state", "present") == "absent":
                continue
            pair = (section, entry.guardrail, entry.workspace)
            if pair not in judged:
                judged[pair] = _guardrail_problem(section, entry.guardrail, entry.workspace, states, all_homes,
                                                  present_homes)
            if judged[pair]:
                yield (section, index, "guardrail"), judged[pair]


def _guardrail_problem(section: str, name: str, workspace: str | None, states: dict[str, str],
                       all_homes: dict[str, set[str | None]], present_homes: dict[str, set[str | None]]) -> str | None:
    if section != "keys":
        workspace = _guardrail_workspace(all_homes, name, workspace)
    return (_other_workspace(present_homes, name, workspace) if section == "keys" else None) \
        or _undeclared(_in_workspace(name, workspace), states, "guardrail", "")


def _absent_workspace_references(config: OrgConfig) -> Iterator[Problem]:
    """Objects kept in a workspace the file deletes: they would go with it (or stop it)."""
    absent = {workspace.slug for workspace in config.workspaces if workspace.state == "absent"}
    for section in ("guardrails", "keys", "members"):
        for index, entry in enumerate(getattr(config, section) if absent else ()):
            if entry.workspace in absent and getattr(entry, "state", "present") == "present":
                yield (section, index, "workspace"), (
                    f"workspace {entry.workspace!r} is declared with state: absent, and this entry would be "
                    "deleted with it; declare the entry `state: absent` too, or place it in another workspace")


def _other_workspace(present_homes: dict[str, set[str | None]], name: str, workspace: str | None) -> str | None:
    """A key given a guardrail that only another workspace declares: the API would refuse it."""
    homes = present_homes.get(name, set())
    if not homes or workspace in homes:
        return None
    where = ", ".join(sorted(home or "the default workspace" for home in homes))
    return (f"guardrail {name!r} is declared in {where}, not in this key's workspace "
            f"({workspace or 'the default one'}); a key takes a guardrail only from its own workspace")


def _smoke_key_references(config: OrgConfig) -> Iterator[Problem]:
    if not config.smoke:
        return
    states = {_in_workspace(key.name, key.workspace): key.state for key in config.keys}
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
