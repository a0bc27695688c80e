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
        # Fields the generated files never declare: unmanaged, they must survive every apply.
        "allowed_data_regions": st.just(["eu"]),
        "enforce_zdr_openai": st.booleans(),
    }
    for name, values in optional.items():
        if draw(st.booleans()):
            row[name] = draw(values)
    if "limit_usd" in row:  # the API writes no budget that never resets (400)
        row.setdefault("reset_interval", draw(st.sampled_from(INTERVALS)))
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
        # A budget must reset: an interval comes with a limit, and null only with a null limit
        # (anything else is refused at plan time, as the API would refuse it).
        interval = draw(three_state(st.sampled_from(INTERVALS), nullable=limit is None))
        if limit not in (OMIT, None) and interval is OMIT:
            interval = draw(st.sampled_from(INTERVALS))
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


# --- orgs with workspaces (issue 16) --------------------------------------------------------
# 1-4 workspaces: the default one and up to three more; names from the same small pools, so the
# same key or guardrail name often lives in several workspaces, and a declared object is often
# found in another workspace than its own (moved by hand). Model lists are left out: they
# compare through the catalog's canonical slugs, which the file-level suite covers.

WORKSPACE_SLUGS = ["research", "platform", "sandbox"]
NEW_WORKSPACE = "fresh"           # declared, never seeded: created by the apply
BUDGET_VALUES = [1000, 300, 100, 25, 5]   # widest first: any ordered pick is a valid budget set
BUDGET_INTERVALS = ["lifetime", "monthly", "weekly", "daily"]


@st.composite
def budget_sets(draw, nullable: bool = True, complete: bool = False) -> dict:
    """Budgets that decrease from the widest interval (a valid file); null deletes one. With
    `complete`, every interval is declared (null where unset): a workspace with live budgets
    that the file would leave out could break the order (the plan refuses such a file)."""
    chosen = sorted(draw(st.lists(st.sampled_from(range(4)), unique=True, max_size=3)))
    values = sorted(draw(st.lists(st.sampled_from(BUDGET_VALUES), unique=True, min_size=len(chosen),
                                  max_size=len(chosen))), reverse=True)
    budgets: dict = {BUDGET_INTERVALS[i]: value for i, value in zip(chosen, values)}
    if nullable:
        for index in range(4):
            if BUDGET_INTERVALS[index] not in budgets and (complete or draw(st.integers(0, 4)) == 0):
                budgets[BUDGET_INTERVALS[index]] = None
    return budgets


@st.composite
def workspace_orgs(draw) -> dict:
    """A seed with 0-3 workspaces besides the default one; keys and guardrails spread across
    them (at least one key in the default workspace), assignments within a workspace."""
    nonce = draw(st.integers(0, 2**32))
    slugs = draw(st.lists(st.sampled_from(WORKSPACE_SLUGS), unique=True, max_size=3))
    homes = [None, *slugs]
    workspaces = []
    for n, slug in enumerate(slugs):
        row = {"slug": slug, "name": slug.title(), "created_at": f"2025-0{n + 1}-01T08:00:00Z",
               "members": draw(st.lists(st.sampled_from([m["email"] for m in MEMBERS]), unique=True, max_size=3))}
        if draw(st.booleans()):
            row["budgets"] = {k: v for k, v in draw(budget_sets(nullable=False)).items()}
        workspaces.append(row)
    guardrails = []
    for n in range(draw(st.integers(0, 4))):
        row = {"id": str(draw(st.uuids(version=4))), "name": draw(st.sampled_from(GUARDRAIL_NAMES)),
               "created_at": f"2025-0{1 + n}-01T10:00:00Z", "limit_usd": draw(MONEY),
               "reset_interval": draw(st.sampled_from(INTERVALS))}
        home = draw(st.sampled_from(homes))
        if home:
            row["workspace"] = home
        guardrails.append(row)
    keys = [draw(seeded_key(n, nonce, KEY_NAMES)) for n in range(1 + draw(st.integers(0, 6)))]
    for n, key in enumerate(keys):
        key.pop("creator_user_id", None)
        home = None if n == 0 else draw(st.sampled_from(homes))
        if home:
            key["workspace"] = home
    key_assignments = []
    for key in keys:
        same_home = [g["id"] for g in guardrails if g.get("workspace") == key.get("workspace")]
        if same_home and draw(st.booleans()):
            key_assignments.append({"guardrail": draw(st.sampled_from(same_home)), "key": key["hash"]})
    return {"organization_id": "org_2vInvariants000000000000001", "members": MEMBERS, "workspaces": workspaces,
            "keys": keys, "guardrails": guardrails, "key_assignments": key_assignments, "member_assignments": []}


