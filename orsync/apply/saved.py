"""A saved plan is applied only while it still describes the org: same file, same live objects.

The check re-plans from the same config file (after verifying its sha256) against a fresh read
of the live org, and compares the two plans address by address: the fingerprint of the live
object each change was computed from, and the change itself. Any difference means someone or
something changed the org (or the file) since the plan was reviewed.
"""

from __future__ import annotations

import json
from pathlib import Path

from orsync.errors import OrsyncError, SafetyError
from orsync.planner.plan import Change, Plan

MAX_NAMED = 10


def check_config_unchanged(saved: Plan, loaded) -> None:
    if loaded.sha256 != saved.config_sha256:
        raise SafetyError(f"{saved.config_path} changed since the plan was made (sha256 "
                          f"{saved.config_sha256[:12]}… in the plan, {loaded.sha256[:12]}… now); "
                          "run `orsync plan` again")


def config_path_of(saved: Plan, plan_file: str) -> str:
    """The config the plan was made from, as recorded (relative to where plan ran)."""
    if not saved.config_path:
        raise OrsyncError(f"{plan_file}: the plan does not record its config file")
    if not Path(saved.config_path).is_file():
        raise OrsyncError(f"{plan_file}: its config file {saved.config_path} is not found "
                          "(run apply from the directory plan ran in)")
    return saved.config_path


def check_target(saved: Plan, target: str) -> None:
    if saved.base_url and saved.base_url != target:
        raise SafetyError(f"the plan was made against {saved.base_url}, not {target}")


def check_not_stale(saved: Plan, fresh: Plan, saved_texts: dict[str, str] | None = None) -> None:
    moved = stale_addresses(saved, fresh, saved_texts)
    if moved:
        named = ", ".join(moved[:MAX_NAMED]) + (f" and {len(moved) - MAX_NAMED} more" if len(moved) > MAX_NAMED else "")
        raise SafetyError(f"the saved plan is stale: {len(moved)} object(s) changed since it was made: "
                          f"{named}; run `orsync plan` again")


def canonical_texts(saved: Plan) -> dict[str, str]:
    """The saved half of the comparison, by address: it needs nothing live, so apply computes
    it while the org is still being read (1,000 changes: 14 ms off the path to the first write)."""
    return {change.address: _canonical(change) for change in saved.changes}


def stale_addresses(saved: Plan, fresh: Plan, saved_texts: dict[str, str] | None = None) -> list[str]:
    """Each address whose change differs between the plans, with a word on how.
    `saved_texts`: canonical_texts(saved), when it was computed beforehand."""
    before = {change.address: change for change in saved.changes}
    after = {change.address: change for change in fresh.changes}
    moved = []
    for address in sorted(before.keys() | after.keys()):
        old, new = before.get(address), after.get(address)
        if old is None:
            moved.append(f"{address} (now needs {new.action})")
        elif new is None:
            moved.append(f"{address} (no longer needs {old.action})")
        elif old.fingerprint != new.fingerprint:
            moved.append(f"{address} (live object changed)")
        elif (saved_texts[address] if saved_texts is not None else _canonical(old)) != _canonical(new):
            moved.append(f"{address} ({old.action} planned, {new.action} now)")
    return moved


def _canonical(change: Change) -> str:
    # One pass: a JSON round trip before sorting gave the same text (every key is a string) at
    # three times the cost, on the path of every apply of a saved plan before its first write.
    return json.dumps(change.to_json(), default=str, sort_keys=True)
