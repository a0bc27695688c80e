"""Guardrails: budgets and model/provider allow-lists, identified by name or pinned by id."""

from __future__ import annotations

from typing import Any

from orsync.resources.base import CreateResult, Desired, LiveObject, ResourceKind


class Guardrails(ResourceKind):
    kind = "guardrail"
    type_name = "openrouter_guardrail"
    managed = ("name", "description", "limit_usd", "reset_interval", "allowed_models",
               "allowed_providers", "ignored_providers", "ignored_models", "enforce_zdr",
               "include_byok_in_budgets")
    set_fields = frozenset({"allowed_models", "allowed_providers", "ignored_providers", "ignored_models"})
    number_fields = frozenset({"limit_usd"})
    prunable = True

    def desired(self, config, resolution) -> list[Desired]:
        return [
            Desired(
                name=spec.name,
                fields=self.normalise_all({"name": spec.name, **spec.managed_fields()}),
                present=spec.state == "present",
                pin=spec.id,
                source=("guardrails", index),
            )
            for index, spec in enumerate(config.guardrails)
        ]

    def live(self, state, resolution) -> list[LiveObject]:
        return [self.live_object(guardrail) for guardrail in state.guardrails]

    def live_object(self, guardrail: Any) -> LiveObject:
        fields = self.normalise_all({name: getattr(guardrail, name, None) for name in self.managed})
        return LiveObject(id=guardrail.id, name=guardrail.name, fields=fields,
                          digest_source={"id": guardrail.id, **fields})

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        result = CreateResult(live_id=client.create_guardrail(body).id)
        if on_created is not None:
            on_created(result)
        return result

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_guardrail(live_id, body)

    def delete(self, client, live_id: str) -> None:
        client.delete_guardrail(live_id)

    def find_created(self, state, body: dict[str, Any]) -> list[str]:
        """Ids of live guardrails that a create with this body could have made (lost responses)."""
        return [guardrail.id for guardrail in state.guardrails if guardrail.name == body.get("name")]