def _unambiguous(draw, pool: list[str], live: list[dict], slugs: list[str | None], max_entries: int) -> list[tuple]:
    """(workspace, name) pairs to declare: unique, and never a name that two live objects of
    that workspace share (which the plan refuses without a pin)."""
    pairs = draw(st.lists(st.tuples(st.sampled_from(slugs), st.sampled_from(pool)), unique=True,
                          max_size=max_entries))
    return [(slug, name) for slug, name in pairs
            if sum(1 for obj in live if obj["name"] == name and obj.get("workspace") == slug) <= 1]


@st.composite
def workspace_configs(draw, seed: dict) -> dict:
    """A valid file for a seed of workspace_orgs: workspaces with budgets, default guardrails
    and member lists; keys and guardrails in any of them; members under default-workspace
    guardrails."""
    live_slugs = [w["slug"] for w in seed["workspaces"]]
    declared_ws = []
    for slug in live_slugs + [NEW_WORKSPACE]:
        if not draw(st.booleans()):
            continue
        entry: dict = {"slug": slug}
        if slug == NEW_WORKSPACE or draw(st.booleans()):
            entry["name"] = draw(st.sampled_from(["Team", "Lab", slug.title()]))
        put(entry, "description", draw(three_state(TEXT)))
        if draw(st.booleans()):
            seeded = any(w["slug"] == slug and w.get("budgets") for w in seed["workspaces"])
            entry["budgets"] = draw(budget_sets(complete=seeded))
        if draw(st.booleans()):
            entry["default_guardrail"] = draw(st.sampled_from([
                {"limit_usd": 5, "reset_interval": "daily"}, {"enforce_zdr": True},
                {"limit_usd": 50, "reset_interval": "weekly", "allowed_providers": ["openai"]}]))
        if draw(st.booleans()):
            entry["members"] = draw(st.lists(st.sampled_from([m["email"] for m in MEMBERS]), unique=True, max_size=3))
        declared_ws.append(entry)
    slugs = [None, *live_slugs, *([NEW_WORKSPACE] if any(w["slug"] == NEW_WORKSPACE for w in declared_ws) else [])]
    guardrails = []
    for slug, name in _unambiguous(draw, GUARDRAIL_NAMES, seed["guardrails"], slugs, 4):
        entry = {"name": name, **({"workspace": slug} if slug else {})}
        if draw(st.integers(0, 5)) == 0:
            entry["state"] = "absent"
        else:
            put(entry, "limit_usd", draw(three_state(MONEY, nullable=False)))
            entry["reset_interval"] = draw(st.sampled_from(INTERVALS))
        guardrails.append(entry)
    present = {(g.get("workspace"), g["name"]) for g in guardrails if g.get("state") != "absent"}
    keys = []
    for slug, name in _unambiguous(draw, KEY_NAMES, seed["keys"], slugs, 5):
        entry = {"name": name, **({"workspace": slug} if slug else {})}
        if draw(st.integers(0, 6)) == 0:
            entry["state"] = "absent"
        else:
            put(entry, "limit", draw(three_state(KEY_LIMITS)))
            put(entry, "disabled", draw(three_state(st.booleans(), nullable=False)))
            own = sorted(n for s, n in present if s == slug)
            if own and draw(st.booleans()):
                entry["guardrail"] = draw(st.sampled_from(own))
        keys.append(entry)
    default_guardrails = sorted(n for s, n in present if s is None)
    members = []
    if default_guardrails:
        for member in draw(st.lists(st.sampled_from(MEMBERS), unique_by=lambda m: m["id"], max_size=3)):
            members.append({"email": member["email"], "guardrail": draw(st.sampled_from(default_guardrails))})
    config: dict[str, Any] = {"version": 1}
    if draw(st.integers(0, 3)) == 0:
        config["policy"] = {"prune": True}
    for section, entries in (("workspaces", declared_ws), ("guardrails", guardrails), ("keys", keys),
                             ("members", members)):
        if entries:
            config[section] = entries
    return config


@st.composite
def workspace_scenarios(draw) -> Scenario:
    seed = draw(workspace_orgs())
    return Scenario(seed=seed, config=draw(workspace_configs(seed)))
