"""`orsync export`: the live org written as an org file that plans to no changes.

What goes in, and why the round trip holds:
- Guardrails and keys with every field the planner manages (null included: "no limit" is a
  policy worth declaring), keys with their guardrail (or `guardrail: null`), and every member
  with theirs. Values are the planner's own normalised live values, so a plan compares equal.
- `policy.prune: false`: whatever the file leaves out (a key filtered out by `--select` or
  `--exclude-disabled`) stays unmanaged, so it never shows up as a change.
- Duplicated names: the file cannot hold two entries with one name (and a pin with another name
  is a rename). The oldest object of a name is exported under that name with a `hash:`/`id:`
  pin; the others are written as commented-out entries under suffixed names (`name-2`, ...)
  with their pins: unmanaged until someone uncomments them, which renames them on apply.
- Strings holding `${` are written `$${` (the loader expands `${VAR}`).

The YAML is emitted by hand (PyYAML cannot write comments); every scalar is plain only when
YAML reads it back as the same string, otherwise double-quoted with escapes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from fnmatch import fnmatchcase
from typing import Any

from yaml import ScalarNode
from yaml.resolver import Resolver

from orsync import __version__
from orsync.config.model import EMAIL_PATTERN
from orsync.planner.live import LiveState
from orsync.resources.guardrail_fields import FIELDS as GUARDRAIL_FIELDS
from orsync.resources.guardrail_fields import ZDR_FIELDS
from orsync.resources.guardrails import Guardrails
from orsync.resources.keys import Keys

KEYS, GUARDRAILS = Keys(), Guardrails()
# Field order in the file; the planner manages exactly these (name aside).
KEY_FIELDS = ("limit", "limit_reset", "include_byok_in_limit", "expires_at", "disabled", "creator_user_id")
# The file cannot say null for these (the API only takes true/false): a null live value is omitted.
SET_ONLY = frozenset({"include_byok_in_limit", "disabled", "include_byok_in_budgets"})
INDENT = "  "

# Plain scalars: no indicator characters, single inner spaces (never before a `#` or after a `:`).
_PLAIN = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./@+-]| (?=[A-Za-z0-9_./@+-]))*")
_RESOLVER = Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


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
    duplicate_of: str | None = None     # set for a commented-out duplicate: its live name


# --- scalars ------------------------------------------------------------------------------------

def scalar(value: Any) -> str:
    """A YAML scalar (or flow list of scalars) that reads back as `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(item) for item in value) + "]"
    if isinstance(value, dict):  # a content filter: a flow mapping, nulls left out
        return "{" + ", ".join(f"{name}: {scalar(item)}" for name, item in value.items() if item is not None) + "}"
    return string(str(value))


def number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    # YAML 1.1 reads `1e-05` as a string: its floats need a dot in the mantissa.
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def string(text: str) -> str:
    text = text.replace("${", "$${")
    if _PLAIN.fullmatch(text) and _RESOLVER.resolve(ScalarNode, text, (True, False)) == _STR_TAG:
        return text
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


# --- which objects, under which names -----------------------------------------------------------

def matches(name: str, globs: tuple[str, ...]) -> bool:
    return not globs or any(fnmatchcase(name, glob) for glob in globs)


@dataclass(frozen=True)
class Selection:
    keys: list[Any]
    guardrails: list[Any]
    members: list[Any]


def select(state: LiveState, options: ExportOptions) -> Selection:
    """What `--select` and `--exclude-disabled` keep.

    A guardrail that matches brings what it governs; a key or member that matches brings its
    guardrail (a `guardrail:` reference needs a declared target).
    """
    globs = options.select
    guardrail_of_key = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    guardrail_of_member = {row.user_id: row.guardrail_id for row in state.member_assignments}
    chosen = {g.id for g in state.guardrails if matches(g.name, globs)}
    keys = [k for k in state.keys
            if (options.include_disabled or not k.disabled)
            and (matches(k.name, globs) or guardrail_of_key.get(k.hash) in chosen)]
    members = [m for m in state.members
               if matches(m.email or m.id, globs) or guardrail_of_member.get(m.id) in chosen]
    chosen |= {guardrail_of_key[k.hash] for k in keys if k.hash in guardrail_of_key}
    chosen |= {guardrail_of_member[m.id] for m in members if m.id in guardrail_of_member}
    return Selection(keys=keys, guardrails=[g for g in state.guardrails if g.id in chosen], members=members)


def entries(objects: list[Any], every_live: list[Any], id_of: Callable[[Any], str]) -> list[Entry]:
    """Distinct file names for `objects`; duplicates of a live name get a suffix and a comment."""
    live_names = Counter(obj.name for obj in every_live)
    taken = set(live_names)
    groups: dict[str, list[Any]] = {}
    for obj in sorted(objects, key=lambda o: (o.created_at or "", id_of(o))):
        groups.setdefault(obj.name, []).append(obj)
    result = []
    for name in sorted(groups):
        first, *others = groups[name]
        result.append(Entry(first, name, id_of(first), pin=live_names[name] > 1))
        for obj in others:
            alias = free_name(name, taken)
            taken.add(alias)
            result.append(Entry(obj, alias, id_of(obj), pin=True, duplicate_of=name))
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
    chosen = select(state, options)
    guardrails = entries(chosen.guardrails, state.guardrails, lambda g: g.id)
    keys = entries(chosen.keys, state.keys, lambda k: k.hash)
    managed_names = {e.live_id: e.name for e in guardrails if e.duplicate_of is None}
    every_name = {e.live_id: e.name for e in guardrails}
    now = options.now or datetime.now(timezone.utc)
    lines = header(options, guardrails, keys, len(chosen.members))
    lines += ["version: 1", "", "policy:",
              f"{INDENT}prune: false  # what this file leaves out stays unmanaged", ""]
    lines += section("guardrails", [guardrail_lines(e) for e in guardrails])
    key_guardrail = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    lines += section("keys", [key_lines(e, key_guardrail.get(e.live_id),
                                        every_name if e.duplicate_of else managed_names, state, now)
                              for e in keys])
    member_guardrail = {row.user_id: row.guardrail_id for row in state.member_assignments}
    lines += section("members", member_blocks(chosen.members, member_guardrail, managed_names, state))
    return "\n".join(lines).rstrip("\n") + "\n"


def header(options: ExportOptions, guardrails: list[Entry], keys: list[Entry], members: int) -> list[str]:
    def managed(found: list[Entry]) -> int:
        return sum(1 for e in found if e.duplicate_of is None)

    duplicates = len(guardrails) + len(keys) - managed(guardrails) - managed(keys)
    lines = [f"# The OpenRouter org{' at ' + options.source if options.source else ''}, exported by orsync "
             f"{__version__}: {managed(guardrails)} guardrails, {managed(keys)} keys, {members} members.",
             "# `orsync plan` of this file against the same org shows no changes."]
    if duplicates:
        lines.append(f"# {duplicates} objects whose names are taken are commented out (search for 'Another').")
    if options.select:
        lines.append(f"# Only what matches {', '.join(options.select)} (and what it refers to or governs).")
    if not options.include_disabled:
        lines.append("# Disabled keys are left out, so they stay unmanaged.")
    return lines + [""]


def section(title: str, blocks: list[list[str]]) -> list[str]:
    if not blocks:
        return [f"{title}: []", ""]
    lines = [f"{title}:"]
    for block in blocks:
        lines += block
    return lines + [""]


def item(fields: list[tuple[str, Any]], *, comments: Sequence[str] = (), notes: Sequence[str] = ()) -> list[str]:
    """A list entry: `comments` above it, `notes` as comment lines inside it."""
    lines = [f"{INDENT}# {text}" for text in comments]
    for index, (name, value) in enumerate(fields):
        lead = f"{INDENT}{'- ' if index == 0 else INDENT}{name}:"
        if isinstance(value, list) and value and isinstance(value[0], dict):
            # Content filters: one flow mapping a line, so a diff of the file reads per filter.
            lines += [lead] + [f"{INDENT * 3}- {scalar(entry)}" for entry in value]
        else:
            lines.append(f"{lead} {scalar(value)}")
    lines += [f"{INDENT * 2}# {text}" for text in notes]
    return lines


def commented_out(lines: list[str], entry: Entry, kind: str, pin_field: str) -> list[str]:
    """A duplicate as comments: kept out of the plan, ready to be adopted under its new name."""
    intro = [f"{INDENT}# Another {kind} named {entry.duplicate_of!r}, left unmanaged so that this file plans to no changes.",
             f"{INDENT}# Uncomment to manage it as {entry.name!r}: apply renames it ({pin_field}: keeps its identity)."]
    return intro + [line if line.lstrip().startswith("#") else f"{INDENT}# {line[len(INDENT):]}" for line in lines]


def identity(entry: Entry, pin_field: str) -> list[tuple[str, Any]]:
    fields: list[tuple[str, Any]] = [("name", entry.name)]
    if entry.pin:
        fields.append((pin_field, entry.live_id))
    return fields


def managed_values(kind, obj: Any, names: tuple[str, ...]) -> list[tuple[str, Any]]:
    """The planner's normalised live values, in file order; lists that are empty are left out
    (the file cannot say `[]`), and so are nulls the file cannot say."""
    values = kind.live_object(obj).fields
    return [(name, values[name]) for name in names
            if not (values[name] is None and name in SET_ONLY) and values[name] != []
            and not superseded(name, values)]


def superseded(name: str, values: dict[str, Any]) -> bool:
    """The deprecated enforce_zdr, once the per-provider flags it fills say the same and more."""
    return name == "enforce_zdr" and any(values.get(flag) is not None for flag in ZDR_FIELDS)


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


def member_blocks(members: list[Any], guardrail_of: dict[str, str], guardrail_names: dict[str, str],
                  state: LiveState) -> list[list[str]]:
    """Members by email (by id when the email is missing, malformed or shared)."""
    emails = Counter((m.email or "").lower() for m in members)
    blocks = []
    for member in sorted(members, key=lambda m: ((m.email or "").lower(), m.id)):
        by_email = bool(re.match(EMAIL_PATTERN, member.email or "")) and emails[member.email.lower()] == 1
        fields: list[tuple[str, Any]] = [("email", member.email) if by_email else ("id", member.id)]
        notes = []
        guardrail_id = guardrail_of.get(member.id)
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
