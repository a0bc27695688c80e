"""Seed documents: the org an emulator starts with, written as YAML or JSON.

```yaml
management_key: sk-or-v1-emu-...         # optional; generated at start when absent
members:   [{id, email, first_name, last_name, role}]
keys:      [{name, limit, limit_reset, disabled, expires_at, include_byok_in_limit, usage,
             created_at, hash?, secret?, creator_user_id?, ...}]
guardrails: [{name, id?, limit_usd, reset_interval, allowed_models, ...}]
key_assignments:    [{guardrail: NAME_OR_ID, key: NAME_OR_HASH}]
member_assignments: [{guardrail: NAME_OR_ID, member: EMAIL_OR_ID}]
credits:   {total_credits, total_usage}
catalog:   {...}                           # models/providers for the inference routes
```

Seeding is cheap per key (one sha256), so an org of 10,000 keys loads in a fraction of a second.
"""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orsync.emulator.catalog import Catalog
from orsync.emulator.records import GUARDRAIL_SETTABLE, Credits, KeyRecord, hash_of

if TYPE_CHECKING:
    from orsync.emulator.state import EmulatorState

SEED_SECTIONS = {"management_key", "organization_id", "workspace_id", "members", "keys",
                 "guardrails", "key_assignments", "member_assignments", "credits", "catalog"}
SEED_KEY_FIELDS = {f.name for f in fields(KeyRecord)} - {
    "is_management", "guardrail_id", "workspace_id"}
SEED_MEMBER_FIELDS = {"id", "email", "first_name", "last_name", "role"}
SEED_GUARDRAIL_FIELDS = set(GUARDRAIL_SETTABLE) | {"id", "created_at", "updated_at"}

DEFAULT_SEED: dict[str, Any] = {
    "organization_id": "org_2vEmuLat0rDemo0rg000000001",
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
    ],
    "guardrails": [
        {"name": "ci-policy", "description": "Budget and model allow-list for CI",
         "limit_usd": 25, "reset_interval": "monthly",
         "allowed_models": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
         "allowed_providers": ["openai", "anthropic"], "enforce_zdr": False,
         "created_at": "2025-05-10T10:00:00Z"},
        {"name": "prod-budget", "description": "Monthly cap for production traffic",
         "limit_usd": 500, "reset_interval": "monthly", "created_at": "2025-03-01T12:00:00Z"},
    ],
    "key_assignments": [{"guardrail": "ci-policy", "key": "ci-smoke"},
                        {"guardrail": "prod-budget", "key": "prod-backend"}],
    "member_assignments": [{"guardrail": "ci-policy", "member": "carol@example.com"}],
    "credits": {"total_credits": 150.0, "total_usage": 44.77},
}


def load_seed_file(path: str | Path) -> dict:
    """A seed document from a YAML or JSON file (JSON is YAML)."""
    import yaml

    doc = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    if not isinstance(doc, dict):
        raise ValueError(f"{path}: a seed file holds a mapping")
    return doc


def apply_seed(state: EmulatorState, seed: dict) -> None:
    """Fill an empty state from a seed document; ValueError names the bad entry."""
    _check_fields("seed", seed, SEED_SECTIONS)
    for n, row in enumerate(seed.get("members") or []):
        _check_fields(f"members[{n}]", row, SEED_MEMBER_FIELDS, required=("id", "email"))
        state.add_member(row["id"], row["email"], **_without(row, "id", "email"))
    for n, row in enumerate(seed.get("keys") or []):
        _seed_key(state, f"keys[{n}]", row)
    for n, row in enumerate(seed.get("guardrails") or []):
        _check_fields(f"guardrails[{n}]", row, SEED_GUARDRAIL_FIELDS, required=("name",))
        state.add_guardrail(row["name"], guardrail_id=row.get("id"), **_without(row, "name", "id"))
    if seed.get("management_key"):
        state.add_key("management", secret=seed["management_key"], is_management=True,
                      creator_user_id=state.admin_user_id())
    _seed_assignments(state, seed)
    if seed.get("credits") is not None:
        _check_fields("credits", seed["credits"], {"total_credits", "total_usage"})
        state.credits = Credits(**seed["credits"])
    state.catalog = _checked_catalog(seed.get("catalog"))


def _seed_assignments(state: EmulatorState, seed: dict) -> None:
    """Assignments by name or id; names resolve through indexes built once (10,000 keys)."""
    guardrails = _index_by(state.guardrails.values(), "id", "name")
    keys = _index_by([k for k in state.keys.values() if not k.is_management], "hash", "name")
    members = _index_by(state.members.values(), "id", "email")
    assigned_by = state.admin_user_id()
    sections = (("key_assignments", "key", keys, state.assign_key),
                ("member_assignments", "member", members, state.assign_member))
    for section, kind, index, assign in sections:
        for n, row in enumerate(seed.get(section) or []):
            where = f"{section}[{n}]"
            _check_fields(where, row, {"guardrail", kind}, required=("guardrail", kind))
            assign(_resolve(guardrails, where, "guardrail", row["guardrail"]),
                   _resolve(index, where, kind, row[kind]), assigned_by)


def _index_by(records, id_field: str, name_field: str) -> dict[str, list[str]]:
    """Every id and every name mapped to the ids it designates."""
    index: dict[str, list[str]] = {}
    for record in records:
        record_id = getattr(record, id_field)
        index.setdefault(record_id, []).append(record_id)
        name = getattr(record, name_field)
        if name != record_id:
            index.setdefault(name, []).append(record_id)
    return index


def _resolve(index: dict[str, list[str]], where: str, kind: str, ref: str) -> str:
    found = index.get(ref, [])
    if len(found) != 1:
        raise ValueError(f"seed {where}: {kind} {ref!r} " + ("is ambiguous" if found else "not found"))
    return found[0]


def _seed_key(state: EmulatorState, where: str, row: dict) -> None:
    _check_fields(where, row, SEED_KEY_FIELDS, required=("name",))
    values = _without(row, "name", "secret", "hash", "created_at", "label")
    secret = row.get("secret")
    key_hash = row.get("hash") or (hash_of(secret) if secret else None)
    state.add_key(row["name"], secret=secret, key_hash=key_hash,
                  created_at=row.get("created_at"), **values)


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
