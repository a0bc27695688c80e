"""Batched kinds' changes in batches: one call per parent (e.g. a guardrail) with every id it
gains or loses.

The API answers 200 even for ids it skipped, so the count is checked; when it is short, the
parent's own listing is read to name exactly which ids were not (un)assigned.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from orsync.api.errors import ApiError
from orsync.planner.plan import Change
from orsync.resources.base import ResourceKind

@dataclass
class Batch:
    kind: ResourceKind
    verb: str                                   # "assign" or "unassign"
    parent_id: str
    items: list[tuple[Change, str]] = field(default_factory=list)   # (change, target id)

    @property
    def ids(self) -> list[str]:
        return [target_id for _, target_id in self.items]


@dataclass(frozen=True)
class BatchResult:
    succeeded: list[Change]
    failed: list[tuple[Change, str]]            # (change, message)


def run_batch(client, batch: Batch) -> BatchResult:
    """Send the batch; a short count becomes failures naming what was not (un)assigned."""
    count = batch.kind.run_batch(client, batch.verb, batch.parent_id, batch.ids)
    if count >= len(set(batch.ids)):
        return BatchResult([change for change, _ in batch.items], [])
    counted = f"{batch.verb}ed_count {count} of {len(batch.ids)}"
    try:
        missed = not_applied(client, batch)
    except ApiError as exc:
        message = f"{counted}, and reading the {batch.kind.parent_noun}'s list to tell which failed: {exc}"
        return BatchResult([], [(change, message) for change, _ in batch.items])
    failed = [(change, f"{batch.kind.parent_noun} {batch.parent_id}: {counted}; this one was not {batch.verb}ed")
              for change, target_id in batch.items if target_id in missed]
    return BatchResult([change for change, target_id in batch.items if target_id not in missed], failed)


def not_applied(client, batch: Batch) -> set[str]:
    """Ids of the batch that are not (assign) or still (unassign) under the parent."""
    assigned = batch.kind.held_ids(client, batch.parent_id)
    if batch.verb == "assign":
        return {target_id for target_id in batch.ids if target_id not in assigned}
    return {target_id for target_id in batch.ids if target_id in assigned}
