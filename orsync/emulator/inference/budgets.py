"""Which guardrails govern a key, and every spend layer that applies to it.

Governing guardrails: the key's own, its creator's member guardrail in the key's workspace,
and the workspace default guardrail (once materialised) for a key, or a member, that has no
guardrail of its own. Their rules intersect (API-NOTES "Workspaces": "When several guardrails
apply, their restrictions intersect"; the default "governs every key and member of the
workspace that has no explicit guardrail").

Spend layers, in the order the API enforces them and `GET /key` lists them (`budgets`): the
workspace default guardrail for the member, then for the key, the member guardrail, the key's
guardrail, each workspace budget (pooled over the workspace's keys), the key's own limit
(API-NOTES "Newer than the reference spec"; SDK components/keybudget.py). A guardrail's
`limit_usd` counts per key, or per member (the keys that member created); a workspace budget
counts every key of the workspace. The effective budget is the layer with the least left.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from orsync.emulator.store.records import default_guardrail_id
from orsync.emulator.store.windows import iso_time, next_reset

if TYPE_CHECKING:
    from orsync.emulator.store.records import GuardrailRecord, KeyRecord

# Guardrail scopes, as KeyBudget.scope names them.
DEFAULT_MEMBER, DEFAULT_KEY = "workspace_default_member", "workspace_default_key"
MEMBER, API_KEY, WORKSPACE, KEY_LIMIT = "member", "api_key", "workspace", "key_limit"
LIFETIME = "lifetime"


@dataclass(frozen=True)
class Layer:
    """One spend cap over a key, with what it has counted in its current window."""

    scope: str
    limit_usd: float
    spend_usd: float
    reset_interval: str | None
    include_byok: bool
    now: datetime
    guardrail_id: str | None = None
    budget_id: str | None = None

    @property
    def remaining_usd(self) -> float:
        return max(self.limit_usd - self.spend_usd, 0.0)

    def public(self) -> dict:
        resets = next_reset(self.reset_interval, self.now)
        return {"budget_id": self.budget_id, "guardrail_id": self.guardrail_id,
                "include_byok": self.include_byok, "limit_usd": self.limit_usd,
                "remaining_usd": self.remaining_usd, "reset_interval": self.reset_interval,
                "resets_at": iso_time(resets) if resets else None, "scope": self.scope,
                "spend_usd": self.spend_usd}


def key_workspace(state: Any, key: KeyRecord) -> str:
    return key.workspace_id or state.default_workspace_id


def governing_guardrails(state: Any, key: KeyRecord) -> list[tuple[str, GuardrailRecord]]:
    """(scope, guardrail) of every guardrail over the key, in enforcement order."""
    workspace_id = key_workspace(state, key)
    own = state.guardrail_of_key(key.hash)
    member = (state.guardrail_of_member(key.creator_user_id, workspace_id)
              if key.creator_user_id else None)
    default = state.guardrails.get(default_guardrail_id(workspace_id))
    found: list[tuple[str, GuardrailRecord]] = []
    if default is not None and key.creator_user_id and member is None:
        found.append((DEFAULT_MEMBER, default))
    if default is not None and own is None:
        found.append((DEFAULT_KEY, default))
    if member is not None:
        found.append((MEMBER, member))
    if own is not None:
        found.append((API_KEY, own))
    return found


def spend_layers(state: Any, key: KeyRecord, now: datetime) -> list[Layer]:
    """Every cap over the key, in enforcement order, with its current spend."""
    layers = []
    for scope, guardrail in governing_guardrails(state, key):
        if guardrail.limit_usd is None:
            continue
        counted = ([key] if scope in (API_KEY, DEFAULT_KEY)
                   else member_keys(state, key.creator_user_id, key_workspace(state, key)))
        layers.append(Layer(scope, guardrail.limit_usd,
                            _spend(counted, guardrail.reset_interval, guardrail.include_byok_in_budgets, now),
                            guardrail.reset_interval, guardrail.include_byok_in_budgets, now,
                            guardrail_id=guardrail.id))
    layers += workspace_layers(state, key_workspace(state, key), now)
    if key.limit is not None:
        spent = _spend([key], key.limit_reset, key.include_byok_in_limit, now)
        layers.append(Layer(KEY_LIMIT, key.limit, spent, key.limit_reset, key.include_byok_in_limit, now))
    return layers


def workspace_layers(state: Any, workspace_id: str, now: datetime) -> list[Layer]:
    """The workspace's budgets (pooled over its keys), widest interval first."""
    budgets = state.workspace_budgets(workspace_id)
    if not budgets:
        return []
    workspace = state.workspace(workspace_id)
    include_byok = bool(workspace and workspace.include_byok_in_budgets)
    keys = [k for k in state.keys.values() if not k.is_management and key_workspace(state, k) == workspace_id]
    layers = []
    for budget in sorted(budgets, key=lambda b: _WIDTH[b.interval]):
        interval = None if budget.interval == LIFETIME else budget.interval
        layers.append(Layer(WORKSPACE, budget.limit_usd, _spend(keys, interval, include_byok, now),
                            interval, include_byok, now, budget_id=budget.id))
    return layers


def effective(layers: list[Layer]) -> Layer | None:
    """The layer that blocks first: the one with the least left (the first of equals)."""
    return min(layers, key=lambda layer: layer.remaining_usd, default=None)


def member_keys(state: Any, user_id: str | None, workspace_id: str) -> list[KeyRecord]:
    """The keys a member created in a workspace: what a member guardrail's budget counts."""
    return [k for k in state.keys_created_by(user_id) if key_workspace(state, k) == workspace_id]


def _spend(keys: list[KeyRecord], interval: str | None, include_byok: bool, now: datetime) -> float:
    for record in keys:
        record.roll_windows(now)
    return sum(k.window_spend(interval, include_byok) for k in keys)


_WIDTH = {LIFETIME: 0, "monthly": 1, "weekly": 2, "daily": 3}
