"""The Plan: a value object that can be rendered, saved, checked for safety and applied.

It never renders or applies itself; render.py and apply.py do. Its JSON form follows the shape
of Terraform's `show -json` (`resource_changes[].change.actions/before/after`) so that policy
checks written for Terraform plans (OPA, conftest) carry over.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from functools import cache
from typing import Any

from orsync import __version__

FORMAT_VERSION = "1.1"  # 1.1 added Terraform's mode, provider_name, after_unknown, *_sensitive
# The official OpenRouter Terraform provider (OpenRouterTeam/openrouter) as `terraform show -json`
# names it, so that policies matching on provider_name see orsync's changes as that provider's.
PROVIDER_NAME = "registry.terraform.io/openrouterteam/openrouter"
ACTIONS = ("create", "update", "replace", "delete", "assign", "unassign")
# Terraform's vocabulary for each action; replacement is create-before-destroy.
TERRAFORM_ACTIONS = {
    "create": ["create"], "update": ["update"], "replace": ["create", "delete"],
    "delete": ["delete"], "unassign": ["delete"],
}


@dataclass(frozen=True)
class Change:
    address: str                      # e.g. "key.ci-smoke"
    kind: str                         # the name its kind declares in orsync/resources/
    type: str                         # Terraform-style type, e.g. "openrouter_api_key"
    action: str                       # one of ACTIONS
    name: str
    live_id: str | None               # hash / id / user id of the live object, if any
    before: dict[str, Any] | None     # managed fields only
    after: dict[str, Any] | None
    body: dict[str, Any]              # what apply sends (never a secret)
    reasons: tuple[str, ...] = ()     # why a replacement, or other notes
    fingerprint: str | None = None    # of the live object this change was computed from
    refs: dict[str, str] = field(default_factory=dict)   # role -> address of another object
    secret: bool = False              # apply will receive a new key value
    live_name: str | None = None      # the matched live object's own name (it may differ: pins, renames)

    @property
    def changed_fields(self) -> list[str]:
        before, after = self.before or {}, self.after or {}
        return sorted(name for name in after.keys() | before.keys() if before.get(name) != after.get(name))

    def terraform_actions(self) -> list[str]:
        if self.action == "assign":
            return ["update"] if self.is_move else ["create"]
        return TERRAFORM_ACTIONS[self.action]

    @property
    def is_move(self) -> bool:
        """An assignment that replaces another (a move between guardrails), not a first one."""
        return self.action == "assign" and any(value is not None for value in (self.before or {}).values())

    def replace_paths(self) -> list[list[str]]:
        return [[name] for name in self.changed_fields if f"{name} forces replacement" in self.reasons]

    def to_json(self) -> dict[str, Any]:
        item = {
            "address": self.address, "mode": "managed", "type": self.type, "name": self.name,
            "provider_name": PROVIDER_NAME, "kind": self.kind, "action": self.action,
            "live_id": self.live_id, "live_name": self.live_name,
            "change": {"actions": self.terraform_actions(), "before": self.before, "after": self.after,
                       **terraform_unknowns(self), "changed_fields": self.changed_fields},
            "body": self.body, "reasons": list(self.reasons), "fingerprint": self.fingerprint,
            "refs": self.refs, "new_secret": self.secret,
        }
        if self.action == "replace":
            item["change"]["replace_paths"] = self.replace_paths()
            item["action_reason"] = "replace_because_cannot_update"
        return item

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Change:
        change = data["change"]
        return cls(address=data["address"], kind=data["kind"], type=data["type"], action=data["action"],
                   name=data["name"], live_id=data["live_id"], before=change["before"],
                   after=change["after"], body=data["body"], reasons=tuple(data["reasons"]),
                   fingerprint=data["fingerprint"], refs=data["refs"], secret=data["new_secret"],
                   live_name=data.get("live_name"))


def terraform_unknowns(change: Change) -> dict[str, Any]:
    """`after_unknown`, `before_sensitive`, `after_sensitive` as `terraform show -json` writes them.

    The attributes the kind's Terraform resource marks sensitive (a key's secret) are sensitive
    on both sides; a new object's secret is also unknown until apply. A side that is null is
    `false`, as in Terraform.
    """
    sensitive = sensitive_fields(change.kind)
    return {
        "after_unknown": dict.fromkeys(sensitive, True) if change.secret else {},
        "before_sensitive": dict.fromkeys(sensitive, True) if change.before is not None else False,
        "after_sensitive": dict.fromkeys(sensitive, True) if change.after is not None else False,
    }


@cache
def sensitive_fields(kind_name: str) -> tuple[str, ...]:
    from orsync.resources import KINDS_BY_NAME  # resources import the planner: resolved late

    return getattr(KINDS_BY_NAME.get(kind_name), "sensitive_fields", ())


@dataclass(frozen=True)
class Unmanaged:
    address: str
    live_id: str


@dataclass(frozen=True)
class Plan:
    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...] = ()
    warnings: tuple[str, ...] = ()
    config_path: str = ""
    config_sha256: str = ""
    base_url: str = ""
    protect: tuple[str, ...] = ()
    max_deletes: int | None = None
    created_at: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))

    @property
    def has_changes(self) -> bool:
        return bool(self.changes)

    def count(self, *actions: str) -> int:
        return sum(1 for change in self.changes if change.action in actions)

    def summary(self) -> str:
        return (f"{self.count('create')} to create, {self.count('update')} to update, "
                f"{self.count('replace')} to replace, {self.count('delete')} to delete, "
                f"{self.count('assign', 'unassign')} assignments")

    def new_secrets(self) -> list[Change]:
        return [change for change in self.changes if change.secret]

    def safety_violations(self, allow_destroy: bool = False, force: bool = False) -> list[str]:
        from orsync.planner.safety import violations

        return violations(self, allow_destroy=allow_destroy, force=force)

    def to_json(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "orsync_version": __version__,
            "created_at": self.created_at,
            "config": {"path": self.config_path, "sha256": self.config_sha256},
            "base_url": self.base_url,
            "policy": {"protect": list(self.protect), "max_deletes": self.max_deletes},
            "summary": {action: self.count(action) for action in ACTIONS},
            "resource_changes": [change.to_json() for change in self.changes],
            "unmanaged": [asdict(item) for item in self.unmanaged],
            "warnings": list(self.warnings),
            "safety": {"violations": self.safety_violations()},
            "live_fingerprints": {c.address: c.fingerprint for c in self.changes if c.fingerprint},
        }

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Plan:
        major = str(data.get("format_version", "")).split(".")[0]
        if major != FORMAT_VERSION.split(".")[0]:
            from orsync.errors import OrsyncError

            raise OrsyncError(f"plan format_version {data.get('format_version')!r} is not supported "
                              f"(this orsync reads {FORMAT_VERSION})")
        return cls(
            changes=tuple(Change.from_json(item) for item in data["resource_changes"]),
            unmanaged=tuple(Unmanaged(**item) for item in data.get("unmanaged", [])),
            warnings=tuple(data.get("warnings", [])),
            config_path=data["config"]["path"], config_sha256=data["config"]["sha256"],
            base_url=data["base_url"], protect=tuple(data["policy"]["protect"]),
            max_deletes=data["policy"]["max_deletes"], created_at=data["created_at"],
        )
