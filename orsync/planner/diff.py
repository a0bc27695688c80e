"""Desired vs live, per kind, giving the Changes of a Plan.

Generic over kinds: identity by name (or a pin), field comparison on normalised values, and
the kind's own word on which fields force a replacement and what an assignment is called.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from orsync.collector import collector_paused
from orsync.errors import OrsyncError
from orsync.planner.live import LiveState, read_live_state
from orsync.planner.plan import Change, Plan, Unmanaged
from orsync.planner.resolve import Resolution
from orsync.resources import KINDS
from orsync.resources.base import Desired, LiveObject, ResourceKind

# Apply order: what others refer to first, what destroys last.
_RANK = {("guardrail", "create"): 0, ("guardrail", "update"): 0, ("key", "create"): 1,
         ("key", "replace"): 1, ("key", "update"): 1, ("key", "delete"): 4, ("guardrail", "delete"): 5}
_ASSIGNMENT_RANK = {"assign": 2, "unassign": 3}


def build_plan(loaded, client, *, base_url: str = "", catalog_checks: bool = False) -> Plan:
    """Read the live org through the client and compare it with the loaded config."""
    return read_and_plan(loaded, client, base_url=base_url, catalog_checks=catalog_checks)[0]


def read_and_plan(loaded, client, *, base_url: str = "", catalog_checks: bool = False) -> tuple[Plan, LiveState]:
    """The plan and the live state it was computed from (apply needs both).

    With catalog_checks, unknown models and providers stop the plan (the catalogs are read
    while the org is: nothing here writes).
    """
    warnings, state = _read_with_catalog(loaded, client) if catalog_checks else ([], read_live_state(client))
    plan = plan_from_state(loaded, state, base_url=base_url)
    return (replace(plan, warnings=plan.warnings + tuple(warnings)) if warnings else plan), state


def _read_with_catalog(loaded, client) -> tuple[list[str], LiveState]:
    """The catalog checks' warnings and the live state, read at the same time; an unknown
    model or provider is the error that counts, even when reading the org failed too."""
    from orsync.catalog_check import check_catalog

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="orsync-catalog") as pool:
        checked = pool.submit(check_catalog, loaded, client)
        try:
            state = read_live_state(client)
        except OrsyncError:
            checked.result()
            raise
        return checked.result(), state


def plan_from_state(loaded, state: LiveState, *, base_url: str = "") -> Plan:
    with collector_paused():
        return _plan(loaded, state, base_url)


def _plan(loaded, state: LiveState, base_url: str) -> Plan:
    config = loaded.model
    resolution = Resolution(state=state, config_source=loaded)
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for kind in KINDS:
        kind_changes, kind_unmanaged = diff_kind(kind, config, resolution)
        changes.extend(kind_changes)
        unmanaged.extend(kind_unmanaged)
    changes.sort(key=lambda change: _RANK.get((change.kind, change.action), _ASSIGNMENT_RANK.get(change.action, 6)))
    return Plan(changes=tuple(changes), unmanaged=tuple(unmanaged), warnings=tuple(resolution.warnings + _warnings(state, changes)),
                config_path=str(loaded.path), config_sha256=loaded.sha256, base_url=base_url,
                protect=tuple(config.policy.protect), max_deletes=config.policy.max_deletes)


def diff_kind(kind: ResourceKind, config, resolution: Resolution) -> tuple[list[Change], list[Unmanaged]]:
    desired = kind.desired(config, resolution)
    live = kind.live(resolution.state, resolution)
    by_id = {obj.id: obj for obj in live}
    pinned = {want.pin for want in desired if want.pin}
    by_name: dict[str, list[LiveObject]] = defaultdict(list)
    for obj in live:
        if obj.id not in pinned:
            by_name[obj.name].append(obj)
    changes, claimed = [], set()
    for want in desired:
        match = _match(kind, want, by_id, by_name, resolution)
        address = kind.address(want.name)
        resolution.live_ids[address] = match.id if match else None
        if match:
            claimed.add(match.id)
        change = _change_for(kind, want, match, resolution)
        if change:
            changes.append(change)
    for name, obj, reason in resolution.leftovers:
        claimed.add(obj.id)
        changes.append(_delete(kind, name, obj, reason=reason))
    resolution.leftovers.clear()
    prune = config.policy.prune and kind.prunable
    unmanaged = []
    for obj in live:
        # Only kinds that can be pruned have "unmanaged" objects; an undeclared assignment
        # belongs to its key or member and is simply not this file's business.
        if obj.id in claimed or not kind.prunable:
            continue
        if prune:
            changes.append(_delete(kind, obj.name, obj, reason="not declared and policy.prune is true"))
        else:
            unmanaged.append(Unmanaged(address=kind.address(obj.name), live_id=obj.id))
    return changes, unmanaged


def _match(kind, want: Desired, by_id, by_name, resolution) -> LiveObject | None:
    if want.pin:
        match = by_id.get(want.pin)
        if match is None and want.present and hasattr(kind, "id_attribute"):
            raise resolution.error_at(want.source + (kind.id_attribute,),
                                      f"no live {kind.kind} has {kind.id_attribute} {want.pin}")
        return match
    candidates = by_name.get(want.name, [])
    if len(candidates) > 1:
        candidates = _finished_replacement(kind, want, candidates, resolution)
    if len(candidates) > 1:
        ids = ", ".join(obj.id for obj in candidates)
        raise resolution.error_at(want.source + ("name",),
                                  f"{len(candidates)} live {kind.kind}s are named {want.name!r} ({ids}); "
                                  f"pin one with `{kind.id_attribute}:` or rename the others")
    return candidates[0] if candidates else None


def _finished_replacement(kind, want: Desired, candidates: list[LiveObject], resolution) -> list[LiveObject]:
    """Among live namesakes, the one a replacement made, when its old key was never deleted.

    A replacement creates the new key before deleting the old one; if that delete failed, two
    keys share the name. Exactly one of them has the declared replace-forcing values: that one
    is the entry, and the others are the old keys the approved replacement was to delete, so
    the plan deletes them now (a visible delete, subject to protect and max_deletes).
    """
    forcing = kind.replace_fields & want.fields.keys()
    if not forcing:
        return candidates
    finished = [obj for obj in candidates if all(obj.fields.get(name) == want.fields[name] for name in forcing)]
    if len(finished) != 1:
        return candidates
    fields = "/".join(sorted(forcing))
    resolution.leftovers.extend(
        (f"{want.name}#{obj.id[:8]}", obj, f"same name, older {fields}: left by an interrupted replacement")
        for obj in candidates if obj is not finished[0])
    return finished


def _change_for(kind, want: Desired, match: LiveObject | None, resolution) -> Change | None:
    address = kind.address(want.name)
    if not want.present:
        if match is None:
            return None
        resolution.deleted.add(address)
        return _delete(kind, want.name, match, reason="state: absent")
    if match is None:
        resolution.created.add(address)
        _refuse_uncreatable(kind, want, want.fields, resolution)
        return _change(kind, want, None, kind.verbs["create"], resolution, body_fields=want.fields)
    changed = changed_fields(want.fields, match.fields)
    if not changed:
        return None
    forcing = sorted(set(changed) & kind.replace_fields)
    if forcing:
        if want.pin:
            # The pin names one key for good; its replacement would have another hash.
            raise resolution.error_at(want.source + (forcing[0],),
                                      f"changing {forcing[0]} replaces the {kind.kind}, whose new "
                                      f"{kind.id_attribute} the `{kind.id_attribute}:` pin cannot follow; "
                                      f"remove the pin to allow the replacement")
        resolution.replaced.add(address)
        body = {**{name: value for name, value in match.fields.items() if value is not None}, **want.fields}
        _refuse_uncreatable(kind, want, body, resolution)
        reasons = tuple(f"{name} forces replacement" for name in forcing)
        return _change(kind, want, match, "replace", resolution, body_fields=body, reasons=reasons)
    action = kind.classify(want.fields)
    return _change(kind, want, match, action, resolution,
                   body_fields={name: want.fields[name] for name in changed})


def _refuse_uncreatable(kind, want: Desired, body: dict[str, Any], resolution) -> None:
    """Stop at plan time what the API would refuse on every run (e.g. a key already expired)."""
    problem = kind.creation_problem(body)
    if problem:
        field, message = problem
        raise resolution.error_at(want.source + (field,), message)


def changed_fields(wanted: dict[str, Any], live: dict[str, Any]) -> list[str]:
    """Managed fields whose values differ; lists compare as sets (DeepDiff ignore_order)."""
    if {name: live.get(name) for name in wanted} == wanted:
        return []
    return sorted(name for name, value in wanted.items() if not same_value(value, live.get(name)))


def same_value(wanted: Any, live: Any) -> bool:
    """Equal, or equal as sets; DeepDiff (about 1 ms a call, and 0.4 s to import: it loads
    numpy) only for lists of unhashable items and for mappings."""
    if wanted == live:
        return True
    if isinstance(wanted, list) and isinstance(live, list):
        try:
            return set(wanted) == set(live)
        except TypeError:
            pass
    if isinstance(wanted, (list, dict)) and isinstance(live, (list, dict)):
        from deepdiff import DeepDiff

        return not DeepDiff(live, wanted, ignore_order=True)
    return False


def _change(kind, want: Desired, match: LiveObject | None, action: str, resolution, *,
            body_fields: dict[str, Any], reasons: tuple[str, ...] = ()) -> Change:
    before = {name: match.fields.get(name) for name in want.fields} if match else None
    body = kind.request_body(resolution, want.fields, match, dict(body_fields))
    secret = kind.issues_secret and action in ("create", "replace")
    if secret:
        reasons += ("a new secret will be issued",)
    return Change(address=kind.address(want.name), kind=kind.kind, type=kind.type_name, action=action,
                  name=want.name, live_id=match.id if match else None, before=before,
                  after=dict(want.fields), body=body, reasons=reasons,
                  fingerprint=match.fingerprint if match else None, refs=dict(want.refs), secret=secret,
                  live_name=match.name if match else None)


def _delete(kind, name: str, obj: LiveObject, *, reason: str) -> Change:
    return Change(address=kind.address(name), kind=kind.kind, type=kind.type_name, action="delete",
                  name=name, live_id=obj.id, before=dict(obj.fields), after=None, body={},
                  reasons=(reason,), fingerprint=obj.fingerprint, live_name=obj.name)


def _warnings(state: LiveState, changes: list[Change]) -> list[str]:
    if not state.keys and not state.guardrails and changes:
        return ["the live org has no keys and no guardrails: every declared object will be created; "
                "check the management key and base URL if that is unexpected"]
    return []
