"""Bugs the property suites found that are not fixed yet, as predicates over a scenario.

A generated scenario that hits one is counted (figures `known_issue.*`) and set aside with
`hypothesis.reject()`, so the suites keep guarding everything else meanwhile. Each has a
minimal regression test in test_findings.py, marked xfail(strict=True): the day the bug is
fixed, that test passes, strict xfail turns the pass into a failure, and the predicate here must
go (the generators never stopped producing these cases).
"""

from __future__ import annotations

from datetime import datetime, timezone

from .oracle import Matches, by_id, same
from .strategies import Scenario

REPLACE_FIELDS = ("expires_at", "creator_user_id")


def known_issue(scenario: Scenario) -> str | None:
    """The name of the open bug this scenario runs into, or None."""
    for name, predicate in KNOWN_ISSUES.items():
        if predicate(scenario):
            return name
    return None


def _key_matches(scenario: Scenario) -> Matches:
    live = {row["hash"]: {**row, "guardrail_id": None} for row in scenario.seed["keys"]}
    return Matches(scenario.config.get("keys", []), live, "hash")


def _replaced(entry: dict, live: dict) -> bool:
    return any(name in entry and not same(name, entry[name], live.get(name)) for name in REPLACE_FIELDS)


def pinned_key_replaced(scenario: Scenario) -> bool:
    """A key pinned by `hash:` whose change forces a replacement: apply replaces it, the new key
    has a new hash, and the next plan fails with "no live key has hash ..." (never converges)."""
    keys = _key_matches(scenario)
    return any("hash" in entry and entry.get("state") != "absent" and keys.match(entry) is not None
               and _replaced(entry, keys.match(entry)) for entry in keys.entries)


def expired_key_replaced(scenario: Scenario) -> bool:
    """Replacing a key whose expiry (carried over or declared unchanged) is in the past: every
    POST /keys is refused ("Expiration date must be in the future"), on every run."""
    keys = _key_matches(scenario)
    now = datetime.now(timezone.utc)
    for entry in keys.entries:
        live = keys.match(entry)
        if entry.get("state") == "absent" or live is None or not _replaced(entry, live):
            continue
        expires = entry.get("expires_at", live.get("expires_at"))
        if expires and datetime.fromisoformat(expires.replace("Z", "+00:00")) <= now:
            return True
    return False


def assignment_matched_by_name(scenario: Scenario) -> bool:
    """A declared key or member sits under a live guardrail that is not the declared one but has
    its name (a same-named undeclared guardrail, or one renamed onto it). Assignments compare
    guardrail *names*, so the plan sees no change and the object stays under the wrong guardrail
    (with prune, that guardrail is deleted and the next plan shows the assignment)."""
    seed, config = scenario.seed, scenario.config
    guardrails = Matches(config.get("guardrails", []), by_id(seed["guardrails"]), "id")
    declared_name = {}
    for entry in guardrails.entries:
        match = guardrails.match(entry)
        if match is not None:
            declared_name[match["id"]] = entry["name"]
    shown = {g["id"]: declared_name.get(g["id"], g["name"]) for g in seed["guardrails"]}
    declared_id = {entry["name"]: (guardrails.match(entry) or {}).get("id") for entry in guardrails.entries}
    under = {row["key"]: row["guardrail"] for row in seed["key_assignments"]}
    under.update({row["member"]: row["guardrail"] for row in seed["member_assignments"]})
    keys = _key_matches(scenario)
    targets = [((keys.match(e) or {}).get("hash"), e) for e in keys.entries if e.get("state") != "absent"]
    targets += [(_member_id(seed, e), e) for e in config.get("members", [])]
    for target, entry in targets:
        wanted, current = entry.get("guardrail"), under.get(target)
        if wanted and current and current != declared_id.get(wanted) and shown[current] == wanted:
            return True
    return False


def _member_id(seed: dict, entry: dict) -> str:
    if "id" in entry:
        return entry["id"]
    return next(m["id"] for m in seed["members"] if m["email"].lower() == entry["email"].lower())


KNOWN_ISSUES = {
    "pinned_key_replaced": pinned_key_replaced,
    "expired_key_replaced": expired_key_replaced,
    "assignment_matched_by_name": assignment_matched_by_name,
}
