"""Classes of generated scenarios that deserve a name: the ones the planner must refuse, and
tricky ones worth counting (each once a bug these suites found; see test_findings.py).

- REFUSED: files that cannot converge by design, so the plan must refuse them before any write
  with a one-line error located in the file (invariant 5 at plan time).
- TRICKY: cases that must converge like any other; counted in the figures to show that the
  generators reach them.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone

from .oracle import Matches, by_id, same
from .strategies import Scenario

REPLACE_FIELDS = ("expires_at", "creator_user_id")


def _key_matches(scenario: Scenario) -> Matches:
    live = {row["hash"]: {**row, "guardrail_id": None} for row in scenario.seed["keys"]}
    return Matches(scenario.config.get("keys", []), live, "hash")


def _replaced(entry: dict, live: dict) -> bool:
    return any(name in entry and not same(name, entry[name], live.get(name)) for name in REPLACE_FIELDS)


def _present_matches(scenario: Scenario):
    """(entry, live key before apply) of every present key entry that matches a live key."""
    keys = _key_matches(scenario)
    for entry in keys.entries:
        live = keys.match(entry)
        if entry.get("state") != "absent" and live is not None:
            yield entry, live


def pinned_key_replaced(scenario: Scenario) -> bool:
    """A key pinned by `hash:` whose change forces a replacement: the new key would have another
    hash, so the file could never match again (was: apply replaced it, then every plan failed)."""
    return any("hash" in entry and _replaced(entry, live) for entry, live in _present_matches(scenario))


def pinned_rename_onto_a_live_name(scenario: Scenario) -> bool:
    """A key pinned by `hash:` (a guardrail by `id:`) renamed to a name another live object of
    its kind keeps after the plan (not deleted by it, not renamed away): two live objects of one
    name (issue 13, class 5)."""
    sections = ((_key_matches(scenario), "hash"),
                (Matches(scenario.config.get("guardrails", []), by_id(scenario.seed["guardrails"]), "id"), "id"))
    return any(_renamed_onto_a_kept_name(matches, id_field, scenario) for matches, id_field in sections)


def _renamed_onto_a_kept_name(matches: Matches, id_field: str, scenario: Scenario) -> bool:
    prune = bool(scenario.config.get("policy", {}).get("prune"))
    matched = {live[id_field]: entry for entry in matches.entries for live in [matches.match(entry)] if live is not None}
    final = {}
    for live_id, live in matches.live.items():
        entry = matched.get(live_id)
        if entry is None:
            if not prune:
                final[live_id] = (live.get("workspace"), live["name"])
        elif entry.get("state") != "absent":
            final[live_id] = (entry.get("workspace", live.get("workspace")), entry["name"])
    for live_id, entry in matched.items():
        live = matches.live[live_id]
        if id_field in entry and entry.get("state") != "absent" and entry["name"] != live["name"]:
            if any(other != live_id and held == final[live_id] for other, held in final.items()):
                return True
    return False


def expired_key_replaced(scenario: Scenario) -> bool:
    """Replacing a key whose expiry (carried over, or declared unchanged) is in the past: the API
    creates no expired key (was: POST /keys refused on every run)."""
    now = datetime.now(timezone.utc)
    for entry, live in _present_matches(scenario):
        expires = entry.get("expires_at", live.get("expires_at"))
        if _replaced(entry, live) and expires and datetime.fromisoformat(expires.replace("Z", "+00:00")) <= now:
            return True
    return False


class GuardrailNames:
    """The names a file gives live guardrails: the declared name of the entry matching one,
    else its live name (so two guardrails can share one)."""

    def __init__(self, scenario: Scenario) -> None:
        seed = scenario.seed
        matches = Matches(scenario.config.get("guardrails", []), by_id(seed["guardrails"]), "id")
        declared = {matches.match(e)["id"]: e["name"] for e in matches.entries if matches.match(e)}
        self.shown = {g["id"]: declared.get(g["id"], g["name"]) for g in seed["guardrails"]}
        self.declared_id = {e["name"]: (matches.match(e) or {}).get("id") for e in matches.entries}
        self.under = {row["key"]: row["guardrail"] for row in seed["key_assignments"]}
        self.under.update({row["member"]: row["guardrail"] for row in seed["member_assignments"]})

    def ambiguous(self, guardrail_id: str) -> bool:
        return sum(1 for name in self.shown.values() if name == self.shown[guardrail_id]) > 1


def assignment_matched_by_name(scenario: Scenario) -> bool:
    """A declared key or member sits under a live guardrail that is not the declared one but has
    its name (was: assignments compared names, so it stayed under the wrong one, silently)."""
    names = GuardrailNames(scenario)
    targets = [(live["hash"], entry) for entry, live in _present_matches(scenario)]
    targets += [(member_id(scenario.seed, e), e) for e in scenario.config.get("members", [])]
    for target, entry in targets:
        wanted, current = entry.get("guardrail"), names.under.get(target)
        if wanted and current and current != names.declared_id.get(wanted) and names.shown[current] == wanted:
            return True
    return False


def replacement_inherits_by_name(scenario: Scenario) -> bool:
    """A replaced key that leaves `guardrail` unmanaged, under a guardrail whose name another
    live guardrail shares (was: the inherited assignment was looked up by name and skipped)."""
    names = GuardrailNames(scenario)
    return any("guardrail" not in entry and _replaced(entry, live) and names.under.get(live["hash"])
               and names.ambiguous(names.under[live["hash"]]) for entry, live in _present_matches(scenario))


def declared_hidden_key(scenario: Scenario) -> bool:
    """A declared key that GET /keys hides by default (disabled or expired)."""
    now = datetime.now(timezone.utc)
    return any(live.get("disabled") or (live.get("expires_at") and datetime.fromisoformat(
        live["expires_at"].replace("Z", "+00:00")) <= now) for _, live in _present_matches(scenario))


def renamed_by_pin(scenario: Scenario) -> bool:
    keys = [(e, live) for e, live in _present_matches(scenario) if "hash" in e]
    return any(entry["name"] != live["name"] for entry, live in keys)


def member_id(seed: dict, entry: dict) -> str:
    if "id" in entry:
        return entry["id"]
    return next(m["id"] for m in seed["members"] if m["email"].lower() == entry["email"].lower())


Predicate = Callable[[Scenario], bool]
REFUSED: dict[str, Predicate] = {
    "pinned_key_replaced": pinned_key_replaced,
    "expired_key_replaced": expired_key_replaced,
    "pinned_rename_onto_a_live_name": pinned_rename_onto_a_live_name,
}
TRICKY: dict[str, Predicate] = {
    "assignment_matched_by_name": assignment_matched_by_name,
    "replacement_inherits_by_name": replacement_inherits_by_name,
    "declared_hidden_key": declared_hidden_key,
    "renamed_by_pin": renamed_by_pin,
    "prune": lambda scenario: bool(scenario.config.get("policy", {}).get("prune")),
}


def refusal_expected(scenario: Scenario) -> str | None:
    """Why the plan must refuse this file before any write, or None when it must converge."""
    return next((name for name, predicate in REFUSED.items() if predicate(scenario)), None)


def tricky_classes(scenario: Scenario) -> list[str]:
    return [name for name, predicate in TRICKY.items() if predicate(scenario)]
