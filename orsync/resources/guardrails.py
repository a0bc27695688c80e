"""Guardrails: budgets, model/provider allow-lists, data policies and content filters,
identified by name or pinned by id. Their fields are orsync.resources.guardrail_fields'."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from orsync.api.rows import GuardrailRow
from orsync.resources import steps
from orsync.resources.base import CreateResult, Listing, announced
from orsync.resources.guardrail_fields import FIELDS, GuardrailFieldRules
from orsync.resources.named import NamedKind


class Guardrails(GuardrailFieldRules, NamedKind):
    kind = "guardrail"
    section = "guardrails"
    id_attribute = "id"
    type_name = "openrouter_guardrail"
    managed = ("name", *FIELDS)
    # Listed per workspace; a workspace's default guardrail shows in its workspace's listing.
    listings = (Listing("guardrails", "list_guardrails", per_scope=True, scope_param="workspace_id",
                        rows=GuardrailRow),)
    created_in = "guardrails"
    # A guardrail's workspace is fixed when it is created: moving it back is a replacement.
    replace_fields = frozenset({"workspace"})
    steps = {"create": steps.GUARDRAIL_WRITES, "update": steps.GUARDRAIL_WRITES,
             "replace": steps.GUARDRAIL_WRITES, "delete": steps.GUARDRAIL_DELETES}

    def desired(self, config, resolution):
        return self.in_canonical_slugs(super().desired(config, resolution), resolution.model_slugs)

    def live(self, state, resolution):
        # The fingerprint covers the model lists as the API gave them, not their canonical slugs.
        read = super().live(state, resolution)
        canonical = self.in_canonical_slugs(read, resolution.model_slugs)
        return [obj if obj.fields is raw.fields else replace(obj, digest_of=raw.fields)
                for raw, obj in zip(read, canonical)]

    def live_fields(self, obj: Any) -> dict[str, Any]:
        return self.with_live_zdr(super().live_fields(obj))

    def hidden_ids(self, state) -> set[str]:
        """Workspace default guardrails are listed with their workspace's guardrails, but they
        are the default_guardrail kind's: never matched, reported or pruned as guardrails."""
        return {workspace.default_guardrail_id for workspace in state.rows("workspaces")}

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        return announced(CreateResult(live_id=client.create_guardrail(body).id), on_created)

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_guardrail(live_id, body)

    def delete(self, client, live_id: str) -> None:
        client.delete_guardrail(live_id)
