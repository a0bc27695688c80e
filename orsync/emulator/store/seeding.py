"""Seed documents: the org an emulator starts with, written as YAML or JSON.

Its sections mirror the org file (a workspace is named by its slug; `workspace:` omitted means
the default workspace):

```yaml
management_key: sk-or-v1-emu-...         # optional; generated at start when absent
settings:  {is_filtered_model_catalog_enabled: false, enterprise: true}
workspaces: [{slug, name, id?, description?, created_at?, budgets: {monthly: 300},
              include_byok_in_budgets?, members: [EMAIL_OR_ID], default_guardrail: {...}}]
members:   [{id, email, first_name, last_name, role}]
keys:      [{name, workspace?, limit, limit_reset, disabled, expires_at, include_byok_in_limit,
             usage, created_at, hash?, secret?, creator_user_id?, ...}]
guardrails: [{name, workspace?, id?, limit_usd, reset_interval, allowed_models, ...}]
key_assignments:    [{guardrail: NAME_OR_ID, key: NAME_OR_HASH}]   # SLUG/NAME when names repeat
member_assignments: [{guardrail: NAME_OR_ID, member: EMAIL_OR_ID}]
credits:   {total_credits, total_usage}
catalog:   {...}                           # models/providers for the inference routes
```

Seeding is cheap per key (one sha256 and one row insert, untracked), so 100,000 keys load in
seconds.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from orsync.emulator.catalog.entries import Catalog, catalog_of
from orsync.emulator.store.records import (
    GUARDRAIL_SETTABLE, Credits, KeyRecord, WorkspaceRecord, default_guardrail_id, hash_of,
    label_of, new_secret,
)
from orsync.emulator.store.windows import now_iso

if TYPE_CHECKING:
    from orsync.emulator.store.state import EmulatorState

SEED_SECTIONS = {"management_key", "organization_id", "workspace_id", "settings", "workspaces",
                 "members", "keys", "guardrails", "key_assignments", "member_assignments",
                 "credits", "catalog"}
SEED_KEY_FIELDS = {f.name for f in fields(KeyRecord)} - {
    "is_management", "guardrail_id", "workspace_id", "seeded"} | {"workspace"}
SEED_MEMBER_FIELDS = {"id", "email", "first_name", "last_name", "role"}
SEED_GUARDRAIL_FIELDS = set(GUARDRAIL_SETTABLE) | {"id", "created_at", "updated_at", "workspace"}
SEED_WORKSPACE_FIELDS = {f.name for f in fields(WorkspaceRecord)} - {"is_default"} | {
    "budgets", "members", "default_guardrail"}
SEED_SETTINGS_FIELDS = {"is_filtered_model_catalog_enabled", "enterprise"}
BUDGET_INTERVALS = ("daily", "weekly", "monthly", "lifetime")

DEFAULT_SEED: dict[str, Any] = {
    "organization_id": "org_2vEmuLat0rDemo0rg000000001",
    "workspaces": [
        {"slug": "research", "name": "Research", "description": "Notebooks and evaluations",
         "created_at": "2025-06-01T08:30:00Z", "created_by": "user_2dHFtAliceAdmin00000000001",
         "members": ["bob@example.com"]},
    ],
    "members": [
        {"id": "user_2dHFtAliceAdmin00000000001", "email": "alice@example.com",
         "first_name": "Alice", "last_name": "Nguyen", "role": "org:admin"},
        {"id": "user_2dHFtBobMember000000000002", "email": "bob@example.com",
         "first_name": "Bob", "last_name": "Okafor", "role": "org:member"},
        {"id": "user_2dHFtCarolMember0000000003", "email": "carol@example.com",
         "first_name": "Carol", "last_name": "Silva", "role": "org:member"},
        {"id": "user_2dHFtDaveMember00000000004", "email": "dave@example.com",
         "first_name": "Dave", "last_name": None, "role": "org:member"},
    ],
    "keys": [
        {"name": "prod-backend", "limit": 200, "limit_reset": "monthly", "usage": 41.25,
         "created_at": "2025-03-02T09:15:00Z", "creator_user_id": "user_2dHFtAliceAdmin00000000001"},
        {"name": "ci-smoke", "limit": 5, "limit_reset": "daily", "usage": 0.42,
         "expires_at": "2027-06-30T00:00:00Z", "created_at": "2025-05-11T14:02:00Z",
         "creator_user_id": "user_2dHFtAliceAdmin00000000001"},
        {"name": "old-prototype", "limit": None, "disabled": True, "usage": 3.1,
         "created_at": "2024-11-20T08:00:00Z"},
        {"name": "research-notebook", "workspace": "research", "limit": 20,
         "limit_reset": "weekly", "usage": 1.5, "created_at": "2025-06-03T11:20:00Z",
         "creator_user_id": "user_2dHFtBobMember000000000002"},
    ],
    "guardrails": [
        {"name": "ci-policy", "description": "Budget and model allow-list for CI",
         "limit_usd": 25, "reset_interval": "monthly",
         "allowed_models": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
         "allowed_providers": ["openai", "anthropic"], "enforce_zdr": False,
         "created_at": "2025-05-10T10:00:00Z"},
        {"name": "prod-budget", "description": "Monthly cap for production traffic",
         "limit_usd": 500, "reset_interval": "monthly", "created_at": "2025-03-01T12:00:00Z"},
        {"name": "research-policy", "workspace": "research",
         "description": "Cheap models for notebooks", "limit_usd": 40, "reset_interval": "weekly",
         "allowed_models": ["openai/gpt-4o-mini"], "created_at": "2025-06-01T09:00:00Z"},
    ],
    "key_assignments": [{"guardrail": "ci-policy", "key": "ci-smoke"},
                        {"guardrail": "prod-budget", "key": "prod-backend"},
                        {"guardrail": "research-policy", "key": "research-notebook"}],
    "member_assignments": [{"guardrail": "ci-policy", "member": "carol@example.com"}],
    "credits": {"total_credits": 150.0, "total_usage": 44.77},
}


def load_seed_file(path: str | Path) -> dict:
    """A seed document from a YAML or JSON file. JSON is YAML, but the json module reads a
    100,000-key seed in a fraction of the time, and libyaml's loader (when PyYAML has it) ten
    times faster than the pure-Python one."""
    import json

    import yaml

    text = Path(path).read_text(encoding="utf-8")
    try:
        doc = json.loads(text) if text.lstrip().startswith("{") else None
    except ValueError:
        doc = None  # YAML's flow style also starts with "{"
    if doc is None:
        doc = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a seed file holds a mapping")
    return doc


def apply_seed(state: EmulatorState, seed: dict) -> None:
    """Fill an empty state from a seed document; ValueError names the bad entry."""
    _check_fields("seed", seed, SEED_SECTIONS)
    state.catalog = _checked_catalog(seed.get("catalog"))  # first: guardrails store its slugs
    if seed.get("settings") is not None:
        _check_fields("settings", seed["settings"], SEED_SETTINGS_FIELDS)
        state.save_settings({**state.settings, **seed["settings"]})
    for n, row in enumerate(seed.get("members") or []):
        _check_fields(f"members[{n}]", row, SEED_MEMBER_FIELDS, required=("id", "email"))
        state.add_member(row["id"], row["email"], **_without(row, "id", "email"))
    slugs = {state.default_workspace().slug: state.default_workspace_id}
    for n, row in enumerate(seed.get("workspaces") or []):
        slugs[row.get("slug") if isinstance(row, dict) else None] = _seed_workspace(
            state, f"workspaces[{n}]", row)
    state.add_seeded_keys([_seed_key(state, f"keys[{n}]", row, slugs)
                           for n, row in enumerate(seed.get("keys") or [])])
    for n, row in enumerate(seed.get("guardrails") or []):
        where = f"guardrails[{n}]"
        _check_fields(where, row, SEED_GUARDRAIL_FIELDS, required=("name",))
        state.add_guardrail(row["name"], guardrail_id=row.get("id"),
                            workspace_id=_workspace(slugs, where, row),
                            **_stored_models(state, _without(row, "name", "id", "workspace")))
    if seed.get("management_key"):
        state.add_key("management", secret=seed["management_key"], is_management=True,
                      creator_user_id=state.admin_user_id())
    _seed_assignments(state, seed)
    if seed.get("credits") is not None:
        _check_fields("credits", seed["credits"], {"total_credits", "total_usage"})
        state.credits = Credits(**seed["credits"])


def _seed_workspace(state: EmulatorState, where: str, row: Any) -> str:
    """One `workspaces` entry: the workspace, its members, budgets and default guardrail."""
    _check_fields(where, row, SEED_WORKSPACE_FIELDS, required=("slug", "name"))
    values = _without(row, "slug", "name", "id", "created_at", "budgets", "members",
                      "default_guardrail")
    record = state.add_workspace(row["name"], row["slug"], workspace_id=row.get("id"),
                                 created_at=row.get("created_at"), **values)
    members = _index_by(state.members.values(), "id", "email")
    for n, ref in enumerate(row.get("members") or []):
        state.add_workspace_member(record.id, _resolve(members, f"{where}.members[{n}]", "member", ref),
                                   record.created_at)
    for interval, limit in (row.get("budgets") or {}).items():
        if interval not in BUDGET_INTERVALS:
            raise ValueError(f"seed {where}.budgets: unknown interval {interval!r}")
        state.put_workspace_budget(record.id, interval, limit, record.created_at)
    if row.get("default_guardrail") is not None:
        _check_fields(f"{where}.default_guardrail", row["default_guardrail"], set(GUARDRAIL_SETTABLE))
        state.add_guardrail(f"Workspace {record.id} Default",
                            guardrail_id=default_guardrail_id(record.id), workspace_id=record.id,
                            is_workspace_default=True, created_at=record.created_at,
                            **_stored_models(state, _without(row["default_guardrail"], "name")))
    return record.id


def _stored_models(state: EmulatorState, values: dict) -> dict:
    """Model lists as the API stores them: canonical slugs, in order, without duplicates (a
    seeded guardrail reads back as one made through the API would)."""
    canonical = catalog_of(state).canonical
    for name in ("allowed_models", "ignored_models"):
        if isinstance(values.get(name), list):
            values[name] = list(dict.fromkeys(canonical(model) for model in values[name]))
    return values


def _workspace(slugs: dict[str, str], where: str, row: dict) -> str | None:
    slug = row.get("workspace")
    if slug is None:
        return None
    if slug not in slugs:
        raise ValueError(f"seed {where}: workspace {slug!r} not found")
    return slugs[slug]


def _seed_assignments(state: EmulatorState, seed: dict) -> None:
    """Assignments by name or id; names resolve through indexes built once (10,000 keys)."""
    guardrails = _index_by(state.guardrails.values(), "id", "name", state)
    keys = _index_by(_key_names(state) if seed.get("key_assignments") else [], "hash", "name", state)
    members = _index_by(state.members.values(), "id", "email")
    assigned_by = state.admin_user_id()
    pairs = [_pair(f"key_assignments[{n}]", "key", row, guardrails, keys)
             for n, row in enumerate(seed.get("key_assignments") or [])]
    state.seed_key_assignments(pairs, assigned_by)
    for n, row in enumerate(seed.get("member_assignments") or []):
        state.assign_member(*_pair(f"member_assignments[{n}]", "member", row, guardrails, members),
                            assigned_by)


def _pair(where: str, kind: str, row: Any, guardrails: dict, index: dict) -> tuple[str, str]:
    """An assignment entry's guardrail id and key hash or user id."""
    _check_fields(where, row, {"guardrail", kind}, required=("guardrail", kind))
    return (_resolve(guardrails, where, "guardrail", row["guardrail"]),
            _resolve(index, where, kind, row[kind]))


