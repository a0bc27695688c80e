"""Workspace budgets against their spend, for `orsync usage`.

A workspace budget is one pooled cap per interval for every key in the workspace (unlike a key's
limit, counted for that key alone). The API reports no spend on the budget itself, so the spend
is the sum of the workspace's keys' usage in the budget's window (today, this week, this month,
or all time for the lifetime budget), BYOK usage included when the workspace counts it. Keys
deleted during the window no longer report their spend, so this is a lower bound of what the
API counts against the budget.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from orsync.escaping import markdown_text
from orsync.resources.workspace_budgets import INTERVALS  # widest first
from orsync.views import format as fmt
from orsync.views.bars import bar
from orsync.views.table import Column, render_table

WINDOWS = {"daily": "usage_daily", "weekly": "usage_weekly", "monthly": "usage_monthly", "lifetime": "usage"}
BYOK_WINDOWS = {"daily": "byok_usage_daily", "weekly": "byok_usage_weekly", "monthly": "byok_usage_monthly",
                "lifetime": "byok_usage"}
BAR_WIDTH = 10


@dataclass(frozen=True)
class BudgetUsage:
    workspace: str                    # slug
    interval: str                     # daily, weekly, monthly or lifetime
    limit: float
    spent: float
    byok: bool = False                # BYOK spend counted

    @property
    def fraction(self) -> float | None:
        return self.spent / self.limit if self.limit > 0 else None

    @property
    def label(self) -> str:
        return f"{self.workspace} {self.interval} budget"


def budget_usage(workspaces: Sequence[dict[str, Any]], budgets: Sequence[dict[str, Any]],
                 keys: Sequence[dict[str, Any]], only: set[str] | None = None) -> list[BudgetUsage]:
    """Each budget of each workspace (of `only` slugs, when given) with its keys' spend."""
    by_id = {w["id"]: w for w in workspaces}
    found = []
    for budget in budgets:
        workspace = by_id.get(budget.get("workspace_id"))
        if workspace is None or (only is not None and workspace["slug"] not in only):
            continue
        interval = budget.get("reset_interval") or "lifetime"
        byok = bool(workspace.get("include_byok_in_budgets"))
        spent = sum(_spend(key, interval, byok) for key in keys if key.get("workspace_id") == workspace["id"])
        found.append(BudgetUsage(workspace["slug"], interval, float(budget["limit_usd"]), spent, byok))
    order = {w["id"]: n for n, w in enumerate(workspaces)}
    slug_order = {by_id[i]["slug"]: n for i, n in order.items()}
    return sorted(found, key=lambda b: (slug_order.get(b.workspace, 0), INTERVALS.index(b.interval)))


def _spend(key: dict[str, Any], interval: str, byok: bool) -> float:
    total = float(key.get(WINDOWS[interval]) or 0.0)
    return total + (float(key.get(BYOK_WINDOWS[interval]) or 0.0) if byok else 0.0)


COLUMNS = (Column("WORKSPACE"), Column("BUDGET"), Column("LIMIT", "right"), Column("SPENT", "right"),
           Column("USED", fixed=True), Column("", fixed=True))


def cells(row: BudgetUsage, level_label: str, unicode: bool) -> list[str]:
    used = fmt.MISSING if row.fraction is None else \
        f"{bar(row.fraction, BAR_WIDTH, unicode=unicode)} {fmt.percent(row.fraction):>4}"
    return [row.workspace, row.interval + (" +byok" if row.byok else ""), fmt.money(row.limit),
            fmt.money(row.spent), used, level_label]


def render_text(rows: Sequence[BudgetUsage], labels: Sequence[str], width: int | None, unicode: bool) -> str:
    if not rows:
        return ""
    table = render_table(COLUMNS, [cells(row, label, unicode) for row, label in zip(rows, labels)], width)
    return "\nWorkspace budgets (spend of each workspace's keys in the window):\n" + table


def render_markdown(rows: Sequence[BudgetUsage], labels: Sequence[str]) -> str:
    if not rows:
        return ""
    header = "| Workspace | Budget | Limit | Spent | Used | |\n|---|---|--:|--:|---|---|\n"
    body = "".join("| " + " | ".join(markdown_text(cell) if cell else " " for cell in cells(row, label, True)) + " |\n"
                   for row, label in zip(rows, labels))
    return "\n### Workspace budgets\n\n" + header + body


def json_row(row: BudgetUsage, level: str) -> dict[str, Any]:
    return {"workspace": row.workspace, "interval": row.interval, "limit_usd": row.limit, "spent": row.spent,
            "includes_byok": row.byok, "used_fraction": row.fraction, "level": level}
