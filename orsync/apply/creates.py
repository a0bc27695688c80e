"""Creating an object when the answer may be lost: find out what happened instead of re-sending.

The client never re-sends POST /keys or POST /guardrails on its own; when the outcome is
unknown it raises OutcomeUnknownError and this module reads the live listing to learn whether
the object exists (docs/adr/0002-no-blind-post-retry.md):

- nothing was created: create it once more;
- a guardrail was created: adopt it (the POST carried every field);
- a key was created: its secret was in the lost answer, so the key is useless; delete it and
  create it once more, and say so.

A run never leaves two objects for one entry: anything found is adopted or deleted before the
next attempt, and attempts are bounded.
"""

from __future__ import annotations

from collections.abc import Callable

from orsync.api.errors import ApiError, NotFoundError, OutcomeUnknownError
from orsync.errors import OrsyncError
from orsync.planner.live import LiveState
from orsync.planner.plan import Change
from orsync.resources import LISTINGS
from orsync.resources.base import CreateResult, ResourceKind

MAX_CREATE_ATTEMPTS = 3
MAX_READ_ATTEMPTS = 3     # each one already retried by the client


class CreateFailed(OrsyncError):
    """A create that could not be completed or cleaned up; the message says what is left live."""


def create_with_recovery(kind: ResourceKind, client, change: Change, *,
                         on_created: Callable[[CreateResult], None],
                         known_ids: Callable[[], set[str]],
                         note: Callable[[str], None]) -> CreateResult:
    """Create the object of `change`; `on_created` runs as soon as it exists (before follow-ups).

    `known_ids()` are ids that existed before this call could have created anything: the live
    objects the plan was made from and what this run created for other entries.
    """
    lost: OutcomeUnknownError | None = None
    for _ in range(MAX_CREATE_ATTEMPTS):
        try:
            return kind.create(client, change.body, on_created=on_created)
        except OutcomeUnknownError as exc:
            lost = exc
        found = created_by_lost_call(kind, client, change, known_ids(), lost)
        if found and not kind.issues_secret:
            return adopt(change, found, on_created, note)
        for live_id in found:
            delete_secretless(kind, client, change, live_id)
            note(f"{change.address}: the answer to its create was lost, and with it the new {kind.kind}'s "
                 f"secret; deleted the {kind.kind} it had created ({short(live_id)}) to create it once more")
        if not found:
            note(f"{change.address}: the outcome of its create was unknown ({lost.message}); "
                 "nothing had been created, so it was sent once more")
    raise CreateFailed(f"gave up after {MAX_CREATE_ATTEMPTS} creates whose outcome was unknown; "
                       f"nothing is left behind (last: {lost})")


def created_by_lost_call(kind: ResourceKind, client, change: Change, known: set[str],
                         lost: OutcomeUnknownError) -> list[str]:
    """Ids of live objects that the lost create could have made (read where it would be)."""
    listing = next(listing for listing in LISTINGS if listing.name == kind.created_in)
    rows, error = None, None
    for _ in range(MAX_READ_ATTEMPTS):
        try:
            rows = getattr(client, listing.method)(**kind.created_scope(change.body, listing))
            break
        except ApiError as exc:
            error = exc
    if rows is None:
        raise CreateFailed(f"{lost}; and re-reading the {listing.name} to find out failed too ({error}): "
                           f"a {kind.kind} named {change.name!r} may exist"
                           + (" without its secret; delete it if `orsync plan` shows no create for it"
                              if kind.issues_secret else ""))
    state = LiveState({listing.name: rows})
    return [live_id for live_id in kind.find_created(state, change.body) if live_id not in known]


def adopt(change: Change, found: list[str], on_created, note) -> CreateResult:
    if len(found) > 1:
        raise CreateFailed(f"the answer to its create was lost and {len(found)} new {change.kind}s "
                           f"named {change.name!r} are live ({', '.join(found)}); delete all but one")
    result = CreateResult(live_id=found[0])
    on_created(result)
    note(f"{change.address}: the answer to its create was lost; the {change.kind} had been created "
         f"({short(found[0])}) and was adopted")
    return result


def delete_secretless(kind: ResourceKind, client, change: Change, live_id: str) -> None:
    try:
        kind.delete(client, live_id)
    except NotFoundError:
        return
    except ApiError as exc:
        raise CreateFailed(f"the answer to its create was lost, and the {kind.kind} it created "
                           f"({live_id}) has no saved secret; deleting it failed ({exc}): "
                           "delete it by hand, then run apply again") from None


def short(live_id: str) -> str:
    return live_id[:8] + "…" if len(live_id) > 12 else live_id
