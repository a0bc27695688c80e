"""Views of the organization: credits, the current key, keys, guardrails and members.

Tables of keys and members show which guardrail governs each row, a join of the org-wide
assignment listings that the API keeps apart; `--json` prints the API's objects unjoined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any

from orsync.views import format as fmt
from orsync.views.layout import Field, RecordView, TableView, text, usd

R = "right"
SHORT_HASH = 12
GUARDRAIL_COLUMN = "guardrail"  # the member the join adds to each key and member row


def _remaining_credits(credits: dict[str, Any]) -> str:
    total, used = credits.get("total_credits"), credits.get("total_usage")
    if not isinstance(total, (int, float)) or not isinstance(used, (int, float)):
        return fmt.MISSING
    return fmt.money(total - used)


def _key_kind(key: dict[str, Any]) -> str:
    return "management" if key.get("is_management_key") else "inference"


def _key_state(key: dict[str, Any], now: datetime | None = None) -> str:
    if key.get("disabled"):
        return "disabled"
    expires = key.get("expires_at")
    if isinstance(expires, str):
        moment = datetime.fromisoformat(expires.replace("Z", "+00:00"))
        if moment <= (now or datetime.now(timezone.utc)):
            return "expired"
    return "active"


def _short_hash(key: dict[str, Any]) -> str:
    return str(key.get("hash") or "")[:SHORT_HASH] or fmt.MISSING


def _budget(guardrail: dict[str, Any]) -> str:
    limit = guardrail.get("limit_usd")
    if limit is None:
        return "no limit"
    interval = guardrail.get("reset_interval")
    return f"{fmt.money(limit)} {interval}" if interval else fmt.money(limit)


def _full_name(member: dict[str, Any]) -> str:
    parts = (member.get("first_name"), member.get("last_name"))
    return " ".join(part for part in parts if part) or fmt.MISSING


CREDITS = RecordView((
    Field("total credits", usd("total_credits")),
    Field("total usage", usd("total_usage")),
    Field("remaining", _remaining_credits),
))

CURRENT_KEY = RecordView((
    Field("label", text("label")),
    Field("kind", _key_kind),
    Field("limit", usd("limit")),
    Field("limit remaining", usd("limit_remaining")),
    Field("limit reset", text("limit_reset")),
    Field("usage today", usd("usage_daily")),
    Field("usage this week", usd("usage_weekly")),
    Field("usage this month", usd("usage_monthly")),
    Field("usage total", usd("usage")),
    Field("byok usage total", usd("byok_usage")),
    Field("byok in limit", text("include_byok_in_limit")),
    Field("free tier", text("is_free_tier")),
    Field("expires", text("expires_at")),
    Field("creator", text("creator_user_id")),
))

KEYS = TableView((
    Field("NAME", text("name")),
    Field("HASH", _short_hash),
    Field("STATE", _key_state),
    Field("LIMIT", usd("limit"), R),
    Field("RESET", text("limit_reset")),
    Field("USAGE", usd("usage"), R),
    Field("GUARDRAIL", text(GUARDRAIL_COLUMN)),
    Field("EXPIRES", text("expires_at")),
), empty="(no keys)")

GUARDRAILS = TableView((
    Field("NAME", text("name")),
    Field("ID", text("id")),
    Field("BUDGET", _budget),
    Field("MODELS", text("allowed_models")),
    Field("PROVIDERS", text("allowed_providers")),
    Field("ZDR", text("enforce_zdr")),
    Field("KEYS", text("key_count"), R),
    Field("MEMBERS", text("member_count"), R),
), empty="(no guardrails)")

MEMBERS = TableView((
    Field("EMAIL", text("email")),
    Field("NAME", _full_name),
    Field("ROLE", text("role")),
    Field("ID", text("id")),
    Field("GUARDRAIL", text(GUARDRAIL_COLUMN)),
), empty="(no members)")


def with_guardrail_names(rows: Sequence[dict[str, Any]], assignments: Sequence[dict[str, Any]],
                         guardrails: Sequence[dict[str, Any]], row_id: str,
                         assignment_id: str) -> list[dict[str, Any]]:
    """Copies of `rows`, each with the name of the guardrail assigned to it (or None)."""
    names = {g["id"]: g["name"] for g in guardrails}
    governing = {a[assignment_id]: names.get(a["guardrail_id"], a["guardrail_id"]) for a in assignments}
    return [{**row, GUARDRAIL_COLUMN: governing.get(row.get(row_id))} for row in rows]


def with_assignment_counts(guardrails: Sequence[dict[str, Any]], key_assignments: Sequence[dict[str, Any]],
                           member_assignments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of `guardrails`, each with how many keys and members it governs."""
    keys = Counter(a["guardrail_id"] for a in key_assignments)
    members = Counter(a["guardrail_id"] for a in member_assignments)
    return [{**g, "key_count": keys[g["id"]], "member_count": members[g["id"]]} for g in guardrails]
