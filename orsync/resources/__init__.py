"""The kinds of object orsync manages, in the order the planner resolves them.

Guardrails come first (keys and members refer to them), keys next, then the assignments that
need both.
"""

from orsync.resources.assignments import KeyAssignments, MemberAssignments
from orsync.resources.base import ResourceKind
from orsync.resources.guardrails import Guardrails
from orsync.resources.keys import Keys

KINDS: tuple[ResourceKind, ...] = (Guardrails(), Keys(), KeyAssignments(), MemberAssignments())
KINDS_BY_NAME = {kind.kind: kind for kind in KINDS}

__all__ = ["KINDS", "KINDS_BY_NAME", "ResourceKind"]
