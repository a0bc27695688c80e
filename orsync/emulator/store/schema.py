"""The emulator's tables: one row per object, with the columns its queries filter and sort on.

Every table has `seq` (insertion order), `id` (the object's key) and `data` (its JSON); the
extra columns are derived from the object on each write (see `tables.Table`). Workspaces are in
the schema from the start: keys and guardrails carry their `workspace_id`, member assignments
are keyed by member and workspace.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from orsync.emulator.store.database import Database
from orsync.emulator.store.records import (
    Credits, GuardrailRecord, KeyAssignment, KeyRecord, MemberAssignment, MemberRecord,
    WorkspaceBudgetRecord, WorkspaceMemberRecord, WorkspaceRecord,
)
from orsync.emulator.store.tables import Row, Table
from orsync.emulator.store.windows import parse_iso

SCHEMA_VERSION = 2  # PRAGMA user_version of a state database (0.1's JSON file was format 1)
SEP = "\x1f"        # joins the parts of a composite id

_COLUMNS: dict[str, str] = {
    "singletons": "",
    "workspaces": ", slug TEXT NOT NULL",
    "workspace_members": ", workspace_id TEXT NOT NULL",
    "workspace_budgets": ", workspace_id TEXT NOT NULL",
    "members": "",
    "keys": (", secret TEXT NOT NULL, name TEXT, workspace_id TEXT, is_management INTEGER,"
             " disabled INTEGER, created_ts REAL, expires_ts REAL, creator_user_id TEXT"),
    "guardrails": ", workspace_id TEXT, is_default INTEGER",
    "key_assignments": ", guardrail_id TEXT NOT NULL",
    "member_assignments": ", guardrail_id TEXT NOT NULL, user_id TEXT NOT NULL",
    "generations": "",
    "activity": "",
    "auth_codes": "",
}
TABLE_NAMES = tuple(_COLUMNS)

# Indexes are declared apart from the tables (uniqueness included) so that a bulk insert can
# drop and rebuild them: building an index by sorting is several times faster than growing it
# one random hash at a time (a 100,000-key seed).
_INDEXES: dict[str, tuple[tuple[str, str], ...]] = {
    name: (("UNIQUE", "id"),) for name in _COLUMNS
}
_INDEXES["workspaces"] += (("UNIQUE", "slug"),)
_INDEXES["keys"] += (("UNIQUE", "secret"), ("", "workspace_id, is_management, created_ts, seq"),
                     ("", "workspace_id, is_management, expires_ts"), ("", "name"),
                     ("", "creator_user_id"))
_INDEXES["guardrails"] += (("", "workspace_id, seq"),)
_INDEXES["key_assignments"] += (("", "guardrail_id, seq"),)
_INDEXES["member_assignments"] += (("", "guardrail_id, seq"), ("", "user_id"))
_INDEXES["workspace_members"] += (("", "workspace_id, seq"),)
_INDEXES["workspace_budgets"] += (("", "workspace_id, seq"),)


def index_statements(table: str) -> list[tuple[str, str]]:
    """(name, CREATE statement) of each index of a table."""
    found = []
    for n, (kind, columns) in enumerate(_INDEXES[table]):
        name = f"{table}_{n}"
        found.append((name, f"CREATE {kind} INDEX IF NOT EXISTS {name} ON {table} ({columns})"))
    return found


def create_schema(db: Database) -> None:
    """The tables and indexes of a new database; an existing one is left as it is (opening a
    state never writes)."""
    if schema_version(db) == SCHEMA_VERSION:
        return
    with db.transaction(write=True):
        for name, extra in _COLUMNS.items():
            db.execute(f"CREATE TABLE IF NOT EXISTS {name} (seq INTEGER PRIMARY KEY, "
                       f"id TEXT NOT NULL, data TEXT NOT NULL{extra})")
            for _, statement in index_statements(name):
                db.execute(statement)
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")


def schema_version(db: Database) -> int:
    return db.execute("PRAGMA user_version").fetchone()[0]


class Tables:
    """The tables of one database, as dict-like views of their objects."""

    def __init__(self, db: Database) -> None:
        self.singletons = Table(db, "singletons", load=_load_singleton, dump=_dump_singleton)
        self.workspaces = _records(db, "workspaces", WorkspaceRecord, "id", slug=_attr("slug"))
        self.workspace_members = _records(
            db, "workspace_members", WorkspaceMemberRecord, ("workspace_id", "user_id"),
            workspace_id=_attr("workspace_id"))
        self.workspace_budgets = _records(
            db, "workspace_budgets", WorkspaceBudgetRecord, ("workspace_id", "interval"),
            workspace_id=_attr("workspace_id"))
        self.members = _records(db, "members", MemberRecord, "id")
        self.keys = _records(
            db, "keys", KeyRecord, "hash", secret=_attr("secret"), name=_attr("name"),
            workspace_id=_attr("workspace_id"), is_management=lambda k: int(k.is_management),
            disabled=lambda k: int(k.disabled), created_ts=lambda k: _timestamp(k.created_at),
            expires_ts=lambda k: _timestamp(k.expires_at),
            creator_user_id=_attr("creator_user_id"))
        self.guardrails = _records(db, "guardrails", GuardrailRecord, "id",
                                   workspace_id=_attr("workspace_id"),
                                   is_default=lambda g: int(g.is_workspace_default))
        self.key_assignments = _records(db, "key_assignments", KeyAssignment, "key_hash",
                                        guardrail_id=_attr("guardrail_id"))
        self.member_assignments = _records(
            db, "member_assignments", MemberAssignment, ("user_id", "workspace_id"),
            guardrail_id=_attr("guardrail_id"), user_id=_attr("user_id"))
        self.generations = Table(db, "generations", load=Row, dump=dict)
        self.activity = Table(db, "activity", load=Row, dump=dict)
        self.auth_codes = Table(db, "auth_codes", load=Row, dump=dict)
        for table in vars(self).values():
            table.indexes = index_statements(table.name)


def _records(db: Database, table: str, record_type: type, key: str | tuple[str, str],
             /, **columns: Any) -> Table:
    """A table of dataclass records keyed by one field, or by two joined with SEP."""
    load = record_type.from_row
    if isinstance(key, tuple):
        first, second = key
        return Table(db, table, load=load, dump=record_type.to_row, columns=columns,
                     key_of=lambda r: (getattr(r, first), getattr(r, second)),
                     encode=_join, decode=_split)
    return Table(db, table, load=load, dump=record_type.to_row, columns=columns,
                 key_of=_attr(key))


def _attr(name: str) -> Any:
    return lambda record: getattr(record, name)


def _join(parts: tuple) -> str:
    return SEP.join("" if part is None else str(part) for part in parts)


def _split(ident: str) -> tuple:
    return tuple(part or None for part in ident.split(SEP))


@lru_cache(maxsize=4096)  # seeded orgs repeat their timestamps
def _timestamp(value: str | None) -> float | None:
    return parse_iso(value).timestamp() if value else None


def _load_singleton(data: dict) -> Any:
    if data.get("kind") == "credits":
        return Credits(**data["value"])
    return Row(data)


def _dump_singleton(value: Any) -> dict:
    if isinstance(value, Credits):
        return {"kind": "credits", "value": value.to_dict()}
    return dict(value)
