"""What the planner holds while it diffs a large org, and the fingerprints it computes on demand.

At 100,000 keys the peak of a plan is the diff of keys and key assignments: every desired and
live object alive at once. A live object keeps its fields once (its fingerprint is computed from
them when a change needs it), and assignment objects under one guardrail share their dicts.
"""

from __future__ import annotations

import gc
import tracemalloc

from live_factories import config, guardrail, key, key_assignment, live
from orsync.planner.diff import plan_from_state

KEYS = 3000
GUARDRAILS = 300


def _org(limit_of=lambda index: float(index % 7)):
    guardrails = [guardrail(f"g{index:04d}") for index in range(GUARDRAILS)]
    keys = [key(f"k{index:05d}", limit=limit_of(index), limit_reset="daily") for index in range(KEYS)]
    assignments = [key_assignment(obj, guardrails[index % GUARDRAILS]) for index, obj in enumerate(keys)]
    state = live(keys=keys, guardrails=guardrails, key_assignments=assignments)
    loaded = config(guardrails=[{"name": obj.name} for obj in guardrails],
                    keys=[{"name": obj.name, "limit": float(index % 7), "limit_reset": "daily",
                           "guardrail": guardrails[index % GUARDRAILS].name} for index, obj in enumerate(keys)])
    return loaded, state


def test_a_plan_of_an_org_in_sync_holds_little_more_than_its_objects_fields():
    loaded, state = _org()
    plan_from_state(loaded, state)          # warm up: imports, class-level caches
    gc.collect()
    tracemalloc.start()
    try:
        start = tracemalloc.get_traced_memory()[0]
        plan = plan_from_state(loaded, state)
        peak = tracemalloc.get_traced_memory()[1] - start
    finally:
        tracemalloc.stop()
    assert plan.changes == ()
    # Measured: 1,940 bytes a key with a second dict per live object for its fingerprint, a
    # dict per assignment object and an empty refs dict per object; 1,190 without them.
    assert peak / KEYS < 1_500, f"{peak / KEYS:.0f} bytes a key at the planner's peak"


def test_fingerprints_follow_the_live_object_without_being_stored():
    loaded, state = _org(limit_of=lambda index: 100.0)       # every key's limit differs from the file
    first = {change.address: change.fingerprint for change in plan_from_state(loaded, state).changes}
    again = {change.address: change.fingerprint for change in plan_from_state(loaded, state).changes}
    assert len(first) == KEYS and first == again and all(first.values())
    assert len(set(first.values())) == KEYS                  # the id is covered: no two keys share one

    moved, _ = _org(limit_of=lambda index: 100.0)
    _, touched = _org(limit_of=lambda index: 101.0 if index == 5 else 100.0)
    changed = {change.address: change.fingerprint for change in plan_from_state(moved, touched).changes}
    assert [address for address in first if changed[address] != first[address]] == ["key.k00005"]


def test_an_assignments_fingerprint_covers_its_guardrail():
    loaded, state = _org()
    rows = list(state.key_assignments)
    moved_row = rows[0].model_copy(update={"guardrail_id": state.guardrails[1].id})
    moved = live(keys=state.keys, guardrails=state.guardrails, key_assignments=[moved_row] + rows[1:])
    (change,) = plan_from_state(loaded, moved).changes
    assert change.address == "key_assignment.k00000" and change.fingerprint
    back = live(keys=state.keys, guardrails=state.guardrails,
                key_assignments=[rows[0].model_copy(update={"guardrail_id": state.guardrails[2].id})] + rows[1:])
    (other,) = plan_from_state(loaded, back).changes
    assert other.fingerprint != change.fingerprint           # under another guardrail: another state
