"""Desired vs live, per kind, giving the Changes of a Plan.

Generic over kinds: identity by name (or a pin), field comparison on normalised values, and
the kind's own word on which fields force a replacement and what an assignment is called.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from orsync.collector import collector_paused
from orsync.planner.live import LiveState
from orsync.planner.namesakes import duplicate_name_problem, namesakes_message, proven_namesakes
from orsync.planner.plan import Change, Plan, Unmanaged
from orsync.planner.resolve import Resolution
from orsync.resources import KINDS, KINDS_BY_NAME, LISTINGS
from orsync.resources.base import Desired, LiveObject, ResourceKind
from orsync.resources.prepared import Prepared, use_prepared
from orsync.resources.prepared import prepare_desired as prepare_config_half


def prepare_desired(loaded) -> Prepared:
    """The half of a plan that needs only the file (orsync.resources.prepared): computed while
    the org is read, and handed to plan_from_state as `prepared`."""
    with collector_paused():
        return prepare_config_half(loaded.model)


def plan_from_state(loaded, state: LiveState, *, base_url: str = "", model_slugs=None,
                    proven_leftovers=None, prepared: Prepared | None = None) -> Plan:
    """`model_slugs` (orsync.planner.slugs) maps model ids to canonical slugs; None: as written.
    `proven_leftovers`: live id -> namesakes.Proof, objects this tool can prove it left behind.
    `prepared`: prepare_desired(loaded), if it was computed already (the plan is the same)."""
    with collector_paused():
        return _plan(loaded, state, base_url, model_slugs, proven_leftovers or {}, prepared)


def _plan(loaded, state: LiveState, base_url: str, model_slugs=None, proven_leftovers=None,
          prepared: Prepared | None = None) -> Plan:
    config = loaded.model
    resolution = Resolution(state=state, config_source=loaded, model_slugs=model_slugs,
                            proven_leftovers=proven_leftovers or {})
    use_prepared(resolution, prepared)
    changes: list[Change] = []
    unmanaged: list[Unmanaged] = []
    for kind in KINDS:
        kind_changes, kind_unmanaged = diff_kind(kind, config, resolution)
        changes.extend(kind_changes)
        unmanaged.extend(kind_unmanaged)
    for kind in KINDS:
        kind.check_plan(changes, resolution)
    changes.sort(key=apply_step)
    return Plan(changes=tuple(changes), unmanaged=tuple(unmanaged), warnings=tuple(resolution.warnings + _warnings(state, changes)),
                config_path=str(loaded.path), config_sha256=loaded.sha256, base_url=base_url,
                protect=tuple(config.policy.protect), max_deletes=config.policy.max_deletes)


def apply_step(change: Change) -> int:
    """Where the change falls in apply order, as its kind declares (orsync.resources.steps)."""
    return KINDS_BY_NAME[change.kind].step(change.action, change.body, change.before)


def diff_kind(kind: ResourceKind, config, resolution: Resolution) -> tuple[list[Change], list[Unmanaged]]:
    desired = kind.desired(config, resolution)
    live = kind.live(resolution.state, resolution)
    matches, pinned = _matches(kind, desired, live, resolution)
    _refuse_live_namesakes(kind, resolution)
    claimed = {match.id for match in matches if match} | pinned
    if kind.scope_field:
        desired = _moved_by_hand(kind, desired, matches, live, claimed, resolution)
    changes = []
    live_ids, address = resolution.live_ids, kind.address
    for want, match in zip(desired, matches):
        want_address = address(want.name)
        live_ids[want_address] = match.id if match else None
        if match is not None and want.present and want.fields.items() <= match.fields.items():
            continue   # in sync, the usual case: decided without building anything
        change = _change_for(kind, want, match, resolution, want_address)
        if change:
            changes.append(change)
    for name, obj, reason in resolution.leftovers:
        claimed.add(obj.id)
        changes.append(_delete(kind, name, obj, reason=reason))
    resolution.leftovers.clear()
    unmanaged = []
    for obj in live:
        if obj.id in claimed:
            continue
        reason = kind.undeclared(obj, config, resolution)
        if reason:
            changes.append(_delete(kind, obj.name, obj, reason=reason))
        elif kind.prunable:
            # Only kinds that can be pruned have "unmanaged" objects; an undeclared assignment
            # belongs to its key or member and is simply not this file's business.
            unmanaged.append(Unmanaged(address=kind.address(obj.name), live_id=obj.id))
    _refuse_duplicate_names(kind, desired, matches, live, changes, resolution)
    return changes, unmanaged


def _matches(kind, desired: list[Desired], live: list[LiveObject],
             resolution) -> tuple[list[LiveObject | None], set[str]]:
    """The live object each entry is (None: none yet), and the ids entries pin."""
    pinned = {want.pin for want in desired if want.pin}
    by_name: dict[str, list[LiveObject]] = defaultdict(list)
    for obj in live:
        if obj.id not in pinned:
            by_name[obj.name].append(obj)
    if pinned or resolution.proven_leftovers:
        by_id = {obj.id: obj for obj in live}
        return [_match(kind, want, by_id, by_name, resolution) for want in desired], pinned
    # No pin and no proof to weigh, the usual case: one lookup per entry; namesakes alone are
    # weighed (proven_namesakes, as _match does).
    matches: list[LiveObject | None] = []
    for want in desired:
        candidates = by_name.get(want.name)
        if candidates is not None and len(candidates) > 1:
            candidates = proven_namesakes(want, candidates, resolution)
            if len(candidates) > 1:
                resolution.namesakes.append((want, candidates))   # every one is reported, see below
                candidates = None
        matches.append(candidates[0] if candidates else None)
    return matches, pinned


def _refuse_live_namesakes(kind, resolution) -> None:
    """Entries whose name several live objects hold: one error, located at the first, naming all."""
    found, resolution.namesakes = resolution.namesakes, []
    if found:
        want = found[0][0]
        raise resolution.error_at(want.source + ("name",), namesakes_message(kind, found))


def _refuse_duplicate_names(kind, desired: list[Desired], matches: list[LiveObject | None],
                            live: list[LiveObject], changes: list[Change], resolution) -> None:
    if not any(want.pin and want.present for want in desired):
        return   # only a pinned entry can rename its object onto a name another holds
    matched = {want.name: match for want, match in zip(desired, matches) if match}
    deleted = {change.live_id for change in changes if change.action == "delete"}
    problem = duplicate_name_problem(kind, desired, matched, live, deleted)
    if problem:
        want, message = problem
        raise resolution.error_at(want.source + ("name",), message)


def _moved_by_hand(kind, desired: list[Desired], matches: list[LiveObject | None], live: list[LiveObject],
                   claimed: set[str], resolution) -> list[Desired]:
    """Entries missing from their workspace whose name is found, unclaimed, in exactly one
    other, of a kind that can move: moved there by hand. They match that object, and their workspace becomes managed so
    the plan moves them back; they are never created a second time (DESIGN invariant 9). A
    pinned entry's object found in another workspace is moved back the same way."""
    found = _found_elsewhere(desired, matches, live, claimed)
    # An object that two entries could each be is neither's: which one was moved is not guessed at.
    wanted_by = Counter(obj.id for elsewhere in found for obj in elsewhere)
    result = []
    for index, want in enumerate(desired):
        elsewhere, pinned = found[index], matches[index]
        if pinned is not None and want.pin and want.present and pinned.scope != want.scope:
            want = kind.moved(want, pinned, resolution)
        elif len(elsewhere) == 1 and wanted_by[elsewhere[0].id] == 1 and _movable(kind):
            matches[index] = elsewhere[0]
            claimed.add(elsewhere[0].id)
            want = kind.moved(want, elsewhere[0], resolution)
        elif elsewhere:
            resolution.warnings.append(_not_guessed(kind, want, elsewhere))
        result.append(want)
    return result


