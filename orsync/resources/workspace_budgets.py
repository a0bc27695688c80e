"""A workspace's budgets: one pooled cap per interval (daily, weekly, monthly, lifetime).

All budgets of one workspace are one object (`workspace_budget.SLUG`), because their writes
must be ordered: OpenRouter keeps lifetime > monthly > weekly > daily at every step, so the
plan sends the deletes first, then the increases from the widest interval to the narrowest,
then the decreases (and new budgets, decreases from infinity) from the narrowest to the widest
(API-NOTES "Workspace budgets"). The BYOK
flag is workspace-wide and travels with every PUT. Budgets are an Enterprise feature: a 403
is one failure line for the workspace, and the rest of the apply goes on.
"""

from __future__ import annotations

from typing import Any

from orsync.api.errors import ForbiddenError
from orsync.errors import OrsyncError
from orsync.resources import steps
from orsync.resources.base import CreateResult, Desired, Listing, LiveObject, ResourceKind, announced
from orsync.resources.scopes import WORKSPACE_LISTING, scopes_of

INTERVALS = ("lifetime", "monthly", "weekly", "daily")   # widest first
BYOK = "include_byok_in_budgets"
LISTING = "workspace_budgets"
WORKSPACE_OF = "workspace"


class WorkspaceBudgets(ResourceKind):
    kind = "workspace_budget"
    type_name = "openrouter_workspace_budget"
    noun = "workspace budget"
    managed = (*INTERVALS, BYOK)
    number_fields = frozenset(INTERVALS)
    listings = (Listing(LISTING, "list_budgets", per_scope=True, scope_param="workspace_id",
                        needs_scope=True, forbidden_ok=True, on_demand=True),)
    steps = {"create": steps.BUDGETS, "update": steps.BUDGETS}

    def needs_listings(self, config) -> bool:
        return any(spec.state == "present" and {"budgets", BYOK} & spec.model_fields_set for spec in config.workspaces)

    def desired(self, config, resolution) -> list[Desired]:
        wanted = []
        for index, spec in enumerate(config.workspaces):
            if spec.state != "present" or not {"budgets", BYOK} & spec.model_fields_set:
                continue
            fields = dict(spec.budgets or {})
            if BYOK in spec.model_fields_set:
                fields[BYOK] = spec.include_byok_in_budgets
            wanted.append(Desired(name=spec.slug, fields=self.normalise_all(fields),
                                  source=("workspaces", index, "budgets" if spec.budgets else BYOK)))
        unreadable = resolution.state.unreadable.get(LISTING)
        if wanted and unreadable:
            resolution.warnings.append(f"workspace budgets could not be read ({unreadable}); they are "
                                       "planned as if the workspaces had none")
        return wanted

    def live(self, state, resolution) -> list[LiveObject]:
        by_workspace: dict[str, dict[str, Any]] = {}
        for row in state.rows(LISTING):
            by_workspace.setdefault(row.workspace_id, {})[row.reset_interval or "lifetime"] = row.limit_usd
        objects, slugs = [], scopes_of(resolution).slugs
        for workspace in state.rows(WORKSPACE_LISTING):
            limits = by_workspace.get(workspace.id, {})
            fields = self.normalise_all({**{interval: limits.get(interval) for interval in INTERVALS},
                                         BYOK: workspace.include_byok_in_budgets})
            objects.append(LiveObject(id=workspace.id, name=slugs[workspace.id], fields=fields))
        return objects

    def request_body(self, resolution, after: dict[str, Any], live: LiveObject | None,
                     proposed: dict[str, Any], name: str = "") -> dict[str, Any]:
        """The writes, in the order the API accepts them; a new workspace named by slug."""
        before = live.fields if live else {}
        self._refuse_disorder(resolution, name, before, after)
        writes = ordered_writes(before, after)
        if not writes and BYOK in after and after[BYOK] != before.get(BYOK):
            # Only the BYOK flag differs, and no budget is left to carry it (it has no endpoint).
            raise resolution.error_at(("workspaces", _index(resolution, name), BYOK),
                                      f"workspace {name} has no budget, and include_byok_in_budgets is set "
                                      "with one; declare a budget too, or leave the flag out")
        body: dict[str, Any] = {"writes": writes}
        if live is None:
            body[WORKSPACE_OF] = name
        return body

    @staticmethod
    def _refuse_disorder(resolution, slug: str, before: dict[str, Any], after: dict[str, Any]) -> None:
        """The budgets the file sets, with the live ones it leaves out, must still decrease."""
        final = [(interval, after[interval] if interval in after else before.get(interval), interval in after)
                 for interval in INTERVALS]
        final = [entry for entry in final if entry[1] is not None]
        for (wide, wide_limit, wide_declared), (narrow, narrow_limit, narrow_declared) in zip(final, final[1:]):
            if wide_limit <= narrow_limit:
                index = _index(resolution, slug)
                live = narrow if not narrow_declared else wide
                raise resolution.error_at(
                    ("workspaces", index, "budgets"),
                    f"{wide} {wide_limit:g} would not be above {narrow} {narrow_limit:g} (the live {live} "
                    f"budget, which the file leaves out); OpenRouter needs lifetime > monthly > weekly > daily: "
                    f"declare {live} too, or null to delete it")

    def create(self, client, body: dict[str, Any], on_created=None) -> CreateResult:
        """Budgets of a workspace this apply created."""
        workspace_id = client.get_workspace(body[WORKSPACE_OF]).id
        self.update(client, workspace_id, body)
        return announced(CreateResult(live_id=workspace_id), on_created)

    def update(self, client, live_id: str, body: dict[str, Any]) -> None:
        for verb, interval, limit, byok in body["writes"]:
            try:
                if verb == "delete":
                    client.delete_workspace_budget(live_id, interval)
                else:
                    client.put_workspace_budget(live_id, interval, {"limit_usd": limit, **(
                        {BYOK: byok} if byok is not None else {})})
            except ForbiddenError as exc:
                # Not the credentials' fault (every other call works): say what it is, and let
                # the rest of the apply go on.
                raise OrsyncError(f"workspace budgets need an Enterprise organization (403: {exc.message})") from None


