"""`orsync usage`: each key's spend against its limit, the keys near it flagged.

How much of a limit is spent comes from the API's own `limit_remaining` when it sends one
(it knows the reset window and whether BYOK usage counts); otherwise from the usage of the
window the limit resets on. Keys without a limit, or with a limit of $0 (a key deliberately
unable to spend), have no fraction and are never flagged; neither are disabled keys, which
cannot spend at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from orsync.escaping import markdown_text, visible
from orsync.views import budget_usage
from orsync.views import format as fmt
from orsync.views.bars import bar
from orsync.views.budget_usage import BudgetUsage
from orsync.views.table import Column, render_table

Level = Literal["ok", "warn", "fail"]
WINDOW_USAGE = {"daily": "usage_daily", "weekly": "usage_weekly", "monthly": "usage_monthly"}
LEVEL_LABELS = {"ok": "", "warn": "WARN", "fail": "FAIL"}
TABLE_BAR_WIDTH = 10  # cells of 10%: enough to see, narrow enough to leave room for names


@dataclass(frozen=True)
class Thresholds:
    warn_at: float = 0.8
    fail_at: float | None = None

    def level(self, fraction: float | None) -> Level:
        if fraction is None:
            return "ok"
        if self.fail_at is not None and fraction >= self.fail_at:
            return "fail"
        return "warn" if fraction >= self.warn_at else "ok"


@dataclass(frozen=True)
class KeyUsage:
    """One key's spend, read from the API's key object."""

    key: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.key.get("name"))

    @property
    def limit(self) -> float | None:
        return self.key.get("limit")

    @property
    def spent(self) -> float:
        """Usage counted against the limit in its current window."""
        remaining = self.key.get("limit_remaining")
        if self.limit is not None and remaining is not None:
            return max(self.limit - remaining, 0.0)
        return float(self.key.get(WINDOW_USAGE.get(self.key.get("limit_reset") or "", "usage")) or 0.0)

    @property
    def fraction(self) -> float | None:
        if self.key.get("disabled") or not self.limit or self.limit <= 0:
            return None
        return self.spent / self.limit


@dataclass(frozen=True)
class UsageReport:
    rows: tuple[KeyUsage, ...]
    thresholds: Thresholds
    missing: tuple[str, ...] = ()  # keys a file declares that the org does not have
    budgets: tuple[BudgetUsage, ...] = ()  # workspace budgets against their keys' spend

    def level(self, row: KeyUsage | BudgetUsage) -> Level:
        return self.thresholds.level(row.fraction)

    def names_at(self, *levels: Level) -> list[str]:
        """Keys, then workspace budgets (`research monthly budget`), at these levels."""
        return ([row.name for row in self.rows if self.level(row) in levels]
                + [row.label for row in self.budgets if self.level(row) in levels])

    def budget_labels(self) -> list[str]:
        return [LEVEL_LABELS[self.level(row)] for row in self.budgets]

    @property
    def failing(self) -> bool:
        return bool(self.names_at("fail"))


def build_report(keys: Sequence[dict[str, Any]], thresholds: Thresholds,
                 declared: Sequence[tuple[str, str | None]] | None = None,
                 budgets: Sequence[BudgetUsage] = ()) -> UsageReport:
    """The report over `keys` (API key objects), most spent first.

    With `declared` (name, pinned hash) pairs from an org file, only those keys, matched by
    hash when pinned and by name otherwise; the ones not found are listed as missing.
    """
    chosen, missing = (list(keys), []) if declared is None else _declared_keys(keys, declared)
    rows = sorted((KeyUsage(key) for key in chosen), key=_most_spent_first)
    return UsageReport(tuple(rows), thresholds, tuple(missing), tuple(budgets))


def _declared_keys(keys: Sequence[dict[str, Any]],
                   declared: Sequence[tuple[str, str | None]]) -> tuple[list[dict], list[str]]:
    by_hash = {key.get("hash"): key for key in keys}
    by_name: dict[str, list[dict]] = {}
    for key in keys:
        by_name.setdefault(key.get("name"), []).append(key)
    chosen, missing = [], []
    for name, pinned in declared:
        found = [by_hash[pinned]] if pinned in by_hash else ([] if pinned else by_name.get(name, []))
        chosen.extend(found)
        if not found:
            missing.append(name)
    return chosen, missing


def _most_spent_first(row: KeyUsage) -> tuple[int, float, str]:
    fraction = row.fraction
    return (fraction is None, -(fraction or 0.0), row.name)


USAGE_COLUMNS = (Column("KEY"), Column("TODAY", "right"), Column("WEEK", "right"),
                 Column("MONTH", "right"), Column("TOTAL", "right"), Column("LIMIT", "right"),
                 Column("USED", fixed=True), Column("", fixed=True))


def _limit_text(row: KeyUsage) -> str:
    if row.limit is None:
        return "no limit"
    reset = row.key.get("limit_reset")
    return f"{fmt.money(row.limit)}/{reset}" if reset else fmt.money(row.limit)


def _used_text(row: KeyUsage, unicode: bool) -> str:
    if row.key.get("disabled"):
        return "disabled"
    if row.fraction is None:
        return fmt.MISSING
    return f"{bar(row.fraction, TABLE_BAR_WIDTH, unicode=unicode)} {fmt.percent(row.fraction):>4}"


def _cells(report: UsageReport, row: KeyUsage, unicode: bool) -> list[str]:
    key = row.key
    return [row.name, fmt.money(key.get("usage_daily")), fmt.money(key.get("usage_weekly")),
            fmt.money(key.get("usage_monthly")), fmt.money(key.get("usage")), _limit_text(row),
            _used_text(row, unicode), LEVEL_LABELS[report.level(row)]]


def render_text(report: UsageReport, width: int | None = None, unicode: bool = True) -> str:
    budgets = budget_usage.render_text(report.budgets, report.budget_labels(), width, unicode)
    if not report.rows:
        return "(no keys)\n" + budgets + _footer(report)
    rows = [_cells(report, row, unicode) for row in report.rows]
    return render_table(USAGE_COLUMNS, rows, width) + budgets + _footer(report)


def _footer(report: UsageReport) -> str:
    lines = []
    warn_at = fmt.percent(report.thresholds.warn_at)
    flagged = [row.name for row in report.rows if report.level(row) != "ok"]
    if flagged:
        lines.append(f"{len(flagged)} key(s) at or over {warn_at} of their limit: {', '.join(flagged)}")
    budgets = [row.label for row in report.budgets if report.level(row) != "ok"]
    if budgets:
        lines.append(f"{len(budgets)} workspace budget(s) at or over {warn_at}: {', '.join(budgets)}")
    if report.missing:
        lines.append(f"declared but not found in the org: {', '.join(report.missing)}")
    return "".join(visible(line) + "\n" for line in lines)


def render_markdown(report: UsageReport) -> str:
    """A GitHub-flavoured table, for an issue or a job summary."""
    header = "| Key | Today | Week | Month | Total | Limit | Used | |\n|---|--:|--:|--:|--:|--:|---|---|\n"
    body = "".join("| " + " | ".join(_markdown_cell(cell) for cell in _cells(report, row, True)) + " |\n"
                   for row in report.rows)
    budgets = budget_usage.render_markdown(report.budgets, report.budget_labels())
    return "### Key usage\n\n" + header + body + budgets + ("\n" + _footer(report) if _footer(report) else "")


def _markdown_cell(cell: str) -> str:
    return markdown_text(cell) if cell else " "


def render_json(report: UsageReport) -> str:
    thresholds = report.thresholds
    return json.dumps({
        "warn_at": thresholds.warn_at,
        "fail_at": thresholds.fail_at,
        "keys": [_json_row(report, row) for row in report.rows],
        "workspace_budgets": [budget_usage.json_row(row, report.level(row)) for row in report.budgets],
        "flagged": report.names_at("warn", "fail"),
        "failing": report.names_at("fail"),
        "missing": list(report.missing),
    }, indent=2) + "\n"


def _json_row(report: UsageReport, row: KeyUsage) -> dict[str, Any]:
    key = row.key
    return {"name": row.name, "hash": key.get("hash"), "disabled": bool(key.get("disabled")),
            "usage": {"daily": key.get("usage_daily"), "weekly": key.get("usage_weekly"),
                      "monthly": key.get("usage_monthly"), "total": key.get("usage")},
            "limit": row.limit, "limit_reset": key.get("limit_reset"),
            "limit_remaining": key.get("limit_remaining"), "used_fraction": row.fraction,
            "level": report.level(row)}