def _found_elsewhere(desired: list[Desired], matches: list[LiveObject | None], live: list[LiveObject],
                     claimed: set[str]) -> list[list[LiveObject]]:
    """For each unpinned entry missing from its workspace, the unclaimed live objects of its
    name in other workspaces."""
    by_local: dict[str, list[LiveObject]] = defaultdict(list)
    for obj in live:
        if obj.id not in claimed:
            by_local[obj.local or obj.name].append(obj)
    return [[obj for obj in by_local.get(want.local or want.name, []) if obj.scope != want.scope]
            if match is None and want.present and not want.pin else []
            for want, match in zip(desired, matches)]


def _movable(kind) -> bool:
    """Only an object whose workspace the API lets change can have been moved by hand; taking a
    fixed-workspace namesake elsewhere for the entry would replace, so delete, an object the
    file never named (DESIGN invariant 7)."""
    return kind.scope_field not in kind.replace_fields


def _not_guessed(kind, want: Desired, elsewhere: list[LiveObject]) -> str:
    """The entry is created (ADR 0004); the warning names the candidates, so that a reviewer can
    pin the one that is this entry (a kind whose workspace is fixed cannot be moved back)."""
    listed = ", ".join(f"{obj.name} ({obj.id})" for obj in elsewhere)
    hint = (f"pin it with `{getattr(kind, 'id_attribute', 'id')}:` to move it back instead" if _movable(kind)
            else "it stays where it is: declare it there with `state: absent` to delete it")
    return (f"{kind.address(want.name)} is created, though {kind.plural} of that name live in other "
            f"workspaces: {listed}; if one of them is this entry, {hint}")


