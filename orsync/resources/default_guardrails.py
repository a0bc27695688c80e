"""A workspace's default guardrail: governs every key and member there without one of its own.

It exists with its workspace under a deterministic id (`Workspace.default_guardrail_id`) and
is only ever PATCHed: never created, deleted, renamed or assigned. Until its first PATCH it is
not materialised (404, absent from listings): it then reads as every field unset. Its address is
`default_guardrail.SLUG`. For a workspace this plan creates, the id is learned at apply time.
"""

from __future__ import annotations

from typing import Any

from orsync.resources import steps
from orsync.resources.base import CreateResult, Desired, LiveObject, ResourceKind, announced
from orsync.resources.guardrail_fields import FIELDS, GuardrailFieldRules
from orsync.resources.scopes import WORKSPACE_LISTING, scopes_of

# In the body of a create only: the slug of the (new) workspace whose default guardrail it is.
WORKSPACE_OF = "workspace"


class DefaultGuardrails(GuardrailFieldRules, ResourceKind):
    kind = "default_guardrail"
    type_name = "openrouter_workspace_default_guardrail"
    noun = "default guardrail"
    managed = FIELDS
    steps = {"create": steps.GUARDRAIL_WRITES, "update": steps.GUARDRAIL_WRITES}

    def desired(self, config, resolution) -> list[Desired]:
        slugs = resolution.model_slugs
        return [Desired(name=spec.slug, source=("workspaces", index, "default_guardrail"),
                        fields=self.with_canonical_models(
                            self.normalise_all(spec.default_guardrail.managed_fields()), slugs))
                for index, spec in enumerate(config.workspaces)
                if spec.state == "present" and spec.default_guardrail is not None]

    def live(self, state, resolution) -> list[LiveObject]:
        slugs = resolution.model_slugs
        guardrails = {row.id: row for row in state.rows("guardrails")}
        objects, slug_of = [], scopes_of(resolution).slugs
        for workspace in state.rows(WORKSPACE_LISTING):
            row = guardrails.get(workspace.default_guardrail_id)
            fields = self.normalise_all({name: getattr(row, name, None) for name in self.managed})
            if row is not None:
                fields = self.with_live_zdr(fields)
            fields = self.with_canonical_models(fields, slugs)
            objects.append(LiveObject(id=workspace.default_guardrail_id, name=slug_of[workspace.id], fields=fields))
        return objects

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        """For a workspace this plan creates, which one (its id is known only after apply)."""
        return proposed if live is not None else {WORKSPACE_OF: name, **proposed}

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        """The workspace was created earlier in this apply: its default guardrail exists now
        under the id the workspace names; a PATCH materialises it."""
        fields = {name: value for name, value in body.items() if name != WORKSPACE_OF}
        live_id = client.get_workspace(body[WORKSPACE_OF]).default_guardrail_id
        client.update_guardrail(live_id, fields)
        return announced(CreateResult(live_id=live_id), on_created)

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        client.update_guardrail(live_id, body)
