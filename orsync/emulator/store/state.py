"""Everything the emulated organization holds, in an SQLite database (a file, or memory).

`state.lock` is the state's transaction (re-entrant): handlers run inside one, and the methods
here open their own when called outside. They keep the invariants (a key holds one guardrail,
a member one direct guardrail per workspace, deleting a key or guardrail drops its assignments)
and leave the commit to the outermost transaction. `state.keys`, `state.guardrails`, ... read
like dicts of live records (see `tables.py`).
"""

from __future__ import annotations

import json
import os
import uuid
from datetime import datetime
from typing import Any

from orsync.emulator.store.assignments import AssignmentsMixin
from orsync.emulator.store.database import Database, memory_copy
from orsync.emulator.store.listing import KeyListing, SeqPages
from orsync.emulator.store.records import (
    Credits, GuardrailRecord, KeyRecord, MemberRecord, hash_of, label_of, new_secret,
)
from orsync.emulator.store.schema import TABLE_NAMES, Tables, create_schema
from orsync.emulator.store.seeding import DEFAULT_SEED, apply_seed
from orsync.emulator.store.tables import Row
from orsync.emulator.store.windows import WINDOW_SUFFIXES, iso_time, now_iso
from orsync.emulator.store.workspaces import DEFAULT_SETTINGS, WorkspacesMixin

DEFAULT_WORKSPACE_SLUG = "default"


