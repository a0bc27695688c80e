"""Guardrails: budgets and model/provider allow-lists, identified by name or pinned by id."""

from __future__ import annotations

from typing import Any

from orsync.resources.base import CreateResult
from orsync.resources.named import NamedKind


class Guardrails(NamedKind):
    kind = "guardrail"
    section = "guardrails"
    id_attribute = "id"
    type_name = "openrouter_guardrail"
    managed = ("name", "description", "limit_usd", "reset_interval", "allowed_models",
               "allowed_providers", "ignored_providers", "ignored_models", "enforce_zdr",
               "include_byok_in_budgets")
    set_fields = frozenset({"allowed_models", "allowed_providers", "ignored_providers", "ignored_models"})
    number_fields = frozenset({"limit_usd"})

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        result = CreateResult(live_id=client.create_guardrail(body).id)
        if on_created is not None:
            on_created(result)
        return result

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_guardrail(live_id, body)

    def delete(self, client, live_id: str) -> None:
        client.delete_guardrail(live_id)
