"""Generators of hostile hand edits made to the org between `orsync plan` and `orsync apply`
(issue 13, invariant 7): namesakes of declared keys made by hand (with older, later or the
declared expiry), pins whose target is renamed, renames onto declared or protected names,
deletions, new undeclared keys; and the files they are made against (pins, renames by pin,
`state: absent`, replacements by a new expiry, prune on or off, protect globs).

Everything is small and named from a short pool so that edits collide with the file often.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml
from hypothesis import strategies as st

NAMES = ["prod-api", "prod-batch", "ci", "dev", "tmp"]
EXPIRY = ["2027-06-30T00:00:00Z", "2028-01-01T00:00:00Z", "2029-03-01T00:00:00Z"]


@dataclass
class Case:
    seed: dict
    config: dict          # the file, as data
    edits: list[tuple]    # ("namesake", name, expires_at) | ("rename", index, new) | ("delete", index)
                          # | ("create", name) -- index: of a seeded key, in seed order
    hashes: list[str]     # the seeded keys' hashes, in seed order (the org is seeded as drawn)

    @property
    def yaml(self) -> str:
        return yaml.safe_dump(self.config, sort_keys=False)


@st.composite
def seeds(draw) -> dict:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    keys = [{"name": name, "limit": draw(st.sampled_from([None, 1, 5])),
             "expires_at": draw(st.sampled_from([None, *EXPIRY]))} for name in names]
    return {"keys": keys, "guardrails": [], "key_assignments": [], "member_assignments": []}


@st.composite
def entries(draw, seed: dict, hashes: list[str]) -> list[dict]:
    """Entries for some seeded keys (by name or pinned by hash under another name) and some new
    ones; a few `state: absent`; an expiry that differs forces a replacement."""
    result, used = [], set()
    for index, key in enumerate(seed["keys"]):
        choice = draw(st.sampled_from(["skip", "same", "expiry", "expiry", "absent", "pin", "replace"]))
        if choice == "skip":
            continue
        name = key["name"]
        entry: dict = {"name": name}
        if choice == "absent":
            entry["state"] = "absent"
        elif choice == "pin":
            entry["name"] = draw(st.sampled_from([n for n in NAMES + ["renamed"] if n not in used]))
            entry["hash"] = hashes[index]
            entry["state"] = draw(st.sampled_from(["present", "absent"]))
        elif choice == "expiry":  # the live key's own expiry, declared: no change, but a namesake
            entry["expires_at"] = key["expires_at"] or EXPIRY[0]   # of another expiry is not it
        elif choice == "replace":
            entry["expires_at"] = draw(st.sampled_from([e for e in EXPIRY if e != key["expires_at"]]))
        if entry["name"] in used:
            continue
        used.add(entry["name"])
        result.append(entry)
    for name in draw(st.lists(st.sampled_from(NAMES), max_size=2, unique=True)):
        if name not in used:
            used.add(name)
            result.append({"name": name})
    return result


@st.composite
def edits(draw, seed: dict) -> list[tuple]:
    count = len(seed["keys"])
    declared = [key["name"] for key in seed["keys"]]
    namesake_of_a_seeded_key = st.tuples(st.just("namesake"), st.sampled_from(declared), st.sampled_from([None, *EXPIRY]))
    edit = st.one_of(
        namesake_of_a_seeded_key, namesake_of_a_seeded_key,
        st.tuples(st.just("namesake"), st.sampled_from(NAMES), st.sampled_from([None, *EXPIRY])),
        st.tuples(st.just("rename"), st.integers(0, count - 1), st.sampled_from(NAMES + ["prod-x"])),
        st.tuples(st.just("delete"), st.integers(0, count - 1)),
        st.tuples(st.just("create"), st.sampled_from(NAMES + ["stray"])),
    )
    return draw(st.lists(edit, min_size=1, max_size=3))


@st.composite
def cases(draw, hashes_of) -> Case:
    """`hashes_of(seed)` seeds the org and returns its keys' hashes (pins need them)."""
    seed = draw(seeds())
    hashes = hashes_of(seed)
    config = {"version": 1,
              "policy": {"prune": draw(st.booleans()), "protect": draw(st.sampled_from([[], ["prod-*"]]))},
              "keys": draw(entries(seed, hashes))}
    return Case(seed, config, draw(edits(seed)), hashes)


def apply_edits(client, hashes: list[str], case: Case) -> None:
    """Make the edits through the API, as a colleague would; an edit of a key already gone is a no-op."""
    from orsync.api.errors import NotFoundError

    for edit in case.edits:
        try:
            if edit[0] == "namesake":
                client.create_key({"name": edit[1], **({"expires_at": edit[2]} if edit[2] else {})})
            elif edit[0] == "rename":
                client.update_key(hashes[edit[1]], {"name": edit[2]})
            elif edit[0] == "delete":
                client.delete_key(hashes[edit[1]])
            else:
                client.create_key({"name": edit[1]})
        except NotFoundError:
            pass


def allowed_deletions(config: dict, live_before: dict[str, dict], live_after: dict[str, dict]) -> set[str]:
    """Ids the file may delete, judged from the org as apply found it: named absent (by name or
    pin), undeclared under prune, or the old half of a replacement the file asks for (its entry
    has another expires_at, and a key of that name with the declared expiry exists after)."""
    entries = config.get("keys", [])
    present_names = {e["name"] for e in entries if e.get("state", "present") == "present" and "hash" not in e}
    pinned = {e["hash"]: e for e in entries if "hash" in e}
    absent_names = {e["name"] for e in entries if e.get("state") == "absent" and "hash" not in e}
    allowed = set()
    for key_hash, key in live_before.items():
        entry = pinned.get(key_hash)
        if entry is not None:
            if entry.get("state") == "absent":
                allowed.add(key_hash)
            continue
        if key["name"] in absent_names:
            allowed.add(key_hash)
        elif config["policy"]["prune"] and key["name"] not in present_names:
            allowed.add(key_hash)
        elif key["name"] in present_names:
            wanted = next(e for e in entries if e["name"] == key["name"] and "hash" not in e)
            if "expires_at" in wanted and _expiry(key) != wanted["expires_at"] and any(
                    other["name"] == key["name"] and _expiry(other) == wanted["expires_at"]
                    for other_hash, other in live_after.items() if other_hash not in live_before):
                allowed.add(key_hash)
    return allowed


def _expiry(key: dict) -> str | None:
    value = key.get("expires_at")
    return value.replace(".000", "").replace("+00:00", "Z") if value else None
