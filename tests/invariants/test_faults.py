"""Invariant 3 (and 1, 2, 4) under injected faults: 429s, 5xx, 524 timeouts, latency and lost
responses (a write applied, its answer never sent).

Apply is rerun until it exits 0, at most MAX_APPLY_RUNS times; after every run, apply has
created at most one key per entry. Once converged (faults off): plan is empty, a second apply writes nothing, the org is
what the file says, every key created has its secret in the sink, and every secret in the sink
is a live key (or one apply said it deleted).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orsync.emulator.faults.injector import FAULT_KINDS

from .figures import FIGURES
from .harness import (MAX_APPLY_RUNS, FaultCounter, assert_one_line_error, check_scenario, fast_cli_clients,
                      injected)
from .profiles import examples
from .strategies import MORE_KEY_NAMES, scenarios, workspace_scenarios
from .workspace_oracle import assert_no_duplicate_keys, check_workspaces

FAULTS = st.fixed_dictionaries({
    "seed": st.integers(0, 2**16),
    # Lost responses always in play: they are what recovery (and invariant 3) is about.
    "kinds": st.lists(st.sampled_from(FAULT_KINDS), unique=True).map(lambda kinds: sorted({*kinds, "drop"})),
    "latency_ms": st.sampled_from([0, 1, 3]),
})


# (fault rate, attempts per request): few attempts make runs fail part-way, so that reruns are
# exercised; each pair leaves a read a chance of at most about 3% to fail past its retries, so
# that MAX_APPLY_RUNS runs are enough (with a harsher pair, all 8 runs can fail reading, by chance).
PRESSURE = st.sampled_from([(0.1, 2), (0.2, 3), (0.3, 3), (0.3, 8), (0.5, 5)])


class RetryBudget:
    attempts = 8


@pytest.fixture(scope="module")
def budget(org) -> Iterator[RetryBudget]:
    """CLI clients on the shared org retry without sleeping, `budget.attempts` times a request."""
    budget, counter = RetryBudget(), FaultCounter(org.emulator.app)
    with fast_cli_clients(lambda: budget.attempts):
        yield budget
    FIGURES.add_all("faults.injected", counter.counts)


@examples(30)
@given(scenario=scenarios(MORE_KEY_NAMES), faults=FAULTS, pressure=PRESSURE)
def test_apply_converges_under_faults_without_duplicates_or_lost_secrets(org, budget, scenario, faults, pressure):
    rate, budget.attempts = pressure
    runs = check_scenario(org, scenario, "faults", max_runs=MAX_APPLY_RUNS, faults={**faults, "rate": rate})
    FIGURES.add("faults.failed_runs", runs - 1)


@examples(15)
@given(scenario=workspace_scenarios(), faults=FAULTS)
def test_orgs_with_workspaces_converge_under_30_percent_faults_without_duplicate_keys(org, budget, scenario, faults):
    """Invariants 3 and 9 together: at a 30 % fault rate, keys created in any workspace are
    never created twice for one entry, and reruns converge."""
    budget.attempts = 8
    org.reseed(scenario.seed)
    config, secrets = org.new_file("org.yaml", scenario.yaml), org.new_file("secrets.json")
    flags = ("--yes", "--allow-destroy", "--force", "--allow-empty-org", "--secrets-out", str(secrets))
    with injected(org, {**faults, "rate": 0.3}):
        for run in range(1, MAX_APPLY_RUNS + 1):
            result = org.cli("apply", str(config), *flags)
            assert_no_duplicate_keys(scenario.config, org.state())
            if result.code == 0:
                break
            assert_one_line_error(result)
    assert result.code == 0, f"no convergence in {MAX_APPLY_RUNS} runs: {result.err[-800:]}"
    planned = org.cli("plan", str(config), "--allow-empty-org", "--format", "json")
    assert planned.code == 0 and json.loads(planned.out)["resource_changes"] == [], planned.out[-1500:]
    check_workspaces(scenario.config, org.state())
    FIGURES.add("faults.workspaces.failed_runs", run - 1)
