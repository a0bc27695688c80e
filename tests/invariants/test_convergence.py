"""Invariants 1, 2 and 4 (and 3 without faults) over random orgs and random valid files.

For any starting org and any valid file: one apply converges (`plan` shows nothing), a second
apply sends no write, every entry has exactly one live object with the declared values, and
everything the file does not declare is byte-for-byte what it was. Files that cannot converge by
design (classes.REFUSED) must be refused by the plan before any write.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import Phase, given, settings

from .figures import FIGURES
from .harness import check_scenario
from .profiles import examples
from .strategies import scenarios, workspace_scenarios
from .workspace_oracle import check_workspaces


@examples(40)
@given(scenario=scenarios())
def test_one_apply_converges_and_a_second_writes_nothing(org, scenario):
    check_scenario(org, scenario, "convergence")
    FIGURES.add("convergence.live_keys_seeded", len(scenario.seed["keys"]))
    FIGURES.add("convergence.entries", sum(len(scenario.config.get(s, [])) for s in ("keys", "guardrails", "members")))


# --- mutation check: the suite must catch a planner that cannot see disabled keys -------------

def test_SABOTAGE_a_client_blind_to_disabled_keys_is_caught(org, monkeypatch):
    """Deliberately broken orsync: list_keys drops disabled keys, as a reconciler that forgets
    `include_disabled=true` would. The same property, over freshly generated scenarios, must fail
    (it duplicates declared disabled keys, or rewrites them every run); if it passed, the suite
    would be too weak to guard invariants 1-3."""
    from orsync.api.client import OpenRouterClient

    honest = OpenRouterClient.list_keys
    monkeypatch.setattr(OpenRouterClient, "list_keys", lambda self, *args, **kwargs: [
        key for key in honest(self, *args, **kwargs) if not key.disabled])
    tried = []

    @settings(examples(100), phases=[Phase.generate], database=None, report_multiple_bugs=False)
    @given(scenario=scenarios())
    def property_under_sabotage(scenario):
        tried.append(scenario)
        check_scenario(org, scenario, "sabotage")

    with pytest.raises(AssertionError) as caught:
        property_under_sabotage()
    # Caught by a property, not by the sabotage breaking a call (which would prove nothing).
    assert "internal error" not in str(caught.value) and "Error:" not in str(caught.value), caught.value
    FIGURES.add("sabotage.examples_until_caught", len(tried))
    print(f"sabotage caught after {len(tried)} example(s): {str(caught.value).splitlines()[0]}")


# --- orgs with 1-4 workspaces (issue 16, invariant 9) ------------------------------------------

@examples(25)
@given(scenario=workspace_scenarios())
def test_orgs_with_workspaces_converge_and_a_second_apply_writes_nothing(org, scenario):
    org.reseed(scenario.seed)
    config = org.new_file("org.yaml", scenario.yaml)
    secrets = org.new_file("secrets.json")
    flags = ("--yes", "--allow-destroy", "--force", "--allow-empty-org", "--secrets-out", str(secrets))
    applied = org.cli("apply", str(config), *flags)
    assert applied.code == 0, applied.err[-1500:]
    planned = org.cli("plan", str(config), "--allow-empty-org", "--format", "json")
    assert planned.code == 0, planned.err[-1500:]
    pending = [c["address"] for c in json.loads(planned.out)["resource_changes"]]
    assert pending == [], f"apply then plan shows changes: {pending}"
    org.emulator.reset_counts()
    again = org.cli("apply", str(config), *flags)
    assert again.code == 0 and org.emulator.write_count() == 0, org.emulator.request_counts()
    check_workspaces(scenario.config, org.state())
    FIGURES.add("workspaces.examples")
    FIGURES.add("workspaces.live_workspaces", len(org.state()["workspaces"]))
