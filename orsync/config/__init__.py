"""The org file: its model (model.py), and how a YAML file becomes one (loader.py)."""

from orsync.config.model import GuardrailSpec, KeySpec, MemberSpec, OrgConfig, Policy, SmokeSpec

__all__ = ["GuardrailSpec", "KeySpec", "MemberSpec", "OrgConfig", "Policy", "SmokeSpec"]
