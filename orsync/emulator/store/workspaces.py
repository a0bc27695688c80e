"""The workspace half of the org's state: workspaces, their members, budgets and settings.

A mixin of `EmulatorState` (which supplies `tables`, `transaction`, `default_workspace_id`);
every method runs in a transaction of its own or in the caller's.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from orsync.emulator.store.records import (
    WorkspaceBudgetRecord, WorkspaceMemberRecord, WorkspaceRecord, default_guardrail_id,
)
from orsync.emulator.store.tables import Row
from orsync.emulator.store.windows import now_iso

if TYPE_CHECKING:
    from orsync.emulator.store.schema import Tables

DEFAULT_SETTINGS = {"is_filtered_model_catalog_enabled": False, "enterprise": True}


class WorkspacesMixin:
    tables: Tables
    default_workspace_id: str

    def transaction(self, write: bool = False) -> Any:  # supplied by EmulatorState
        raise NotImplementedError

    # --- workspaces -------------------------------------------------------------------------

    def add_workspace(self, name: str, slug: str, *, workspace_id: str | None = None,
                      created_at: str | None = None, **values: Any) -> WorkspaceRecord:
        """A new workspace; ValueError when its id or slug is taken."""
        record = WorkspaceRecord(id=workspace_id or str(uuid.uuid4()), slug=slug, name=name,
                                 created_at=created_at or now_iso(), **values)
        with self.transaction(write=True):
            if self.tables.workspaces.count("slug = ?", (slug,)):
                raise ValueError(f"workspace slug {slug!r} already in use")
            return self.tables.workspaces.add(record)

    def workspace(self, id_or_slug: str) -> WorkspaceRecord | None:
        """A workspace by its id or its slug."""
        with self.transaction():
            found = self.tables.workspaces.get(id_or_slug)
            if found is None:
                rows = self.tables.workspaces.where("slug = ?", (id_or_slug,))
                found = rows[0] if rows else None
            return found

    def default_workspace(self) -> WorkspaceRecord:
        return self.tables.workspaces[self.default_workspace_id]

    def workspaces_in_order(self) -> list[WorkspaceRecord]:
        """Every workspace: the default one first, then oldest first (ties by id)."""
        return sorted(self.tables.workspaces.values(),
                      key=lambda w: (not w.is_default, w.created_at, w.id))

    def save_workspace(self, record: WorkspaceRecord) -> None:
        self.tables.workspaces.save(record)

    def delete_workspace(self, workspace_id: str) -> None:
        """Drop a workspace with its keys, guardrails (and their assignments), members, budgets."""
        with self.transaction(write=True):
            for key_hash in self.tables.keys.ids_where("workspace_id = ?", (workspace_id,)):
                self.delete_key(key_hash)  # type: ignore[attr-defined]
            for guardrail_id in self.tables.guardrails.ids_where("workspace_id = ?", (workspace_id,)):
                self.delete_guardrail(guardrail_id)  # type: ignore[attr-defined]
            for table in (self.tables.workspace_members, self.tables.workspace_budgets):
                for ident in table.ids_where("workspace_id = ?", (workspace_id,)):
                    table.discard(ident)
            self.tables.workspaces.discard(workspace_id)

    def workspace_of_guardrail(self, guardrail_id: str) -> str:
        """The workspace a guardrail governs in (a legacy guardrail's: the default one)."""
        record = self.tables.guardrails.get(guardrail_id)
        return (record.workspace_id if record is not None else None) or self.default_workspace_id

    @staticmethod
    def default_guardrail_id(workspace_id: str) -> str:
        return default_guardrail_id(workspace_id)

    # --- workspace members ------------------------------------------------------------------

    def workspace_members(self, workspace_id: str) -> list[WorkspaceMemberRecord]:
        return self.tables.workspace_members.where("workspace_id = ?", (workspace_id,))

    def add_workspace_member(self, workspace_id: str, user_id: str, at: str | None = None,
                             role: str = "member") -> WorkspaceMemberRecord | None:
        """Add an org member to a workspace; None when already in it."""
        with self.transaction(write=True):
            if (workspace_id, user_id) in self.tables.workspace_members:
                return None
            record = WorkspaceMemberRecord(str(uuid.uuid4()), workspace_id, user_id,
                                           at or now_iso(), role)
            return self.tables.workspace_members.add(record)

    def remove_workspace_member(self, workspace_id: str, user_id: str) -> bool:
        return self.tables.workspace_members.discard((workspace_id, user_id))

    # --- workspace budgets ------------------------------------------------------------------

    def workspace_budgets(self, workspace_id: str) -> list[WorkspaceBudgetRecord]:
        return self.tables.workspace_budgets.where("workspace_id = ?", (workspace_id,))

    def put_workspace_budget(self, workspace_id: str, interval: str, limit_usd: float,
                             at: str | None = None) -> WorkspaceBudgetRecord:
        """Create or update the budget of one interval."""
        at = at or now_iso()
        with self.transaction(write=True):
            record = self.tables.workspace_budgets.get((workspace_id, interval))
            if record is None:
                record = WorkspaceBudgetRecord(str(uuid.uuid4()), workspace_id, interval,
                                               limit_usd, at, at)
                return self.tables.workspace_budgets.add(record)
            record.patch({"limit_usd": limit_usd}, at)
            self.tables.workspace_budgets.save(record)
            return record

    def delete_workspace_budget(self, workspace_id: str, interval: str) -> bool:
        return self.tables.workspace_budgets.discard((workspace_id, interval))

    # --- organization settings --------------------------------------------------------------

    @property
    def settings(self) -> Row:
        """`is_filtered_model_catalog_enabled`, and `enterprise` (off: budgets answer 403)."""
        with self.transaction():
            found = self.tables.singletons.get("settings")
            if found is None:
                return Row(DEFAULT_SETTINGS)  # states made before settings existed
            return found

    def save_settings(self, settings: dict | None = None) -> None:
        self.tables.singletons["settings"] = Row(settings if settings is not None else self.settings)
