"""API keys: identified by name or pinned by hash; a new key comes with a new secret."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from orsync.api.rows import KeyRow
from orsync.resources import steps
from orsync.resources.base import CreateResult, Listing, announced
from orsync.resources.named import NamedKind

# POST /keys cannot set `disabled`: a key that must start disabled is created, then PATCHed.
CREATE_FIELDS = frozenset({"name", "limit", "limit_reset", "include_byok_in_limit", "expires_at",
                           "creator_user_id", "workspace_id"})


class Keys(NamedKind):
    kind = "key"
    section = "keys"
    id_attribute = "hash"
    type_name = "openrouter_api_key"
    managed = ("name", "limit", "limit_reset", "include_byok_in_limit", "expires_at", "disabled",
               "creator_user_id")
    # PATCH /keys/{hash} cannot change these: a new key (and a new secret) is the only way.
    replace_fields = frozenset({"expires_at", "creator_user_id"})
    number_fields = frozenset({"limit"})
    time_fields = frozenset({"expires_at"})
    issues_secret = True
    sensitive_fields = ("key",)  # the secret, as openrouter_api_key names it
    # Listed per workspace (an unscoped GET /keys shows the default one only, and its rows name
    # that workspace), with disabled and expired keys; a key holds one guardrail at most, so the
    # org-wide key assignments' total is a lower bound on the keys.
    listings = (Listing("keys", "list_keys", identity="hash", per_scope=True, scope_param="workspace_id",
                        lower_bound="key_assignments", rows=KeyRow, anchor=True),)
    created_in = "keys"
    steps = {"create": steps.KEY_WRITES, "update": steps.KEY_WRITES, "replace": steps.KEY_WRITES,
             "delete": steps.KEY_DELETES}

    def step(self, action: str, body=None, before=None) -> int:
        """A PATCH that names a workspace moves the key: after every key write."""
        if action == "update" and "workspace_id" in (body or {}):
            return steps.KEY_MOVES
        return self.steps[action]

    def creation_problem(self, body: dict[str, Any]) -> tuple[str, str] | None:
        expires_at = body.get("expires_at")
        if expires_at and expires_at <= datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"):
            return ("expires_at", f"expires_at {expires_at} is in the past, and OpenRouter creates no "
                                  f"expired key; declare a later expires_at for the new key")
        return None

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        """POST, then PATCH `disabled`; `on_created(result)` runs in between, so that the secret
        is stored even when the PATCH fails."""
        created = client.create_key({k: v for k, v in body.items() if k in CREATE_FIELDS})
        result = announced(CreateResult(live_id=created.data.hash, secret=created.key), on_created)
        if body.get("disabled"):
            client.update_key(created.data.hash, {"disabled": True})
        return result

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_key(live_id, body)

    def delete(self, client, live_id: str) -> None:
        client.delete_key(live_id)
