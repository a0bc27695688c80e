"""`orsync get workspaces`: each workspace with what it holds, its budgets and default guardrail.

One row per workspace, the default one first: how many keys, guardrails and members it has,
its pooled budgets (widest first; `n/a` where the org cannot read them: budgets are an
Enterprise feature) and its default guardrail's budget and model list, or `(not set)` before
its first PATCH.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from orsync.views import format as fmt
from orsync.views.layout import Field, TableView, text
from orsync.resources.workspace_budgets import INTERVALS  # widest first
from orsync.resources.workspace_budgets import LISTING as BUDGET_LISTING
from orsync.views.org_read import default_slug

R = "right"


def _default_guardrail(row: dict[str, Any]) -> str:
    guardrail = row.get("default_guardrail")
    if guardrail is None:
        return "(not set)"
    limit = guardrail.get("limit_usd")
    parts = ["no limit" if limit is None else f"{fmt.money(limit)} {guardrail.get('reset_interval') or 'total'}"]
    models = guardrail.get("allowed_models")
    if models:
        parts.append(f"{len(models)} model{'s' if len(models) != 1 else ''}")
    return "; ".join(parts)


WORKSPACES = TableView((
    Field("SLUG", text("slug")),
    Field("NAME", text("name")),
    Field("ID", text("id")),
    Field("KEYS", text("key_count"), R),
    Field("GUARDRAILS", text("guardrail_count"), R),
    Field("MEMBERS", text("member_count"), R),
    Field("BUDGETS", text("budgets")),
    Field("DEFAULT GUARDRAIL", _default_guardrail),
), empty="(no workspaces)")


def workspace_rows(state) -> list[dict[str, Any]]:
    """One dict per workspace (the default one first), with the joins the table shows."""
    workspaces = fmt.plain(state.rows("workspaces"))
    guardrails = {g["id"]: g for g in fmt.plain(state.rows("guardrails"))}
    defaults = {w.get("default_guardrail_id") for w in workspaces}
    keys = Counter(k.get("workspace_id") for k in fmt.plain(state.rows("keys")))
    held = Counter(g.get("workspace_id") for g in guardrails.values() if g["id"] not in defaults)
    members = Counter(m.get("workspace_id") for m in fmt.plain(state.rows("workspace_members")))
    budgets: dict[str, dict[str, float]] = {}
    for row in fmt.plain(state.rows(BUDGET_LISTING)):
        budgets.setdefault(row["workspace_id"], {})[row.get("reset_interval") or "lifetime"] = row["limit_usd"]
    unreadable = BUDGET_LISTING in state.unreadable
    first = default_slug(state)
    ordered = sorted(workspaces, key=lambda w: (w["slug"] != first, w.get("created_at") or "", w["slug"]))
    return [{**w, "key_count": keys[w["id"]], "guardrail_count": held[w["id"]], "member_count": members[w["id"]],
             "budgets": "n/a" if unreadable else budget_text(budgets.get(w["id"], {})),
             "default_guardrail": guardrails.get(w.get("default_guardrail_id"))}
            for w in ordered]


def budget_text(limits: dict[str, float]) -> str:
    """`monthly $300.00, daily $25.00`, widest interval first."""
    return ", ".join(f"{interval} {fmt.money(limits[interval])}" for interval in INTERVALS if interval in limits) \
        or fmt.MISSING
