"""Live API objects for planner unit tests, built with the client's own models."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from orsync.api.models import Guardrail, Key, KeyAssignment, Member, MemberAssignment
from orsync.config.model import OrgConfig
from orsync.config.source import field_name
from orsync.errors import ConfigError
from orsync.planner.live import LiveState

STAMP = "2026-01-01T00:00:00Z"


def fake_hash(name: str) -> str:
    return hashlib.sha256(f"fake-{name}".encode()).hexdigest()


def key(name: str, *, hash: str | None = None, **fields) -> Key:
    values = dict(hash=hash or fake_hash(name), name=name, label="sk-or-v1-fak...e00", disabled=False,
                  limit=None, limit_remaining=None, limit_reset=None, include_byok_in_limit=False,
                  usage=0, usage_daily=0, usage_weekly=0, usage_monthly=0, byok_usage=0,
                  byok_usage_daily=0, byok_usage_weekly=0, byok_usage_monthly=0, created_at=STAMP,
                  updated_at=None, expires_at=None, creator_user_id=None)
    values.update(fields)
    return Key(**values)


def guardrail(name: str, *, id: str | None = None, **fields) -> Guardrail:
    return Guardrail(id=id or f"00000000-0000-4000-8000-{fake_hash(name)[:12]}", name=name,
                     include_byok_in_budgets=False, created_at=STAMP, **fields)


def key_assignment(key_obj: Key, guardrail_obj: Guardrail) -> KeyAssignment:
    return KeyAssignment(id=f"ka-{key_obj.hash[:8]}", key_hash=key_obj.hash, key_name=key_obj.name,
                         key_label=key_obj.label, guardrail_id=guardrail_obj.id, assigned_by=None,
                         created_at=STAMP)


def member(email: str, user_id: str) -> Member:
    return Member(id=user_id, email=email, first_name=None, last_name=None, role="org:member")


def member_assignment(member_obj: Member, guardrail_obj: Guardrail) -> MemberAssignment:
    return MemberAssignment(id=f"ma-{member_obj.id}", user_id=member_obj.id, organization_id="org_fake",
                            guardrail_id=guardrail_obj.id, assigned_by=None, created_at=STAMP)


def live(keys=(), guardrails=(), key_assignments=(), member_assignments=(), members=()) -> LiveState:
    return LiveState(keys=list(keys), guardrails=list(guardrails), key_assignments=list(key_assignments),
                     member_assignments=list(member_assignments), members=list(members))


@dataclass
class InMemoryConfig:
    """Stands in for LoadedConfig: a model and every field located at line 1."""

    model: OrgConfig
    path: Path = Path("org.yaml")
    sha256: str = "0" * 64
    located: list = field(default_factory=list)

    def error(self, path: tuple, message: str) -> ConfigError:
        self.located.append(path)
        return ConfigError(message, file=str(self.path), line=1, column=1, field=field_name(path))


def config(**sections) -> InMemoryConfig:
    return InMemoryConfig(model=OrgConfig.model_validate({"version": 1, **sections}))
