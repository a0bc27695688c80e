"""Invariants 1, 2 and 4 (and 3 without faults) over random orgs and random valid files.

For any starting org and any valid file: one apply converges (`plan` shows nothing), a second
apply sends no write, every entry has exactly one live object with the declared values, and
everything the file does not declare is byte-for-byte what it was.
"""

from __future__ import annotations

from hypothesis import given, reject

from .figures import FIGURES
from .harness import converge
from .known_issues import known_issue
from .profiles import examples
from .strategies import Scenario, scenarios


def set_aside_known_issues(scenario: Scenario, suite: str) -> None:
    issue = known_issue(scenario)
    if issue:
        FIGURES.add(f"{suite}.known_issue.{issue}")
        reject()


@examples(20)
@given(scenario=scenarios())
def test_one_apply_converges_and_a_second_writes_nothing(org, scenario):
    set_aside_known_issues(scenario, "convergence")
    converge(org, scenario, max_runs=1)
    FIGURES.add("convergence.examples")
    FIGURES.add("convergence.live_keys_seeded", len(scenario.seed["keys"]))
    FIGURES.add("convergence.entries", sum(len(scenario.config.get(s, [])) for s in ("keys", "guardrails", "members")))
