"""Invariants 1, 2 and 4 (and 3 without faults) over random orgs and random valid files.

For any starting org and any valid file: one apply converges (`plan` shows nothing), a second
apply sends no write, every entry has exactly one live object with the declared values, and
everything the file does not declare is byte-for-byte what it was.
"""

from __future__ import annotations

from hypothesis import given

from .figures import FIGURES
from .harness import converge
from .profiles import examples
from .strategies import scenarios


@examples(20)
@given(scenario=scenarios())
def test_one_apply_converges_and_a_second_writes_nothing(org, scenario):
    applied = converge(org, scenario, max_runs=1)
    FIGURES.add("convergence.examples")
    FIGURES.add("convergence.keys_seeded", len(scenario.seed["keys"]))
    FIGURES.add("convergence.entries", sum(len(scenario.config.get(s, [])) for s in ("keys", "guardrails", "members")))
    FIGURES.add("convergence.writes", sum(1 for _ in applied.outputs))
