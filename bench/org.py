"""The synthetic org the benchmark measures: an emulator seed and the config files that match it.

Everything is derived from the sizes alone, so the emulator process (which loads the seed) and
the harness (which writes the config files) agree without sharing anything else. Key secrets
are left to the emulator: it generates them at run time, so none is ever written here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

MODELS = ("openai/gpt-4o-mini", "anthropic/claude-3.5-haiku", "openai/gpt-4o", "google/gemini-2.5-flash")
PROVIDERS = ("openai", "anthropic", "google-vertex")
INTERVALS = ("daily", "weekly", "monthly")
PAGE_SIZE = 100  # every listing pages by 100 rows (GET /keys always; the others with limit=100)


@dataclass(frozen=True)
class Sizes:
    keys: int = 10_000
    guardrails: int = 1_000
    key_assignments: int = 10_000
    members: int = 200
    member_assignments: int = 100
    updates: int = 1_000          # key limits the "changed" config moves, for the apply run
    workspaces: int = 1           # keys and guardrails spread round-robin; 1: the default one only

    def __post_init__(self) -> None:
        if self.workspaces < 1:
            raise ValueError("an org has at least its default workspace")
        if self.workspaces > 1 and self.guardrails % self.workspaces:
            # Key i and guardrail i % guardrails must share a workspace (i % workspaces).
            raise ValueError("guardrails must be a multiple of workspaces")
        if self.guardrails < 1 and (self.key_assignments or self.member_assignments):
            raise ValueError("assignments need at least one guardrail")
        if self.key_assignments > self.keys or self.member_assignments > self.members:
            raise ValueError("there cannot be more assignments than keys or members")
        if self.updates > self.keys:
            raise ValueError("updates change key limits: at most one per key")

    def describe(self) -> str:
        spread = f" in {self.workspaces} workspaces" if self.workspaces > 1 else ""
        return (f"{self.keys:,} keys{spread}, {self.guardrails:,} guardrails, {self.key_assignments:,} key "
                f"assignments, {self.members:,} members ({self.member_assignments:,} assigned)")


def scaled(keys: int, workspaces: int = 1, **others: int) -> Sizes:
    """The scaling table's org: a guardrail per 10 keys, every key under one, 200 members."""
    guardrails = max(workspaces, keys // 10 // workspaces * workspaces)
    return Sizes(keys=keys, guardrails=guardrails, key_assignments=keys, workspaces=workspaces,
                 **{"updates": min(keys, 1_000), **others})


def key_name(index: int) -> str:
    return f"svc-{index:05d}"


def guardrail_name(index: int) -> str:
    return f"team-{index:04d}"


def member_id(index: int) -> str:
    return f"user_bench{index:018d}"


def member_email(index: int) -> str:
    return f"member{index:04d}@bench.example"


def workspace_slug(index: int) -> str | None:
    """The workspace of key (or guardrail) `index`'s spread: None is the default workspace."""
    return f"ws-{index:02d}" if index else None


def _placed(sizes: Sizes, index: int, fields: dict[str, Any]) -> dict[str, Any]:
    slug = workspace_slug(index % sizes.workspaces)
    return {**fields, "workspace": slug} if slug else fields


def _workspaces(sizes: Sizes) -> list[dict[str, Any]]:
    return [{"slug": workspace_slug(i), "name": f"Bench workspace {i}"} for i in range(1, sizes.workspaces)]


def _key_fields(index: int) -> dict[str, Any]:
    fields: dict[str, Any] = {"limit": float(5 + index % 50), "limit_reset": INTERVALS[index % 3],
                              "include_byok_in_limit": index % 7 == 0}
    if index % 10 == 0:
        fields["expires_at"] = "2030-01-01T00:00:00Z"
    if index % 97 == 0:
        fields["disabled"] = True
    return fields


def _guardrail_fields(index: int) -> dict[str, Any]:
    return {"description": f"Budget of team {index}", "limit_usd": float(10 + index % 90),
            "reset_interval": INTERVALS[index % 3],
            "allowed_models": [MODELS[index % 4], MODELS[(index + 1) % 4]],
            "allowed_providers": list(PROVIDERS[: 1 + index % 3]), "enforce_zdr": index % 5 == 0}


def _key_guardrail(sizes: Sizes, index: int) -> str | None:
    return guardrail_name(index % sizes.guardrails) if index < sizes.key_assignments else None


def _member_guardrail(sizes: Sizes, index: int) -> str | None:
    return guardrail_name(index % sizes.guardrails) if index < sizes.member_assignments else None


def emulator_seed(sizes: Sizes, management_key: str) -> dict[str, Any]:
    """The org the emulator starts with."""
    seed: dict[str, Any] = {"management_key": management_key}
    if sizes.workspaces > 1:
        seed["workspaces"] = _workspaces(sizes)
    return {
        **seed,
        "members": [{"id": member_id(0), "email": member_email(0), "first_name": "Admin", "role": "org:admin"}]
        + [{"id": member_id(i), "email": member_email(i), "role": "org:member"} for i in range(1, sizes.members)],
        "guardrails": [_placed(sizes, i, {"name": guardrail_name(i), **_guardrail_fields(i)})
                       for i in range(sizes.guardrails)],
        "keys": [_placed(sizes, i, {"name": key_name(i), **_key_fields(i)}) for i in range(sizes.keys)],
        "key_assignments": [{"guardrail": _key_guardrail(sizes, i), "key": key_name(i)}
                            for i in range(sizes.key_assignments)],
        "member_assignments": [{"guardrail": _member_guardrail(sizes, i), "member": member_id(i)}
                               for i in range(sizes.member_assignments)],
    }


def config_document(sizes: Sizes, *, changed: bool, declared: int | None = None,
                    new_keys: int = 0) -> dict[str, Any]:
    """A config declaring the whole org; `changed` moves the limit of the first `updates` keys.

    `declared` keeps only the first keys and guardrails (as many of each as fit, guardrails a
    fifth): a small file against a large org. `new_keys` declares that many keys more, which
    do not exist yet (an apply that creates them)."""
    key_count, guardrail_count = sizes.keys, sizes.guardrails
    if declared is not None:
        guardrail_count = min(sizes.guardrails, declared // 5)
        key_count = min(sizes.keys, declared - guardrail_count)

    def key_entry(index: int) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": key_name(index), **_key_fields(index)}
        if changed and index < sizes.updates:
            entry["limit"] = entry["limit"] + 1000.0
        guardrail = _key_guardrail(sizes, index)
        if declared is None or guardrail is None or index % sizes.guardrails < guardrail_count:
            entry["guardrail"] = guardrail
        return _placed(sizes, index, entry)

    document: dict[str, Any] = {"version": 1, "policy": {"prune": False, "max_deletes": 0}}
    if sizes.workspaces > 1:
        document["workspaces"] = _workspaces(sizes)
    document.update({
        "guardrails": [_placed(sizes, i, {"name": guardrail_name(i), **_guardrail_fields(i)})
                       for i in range(guardrail_count)],
        "keys": [key_entry(i) for i in range(key_count)]
        + [{"name": f"new-{i:05d}", "limit": 1.0, "limit_reset": "daily"} for i in range(new_keys)],
        "members": [{"email": member_email(i), "guardrail": _member_guardrail(sizes, i)}
                    for i in range(sizes.member_assignments if declared is None else 0)],
    })
    return document


def config_yaml(sizes: Sizes, *, changed: bool, declared: int | None = None, new_keys: int = 0) -> str:
    import yaml

    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    document = config_document(sizes, changed=changed, declared=declared, new_keys=new_keys)
    return yaml.dump(document, Dumper=dumper, sort_keys=False)


def listing_pages(rows: int) -> int:
    """Requests a listing with `total_count` needs: one per page of 100, at least one."""
    return max(1, math.ceil(rows / PAGE_SIZE))


def key_listing_pages(rows: int) -> int:
    """GET /keys has no total: the end is the first short page, so a full last page needs one more."""
    return rows // PAGE_SIZE + 1


def _per_workspace(count: int, workspaces: int) -> list[int]:
    """How many of `count` objects spread round-robin land in each workspace."""
    return [count // workspaces + (w < count % workspaces) for w in range(workspaces)]


def minimum_plan_requests(sizes: Sizes) -> dict[str, int]:
    """The fewest requests that read the whole org, per listing route: the workspaces, then
    each one's keys and guardrails, the org-wide assignments and members."""
    return {
        "GET /workspaces": listing_pages(sizes.workspaces),
        "GET /keys": sum(map(key_listing_pages, _per_workspace(sizes.keys, sizes.workspaces))),
        "GET /guardrails": sum(map(listing_pages, _per_workspace(sizes.guardrails, sizes.workspaces))),
        "GET /guardrails/assignments/keys": listing_pages(sizes.key_assignments),
        "GET /guardrails/assignments/members": listing_pages(sizes.member_assignments),
        "GET /organization/members": listing_pages(sizes.members),
    }


def baseline_requests(sizes: Sizes) -> dict[str, int]:
    """What a per-object refresh sends: one GET per key and guardrail, two listings per guardrail."""
    key_rows = [0] * sizes.guardrails
    for index in range(sizes.key_assignments):
        key_rows[index % sizes.guardrails] += 1
    member_rows = [0] * sizes.guardrails
    for index in range(sizes.member_assignments):
        member_rows[index % sizes.guardrails] += 1
    return {
        "GET /keys/{hash}": sizes.keys,
        "GET /guardrails/{id}": sizes.guardrails,
        "GET /guardrails/{id}/assignments/keys": sum(map(listing_pages, key_rows)),
        "GET /guardrails/{id}/assignments/members": sum(map(listing_pages, member_rows)),
    }
