"""What `orsync usage` reads: every workspace's keys (with their usage) and budgets, at once.

Key names are unique within a workspace, so a key outside the default workspace is shown, and
matched against a file's `keys:`, as `slug/name` (the form of plan addresses).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orsync.views.budget_usage import BudgetUsage, budget_usage
from orsync.views.format import plain
from orsync.views.org_read import default_slug, read_org


@dataclass(frozen=True)
class UsageData:
    keys: list[dict[str, Any]]        # API key objects, `name` qualified outside the default workspace
    budgets: list[BudgetUsage]
    default_slug: str | None

    def declared(self, entries: Sequence[tuple[tuple[str | None, str], str | None]]) -> list[tuple[str, str | None]]:
        """A file's ((workspace, name), hash) entries as (shown name, hash)."""
        return [(qualified(name, workspace, self.default_slug), pinned) for (workspace, name), pinned in entries]


def qualified(name: str, workspace: str | None, default: str | None) -> str:
    return name if workspace in (None, default) else f"{workspace}/{name}"


def read_usage(client, workspaces: set[str] | None = None) -> UsageData:
    """Every key and budget of the org; budgets of `workspaces` only, when given."""
    state = read_org(client, "keys", "workspace_budgets")
    rows = plain(state.rows("workspaces"))
    slugs = {w["id"]: w["slug"] for w in rows}
    default = default_slug(state)
    keys = [{**key, "name": qualified(key["name"], slugs.get(key.get("workspace_id")), default)}
            for key in plain(state.rows("keys"))]
    budgets = budget_usage(rows, plain(state.rows("workspace_budgets")), keys, only=workspaces)
    return UsageData(keys, budgets, default)