def _match(kind, want: Desired, by_id, by_name, resolution) -> LiveObject | None:
    if want.pin:
        match = by_id.get(want.pin)
        if match is None and want.present and hasattr(kind, "id_attribute"):
            raise resolution.error_at(want.source + (kind.id_attribute,),
                                      f"no live {kind.kind} has {kind.id_attribute} {want.pin}")
        return match
    candidates = by_name.get(want.name, [])
    if resolution.proven_leftovers or len(candidates) > 1:   # else there is nothing to weigh
        candidates = proven_namesakes(want, candidates, resolution)
    if len(candidates) > 1:
        resolution.namesakes.append((want, candidates))   # every one is reported, see below
        return None
    return candidates[0] if candidates else None


def _change_for(kind, want: Desired, match: LiveObject | None, resolution, address: str) -> Change | None:
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
    problem = kind.update_problem(match.fields, want.fields)
    if problem:
        raise resolution.error_at(want.source + (problem[0],), problem[1])
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
    if wanted.items() <= live.items():   # the usual case, in one C-level pass
        return []
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
    reasons += kind.change_details(before, want.fields)
    body = kind.request_body(resolution, want.fields, match, dict(body_fields), name=want.name)
    secret = kind.issues_secret and action in ("create", "replace")
    if secret:
        reasons += ("a new secret will be issued",)
    return Change(address=kind.address(want.name), kind=kind.kind, type=kind.type_name, action=action,
                  name=want.name, live_id=match.id if match else None, before=before,
                  after=dict(want.fields), body=body, reasons=reasons,
                  fingerprint=match.fingerprint if match else None, refs=dict(want.refs), secret=secret,
                  live_name=match.name if match else None)


def _delete(kind, name: str, obj: LiveObject, *, reason: str) -> Change:
    return Change(address=kind.address(name), kind=kind.kind, type=kind.type_name, action=kind.verbs["delete"],
                  name=name, live_id=obj.id, before=dict(obj.fields), after=None, body=kind.delete_body(obj),
                  reasons=(reason,), fingerprint=obj.fingerprint, live_name=obj.name)


def _warnings(state: LiveState, changes: list[Change]) -> list[str]:
    """An org with nothing a file could have created is more often the wrong org than a new one."""
    # Scopes (workspaces) do not count: every org has one, the right org or not.
    scopes = {listing.name for listing in LISTINGS if listing.scope}
    holders = [kind for kind in KINDS if kind.created_in and kind.created_in not in scopes]
    if changes and not state.holds_any([kind.created_in for kind in holders]):
        nouns = " and no ".join(kind.plural for kind in holders)
        return [f"the live org has no {nouns}: every declared object will be created; "
                "check the management key and base URL if that is unexpected"]
    return []
