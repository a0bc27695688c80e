"""Everything the emulated organization holds, behind one re-entrant lock.

Handlers take `state.lock` for the whole of a read-modify-write; the methods here keep the
invariants (a key holds one guardrail, deleting a key or guardrail drops its assignments, the
secret index matches the keys) and never take the lock themselves: the caller does.
"""

from __future__ import annotations

import json
import threading
import uuid
from dataclasses import fields
from datetime import datetime
from typing import Any

from orsync.emulator.records import (
    Credits, GuardrailRecord, KeyAssignment, KeyRecord, MemberAssignment, MemberRecord, hash_of,
    label_of, new_secret,
)
from orsync.emulator.seeding import DEFAULT_SEED, apply_seed
from orsync.emulator.windows import WINDOW_SUFFIXES, iso_time, now_iso, parse_iso

STATE_FORMAT = 1


class EmulatorState:
    """The org: members, keys, guardrails, assignments, credits, and inference records."""

    def __init__(self, *, organization_id: str | None = None, workspace_id: str | None = None) -> None:
        self.lock = threading.RLock()
        self.organization_id = organization_id or "org_" + uuid.uuid4().hex[:24]
        self.workspace_id = workspace_id or str(uuid.uuid4())
        self.members: dict[str, MemberRecord] = {}
        self.keys: dict[str, KeyRecord] = {}
        self.guardrails: dict[str, GuardrailRecord] = {}
        self.key_assignments: dict[str, KeyAssignment] = {}        # by key hash
        self.member_assignments: dict[str, MemberAssignment] = {}  # by user id
        self.credits = Credits()
        self.generations: dict[str, dict] = {}
        self.activity: list[dict] = []
        self.catalog: dict | None = None
        self.auth_codes: dict[str, dict] = {}
        self._by_secret: dict[str, str] = {}
        self._newest_first: list[KeyRecord] | None = None

    # --- keys -----------------------------------------------------------------------------

    def add_key(self, name: str, *, secret: str | None = None, key_hash: str | None = None,
                is_management: bool = False, created_at: str | None = None,
                **values: Any) -> KeyRecord:
        """Store a new key; its secret is generated unless given. Returns the record."""
        secret = secret or new_secret()
        record = KeyRecord(hash=key_hash or hash_of(secret), name=name, label=label_of(secret),
                           secret=secret, created_at=created_at or now_iso(),
                           workspace_id=self.workspace_id, is_management=is_management, **values)
        if record.hash in self.keys or secret in self._by_secret:
            raise ValueError(f"key {name!r}: hash or secret already in use")
        self._store_key(record)
        return record

    def _store_key(self, record: KeyRecord) -> None:
        self.keys[record.hash] = record
        self._by_secret[record.secret] = record.hash
        self._newest_first = None

    def find_key_by_secret(self, secret: str) -> KeyRecord | None:
        key_hash = self._by_secret.get(secret)
        return self.keys.get(key_hash) if key_hash else None

    def api_key(self, key_hash: str) -> KeyRecord | None:
        """An API key by hash; management keys are not reachable through /keys."""
        record = self.keys.get(key_hash)
        return record if record is not None and not record.is_management else None

    def key_named(self, name: str) -> KeyRecord | None:
        """The newest API key with this name (test and seed convenience)."""
        return next((k for k in self.api_keys_newest_first() if k.name == name), None)

    def management_keys(self) -> list[KeyRecord]:
        return [k for k in self.keys.values() if k.is_management]

    def api_keys_newest_first(self) -> list[KeyRecord]:
        """API keys, most recent first; ties keep the later-created key first. Cached."""
        if self._newest_first is None:
            ranked = [(parse_iso(k.created_at), n, k) for n, k in enumerate(self.keys.values())
                      if not k.is_management]
            ranked.sort(key=lambda item: (item[0], item[1]), reverse=True)
            self._newest_first = [k for _, _, k in ranked]
        return self._newest_first

    def delete_key(self, key_hash: str) -> None:
        record = self.keys.pop(key_hash)
        self._by_secret.pop(record.secret, None)
        self.key_assignments.pop(key_hash, None)
        self._newest_first = None

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

    # --- guardrails -----------------------------------------------------------------------

    def add_guardrail(self, name: str, *, guardrail_id: str | None = None,
                      created_at: str | None = None, **values: Any) -> GuardrailRecord:
        record = GuardrailRecord(id=guardrail_id or str(uuid.uuid4()), name=name,
                                 created_at=created_at or now_iso(),
                                 workspace_id=self.workspace_id, **values)
        if record.id in self.guardrails:
            raise ValueError(f"guardrail {name!r}: id {record.id} already in use")
        self.guardrails[record.id] = record
        return record

    def delete_guardrail(self, guardrail_id: str) -> None:
        del self.guardrails[guardrail_id]
        for key_hash in [h for h, a in self.key_assignments.items() if a.guardrail_id == guardrail_id]:
            self._drop_key_assignment(key_hash)
        for user_id in [u for u, a in self.member_assignments.items() if a.guardrail_id == guardrail_id]:
            del self.member_assignments[user_id]

    def guardrail_of_key(self, key_hash: str) -> GuardrailRecord | None:
        assignment = self.key_assignments.get(key_hash)
        return self.guardrails.get(assignment.guardrail_id) if assignment else None

    def guardrail_of_member(self, user_id: str | None) -> GuardrailRecord | None:
        assignment = self.member_assignments.get(user_id) if user_id else None
        return self.guardrails.get(assignment.guardrail_id) if assignment else None

    # --- assignments ----------------------------------------------------------------------

    def assign_key(self, guardrail_id: str, key_hash: str, assigned_by: str | None,
                   at: str | None = None) -> bool:
        """Put a key under a guardrail (moving it from any other) at time `at` (default now);
        False for an unknown key."""
        record = self.api_key(key_hash)
        if record is None:
            return False
        if _place(self.key_assignments, KeyAssignment, key_hash, guardrail_id, assigned_by, at):
            record.guardrail_id = guardrail_id
        return True

    def unassign_key(self, guardrail_id: str, key_hash: str) -> bool:
        if not _holds(self.key_assignments, key_hash, guardrail_id):
            return False
        self._drop_key_assignment(key_hash)
        return True

    def _drop_key_assignment(self, key_hash: str) -> None:
        del self.key_assignments[key_hash]
        if key_hash in self.keys:
            self.keys[key_hash].guardrail_id = None

    def assign_member(self, guardrail_id: str, user_id: str, assigned_by: str | None,
                      at: str | None = None) -> bool:
        if user_id not in self.members:
            return False
        _place(self.member_assignments, MemberAssignment, user_id, guardrail_id, assigned_by, at)
        return True

    def unassign_member(self, guardrail_id: str, user_id: str) -> bool:
        if not _holds(self.member_assignments, user_id, guardrail_id):
            return False
        del self.member_assignments[user_id]
        return True

    # --- members --------------------------------------------------------------------------

    def add_member(self, user_id: str, email: str, **values: Any) -> MemberRecord:
        record = MemberRecord(id=user_id, email=email, **values)
        self.members[record.id] = record
        return record

    def admin_user_id(self) -> str | None:
        """The first admin: creator of the management key and `assigned_by` of its writes."""
        return next((m.id for m in self.members.values() if m.role == "org:admin"), None)

    # --- whole-state forms ----------------------------------------------------------------

    def replace_with(self, other: EmulatorState) -> None:
        """Take over another state's contents in place: references to this object stay live."""
        with self.lock:
            for name, value in vars(other).items():
                if name != "lock":
                    setattr(self, name, value)

    def to_dict(self) -> dict:
        return {
            "format": STATE_FORMAT,
            "organization_id": self.organization_id,
            "workspace_id": self.workspace_id,
            "members": [m.to_dict() for m in self.members.values()],
            "keys": [k.to_dict() for k in self.keys.values()],
            "guardrails": [g.to_dict() for g in self.guardrails.values()],
            "key_assignments": [a.to_dict() for a in self.key_assignments.values()],
            "member_assignments": [a.to_dict() for a in self.member_assignments.values()],
            "credits": self.credits.to_dict(),
            "generations": self.generations,
            "activity": self.activity,
            "catalog": self.catalog,
            "auth_codes": self.auth_codes,
        }

    def to_json(self) -> str:
        with self.lock:
            return json.dumps(self.to_dict(), separators=(",", ":"))

    @classmethod
    def from_json(cls, data: str | bytes | dict) -> EmulatorState:
        """The state `to_json()` wrote (a JSON string or the parsed dict)."""
        doc = json.loads(data) if isinstance(data, (str, bytes)) else data
        if doc.get("format") != STATE_FORMAT:
            raise ValueError(f"emulator state format {doc.get('format')!r} is not {STATE_FORMAT}")
        state = cls(organization_id=doc["organization_id"], workspace_id=doc["workspace_id"])
        for row in doc["members"]:
            state.members[row["id"]] = MemberRecord(**row)
        for row in doc["keys"]:
            state._store_key(KeyRecord(**{**row, "guardrail_id": None}))
        for row in doc["guardrails"]:
            state.guardrails[row["id"]] = GuardrailRecord(**_known(GuardrailRecord, row))
        for row in doc["key_assignments"]:
            assignment = KeyAssignment(**row)
            state.key_assignments[assignment.key_hash] = assignment
            state.keys[assignment.key_hash].guardrail_id = assignment.guardrail_id
        for row in doc["member_assignments"]:
            state.member_assignments[row["user_id"]] = MemberAssignment(**row)
        state.credits = Credits(**doc["credits"])
        state.generations = doc.get("generations", {})
        state.activity = doc.get("activity", [])
        state.catalog = doc.get("catalog")
        state.auth_codes = doc.get("auth_codes", {})
        return state

    @classmethod
    def from_seed(cls, seed: dict) -> EmulatorState:
        """An org built from a seed document (see `seeding.py` for its format)."""
        state = cls(organization_id=seed.get("organization_id"), workspace_id=seed.get("workspace_id"))
        apply_seed(state, seed)
        return state

    @staticmethod
    def default_seed() -> dict:
        """A small realistic org: four members, three keys, two guardrails, credits."""
        return json.loads(json.dumps(DEFAULT_SEED))  # a deep copy callers may edit


def _known(record_type: type, row: dict) -> dict:
    """The row's fields the record type declares (older state files may lack newer ones)."""
    names = {f.name for f in fields(record_type)}
    return {k: v for k, v in row.items() if k in names}


def _holds(table: dict, holder: str, guardrail_id: str) -> bool:
    current = table.get(holder)
    return current is not None and current.guardrail_id == guardrail_id


def _place(table: dict, row_type: type, holder: str, guardrail_id: str, assigned_by: str | None,
           at: str | None) -> bool:
    """Put a key or member under a guardrail, replacing its row under any other; whether it
    moved. A holder has one row, keyed by its hash or user id."""
    if _holds(table, holder, guardrail_id):
        return False
    table.pop(holder, None)  # re-inserted last: the newest row
    table[holder] = row_type(str(uuid.uuid4()), holder, guardrail_id, assigned_by, at or now_iso())
    return True

