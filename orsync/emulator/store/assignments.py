"""The assignment half of the org's state: which guardrail holds each key and each member.

A key holds at most one guardrail (assigning it elsewhere moves it); a member holds one direct
guardrail per workspace. A mixin of `EmulatorState` (which supplies `tables`, `transaction`,
`api_key`, `default_workspace_id` and `workspace_of_guardrail`).
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from orsync.emulator.store.records import GuardrailRecord, KeyAssignment, MemberAssignment
from orsync.emulator.store.windows import now_iso

if TYPE_CHECKING:
    from orsync.emulator.store.schema import Tables


class AssignmentsMixin:
    tables: Tables
    default_workspace_id: str

    def guardrail_of_key(self, key_hash: str) -> GuardrailRecord | None:
        assignment = self.tables.key_assignments.get(key_hash)
        return self.tables.guardrails.get(assignment.guardrail_id) if assignment else None

    def guardrail_of_member(self, user_id: str | None,
                            workspace_id: str | None = None) -> GuardrailRecord | None:
        """A member's direct guardrail in a workspace (default: the default workspace)."""
        if not user_id:
            return None
        assignment = self.tables.member_assignments.get((user_id, workspace_id or self.default_workspace_id))
        return self.tables.guardrails.get(assignment.guardrail_id) if assignment else None

    def assign_key(self, guardrail_id: str, key_hash: str, assigned_by: str | None,
                   at: str | None = None) -> bool:
        """Put a key under a guardrail (moving it from any other) at time `at` (default now);
        False for an unknown key."""
        with self.transaction(write=True):
            record = self.api_key(key_hash)
            if record is None:
                return False
            table = self.tables.key_assignments
            current = table.get(key_hash)
            if current is not None and current.guardrail_id == guardrail_id:
                return True
            table.discard(key_hash)  # re-inserted last: the newest row
            table.add(KeyAssignment(str(uuid.uuid4()), key_hash, guardrail_id, assigned_by,
                                    at or now_iso()))
            record.guardrail_id = guardrail_id
            return True

    def seed_key_assignments(self, pairs: list[tuple[str, str]], assigned_by: str | None,
                             at: str | None = None) -> None:
        """Put many keys under guardrails at once, `(guardrail_id, key_hash)` each, the last
        pair of a key winning (seeding 100,000 assignments: rows inserted in one statement,
        each key's `guardrail_id` set in SQL)."""
        at = at or now_iso()
        chosen = dict((key_hash, guardrail_id) for guardrail_id, key_hash in pairs)
        with self.transaction(write=True):  # type: ignore[attr-defined]
            db = self.tables.key_assignments.db
            db.executemany("DELETE FROM key_assignments WHERE id = ?", [(h,) for h in chosen])
            self.tables.key_assignments.bulk_insert([KeyAssignment.from_row({
                "id": str(uuid.uuid4()), "key_hash": key_hash, "guardrail_id": guardrail_id,
                "assigned_by": assigned_by, "created_at": at}) for key_hash, guardrail_id in chosen.items()])
            db.executemany("UPDATE keys SET data = json_set(data, '$.guardrail_id', ?) WHERE id = ?",
                           [(guardrail_id, key_hash) for key_hash, guardrail_id in chosen.items()])
            self.tables.keys.forget()  # cached records do not know their new guardrail

    def unassign_key(self, guardrail_id: str, key_hash: str) -> bool:
        with self.transaction(write=True):
            current = self.tables.key_assignments.get(key_hash)
            if current is None or current.guardrail_id != guardrail_id:
                return False
            self._drop_key_assignment(key_hash)
            return True

    def _drop_key_assignment(self, key_hash: str) -> None:
        self.tables.key_assignments.discard(key_hash)
        record = self.tables.keys.get(key_hash)
        if record is not None:
            record.guardrail_id = None

    def assign_member(self, guardrail_id: str, user_id: str, assigned_by: str | None,
                      at: str | None = None) -> bool:
        """A member's guardrail in the guardrail's workspace (replacing the one held there)."""
        with self.transaction(write=True):
            if user_id not in self.tables.members:
                return False
            workspace_id = self.workspace_of_guardrail(guardrail_id)
            table = self.tables.member_assignments
            current = table.get((user_id, workspace_id))
            if current is not None and current.guardrail_id == guardrail_id:
                return True
            table.discard((user_id, workspace_id))
            table.add(MemberAssignment(str(uuid.uuid4()), user_id, guardrail_id, assigned_by,
                                       at or now_iso(), workspace_id))
            return True

    def unassign_member(self, guardrail_id: str, user_id: str) -> bool:
        holder = (user_id, self.workspace_of_guardrail(guardrail_id))
        with self.transaction(write=True):
            current = self.tables.member_assignments.get(holder)
            if current is None or current.guardrail_id != guardrail_id:
                return False
            return self.tables.member_assignments.discard(holder)

    def assignment_page(self, kind: str, guardrail_id: str | None, offset: int,
                        limit: int) -> tuple[list[Any], int]:
        """A page of key or member assignment rows (one guardrail's, or all), oldest first,
        and how many there are; its cost does not grow with the offset."""
        pages = self.assignment_pages[kind]  # type: ignore[attr-defined]
        condition, params = ("guardrail_id = ?", (guardrail_id,)) if guardrail_id else ("", ())
        return pages.page(condition, params, offset, limit)

    def assignment_rows(self, kind: str, guardrail_id: str | None, offset: int,
                        limit: int) -> tuple[list[tuple], int]:
        """The stored rows of an `assignment_page`, `(id, data, *what else its text shows)`
        each: for a key's row, the key's own row (for its name and label); for a member's,
        the organization's id. And the total."""
        pages = self.assignment_pages[kind]  # type: ignore[attr-defined]
        condition, params = ("guardrail_id = ?", (guardrail_id,)) if guardrail_id else ("", ())
        with self.transaction():  # type: ignore[attr-defined]
            rows, total = pages.rows(condition, params, offset, limit)
            if kind == "members" or not rows:
                return [(*row, self.organization_id) for row in rows], total  # type: ignore[attr-defined]
            keys = dict(self.tables.keys.db.execute(
                f"SELECT id, data FROM keys WHERE id IN ({', '.join('?' * len(rows))})",
                [ident for ident, _ in rows]).fetchall())
            return [(ident, data, keys.get(ident)) for ident, data in rows], total
