"""Two applies of one file at once: the second is refused before its first write, when it can
see the first.

orsync keeps no lock and no state backend: two CI jobs on two machines share nothing but the
org. What the second run can do is look again, just before its first write, at the listings its
creates land in: if an object of a name it is about to create appeared since its plan was read,
someone (most often another apply of the same file) is creating it right now, and creating it
a second time would leave two objects of one name. The check costs one read of those listings
(only when the plan creates) and shrinks the race from the whole plan-and-confirm phase to the
moment between this read and the first POST. The rest of the window is documented, with a CI
concurrency group as the mitigation (docs/reliability.md, "Two applies at once").
"""

from __future__ import annotations

from orsync.errors import SafetyError
from orsync.planner.live import read_live_state
from orsync.planner.plan import Plan
from orsync.resources import KINDS_BY_NAME, LISTINGS


def check_no_concurrent_creates(plan: Plan, client, state) -> None:
    creates = [change for change in plan.changes if change.action == "create"
               and KINDS_BY_NAME[change.kind].created_in and hasattr(KINDS_BY_NAME[change.kind], "find_created")]
    if not creates:
        return
    wanted = {KINDS_BY_NAME[change.kind].created_in for change in creates}
    fresh = read_live_state(client, tuple(listing for listing in LISTINGS if listing.name in wanted or listing.scope))
    appeared = []
    for change in creates:
        kind = KINDS_BY_NAME[change.kind]
        new = set(kind.find_created(fresh, change.body)) - set(kind.find_created(state, change.body))
        if new:
            appeared.append(f"{change.address} ({', '.join(sorted(new))})")
    if appeared:
        raise SafetyError(f"not applying: {len(appeared)} object(s) this plan creates appeared since it was read: "
                          f"{'; '.join(appeared[:5])}{' ...' if len(appeared) > 5 else ''}; another apply of "
                          "this file is probably running. Nothing was written; run apply again once it "
                          "has finished (and serialise applies, e.g. a CI concurrency group)")
