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


class GuardrailNames:
    """How the planner names live guardrails in assignments: by the declared name of the entry
    that matches one, else by its live name (so two guardrails can share a name)."""

    def __init__(self, scenario: Scenario) -> None:
        seed = scenario.seed
        matches = Matches(scenario.config.get("guardrails", []), by_id(seed["guardrails"]), "id")
        declared = {}
        for entry in matches.entries:
            if matches.match(entry) is not None:
                declared[matches.match(entry)["id"]] = entry["name"]
        self.shown = {g["id"]: declared.get(g["id"], g["name"]) for g in seed["guardrails"]}
        self.declared_id = {e["name"]: (matches.match(e) or {}).get("id") for e in matches.entries}
        self.under = {row["key"]: row["guardrail"] for row in seed["key_assignments"]}
        self.under.update({row["member"]: row["guardrail"] for row in seed["member_assignments"]})

    def ambiguous(self, guardrail_id: str) -> bool:
        return sum(1 for name in self.shown.values() if name == self.shown[guardrail_id]) > 1


def assignment_matched_by_name(scenario: Scenario) -> bool:
    """A declared key or member sits under a live guardrail that is not the declared one but has
    its name (a same-named undeclared guardrail, or one renamed onto it). Assignments compare
    guardrail *names*, so the plan sees no change and the object stays under the wrong guardrail
    (with prune, that guardrail is deleted and the next plan shows the assignment)."""
    names, keys = GuardrailNames(scenario), _key_matches(scenario)
    targets = [((keys.match(e) or {}).get("hash"), e) for e in keys.entries if e.get("state") != "absent"]
    targets += [(_member_id(scenario.seed, e), e) for e in scenario.config.get("members", [])]
    for target, entry in targets:
        wanted, current = entry.get("guardrail"), names.under.get(target)
        if wanted and current and current != names.declared_id.get(wanted) and names.shown[current] == wanted:
            return True
    return False


def replacement_inherits_by_name(scenario: Scenario) -> bool:
    """A replaced key that leaves `guardrail` unmanaged inherits the old key's guardrail, looked
    up by name: when two live guardrails have that name, the assignment is "not attempted"
    (apply exits 1) and the new key ends up under no guardrail, which no later plan notices."""
    names, keys = GuardrailNames(scenario), _key_matches(scenario)
    for entry in keys.entries:
        live = keys.match(entry)
        if entry.get("state") == "absent" or live is None or "guardrail" in entry or not _replaced(entry, live):
            continue
        current = names.under.get(live["hash"])
        if current and names.ambiguous(current):
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
    "replacement_inherits_by_name": replacement_inherits_by_name,
}
