"""The usage report: spend against limits, flags, and its three formats (no server)."""

from __future__ import annotations

import json

from orsync.views.budget_usage import budget_usage
from orsync.views.usage import Thresholds, build_report, render_json, render_markdown, render_text


def key(name: str, *, limit=None, remaining=None, reset=None, disabled=False, **usage) -> dict:
    return {"name": name, "hash": name * 2, "limit": limit, "limit_remaining": remaining,
            "limit_reset": reset, "disabled": disabled, "usage": usage.get("total", 0.0),
            "usage_daily": usage.get("daily", 0.0), "usage_weekly": usage.get("weekly", 0.0),
            "usage_monthly": usage.get("monthly", 0.0)}


KEYS = [
    key("quiet", limit=10, remaining=9, reset="daily", daily=1, total=3),
    key("busy", limit=10, remaining=1.5, reset="daily", daily=8.5, total=40),
    key("maxed", limit=2, remaining=0, reset="monthly", monthly=2, total=2),
    key("free", total=100),
    key("capped-at-zero", limit=0, remaining=0),
    key("off", limit=1, remaining=0, disabled=True, total=1),
    key("no-remaining", limit=4, reset="weekly", weekly=3.6, total=9),
]


def test_spend_is_read_from_limit_remaining_or_else_from_the_reset_window():
    report = build_report(KEYS, Thresholds())
    fractions = {row.name: row.fraction for row in report.rows}
    assert fractions["quiet"] == 0.1 and fractions["busy"] == 0.85 and fractions["maxed"] == 1.0
    assert fractions["no-remaining"] == 0.9  # weekly usage 3.6 of 4
    assert fractions["free"] is None and fractions["capped-at-zero"] is None and fractions["off"] is None


def test_rows_come_most_spent_first_then_keys_without_a_fraction():
    names = [row.name for row in build_report(KEYS, Thresholds()).rows]
    assert names == ["maxed", "no-remaining", "busy", "quiet", "capped-at-zero", "free", "off"]


def test_keys_over_warn_at_are_flagged_and_fail_at_marks_failures():
    report = build_report(KEYS, Thresholds(warn_at=0.8, fail_at=0.95))
    assert report.names_at("warn", "fail") == ["maxed", "no-remaining", "busy"]
    assert report.names_at("fail") == ["maxed"] and report.failing
    assert not build_report(KEYS, Thresholds(warn_at=0.8)).failing


def test_the_text_table_shows_bars_flags_and_a_footer():
    text = render_text(build_report(KEYS, Thresholds(0.8, 0.95)), width=120, unicode=False)
    lines = text.splitlines()
    assert lines[0].split() == ["KEY", "TODAY", "WEEK", "MONTH", "TOTAL", "LIMIT", "USED"]
    busy = next(line for line in lines if line.startswith("busy"))
    assert "$10.00/daily" in busy and "########.. " in busy and busy.endswith("85%  WARN")
    assert next(line for line in lines if line.startswith("maxed")).endswith("100%  FAIL")
    assert next(line for line in lines if line.startswith("off")).endswith("disabled")
    assert "no limit" in next(line for line in lines if line.startswith("free"))
    assert lines[-1] == "3 key(s) at or over 80% of their limit: maxed, no-remaining, busy"


def test_markdown_and_json():
    report = build_report(KEYS, Thresholds(0.8, 0.95))
    markdown = render_markdown(report)
    assert markdown.startswith("### Key usage\n\n| Key | Today |")
    assert "| busy | $8.50 | $0.00 | $0.00 | $40.00 | $10.00/daily | ████████░░  85% | WARN |" in markdown

    document = json.loads(render_json(report))
    assert document["warn_at"] == 0.8 and document["fail_at"] == 0.95
    assert document["flagged"] == ["maxed", "no-remaining", "busy"] and document["failing"] == ["maxed"]
    busy = next(row for row in document["keys"] if row["name"] == "busy")
    assert busy["used_fraction"] == 0.85 and busy["level"] == "warn"
    assert busy["usage"] == {"daily": 8.5, "weekly": 0.0, "monthly": 0.0, "total": 40}


def test_with_a_file_only_declared_keys_matched_by_pinned_hash_or_name():
    declared = [("busy", None), ("renamed", "quietquiet"), ("ghost", None)]
    report = build_report(KEYS, Thresholds(), declared)
    assert [row.name for row in report.rows] == ["busy", "quiet"]
    assert report.missing == ("ghost",)
    assert "declared but not found in the org: ghost" in render_text(report, width=120)


# --- workspace budgets ---------------------------------------------------------------------------

WORKSPACES = [{"id": "w1", "slug": "default", "include_byok_in_budgets": False},
              {"id": "w2", "slug": "research", "include_byok_in_budgets": True}]
BUDGETS = [{"workspace_id": "w2", "reset_interval": "daily", "limit_usd": 10},
           {"workspace_id": "w2", "reset_interval": None, "limit_usd": 100},
           {"workspace_id": "w1", "reset_interval": "monthly", "limit_usd": 50}]
WORKSPACE_KEYS = [
    {**key("a", daily=4, monthly=20, total=60), "workspace_id": "w2", "byok_usage_daily": 5, "byok_usage": 10},
    {**key("b", daily=0.5, total=5), "workspace_id": "w2"},
    {**key("c", monthly=10, total=10), "workspace_id": "w1", "byok_usage_monthly": 99},
]


def test_a_budget_is_spent_by_its_workspace_keys_in_its_window():
    rows = budget_usage(WORKSPACES, BUDGETS, WORKSPACE_KEYS)
    assert [(r.workspace, r.interval, r.spent) for r in rows] == [
        ("default", "monthly", 10.0),              # BYOK not counted in this workspace
        ("research", "lifetime", 75.0),            # 60 + 5 + 10 BYOK
        ("research", "daily", 9.5)]                # 4 + 0.5 + 5 BYOK
    assert [r.fraction for r in rows] == [0.2, 0.75, 0.95]
    assert budget_usage(WORKSPACES, BUDGETS, WORKSPACE_KEYS, only={"default"})[0].workspace == "default"


def test_budgets_are_flagged_and_fail_like_keys():
    budgets = budget_usage(WORKSPACES, BUDGETS, WORKSPACE_KEYS)
    report = build_report([], Thresholds(0.8, 0.9), budgets=budgets)

    assert report.failing and report.names_at("fail") == ["research daily budget"]
    text = render_text(report, width=120, unicode=False)
    assert "Workspace budgets" in text
    daily = next(line for line in text.splitlines() if line.startswith("research") and "daily" in line)
    assert "daily +byok" in daily and "$9.50" in daily and daily.endswith("95%  FAIL")
    assert text.splitlines()[-1] == "1 workspace budget(s) at or over 80%: research daily budget"
    data = json.loads(render_json(report))
    assert data["workspace_budgets"][2] == {"workspace": "research", "interval": "daily", "limit_usd": 10.0,
                                            "spent": 9.5, "includes_byok": True, "used_fraction": 0.95,
                                            "level": "fail"}
    assert "### Workspace budgets" in render_markdown(report)