class _KeyName(NamedTuple):
    hash: str
    name: str
    workspace_id: str


def _key_names(state: EmulatorState) -> list[_KeyName]:
    """Every API key's hash, name and workspace, read without building its record."""
    rows = state.db.execute("SELECT id, name, workspace_id FROM keys WHERE is_management = 0 "
                            "ORDER BY created_ts DESC, seq DESC")
    return [_KeyName(*row) for row in rows]


def _index_by(records, id_field: str, name_field: str,
              state: EmulatorState | None = None) -> dict[str, list[str]]:
    """Every id and every name (and, given the state, every SLUG/NAME) mapped to the ids it
    designates."""
    slugs = {w.id: w.slug for w in state.workspaces_in_order()} if state is not None else {}
    index: dict[str, list[str]] = {}
    for record in records:
        record_id = getattr(record, id_field)
        index.setdefault(record_id, []).append(record_id)
        name = getattr(record, name_field)
        if name != record_id:
            index.setdefault(name, []).append(record_id)
        slug = slugs.get(getattr(record, "workspace_id", None))
        if slug is not None:
            index.setdefault(f"{slug}/{name}", []).append(record_id)
    return index


def _resolve(index: dict[str, list[str]], where: str, kind: str, ref: str) -> str:
    found = index.get(ref, [])
    if len(found) != 1:
        raise ValueError(f"seed {where}: {kind} {ref!r} " + ("is ambiguous" if found else "not found"))
    return found[0]


