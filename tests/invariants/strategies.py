"""Hypothesis strategies: random starting orgs (emulator seeds) and random valid org files.

Names come from small pools so that collisions happen often: live duplicates of a name, files
that pin one of two same-named objects, renames onto a name an undeclared object already has.
A generated file is valid for its org: every declared name it does not pin matches at most one
live object, pins name live objects, references name declared guardrails and real members, and
every key it creates can be created (expiry dates in the future).
"""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

MEMBERS = [
    {"id": "user_2dHFtAliceAdmin00000000001", "email": "alice@example.com", "role": "org:admin",
     "first_name": "Alice", "last_name": "Nguyen"},
    {"id": "user_2dHFtBobMember000000000002", "email": "bob@example.com", "role": "org:member"},
    {"id": "user_2dHFtCarolMember0000000003", "email": "carol@example.com", "role": "org:member"},
    {"id": "user_2dHFtDaveMember00000000004", "email": "dave@example.com", "role": "org:member"},
    {"id": "user_2dHFtErinMember00000000005", "email": "erin@example.com", "role": "org:member"},
]
MEMBER_IDS = [member["id"] for member in MEMBERS]
KEY_NAMES = ["alpha", "beta", "gamma", "ci-smoke", "prod-api", "batch"]
# A larger org for the fault suite: more writes per example, so more of them meet a fault.
MORE_KEY_NAMES = KEY_NAMES + [f"svc-{n}" for n in range(10)]
GUARDRAIL_NAMES = ["ci-policy", "prod-budget", "data-science", "web"]
MODELS = ["openai/gpt-4o-mini", "openai/gpt-4o", "anthropic/claude-3.5-haiku",
          "google/gemini-2.5-flash", "meta-llama/llama-3.1-8b-instruct"]
PROVIDERS = ["openai", "anthropic", "google-vertex", "together", "azure"]  # in the emulator catalog
INTERVALS = ["daily", "weekly", "monthly"]
FUTURE = ["2031-01-01T00:00:00Z", "2032-06-30T12:30:00Z", "2040-12-31T23:59:59Z"]
PAST = ["2020-01-01T00:00:00Z", "2024-02-29T08:00:00Z"]
# Descriptions: printable text without `$` (the loader reads ${VAR}) or anything secret-shaped.
TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_.,:/()'", max_size=40)
MONEY = st.sampled_from([0.5, 1, 5, 12.25, 200, 1000.75])
KEY_LIMITS = st.sampled_from([0, 0.5, 5, 12.25, 200])
OMIT = object()  # a field the file leaves out (unmanaged)


@dataclass
class Scenario:
    """A starting org and a file to apply to it."""

    seed: dict[str, Any]
    config: dict[str, Any]

    @property
    def yaml(self) -> str:
        return yaml.safe_dump(self.config, sort_keys=False)

    def __repr__(self) -> str:
        # Falsifying examples print this: the org without the fixed members, then the file.
        org = {name: self.seed[name] for name in ("keys", "guardrails", "key_assignments", "member_assignments")}
        return f"Scenario(\n--- org ---\n{yaml.safe_dump(org, sort_keys=False)}--- file ---\n{self.yaml})"

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(repr(self))


def three_state(values: st.SearchStrategy, *, nullable: bool = True) -> st.SearchStrategy:
    """Omitted (unmanaged), null (clear) or a value, as the file's three states."""
    choices = [st.just(OMIT), values] + ([st.none()] if nullable else [])
    return st.one_of(*choices)


def name_sets(pool: list[str]) -> st.SearchStrategy:
    return st.lists(st.sampled_from(pool), min_size=1, max_size=3)


# --- the starting org -----------------------------------------------------------------------

