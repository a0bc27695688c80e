"""Management API methods: keys, guardrails, assignments, members, workspaces, current key, credits.

Bodies are the caller's dicts, sent as they are: a field present with None is sent as null
(clear it), a field absent is not sent (leave it alone).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from orsync.api import endpoints as ep
from orsync.api.http import HttpCore, Model
from orsync.api.paging import PAGE_SIZE, counted_listing, fixed_page_listing
from orsync.api.errors import UnexpectedResponseError
from orsync.api.models import (CreatedKey, Credits, CurrentKey, Guardrail, Key, KeyAssignment,
                               Member, MemberAssignment, Page, Workspace, WorkspaceBudget,
                               WorkspaceBudgets, WorkspaceMember)

Body = dict[str, Any]


class ManagementMethods(HttpCore):
    # --- keys ---------------------------------------------------------------------------------

    def list_keys(self, at_least: Callable[[], int] | None = None, workspace_id: str | None = None,
                  rows: type = Key) -> list[Key]:
        """Every key of one workspace (the default one unless `workspace_id` names another),
        disabled and expired ones included (the API hides them by default).

        GET /keys says no total, so pages past the end are a guess; `at_least()`, a lower bound
        on the keys (asked as pages land), lets the pages under it go out without guessing.
        `rows` is what each row is parsed into (the planner asks for api.rows.KeyRow).
        """
        def page(offset: int) -> list[Key]:
            return self._key_page(offset, workspace_id, rows)

        def listing(window: Callable[[], int]) -> list[Key]:
            return fixed_page_listing(page, lambda key: key.hash, self._submit, window,
                                      ep.LIST_KEYS.template, at_least or (lambda: 0))

        # Read alongside other workspaces' keys, each keeps a share of the pages in flight.
        return self._window_share.reading(listing)

    def _key_page(self, offset: int, workspace_id: str | None = None, rows: type = Key) -> list[Key]:
        # include_* are strings in the API ("true"/"false"), not JSON booleans.
        params = {"offset": offset, "include_disabled": "true", "include_expired": "true",
                  **({"workspace_id": workspace_id} if workspace_id else {})}
        return self._model(Page[rows], ep.LIST_KEYS, ep.LIST_KEYS.template, params=params).data

    def get_key(self, hash: str) -> Key:
        return self._data(Key, ep.GET_KEY, {"hash": hash})

    def create_key(self, body: Body) -> CreatedKey:
        """POST /keys, sent once: a lost answer raises OutcomeUnknownError, never a second key."""
        return self._model(CreatedKey, ep.CREATE_KEY, ep.CREATE_KEY.template, json=body)

    def update_key(self, hash: str, body: Body) -> Key:
        """PATCH /keys/{hash}; a `workspace_id` in the body moves the key (same secret)."""
        return self._data(Key, ep.UPDATE_KEY, {"hash": hash}, json=body)

    def delete_key(self, hash: str) -> None:
        self._call(ep.DELETE_KEY, {"hash": hash})

    # --- guardrails ---------------------------------------------------------------------------

    def list_guardrails(self, workspace_id: str | None = None, rows: type = Guardrail) -> list[Guardrail]:
        """One workspace's guardrails (the default one unless `workspace_id` names another); a
        workspace's default guardrail shows only in a listing that names its workspace."""
        return self._counted(rows, ep.LIST_GUARDRAILS, lambda row: row.id,
                             query={"workspace_id": workspace_id} if workspace_id else None)

    def get_guardrail(self, id: str) -> Guardrail:
        return self._data(Guardrail, ep.GET_GUARDRAIL, {"id": id})

    def create_guardrail(self, body: Body) -> Guardrail:
        """POST /guardrails, sent once: a lost answer raises OutcomeUnknownError."""
        return self._data(Guardrail, ep.CREATE_GUARDRAIL, json=body)

    def update_guardrail(self, id: str, body: Body) -> Guardrail:
        return self._data(Guardrail, ep.UPDATE_GUARDRAIL, {"id": id}, json=body)

    def delete_guardrail(self, id: str) -> None:
        self._call(ep.DELETE_GUARDRAIL, {"id": id})

    # --- assignments --------------------------------------------------------------------------

    def list_key_assignments(self, on_total: Callable[[int], None] | None = None,
                             rows: type = KeyAssignment) -> list[KeyAssignment]:
        """Every key assignment in the org, in one listing. `on_total(count)` hears the
        listing's total_count once the first page lands: a key holds at most one guardrail,
        so it is a lower bound on the keys (see list_keys)."""
        return self._counted(rows, ep.LIST_KEY_ASSIGNMENTS, lambda row: row.id,
                             on_total=on_total)

    def list_member_assignments(self) -> list[MemberAssignment]:
        return self._counted(MemberAssignment, ep.LIST_MEMBER_ASSIGNMENTS, lambda row: row.id)

    def list_guardrail_key_assignments(self, id: str) -> list[KeyAssignment]:
        return self._counted(KeyAssignment, ep.LIST_GUARDRAIL_KEY_ASSIGNMENTS, lambda row: row.id,
                             {"id": id})

    def list_guardrail_member_assignments(self, id: str) -> list[MemberAssignment]:
        return self._counted(MemberAssignment, ep.LIST_GUARDRAIL_MEMBER_ASSIGNMENTS,
                             lambda row: row.id, {"id": id})

    def assign_keys(self, id: str, hashes: Iterable[str]) -> int:
        """How many keys the API assigned: unknown hashes are skipped with a 200, so check it.

        A key holds one guardrail: assigning it here moves it from any other.
        """
        return self._bulk(ep.ASSIGN_KEYS, id, {"key_hashes": list(hashes)}, "assigned_count")

    def unassign_keys(self, id: str, hashes: Iterable[str]) -> int:
        return self._bulk(ep.UNASSIGN_KEYS, id, {"key_hashes": list(hashes)}, "unassigned_count")

    def assign_members(self, id: str, user_ids: Iterable[str]) -> int:
        return self._bulk(ep.ASSIGN_MEMBERS, id, {"member_user_ids": list(user_ids)},
                          "assigned_count")

    def unassign_members(self, id: str, user_ids: Iterable[str]) -> int:
        return self._bulk(ep.UNASSIGN_MEMBERS, id, {"member_user_ids": list(user_ids)},
                          "unassigned_count")

    # --- workspaces -------------------------------------------------------------------------

    def list_workspaces(self) -> list[Workspace]:
        return self._counted(Workspace, ep.LIST_WORKSPACES, lambda row: row.id)

    def get_workspace(self, id: str) -> Workspace:
        """`id` is the workspace's UUID or its slug."""
        return self._data(Workspace, ep.GET_WORKSPACE, {"id": id})

    def create_workspace(self, body: Body) -> Workspace:
        """POST /workspaces (`name` and `slug` required), sent once."""
        return self._data(Workspace, ep.CREATE_WORKSPACE, json=body)

    def update_workspace(self, id: str, body: Body) -> Workspace:
        return self._data(Workspace, ep.UPDATE_WORKSPACE, {"id": id}, json=body)

    def delete_workspace(self, id: str) -> None:
        self._call(ep.DELETE_WORKSPACE, {"id": id})

    def list_workspace_budgets(self, id: str) -> WorkspaceBudgets:
        """Every budget of the workspace and its BYOK flag (403 outside Enterprise orgs)."""
        return self._model(WorkspaceBudgets, ep.LIST_WORKSPACE_BUDGETS, ep.LIST_WORKSPACE_BUDGETS.path(id=id))

    def list_budgets(self, workspace_id: str) -> list[WorkspaceBudget]:
        """The workspace's budgets as rows (for the live read; the BYOK flag is the workspace's)."""
        return self.list_workspace_budgets(workspace_id).data

    def get_workspace_budget(self, id: str, interval: str) -> WorkspaceBudget:
        return self._data(WorkspaceBudget, ep.GET_WORKSPACE_BUDGET, {"id": id, "interval": interval})

    def put_workspace_budget(self, id: str, interval: str, body: Body) -> WorkspaceBudget:
        """Create or replace the budget of one interval: `{limit_usd, include_byok_in_budgets}`."""
        return self._data(WorkspaceBudget, ep.PUT_WORKSPACE_BUDGET, {"id": id, "interval": interval}, json=body)

    def delete_workspace_budget(self, id: str, interval: str) -> None:
        self._call(ep.DELETE_WORKSPACE_BUDGET, {"id": id, "interval": interval})

    def list_workspace_members(self, id: str) -> list[WorkspaceMember]:
        return self._counted(WorkspaceMember, ep.LIST_WORKSPACE_MEMBERS, lambda row: row.id, {"id": id})

    def add_workspace_members(self, id: str, user_ids: Iterable[str]) -> int:
        """How many were added; members already there, or not in the org, are not counted."""
        return self._bulk(ep.ADD_WORKSPACE_MEMBERS, id, {"user_ids": list(user_ids)}, "added_count")

    def remove_workspace_members(self, id: str, user_ids: Iterable[str]) -> int:
        return self._bulk(ep.REMOVE_WORKSPACE_MEMBERS, id, {"user_ids": list(user_ids)}, "removed_count")

    # --- organization -------------------------------------------------------------------------

    def list_members(self) -> list[Member]:
        return self._counted(Member, ep.LIST_MEMBERS, lambda row: row.id)

    def get_current_key(self, api_key: str | None = None) -> CurrentKey:
        """The key making the call: the management key, unless `api_key` names another."""
        return self._data(CurrentKey, ep.GET_CURRENT_KEY, api_key=api_key)

    def get_credits(self) -> Credits:
        return self._data(Credits, ep.GET_CREDITS)

    def get_activity(self, **filters: str) -> list[dict[str, Any]]:
        """Usage per day and model (filters: date, api_key_hash, user_id)."""
        return self._data_of(ep.GET_ACTIVITY, params=filters)

    def coinbase_charge(self) -> Any:
        """Retired by the API: answers 410, raised as GoneError."""
        return self._call(ep.COINBASE_CHARGE, json={})

    # --- shared -------------------------------------------------------------------------------

    def _counted(self, model: type[Model], endpoint: ep.Endpoint, identity: Callable[[Model], str],
                 path_params: dict[str, str] | None = None,
                 on_total: Callable[[int], None] | None = None,
                 query: dict[str, str] | None = None) -> list[Model]:
        path = endpoint.path(**(path_params or {}))
        page_model = Page[model]

        def fetch(offset: int) -> Page[Model]:
            return self._model(page_model, endpoint, path,
                               params={"offset": offset, "limit": PAGE_SIZE, **(query or {})})

        return counted_listing(fetch, identity, self._map_concurrently, path, on_total)

    def _bulk(self, endpoint: ep.Endpoint, id: str, body: dict[str, list[str]], field: str) -> int:
        if not any(body.values()):  # the API wants at least one id; none is no change at all
            return 0
        path = endpoint.path(id=id)
        count = self._member(self._json(endpoint, path, json=body), field, endpoint, path)
        if not isinstance(count, int):
            raise UnexpectedResponseError(endpoint.method, path, None, f"{field} is not a number")
        return count
