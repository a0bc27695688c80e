"""The state as one JSON document: the dump of `/_emulator/state`, and 0.1's state files.

orsync 0.1 kept the emulator's state in a JSON file (`"format": 1`, one workspace). Opening such
a file with `--state` imports it once: the database is built beside it, the JSON is kept as
`FILE.v0.1.json`, and the database takes the file's name, so `--state F` stays at exactly F.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orsync.emulator.store.records import (
    Credits, GuardrailRecord, KeyAssignment, KeyRecord, MemberAssignment, MemberRecord,
    WorkspaceBudgetRecord, WorkspaceMemberRecord, WorkspaceRecord,
)
from orsync.emulator.store.tables import Row

if TYPE_CHECKING:
    from orsync.emulator.store.state import EmulatorState

DUMP_FORMAT = 2
LEGACY_FORMAT = 1
LEGACY_SUFFIX = ".v0.1.json"

# Section of the document -> (table attribute, record type)
_SECTIONS = {
    "workspaces": ("workspaces", WorkspaceRecord),
    "workspace_members": ("workspace_members", WorkspaceMemberRecord),
    "workspace_budgets": ("workspace_budgets", WorkspaceBudgetRecord),
    "members": ("members", MemberRecord),
    "keys": ("keys", KeyRecord),
    "guardrails": ("guardrails", GuardrailRecord),
    "key_assignments": ("key_assignments", KeyAssignment),
    "member_assignments": ("member_assignments", MemberAssignment),
}


def dump_state(state: EmulatorState) -> dict:
    """Everything the org holds, as JSON-ready data."""
    with state.transaction():
        doc: dict[str, Any] = {"format": DUMP_FORMAT, "organization_id": state.organization_id,
                               "workspace_id": state.default_workspace_id,
                               "settings": dict(state.settings)}
        for section, (attribute, _) in _SECTIONS.items():
            doc[section] = [record.to_dict() for record in getattr(state.tables, attribute).values()]
        doc["credits"] = state.credits.to_dict()
        doc["generations"] = {ident: dict(row) for ident, row in state.generations.items()}
        doc["activity"] = [dict(row) for row in state.activity]
        doc["catalog"] = state.catalog
        doc["auth_codes"] = {ident: dict(row) for ident, row in state.auth_codes.items()}
        return doc


def load_state(cls: type[EmulatorState], doc: dict, path: str | os.PathLike | None) -> EmulatorState:
    """A state from `dump_state`'s document or a 0.1 state file's (format 1)."""
    if doc.get("format") not in (LEGACY_FORMAT, DUMP_FORMAT):
        raise ValueError(f"emulator state format {doc.get('format')!r} is not one this "
                         f"version reads ({LEGACY_FORMAT} or {DUMP_FORMAT})")
    state = cls(organization_id=doc["organization_id"], workspace_id=doc["workspace_id"], path=path)
    with state.transaction(write=True):
        tables = state.tables
        for section, (attribute, record_type) in _SECTIONS.items():
            table = getattr(tables, attribute)
            rows = [_record(record_type, row) for row in doc.get(section) or []]
            if section == "workspaces" and any(r.id == state.default_workspace_id for r in rows):
                table.discard(state.default_workspace_id)  # the document's own default wins
            if section == "member_assignments":
                for row in rows:  # 0.1 had one workspace: every row is in the default one
                    row.workspace_id = row.workspace_id or state.default_workspace_id
            table.bulk_insert(rows)
        if doc.get("settings"):
            state.save_settings(doc["settings"])
        state.credits = Credits(**doc["credits"])
        for ident, row in (doc.get("generations") or {}).items():
            tables.generations[ident] = Row(row)
        for row in doc.get("activity") or []:
            state.activity.append(Row(row))
        for ident, row in (doc.get("auth_codes") or {}).items():
            tables.auth_codes[ident] = Row(row)
        state.catalog = doc.get("catalog")
        for assignment in tables.key_assignments.values():  # a key names the guardrail it holds
            key = tables.keys.get(assignment.key_hash)
            if key is not None:
                key.guardrail_id = assignment.guardrail_id
    return state


def open_state(cls: type[EmulatorState], path: str | os.PathLike, seed: dict | None) -> EmulatorState:
    """The state at `path`: a database opened, a 0.1 JSON file imported, or a new org seeded."""
    path = Path(path)
    if _is_json(path):
        _import_once(cls, path)
    return cls(path=path, seed=seed or {})


def _import_once(cls: type[EmulatorState], path: Path) -> None:
    """Replace a 0.1 JSON state file by its database at the same path."""
    import_file(cls, path, path)


def import_file(cls: type[EmulatorState], source: Path, target: Path) -> None:
    """Build the database `target` from the 0.1 JSON state file `source`, which is then kept
    as `SOURCE.v0.1.json`; under a lock, as processes may race to do it."""
    import json

    with open(source.with_name(source.name + ".lock"), "a+") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        if not _is_json(source):
            return  # another process imported it while this one waited
        doc = json.loads(source.read_text(encoding="utf-8"))
        building = target.with_name(target.name + ".importing")
        for leftover in (building, Path(f"{building}-wal"), Path(f"{building}-shm")):
            leftover.unlink(missing_ok=True)
        state = load_state(cls, doc, building)
        state.db.close()
        os.replace(source, source.with_name(source.name + LEGACY_SUFFIX))
        os.replace(building, target)


def _is_json(path: Path) -> bool:
    if not path.is_file():
        return False
    with open(path, "rb") as handle:
        return handle.read(1) == b"{"


def _record(record_type: type, row: dict) -> Any:
    import dataclasses

    names = {f.name for f in dataclasses.fields(record_type)}
    return record_type(**{k: v for k, v in row.items() if k in names})