class _Transaction:
    """`with state.lock:` — a re-entrant write transaction (the lock of the old in-memory state)."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._open: list[Any] = []

    def __enter__(self) -> None:
        context = self._db.transaction(write=True)
        context.__enter__()
        self._open.append(context)  # safe: the database lock is held from here to __exit__

    def __exit__(self, *exc: Any) -> bool | None:
        return self._open.pop().__exit__(*exc)


class EmulatorState(AssignmentsMixin, WorkspacesMixin):
    """The org: workspaces, members, keys, guardrails, assignments, credits, usage records."""

    def __init__(self, *, organization_id: str | None = None, workspace_id: str | None = None,
                 path: str | os.PathLike | None = None, seed: dict | None = None) -> None:
        """The org in the database at `path` (default: in memory). A new database gets a new
        org, filled from `seed`, in the same transaction: of two processes creating one file,
        one creates and seeds it and the other opens what it made."""
        self.db = Database(path)
        self.lock = _Transaction(self.db)
        self.tables = Tables(self.db)
        self.listing = KeyListing(self.tables.keys)
        self.assignment_pages = {"keys": SeqPages(self.tables.key_assignments),
                                 "members": SeqPages(self.tables.member_assignments)}
        self.guardrail_pages = SeqPages(self.tables.guardrails)
        create_schema(self.db)
        with self.transaction(write=True):
            org = self.tables.singletons.get("org")
            if org is None:
                seed = seed or {}
                self._create_org(organization_id or seed.get("organization_id"),
                                 workspace_id or seed.get("workspace_id"))
                if seed:
                    apply_seed(self, seed)
            else:
                self._adopt(org)

    def _adopt(self, org: Row) -> None:
        self.organization_id: str = org["organization_id"]
        self.default_workspace_id: str = org["workspace_id"]

    def _create_org(self, organization_id: str | None, workspace_id: str | None) -> None:
        org = Row(organization_id=organization_id or "org_" + uuid.uuid4().hex[:24],
                  workspace_id=workspace_id or str(uuid.uuid4()))
        self.tables.singletons["org"] = org
        self._adopt(org)
        self.tables.singletons["credits"] = Credits()
        self.tables.singletons["settings"] = Row(DEFAULT_SETTINGS)
        self.tables.singletons["catalog"] = Row(value=None)
        self.add_workspace("Default Workspace", DEFAULT_WORKSPACE_SLUG,
                           workspace_id=org["workspace_id"], is_default=True)

    @classmethod
    def open(cls, path: str | os.PathLike, seed: dict | None = None) -> EmulatorState:
        """The state in the database at `path`, created (from `seed`) when there is none.
        A 0.1 JSON state file at `path` is imported once (see `legacy.py`)."""
        from orsync.emulator.store.legacy import open_state

        return open_state(cls, path, seed)

    @property
    def workspace_id(self) -> str:
        """The default workspace's id (the name from before workspaces)."""
        return self.default_workspace_id

    def transaction(self, write: bool = False) -> Any:
        return self.db.transaction(write)

    # --- dict-like views ---------------------------------------------------------------------

    @property
    def keys(self):  # noqa: ANN201 - a Table of KeyRecord by hash
        return self.tables.keys

    @property
    def guardrails(self):  # noqa: ANN201
        return self.tables.guardrails

    @property
    def members(self):  # noqa: ANN201
        return self.tables.members

    @property
    def key_assignments(self):  # noqa: ANN201 - by key hash
        return self.tables.key_assignments

    @property
    def member_assignments(self):  # noqa: ANN201 - by (user id, workspace id)
        return self.tables.member_assignments

    @property
    def generations(self):  # noqa: ANN201
        return self.tables.generations

    @property
    def auth_codes(self):  # noqa: ANN201
        return self.tables.auth_codes

    @property
    def activity(self) -> ActivityLog:
        return ActivityLog(self.tables.activity)

    @property
    def credits(self) -> Credits:
        return self.tables.singletons["credits"]

    @credits.setter
    def credits(self, value: Credits) -> None:
        self.tables.singletons["credits"] = value

    @property
    def catalog(self) -> dict | None:
        return self.tables.singletons["catalog"]["value"]

    @catalog.setter
    def catalog(self, value: dict | None) -> None:
        self.tables.singletons["catalog"] = Row(value=value)

    # --- keys -------------------------------------------------------------------------------

    def add_key(self, name: str, *, secret: str | None = None, key_hash: str | None = None,
                is_management: bool = False, created_at: str | None = None,
                workspace_id: str | None = None, track: bool = True, **values: Any) -> KeyRecord:
        """Store a new key; its secret is generated unless given. Returns the record."""
        secret = secret or new_secret()
        record = KeyRecord(hash=key_hash or hash_of(secret), name=name, label=label_of(secret),
                           secret=secret, created_at=created_at or now_iso(),
                           workspace_id=workspace_id or self.default_workspace_id,
                           is_management=is_management, **values)
        try:
            return self.tables.keys.add(record, track=track)
        except ValueError:
            raise ValueError(f"key {name!r}: hash or secret already in use") from None

    def add_seeded_keys(self, records: list[KeyRecord]) -> None:
        """Insert many new keys in one statement (seeding 100,000 keys takes seconds)."""
        try:
            self.tables.keys.bulk_insert(records)
        except ValueError:
            raise ValueError("seed keys: a hash or secret is used twice") from None

    def save_key(self, record: KeyRecord) -> None:
        self.tables.keys.save(record)

    def find_key_by_secret(self, secret: str) -> KeyRecord | None:
        found = self.tables.keys.where("secret = ?", (secret,))
        return found[0] if found else None

    def api_key(self, key_hash: str) -> KeyRecord | None:
        """An API key by hash; management keys are not reachable through /keys."""
        record = self.tables.keys.get(key_hash)
        return record if record is not None and not record.is_management else None

    def key_named(self, name: str) -> KeyRecord | None:
        """The newest API key with this name (test and seed convenience)."""
        found = self.tables.keys.where("name = ? AND is_management = 0", (name,),
                                       order="created_ts DESC, seq DESC", limit=1)
        return found[0] if found else None

    def management_keys(self) -> list[KeyRecord]:
        return self.tables.keys.where("is_management = 1")

    def api_keys_newest_first(self) -> list[KeyRecord]:
        """Every API key of every workspace, most recent first (later-created first on ties)."""
        return self.tables.keys.where("is_management = 0", order="created_ts DESC, seq DESC")

    def api_key_count(self) -> int:
        return self.tables.keys.count("is_management = 0")

    def keys_page(self, workspace_id: str, offset: int, limit: int, *, include_disabled: bool,
                  include_expired: bool, now: datetime) -> list[KeyRecord]:
        """One page of a workspace's API keys, newest first, at a cost that does not grow
        with the offset."""
        return self.listing.page(workspace_id, offset, limit, include_disabled=include_disabled,
                                 include_expired=include_expired, now=now.timestamp())

    def keys_page_rows(self, workspace_id: str, offset: int, limit: int, *,
                       include_disabled: bool, include_expired: bool,
                       now: datetime) -> list[tuple[str, str]]:
        """The stored rows of `keys_page`, `(hash, data)` each."""
        return self.listing.rows(workspace_id, offset, limit, include_disabled=include_disabled,
                                 include_expired=include_expired, now=now.timestamp())

    def keys_created_by(self, user_id: str | None) -> list[KeyRecord]:
        if not user_id:
            return []
        return self.tables.keys.where("creator_user_id = ?", (user_id,))

    def delete_key(self, key_hash: str) -> None:
        with self.transaction(write=True):
            if not self.tables.keys.discard(key_hash):
                raise KeyError(key_hash)
            self.tables.key_assignments.discard(key_hash)

    def record_usage(self, record: KeyRecord, cost: float, now: datetime, *,
                     byok: bool = False) -> None:
        """Charge a key (and the org's credits) for one inference call made at `now`."""
        record.roll_windows(now)  # the windowed figures are those of the last charge's windows
        prefix = "byok_usage" if byok else "usage"
        for suffix in WINDOW_SUFFIXES.values():
            setattr(record, prefix + suffix, getattr(record, prefix + suffix) + cost)
        record.last_used_at = iso_time(now)
        if not byok:
            self.credits.total_usage += cost

    # --- guardrails -------------------------------------------------------------------------

    def add_guardrail(self, name: str, *, guardrail_id: str | None = None,
                      created_at: str | None = None, workspace_id: str | None = None,
                      **values: Any) -> GuardrailRecord:
        record = GuardrailRecord(id=guardrail_id or str(uuid.uuid4()), name=name,
                                 created_at=created_at or now_iso(),
                                 workspace_id=workspace_id or self.default_workspace_id, **values)
        try:
            return self.tables.guardrails.add(record)
        except ValueError:
            raise ValueError(f"guardrail {name!r}: id {record.id} already in use") from None

    def guardrails_in(self, workspace_id: str, offset: int = 0, limit: int | None = None, *,
                      include_defaults: bool = True) -> tuple[list[GuardrailRecord], int]:
        """A page of a workspace's guardrails, oldest first, and how many there are."""
        condition = "workspace_id = ?" + ("" if include_defaults else " AND is_default = 0")
        if limit is None:
            rows = self.tables.guardrails.where(condition, (workspace_id,), offset=offset)
            return rows, self.tables.guardrails.count(condition, (workspace_id,))
        return self.guardrail_pages.page(condition, (workspace_id,), offset, limit)

    def guardrail_rows(self, workspace_id: str, offset: int, limit: int, *,
                       include_defaults: bool = True) -> tuple[list[tuple[str, str]], int]:
        """The stored rows of a page of `guardrails_in`, `(id, data)` each, and the total."""
        condition = "workspace_id = ?" + ("" if include_defaults else " AND is_default = 0")
        return self.guardrail_pages.rows(condition, (workspace_id,), offset, limit)

    def delete_guardrail(self, guardrail_id: str) -> None:
        with self.transaction(write=True):
            if not self.tables.guardrails.discard(guardrail_id):
                raise KeyError(guardrail_id)
            for key_hash in self.tables.key_assignments.ids_where("guardrail_id = ?", (guardrail_id,)):
                self._drop_key_assignment(key_hash)
            for holder in self.tables.member_assignments.ids_where("guardrail_id = ?", (guardrail_id,)):
                self.tables.member_assignments.discard(holder)

    # --- members ----------------------------------------------------------------------------

    def add_member(self, user_id: str, email: str, **values: Any) -> MemberRecord:
        record = MemberRecord(id=user_id, email=email, **values)
        self.tables.members[record.id] = record
        return record

    def member_rows(self, offset: int, limit: int) -> tuple[list[tuple[str, str]], int]:
        """A page of the org's members in the order they joined, `(id, data)` each, and how
        many there are."""
        with self.transaction():
            rows = self.db.execute("SELECT id, data FROM members ORDER BY seq LIMIT ? OFFSET ?",
                                   (limit, offset)).fetchall()
            return rows, self.tables.members.count()

    def admin_user_id(self) -> str | None:
        """The first admin: creator of the management key and `assigned_by` of its writes."""
        return next((m.id for m in self.tables.members.values() if m.role == "org:admin"), None)

    # --- whole-state forms ------------------------------------------------------------------

    def snapshot(self) -> Any:
        """A copy of the whole database in memory, for `restore`."""
        return memory_copy(self.db)

    def replace_with(self, other: EmulatorState) -> None:
        """Take over another state's contents in place: references to this object stay live."""
        self.restore(other.db.conn)

    def restore(self, snapshot: Any) -> None:
        """Go back to a `snapshot()` (or any state database's connection), in one transaction."""
        with self.transaction(write=True):
            self.db.replace_rows(snapshot, list(TABLE_NAMES))
            self._adopt(self.tables.singletons["org"])

    def to_dict(self) -> dict:
        from orsync.emulator.store.legacy import dump_state

        return dump_state(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes | dict, *,
                  path: str | os.PathLike | None = None) -> EmulatorState:
        """A state from the JSON of `to_json()` (or of an 0.1 state file)."""
        from orsync.emulator.store.legacy import load_state

        doc = json.loads(data) if isinstance(data, (str, bytes)) else data
        return load_state(cls, doc, path)

    @classmethod
    def from_seed(cls, seed: dict, *, path: str | os.PathLike | None = None) -> EmulatorState:
        """An org built from a seed document (see `seeding.py` for its format)."""
        return cls(path=path, seed=seed or {})

    @staticmethod
    def default_seed() -> dict:
        """A small realistic org: four members, two workspaces, four keys, three guardrails."""
        return json.loads(json.dumps(DEFAULT_SEED))  # a deep copy callers may edit


class ActivityLog:
    """`state.activity`: the usage rows, as a list that `ledger.py` iterates and appends to."""

    def __init__(self, table: Any) -> None:
        self._table = table

    def __iter__(self):  # noqa: ANN204
        return iter(self._table.values())

    def __reversed__(self):  # noqa: ANN204
        return iter(self._table.where(order="seq DESC"))

    def __len__(self) -> int:
        return len(self._table)

    def append(self, row: dict) -> None:
        self._table[uuid.uuid4().hex] = row
