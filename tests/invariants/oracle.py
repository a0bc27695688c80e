"""What the org must look like after apply, computed without orsync's planner.

Reads the emulator's raw state (`GET /_emulator/state`) before and after, and the file as plain
data. The properties of DESIGN.md that it checks:

- every declared entry has exactly one live object, with the declared values (convergence by an
  independent judge, not only "the planner sees no changes");
- no declared key has two live keys, and no key is left over (no duplicates, no orphans);
- undeclared objects, members and assignments of undeclared keys and members are byte-for-byte
  what they were, unless the file says otherwise (prune, or a guardrail it deletes);
- fields a declared entry leaves out keep their value (omitted = unmanaged).

Each failed check raises AssertionError naming the object and the values.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from orsync.emulator.catalog.entries import catalog_of

KEY_FIELDS = ("limit", "limit_reset", "include_byok_in_limit", "expires_at", "disabled", "creator_user_id")
GUARDRAIL_FIELDS = ("description", "limit_usd", "reset_interval", "allowed_models", "allowed_providers",
                    "ignored_providers", "ignored_models", "enforce_zdr", "include_byok_in_budgets")
SET_FIELDS = {"allowed_models", "allowed_providers", "ignored_providers", "ignored_models"}
MODEL_FIELDS = {"allowed_models", "ignored_models"}


def api_keys(state: dict) -> dict[str, dict]:
    return {key["hash"]: key for key in state["keys"] if not key["is_management"]}


def by_id(rows: list[dict], id_field: str = "id") -> dict[str, dict]:
    return {row[id_field]: row for row in rows}


def normal(name: str, value: Any) -> Any:
    """Values as the API means them: numbers as floats, times as UTC seconds, lists as sets,
    model ids as the canonical slugs the API stores (the emulator's catalog says which)."""
    if value is None:
        return None
    if name in MODEL_FIELDS:
        return sorted({catalog_of(None).canonical(model) for model in value})
    if name in SET_FIELDS:
        return sorted(set(value))
    if name in ("limit", "limit_usd"):
        return float(value)
    if name == "expires_at":
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return value


def same(name: str, wanted: Any, live: Any) -> bool:
    return normal(name, wanted) == normal(name, live)


@dataclass
class Matches:
    """Which live object (before apply) each entry of one section of the file designates."""

    entries: list[dict]
    live: dict[str, dict]
    id_field: str

    def match(self, entry: dict) -> dict | None:
        pinned = {e[self.id_field] for e in self.entries if self.id_field in e}
        if self.id_field in entry:
            return self.live.get(entry[self.id_field])
        same_name = [obj for obj in self.live.values()
                     if obj["name"] == entry["name"] and obj[self.id_field] not in pinned]
        assert len(same_name) <= 1, f"generator bug: {entry['name']!r} is ambiguous"
        return same_name[0] if same_name else None

    def declared_ids(self) -> set[str]:
        return {obj[self.id_field] for obj in map(self.match, self.entries) if obj is not None}

    def absent_ids(self) -> set[str]:
        return {obj[self.id_field] for entry in self.entries if entry.get("state") == "absent"
                for obj in [self.match(entry)] if obj is not None}


class Oracle:
    def __init__(self, config: dict, before: dict, after: dict) -> None:
        self.config, self.before, self.after = config, before, after
        self.prune = bool(config.get("policy", {}).get("prune"))
        self.keys = Matches(config.get("keys", []), api_keys(before), "hash")
        self.guardrails = Matches(config.get("guardrails", []), by_id(before["guardrails"]), "id")
        self.deleted_guardrails = self.guardrails.absent_ids() | (
            set(self.guardrails.live) - self.guardrails.declared_ids() if self.prune else set())

    def check(self) -> None:
        self.check_undeclared()
        self.check_members()
        final_keys = self.check_declared_keys()
        final_guardrails = self.check_declared_guardrails()
        self.check_key_assignments(final_keys, final_guardrails)
        self.check_member_assignments(final_guardrails)

    # --- undeclared objects ---------------------------------------------------------------

    def expected_guardrail(self, guardrail_id: str | None) -> str | None:
        """An assignment survives unless the file deletes its guardrail."""
        return None if guardrail_id in self.deleted_guardrails else guardrail_id

    def undeclared_keys(self) -> dict[str, dict]:
        return {h: k for h, k in self.keys.live.items() if h not in self.keys.declared_ids()}

    def check_undeclared(self) -> None:
        after_keys, after_guardrails = api_keys(self.after), by_id(self.after["guardrails"])
        for key_hash, key in self.undeclared_keys().items():
            if self.prune:
                assert key_hash not in after_keys, f"undeclared key {key['name']} survived prune"
                continue
            expected = {**key, "guardrail_id": self.expected_guardrail(key["guardrail_id"])}
            assert after_keys.get(key_hash) == expected, f"undeclared key {key['name']} ({key_hash[:8]}) changed"
        for guardrail_id, guardrail in self.guardrails.live.items():
            if guardrail_id in self.guardrails.declared_ids():
                continue
            if self.prune:
                assert guardrail_id not in after_guardrails, f"undeclared guardrail {guardrail['name']} survived prune"
            else:
                assert after_guardrails.get(guardrail_id) == guardrail, f"undeclared guardrail {guardrail['name']} changed"
        rows_after = by_id(self.after["key_assignments"], "key_hash")
        for row in self.before["key_assignments"]:
            if row["key_hash"] in self.undeclared_keys() and not self.prune:
                expected = row if self.expected_guardrail(row["guardrail_id"]) else None
                assert rows_after.get(row["key_hash"]) == expected, f"assignment of undeclared key {row['key_hash'][:8]} changed"

    def check_members(self) -> None:
        assert self.after["members"] == self.before["members"], "members changed"
        declared = {self.member_id(entry) for entry in self.config.get("members", []) if "guardrail" in entry}
        rows_after = by_id(self.after["member_assignments"], "user_id")
        for row in self.before["member_assignments"]:
            if row["user_id"] not in declared:
                expected = row if self.expected_guardrail(row["guardrail_id"]) else None
                assert rows_after.get(row["user_id"]) == expected, f"assignment of member {row['user_id']} changed"

    def member_id(self, entry: dict) -> str:
        if "id" in entry:
            return entry["id"]
        return next(m["id"] for m in self.before["members"] if m["email"].lower() == entry["email"].lower())

    # --- declared objects -----------------------------------------------------------------

    def check_no_duplicates(self) -> None:
        """At any point between runs: apply created at most one key per entry (a key whose
        create answer was lost and that apply deleted again does not count: it is gone)."""
        before = api_keys(self.before)
        created = [k["name"] for h, k in api_keys(self.after).items() if h not in before]
        for entry in self.keys.entries:
            assert created.count(entry["name"]) <= 1, (
                f"apply created {created.count(entry['name'])} live keys for entry {entry['name']!r}")

    def check_declared_keys(self) -> dict[str, dict]:
        """Exactly one live key per present entry, nothing else new; entry name -> its live key."""
        after_keys = api_keys(self.after)
        kept = set() if self.prune else set(self.undeclared_keys())
        declared_after = {h: k for h, k in after_keys.items() if h not in kept}
        present = [e for e in self.keys.entries if e.get("state") != "absent"]
        final = {}
        for entry in present:
            found = [k for k in declared_after.values() if k["name"] == entry["name"]]
            assert len(found) == 1, f"key entry {entry['name']!r} has {len(found)} live keys"
            final[entry["name"]] = found[0]
            self.check_fields("key", entry, found[0], self.keys.match(entry), KEY_FIELDS)
        assert len(declared_after) == len(present), (
            f"{len(declared_after) - len(present)} live key(s) belong to no entry: "
            f"{sorted(k['name'] for k in declared_after.values())}")
        for key_hash in self.keys.absent_ids():
            assert key_hash not in after_keys, f"key {key_hash[:8]} declared absent is still live"
        return final

    def check_declared_guardrails(self) -> dict[str, dict]:
        after = by_id(self.after["guardrails"])
        kept = set() if self.prune else set(self.guardrails.live) - self.guardrails.declared_ids()
        declared_after = {i: g for i, g in after.items() if i not in kept}
        present = [e for e in self.guardrails.entries if e.get("state") != "absent"]
        final = {}
        for entry in present:
            found = [g for g in declared_after.values() if g["name"] == entry["name"]]
            assert len(found) == 1, f"guardrail entry {entry['name']!r} has {len(found)} live guardrails"
            final[entry["name"]] = found[0]
            self.check_fields("guardrail", entry, found[0], self.guardrails.match(entry), GUARDRAIL_FIELDS)
        assert len(declared_after) == len(present), "a live guardrail belongs to no entry"
        return final

    @staticmethod
    def check_fields(kind: str, entry: dict, live: dict, old: dict | None, fields: tuple[str, ...]) -> None:
        """Declared fields hold their values; omitted ones kept theirs (a replacement carries them)."""
        for name in fields:
            if name in entry:
                assert same(name, entry[name], live[name]), (
                    f"{kind} {entry['name']}: {name} is {live[name]!r}, the file says {entry[name]!r}")
            elif old is not None:
                assert same(name, old.get(name), live.get(name)), (
                    f"{kind} {entry['name']}: unmanaged {name} went from {old.get(name)!r} to {live.get(name)!r}")

    def check_key_assignments(self, keys: dict[str, dict], guardrails: dict[str, dict]) -> None:
        for entry in self.keys.entries:
            if entry.get("state") == "absent":
                continue
            live, old = keys[entry["name"]], self.keys.match(entry)
            if "guardrail" in entry:
                wanted = guardrails[entry["guardrail"]]["id"] if entry["guardrail"] else None
            else:
                wanted = self.expected_guardrail(old["guardrail_id"]) if old else None
            assert live["guardrail_id"] == wanted, (
                f"key {entry['name']} is under guardrail {live['guardrail_id']}, expected {wanted}")

    def check_member_assignments(self, guardrails: dict[str, dict]) -> None:
        rows_after = by_id(self.after["member_assignments"], "user_id")
        for entry in self.config.get("members", []):
            if "guardrail" not in entry:
                continue
            wanted = guardrails[entry["guardrail"]]["id"] if entry["guardrail"] else None
            row = rows_after.get(self.member_id(entry))
            assert (row["guardrail_id"] if row else None) == wanted, (
                f"member {self.member_id(entry)} is under {row and row['guardrail_id']}, expected {wanted}")
