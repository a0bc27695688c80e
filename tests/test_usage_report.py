"""The usage report: spend against limits, flags, and its three formats (no server)."""

from __future__ import annotations

import json

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