def _seed_key(state: EmulatorState, where: str, row: dict, slugs: dict[str, str]) -> KeyRecord:
    """The record of one `keys` entry (inserted with the others in one statement)."""
    _check_fields(where, row, SEED_KEY_FIELDS, required=("name",))
    secret = row.get("secret") or new_secret()
    values = _without(row, "secret", "hash", "created_at", "label", "workspace")
    return KeyRecord.from_row({
        **values, "hash": row.get("hash") or hash_of(secret), "label": label_of(secret),
        "secret": secret, "created_at": row.get("created_at") or now_iso(),
        "workspace_id": _workspace(slugs, where, row) or state.default_workspace_id,
        "seeded": True})


def _checked_catalog(document: Any) -> dict | None:
    """The seed's catalog, refused now with the entry at fault rather than on first use."""
    if document is not None:
        try:
            Catalog.from_data(document)
        except ValueError as exc:
            raise ValueError(f"seed {exc}") from None
    return document


def _check_fields(where: str, row: Any, allowed: set[str], required: tuple[str, ...] = ()) -> None:
    if not isinstance(row, dict):
        raise ValueError(f"seed {where}: expected a mapping")
    unknown = sorted(set(row) - allowed)
    if unknown:
        raise ValueError(f"seed {where}: unknown field {unknown[0]!r}")
    missing = [name for name in required if not row.get(name)]
    if missing:
        raise ValueError(f"seed {where}: {missing[0]!r} is required")


def _without(row: dict, *names: str) -> dict:
    return {k: v for k, v in row.items() if k not in names}
