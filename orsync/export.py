"""`orsync export`: the live org written as an org file that plans to no changes.

What goes in, and why the round trip holds:
- Every workspace (orsync.export_workspaces: settings, budgets, default guardrail, members),
  guardrails and keys with every field the planner manages (null included: "no limit" is a
  policy worth declaring) and `workspace:` outside the default one, keys with their guardrail
  (or `guardrail: null`), and every member with theirs, one entry per workspace where they
  have one. Values are the planner's own normalised live values, so a plan compares equal.
- `policy.prune: false`: whatever the file leaves out (a key filtered out by `--select` or
  `--exclude-disabled`) stays unmanaged, so it never shows up as a change.
- Duplicated names: names are unique within a workspace, and a pin with another name is a
  rename. The oldest object of a name in a workspace is exported under that name with a
  `hash:`/`id:` pin; the others are written as commented-out entries under suffixed names
  (`name-2`, ...) with their pins: unmanaged until someone uncomments them, which renames them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from typing import Any

from orsync import __version__
from orsync.config.model import EMAIL_PATTERN
from orsync.export_text import INDENT, item, number, scalar, section, string
from orsync.export_workspaces import OrgScopes, managed_values, member_label, workspace_blocks
from orsync.planner.live import LiveState
from orsync.resources.guardrail_fields import FIELDS as GUARDRAIL_FIELDS
from orsync.resources.guardrails import Guardrails
from orsync.resources.keys import Keys

__all__ = ["ExportOptions", "export_org", "free_name", "number", "scalar", "string"]

KEYS, GUARDRAILS = Keys(), Guardrails()
# Field order in the file; the planner manages exactly these (name aside).
KEY_FIELDS = ("limit", "limit_reset", "include_byok_in_limit", "expires_at", "disabled", "creator_user_id")


@dataclass(frozen=True)
class ExportOptions:
    include_disabled: bool = True
    select: tuple[str, ...] = ()        # name globs; empty keeps everything
    source: str = ""                    # where the org was read, for the header
    now: datetime | None = None         # for "expired" notes; default: the current time


@dataclass(frozen=True)
class Entry:
    """One live object as the file names it."""

    obj: Any
    name: str
    live_id: str
    pin: bool                           # write `hash:` / `id:` (the live name is not unique)
    workspace: str | None = None        # its workspace's slug, outside the default one
    duplicate_of: str | None = None     # set for a commented-out duplicate: its live name


# --- which objects, under which names -----------------------------------------------------------

def matches(name: str, globs: tuple[str, ...]) -> bool:
    return not globs or any(fnmatchcase(name, glob) for glob in globs)


@dataclass(frozen=True)
class Selection:
    keys: list[Any]
    guardrails: list[Any]
    members: list[Any]
    workspaces: list[Any]


def select(state: LiveState, scopes: OrgScopes, options: ExportOptions) -> Selection:
    """What `--select` and `--exclude-disabled` keep.

    A guardrail that matches brings what it governs; a key or member that matches brings its
    guardrail (a `guardrail:` reference needs a declared target). A workspace is kept when its
    slug matches.
    """
    globs = options.select
    guardrails = scopes.guardrails(state)
    guardrail_of_key = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    guardrails_of_member: dict[str, set[str]] = {}
    for row in state.member_assignments:
        guardrails_of_member.setdefault(row.user_id, set()).add(row.guardrail_id)
    chosen = {g.id for g in guardrails if matches(g.name, globs)}
    keys = [k for k in state.keys
            if (options.include_disabled or not k.disabled)
            and (matches(k.name, globs) or guardrail_of_key.get(k.hash) in chosen)]
    members = [m for m in state.members
               if matches(m.email or m.id, globs) or guardrails_of_member.get(m.id, set()) & chosen]
    chosen |= {guardrail_of_key[k.hash] for k in keys if k.hash in guardrail_of_key}
    for m in members:
        chosen |= guardrails_of_member.get(m.id, set())
    return Selection(keys=keys, guardrails=[g for g in guardrails if g.id in chosen], members=members,
                     workspaces=[w for w in scopes.workspaces if matches(w.slug, globs)])


def entries(objects: list[Any], every_live: list[Any], id_of: Callable[[Any], str],
            scopes: OrgScopes) -> list[Entry]:
    """Distinct file names for `objects` within each workspace; duplicates of a live name get
    a suffix and a comment."""
    live_names = Counter((scopes.of(obj), obj.name) for obj in every_live)
    taken = set(live_names)
    groups: dict[tuple[str, str], list[Any]] = {}
    for obj in sorted(objects, key=lambda o: (o.created_at or "", id_of(o))):
        groups.setdefault((scopes.of(obj) or "", obj.name), []).append(obj)
    result = []
    for (workspace, name) in sorted(groups):
        first, *others = groups[(workspace, name)]
        scope = workspace or None
        result.append(Entry(first, name, id_of(first), pin=live_names[(scope, name)] > 1, workspace=scope))
        for obj in others:
            alias = free_name(name, {taken_name for taken_scope, taken_name in taken if taken_scope == scope})
            taken.add((scope, alias))
            result.append(Entry(obj, alias, id_of(obj), pin=True, workspace=scope, duplicate_of=name))
    return result


def free_name(name: str, taken: set[str]) -> str:
    """`name-2`, `name-3`, ... the first one no live object or other entry uses (200 chars max)."""
    counter = 2
    while True:
        suffix = f"-{counter}"
        candidate = name[: 200 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        counter += 1


# --- the document -------------------------------------------------------------------------------

def export_org(state: LiveState, options: ExportOptions = ExportOptions()) -> str:
    """The org file text for the live `state`."""
    scopes = OrgScopes.read(state)
    chosen = select(state, scopes, options)
    guardrails = entries(chosen.guardrails, scopes.guardrails(state), lambda g: g.id, scopes)
    keys = entries(chosen.keys, state.keys, lambda k: k.hash, scopes)
    managed_names = {e.live_id: e.name for e in guardrails if e.duplicate_of is None}
    every_name = {e.live_id: e.name for e in guardrails}
    now = options.now or datetime.now(timezone.utc)
    lines = header(options, guardrails, keys, len(chosen.members), len(chosen.workspaces))
    lines += ["version: 1", "", "policy:",
              f"{INDENT}prune: false  # what this file leaves out stays unmanaged", ""]
    if scopes.known:
        lines += section("workspaces", workspace_blocks(state, scopes, chosen.workspaces))
    lines += section("guardrails", [guardrail_lines(e) for e in guardrails])
    key_guardrail = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    lines += section("keys", [key_lines(e, key_guardrail.get(e.live_id),
                                        every_name if e.duplicate_of else managed_names, state, now)
                              for e in keys])
    lines += section("members", member_blocks(chosen.members, state, scopes, managed_names))
    return "\n".join(lines).rstrip("\n") + "\n"


def header(options: ExportOptions, guardrails: list[Entry], keys: list[Entry], members: int,
           workspaces: int) -> list[str]:
    def managed(found: list[Entry]) -> int:
        return sum(1 for e in found if e.duplicate_of is None)

    duplicates = len(guardrails) + len(keys) - managed(guardrails) - managed(keys)
    counts = f"{workspaces} workspaces, " if workspaces else ""
    lines = [f"# The OpenRouter org{' at ' + options.source if options.source else ''}, exported by orsync "
             f"{__version__}: {counts}{managed(guardrails)} guardrails, {managed(keys)} keys, {members} members.",
             "# `orsync plan` of this file against the same org shows no changes."]
    if duplicates:
        lines.append(f"# {duplicates} objects whose names are taken are commented out (search for 'Another').")
    if options.select:
        lines.append(f"# Only what matches {', '.join(options.select)} (and what it refers to or governs).")
    if not options.include_disabled:
        lines.append("# Disabled keys are left out, so they stay unmanaged.")
    return lines + [""]


def commented_out(lines: list[str], entry: Entry, kind: str, pin_field: str) -> list[str]:
    """A duplicate as comments: kept out of the plan, ready to be adopted under its new name."""
    intro = [f"{INDENT}# Another {kind} named {entry.duplicate_of!r}, left unmanaged so that this file plans to no changes.",
             f"{INDENT}# Uncomment to manage it as {entry.name!r}: apply renames it ({pin_field}: keeps its identity)."]
    return intro + [line if line.lstrip().startswith("#") else f"{INDENT}# {line[len(INDENT):]}" for line in lines]


def identity(entry: Entry, pin_field: str) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [("name", entry.name)]
    if entry.pin:
        fields.append((pin_field, entry.live_id))
    if entry.workspace is not None:
        fields.append(("workspace", entry.workspace))
    return fields


def guardrail_lines(entry: Entry) -> list[str]:
    guardrail = entry.obj
    lines = item(identity(entry, "id") + managed_values(GUARDRAILS, guardrail, GUARDRAIL_FIELDS),
                 comments=[f"guardrail {guardrail.id}, created {day(guardrail.created_at)}"])
    return commented_out(lines, entry, "guardrail", "id") if entry.duplicate_of else lines


def key_lines(entry: Entry, guardrail_id: str | None, guardrail_names: dict[str, str],
              state: LiveState, now: datetime) -> list[str]:
    key = entry.obj
    fields = identity(entry, "hash") + managed_values(KEYS, key, KEY_FIELDS)
    notes = []
    if guardrail_id is None:
        fields.append(("guardrail", None))
    elif guardrail_id in guardrail_names:
        fields.append(("guardrail", guardrail_names[guardrail_id]))
    else:
        notes.append(unmanaged_guardrail_note(guardrail_id, state))
    comment = f"key {key.hash}, created {day(key.created_at)}"
    if key.expires_at is not None and KEYS.normalise("expires_at", key.expires_at) <= stamp(now):
        comment += ", expired"
    lines = item(fields, comments=[comment], notes=notes)
    return commented_out(lines, entry, "key", "hash") if entry.duplicate_of else lines


def member_blocks(members: list[Any], state: LiveState, scopes: OrgScopes,
                  guardrail_names: dict[str, str]) -> list[list[str]]:
    """Each member's direct guardrail in the default workspace (or `guardrail: null`), then one
    entry for each other workspace where they have one. By email (by id when the email is
    missing, malformed or shared)."""
    guardrail_scope = {g.id: scopes.of(g) for g in state.guardrails}
    held: dict[str, dict[str | None, str]] = {}
    for row in state.member_assignments:
        held.setdefault(row.user_id, {})[guardrail_scope.get(row.guardrail_id)] = row.guardrail_id
    blocks = []
    for member in sorted(members, key=lambda m: ((m.email or "").lower(), m.id)):
        label = member_label(member, members)
        identity_field = ("email", label) if re.match(EMAIL_PATTERN, label) else ("id", label)
        mine = held.get(member.id, {})
        for scope in [None, *sorted(scope for scope in mine if scope is not None)]:
            fields: list[tuple[str, Any]] = [identity_field]
            if scope is not None:
                fields.append(("workspace", scope))
            notes = []
            guardrail_id = mine.get(scope)
            if guardrail_id is None or guardrail_id in guardrail_names:
                fields.append(("guardrail", guardrail_names.get(guardrail_id)))
            else:
                notes.append(unmanaged_guardrail_note(guardrail_id, state))
            blocks.append(item(fields, comments=[f"member {member.id}"], notes=notes))
    return blocks


def unmanaged_guardrail_note(guardrail_id: str, state: LiveState) -> str:
    name = next((g.name for g in state.guardrails if g.id == guardrail_id), "?")
    return (f"guardrail left unmanaged: governed by {name!r} ({guardrail_id}), "
            "a duplicate name this file does not manage")


def day(timestamp: Any) -> str:
    return str(timestamp or "?")[:10]


def stamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