def _index(resolution, slug: str) -> int:
    """Where the workspace is declared in the file (for error locations)."""
    return next(i for i, spec in enumerate(resolution.config_source.model.workspaces) if spec.slug == slug)


def ordered_writes(before: dict[str, Any], after: dict[str, Any]) -> list[list[Any]]:
    """[verb, interval, limit, byok] in an order that keeps every step valid."""
    changed = [interval for interval in INTERVALS if interval in after and after[interval] != before.get(interval)]
    deletes = [interval for interval in changed if after[interval] is None and before.get(interval) is not None]
    # A new budget counts as a decrease from infinity: set after every wider one has risen and
    # every narrower one has fallen, it fits between them whatever they were.
    ups = [interval for interval in changed if after[interval] is not None
           and before.get(interval) is not None and after[interval] > before[interval]]
    downs = [interval for interval in reversed(changed) if after[interval] is not None
             and (before.get(interval) is None or after[interval] < before[interval])]
    byok = after.get(BYOK) if BYOK in after else None
    writes = ([["delete", interval, None, None] for interval in deletes]
              + [["put", interval, after[interval], byok] for interval in ups + downs])
    if BYOK in after and after[BYOK] != before.get(BYOK) and not (ups or downs):
        # The flag is set through a budget's PUT: re-send the widest budget that stays.
        final = {interval: after.get(interval, before.get(interval)) for interval in INTERVALS}
        kept = next((interval for interval in INTERVALS if final[interval] is not None), None)
        if kept is not None:
            writes.append(["put", kept, final[kept], after[BYOK]])
    return writes
