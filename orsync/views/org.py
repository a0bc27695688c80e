"""Views of the organization: credits, the current key, keys, guardrails and members.

Tables of keys and members show which guardrail governs each row and which workspace it is
in, joins of listings that the API keeps apart; `--json` prints the API's objects unjoined.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from orsync.views import format as fmt
from orsync.views.layout import Field, RecordView, TableView, text, usd

R = "right"
SHORT_HASH = 12
GUARDRAIL_COLUMN = "guardrail"  # the member the join adds to each key and member row
WORKSPACE_COLUMN = "workspace"  # ... and the slug of the row's workspace
MEMBERSHIP_COLUMN = "workspaces"  # ... and the workspaces a member belongs to
ZDR_MAKERS = ("anthropic", "google", "openai", "xai", "other")


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
    Field("WORKSPACE", text(WORKSPACE_COLUMN)),
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
    Field("WORKSPACE", text(WORKSPACE_COLUMN)),
    Field("ID", text("id")),
    Field("BUDGET", _budget),
    Field("MODELS", text("allowed_models")),
    Field("PROVIDERS", text("allowed_providers")),
    Field("ZDR", lambda row: zdr_summary(row)),
    Field("FILTERS", lambda row: filter_summary(row)),
    Field("KEYS", text("key_count"), R),
    Field("MEMBERS", text("member_count"), R),
), empty="(no guardrails)")

MEMBERS = TableView((
    Field("EMAIL", text("email")),
    Field("NAME", _full_name),
    Field("ROLE", text("role")),
    Field("ID", text("id")),
    Field("WORKSPACES", text(MEMBERSHIP_COLUMN)),
    Field("GUARDRAIL", text(GUARDRAIL_COLUMN)),
), empty="(no members)")


@dataclass(frozen=True)
class Listings:
    """The listings of a whole-org read, as plain dicts."""

    workspaces: list[dict[str, Any]]
    keys: list[dict[str, Any]]
    guardrails: list[dict[str, Any]]
    members: list[dict[str, Any]]
    key_assignments: list[dict[str, Any]]
    member_assignments: list[dict[str, Any]]
    workspace_members: list[dict[str, Any]]

    @classmethod
    def of(cls, state) -> Listings:
        return cls(**{name: fmt.plain(state.rows(name)) for name in cls.__dataclass_fields__})


class Workspaces:
    """Workspace id -> slug, the default workspace's rows written without one."""

    def __init__(self, workspaces: Sequence[dict[str, Any]]) -> None:
        self.slugs = {w["id"]: w["slug"] for w in workspaces}
        self.default_ids = {w.get("default_guardrail_id"): w["slug"] for w in workspaces}

    def slug(self, row: dict[str, Any]) -> str | None:
        return self.slugs.get(row.get("workspace_id"), row.get("workspace_id"))

    def qualified(self, guardrail: dict[str, Any], default_slug: str | None) -> str:
        """A guardrail as the file names it: `name`, or `slug/name` outside the default workspace."""
        slug = self.slug(guardrail)
        return guardrail["name"] if slug in (None, default_slug) else f"{slug}/{guardrail['name']}"


def with_guardrail_names(rows: Sequence[dict[str, Any]], assignments: Sequence[dict[str, Any]],
                         guardrails: Sequence[dict[str, Any]], workspaces: Sequence[dict[str, Any]],
                         row_id: str, assignment_id: str, default: str | None) -> list[dict[str, Any]]:
    """Copies of `rows`, each with the guardrails assigned to it (a member may hold one per
    workspace), named as the org file names them (`slug/name` outside the `default`
    workspace); None when there is none."""
    places = Workspaces(workspaces)
    names = {g["id"]: places.qualified(g, default) for g in guardrails}
    governing: dict[str, list[str]] = {}
    for a in assignments:
        governing.setdefault(a[assignment_id], []).append(names.get(a["guardrail_id"], a["guardrail_id"]))
    return [{**row, GUARDRAIL_COLUMN: sorted(governing[row.get(row_id)]) if row.get(row_id) in governing else None}
            for row in rows]


def with_workspace_slugs(rows: Sequence[dict[str, Any]], workspaces: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    places = Workspaces(workspaces)
    return [{**row, WORKSPACE_COLUMN: places.slug(row)} for row in rows]


def with_memberships(members: Sequence[dict[str, Any]], memberships: Sequence[dict[str, Any]],
                     workspaces: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of `members`, each with the slugs of the workspaces they belong to."""
    places = Workspaces(workspaces)
    held: dict[str, list[str]] = {}
    for row in memberships:
        held.setdefault(row["user_id"], []).append(places.slug(row) or "?")
    return [{**m, MEMBERSHIP_COLUMN: sorted(held.get(m["id"], []))} for m in members]


def labelled_defaults(guardrails: Sequence[dict[str, Any]], workspaces: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """A workspace's default guardrail is named by the server (`Workspace <id> Default`): shown
    as `(default)` beside its workspace."""
    defaults = Workspaces(workspaces).default_ids
    return [{**g, "name": "(default)"} if g["id"] in defaults else dict(g) for g in guardrails]


def zdr_summary(guardrail: dict[str, Any]) -> str:
    """Which makers' models must use zero-data-retention endpoints: all, some, or none."""
    flags = {maker: guardrail.get(f"enforce_zdr_{maker}") for maker in ZDR_MAKERS}
    if all(value is None for value in flags.values()):
        flags = dict.fromkeys(ZDR_MAKERS, guardrail.get("enforce_zdr"))
    enforced = [maker for maker, value in flags.items() if value]
    if len(enforced) == len(ZDR_MAKERS):
        return "all"
    return ", ".join(enforced) or fmt.MISSING


def filter_summary(guardrail: dict[str, Any]) -> str:
    """Builtin filters by slug, then how many custom regex filters."""
    builtins = [f"{f['slug']} ({f['action']})" for f in guardrail.get("content_filter_builtins") or []]
    custom = len(guardrail.get("content_filters") or [])
    return ", ".join(builtins + ([f"{custom} regex"] if custom else [])) or fmt.MISSING


def with_assignment_counts(guardrails: Sequence[dict[str, Any]], key_assignments: Sequence[dict[str, Any]],
                           member_assignments: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Copies of `guardrails`, each with how many keys and members it governs."""
    keys = Counter(a["guardrail_id"] for a in key_assignments)
    members = Counter(a["guardrail_id"] for a in member_assignments)
    return [{**g, "key_count": keys[g["id"]], "member_count": members[g["id"]]} for g in guardrails]