@st.composite
def seeded_guardrail(draw, index: int) -> dict:
    row = {"id": str(draw(st.uuids(version=4))), "name": draw(st.sampled_from(GUARDRAIL_NAMES)),
           "created_at": f"2025-0{1 + index % 9}-01T10:00:00Z"}
    optional = {
        "description": TEXT,
        "limit_usd": MONEY,
        "reset_interval": st.sampled_from(INTERVALS),
        "allowed_models": st.lists(st.sampled_from(MODELS), min_size=1, max_size=3, unique=True),
        "allowed_providers": st.lists(st.sampled_from(PROVIDERS), min_size=1, max_size=2, unique=True),
        "ignored_providers": st.lists(st.sampled_from(PROVIDERS), min_size=1, max_size=2, unique=True),
        "enforce_zdr": st.booleans(),
        "include_byok_in_budgets": st.booleans(),
        # Fields orsync does not manage at all: must survive every apply untouched.
        "allowed_data_regions": st.just(["eu"]),
        "enforce_zdr_openai": st.booleans(),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            row[name] = draw(values)
    return row


@st.composite
def seeded_key(draw, index: int, nonce: int, names: list[str]) -> dict:
    row = {"name": draw(st.sampled_from(names)),
           "hash": hashlib.sha256(f"orsync-invariants-{nonce}-{index}".encode()).hexdigest(),
           "created_at": f"2025-01-{1 + index:02d}T09:00:00Z",
           "usage": draw(st.sampled_from([0.0, 0.42, 3.1]))}
    optional = {
        "limit": st.one_of(st.none(), KEY_LIMITS),
        "limit_reset": st.sampled_from(INTERVALS),
        "include_byok_in_limit": st.booleans(),
        # Disabled and expired keys are hidden by GET /keys unless asked for: the classic trap.
        "disabled": st.booleans(),
        "expires_at": st.sampled_from(FUTURE + PAST),
        "creator_user_id": st.sampled_from(MEMBER_IDS),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            row[name] = draw(values)
    return row


@st.composite
def orgs(draw, key_names: list[str] = KEY_NAMES) -> dict:
    """A seed document: members, keys (some disabled, expired, same-named), guardrails (some
    same-named), and assignments of keys and members to guardrails."""
    nonce = draw(st.integers(0, 2**32))
    guardrails = [draw(seeded_guardrail(n)) for n in range(draw(st.integers(0, 4)))]
    keys = [draw(seeded_key(n, nonce, key_names)) for n in range(draw(st.integers(0, len(key_names) + 2)))]
    guardrail_ids = [g["id"] for g in guardrails]
    key_assignments, member_assignments = [], []
    if guardrail_ids:
        for key in keys:
            if draw(st.booleans()):
                key_assignments.append({"guardrail": draw(st.sampled_from(guardrail_ids)), "key": key["hash"]})
        for member_id in MEMBER_IDS:
            if draw(st.booleans()):
                member_assignments.append({"guardrail": draw(st.sampled_from(guardrail_ids)),
                                           "member": member_id})
    return {"organization_id": "org_2vInvariants000000000000001", "members": MEMBERS, "keys": keys,
            "guardrails": guardrails, "key_assignments": key_assignments,
            "member_assignments": member_assignments}


# --- the file -------------------------------------------------------------------------------

def identity_choices(draw, live: list[dict], pool: list[str], id_field: str, max_entries: int) -> list[dict]:
    """Entries with unique names; some pinned to a live object (a rename when names differ).

    A name that more than one unpinned live object carries can only be declared with a pin.
    """
    names = draw(st.lists(st.sampled_from(pool), unique=True, max_size=max_entries))
    entries, pinned = [], set()
    for name in names:
        entry = {"name": name}
        free = [obj for obj in live if obj[id_field] not in pinned]
        if free and draw(st.integers(0, 3)) == 0:
            target = draw(st.sampled_from(free))
            entry[id_field] = target[id_field]
            pinned.add(target[id_field])
        entries.append(entry)
    for entry in entries:
        if id_field in entry:
            continue
        same = [obj for obj in live if obj["name"] == entry["name"] and obj[id_field] not in pinned]
        if len(same) > 1:
            target = draw(st.sampled_from(same))
            entry[id_field] = target[id_field]
            pinned.add(target[id_field])
    return entries


def put(entry: dict, name: str, value: Any) -> None:
    if value is not OMIT:
        entry[name] = value


@st.composite
def guardrail_entries(draw, live: list[dict]) -> list[dict]:
    entries = identity_choices(draw, live, GUARDRAIL_NAMES, "id", max_entries=4)
    for entry in entries:
        if draw(st.integers(0, 5)) == 0:
            entry["state"] = "absent"
            continue
        put(entry, "description", draw(three_state(TEXT)))
        limit = draw(three_state(MONEY))
        put(entry, "limit_usd", limit)
        interval = draw(three_state(st.sampled_from(INTERVALS)))
        if limit not in (OMIT, None) and interval is OMIT:
            interval = draw(st.sampled_from(INTERVALS + [None]))
        put(entry, "reset_interval", interval)
        put(entry, "allowed_models", draw(three_state(name_sets(MODELS))))
        put(entry, "allowed_providers", draw(three_state(name_sets(PROVIDERS))))
        put(entry, "ignored_providers", draw(three_state(name_sets(PROVIDERS))))
        put(entry, "ignored_models", draw(three_state(name_sets(MODELS))))
        put(entry, "enforce_zdr", draw(three_state(st.booleans())))
        put(entry, "include_byok_in_budgets", draw(three_state(st.booleans(), nullable=False)))
    return entries


@st.composite
def key_entries(draw, live: list[dict], guardrails: list[str], names: list[str]) -> list[dict]:
    entries = identity_choices(draw, live, names, "hash", max_entries=len(names) - 1)
    by_hash = {key["hash"]: key for key in live}
    for entry in entries:
        if draw(st.integers(0, 5)) == 0:
            entry["state"] = "absent"
            continue
        put(entry, "limit", draw(three_state(KEY_LIMITS)))
        put(entry, "limit_reset", draw(three_state(st.sampled_from(INTERVALS))))
        put(entry, "include_byok_in_limit", draw(three_state(st.booleans(), nullable=False)))
        put(entry, "disabled", draw(three_state(st.booleans(), nullable=False)))
        put(entry, "expires_at", draw(three_state(st.sampled_from(FUTURE))))
        put(entry, "creator_user_id", draw(three_state(st.sampled_from(MEMBER_IDS))))
        if guardrails:
            put(entry, "guardrail", draw(three_state(st.sampled_from(guardrails))))
        else:
            put(entry, "guardrail", draw(st.sampled_from([OMIT, None])))
        match = by_hash.get(entry.get("hash", ""))
        if match is not None and draw(st.integers(0, 7)):
            # A pinned key cannot be replaced (the plan refuses): keep those cases to about 1 in 8.
            for name in ("expires_at", "creator_user_id"):
                entry.pop(name, None)
        if match is not None and match.get("expires_at") and draw(st.booleans()):
            entry["expires_at"] = match["expires_at"]  # the live value, past or not: no change
    return entries


@st.composite
def member_entries(draw, guardrails: list[str]) -> list[dict]:
    chosen = draw(st.lists(st.sampled_from(MEMBERS), unique_by=lambda m: m["id"], max_size=len(MEMBERS)))
    entries = []
    for member in chosen:
        spelled = draw(st.sampled_from(["email", "EMAIL", "id"]))
        entry = ({"id": member["id"]} if spelled == "id"
                 else {"email": member["email"].upper() if spelled == "EMAIL" else member["email"]})
        put(entry, "guardrail", draw(three_state(st.sampled_from(guardrails)) if guardrails
                                     else st.sampled_from([OMIT, None])))
        entries.append(entry)
    return entries


@st.composite
def configs(draw, seed: dict, key_names: list[str] = KEY_NAMES) -> dict:
    """A valid org file for the org `seed` describes."""
    guardrails = draw(guardrail_entries(seed["guardrails"]))
    present = [g["name"] for g in guardrails if g.get("state") != "absent"]
    keys = draw(key_entries(seed["keys"], present, key_names))
    config: dict[str, Any] = {"version": 1}
    if draw(st.integers(0, 3)) == 0:
        config["policy"] = {"prune": True}
    for section, entries in (("guardrails", guardrails), ("keys", keys),
                             ("members", draw(member_entries(present)))):
        if entries:
            config[section] = entries
    return config


@st.composite
def scenarios(draw, key_names: list[str] = KEY_NAMES) -> Scenario:
    """A starting org and a valid file for it, keys named from `key_names`."""
    seed = draw(orgs(key_names))
    return Scenario(seed=seed, config=draw(configs(seed, key_names)))
