"""Bugs the property suites found, each as the smallest scenario that shows it.

Open bugs are xfail(strict=True) and listed in known_issues.py, which sets their scenarios aside
in the property suites meanwhile. When one is fixed, its test here passes, strict xfail reports
the pass as a failure: drop the xfail mark and the predicate in known_issues.py together.
"""

from __future__ import annotations

import hashlib

import pytest

from .harness import Org, apply_until_converged, assert_one_line_error, converge
from .known_issues import KNOWN_ISSUES
from .strategies import MEMBERS, Scenario

ALICE, BOB = MEMBERS[0]["id"], MEMBERS[1]["id"]
GUARDRAIL_U = "11111111-1111-4111-8111-111111111111"
GUARDRAIL_D = "22222222-2222-4222-8222-222222222222"


def org_of(keys=(), guardrails=(), key_assignments=(), member_assignments=()) -> dict:
    return {"members": MEMBERS, "keys": list(keys), "guardrails": list(guardrails),
            "key_assignments": list(key_assignments), "member_assignments": list(member_assignments)}


def key_hash(name: str) -> str:
    return hashlib.sha256(f"finding-{name}".encode()).hexdigest()


def converges_or_refuses_up_front(org: Org, scenario: Scenario) -> None:
    """Either fix is acceptable: apply converges, or the plan refuses the file before any write
    with a one-line error located in it."""
    org.reseed(scenario.seed)
    config = org.new_file("org.yaml", scenario.yaml)
    first = org.apply(config, org.new_file("secrets.json"))
    if first.code == 0:
        converge(org, scenario, max_runs=1)
        return
    assert_one_line_error(first)
    assert f"{config}:" in first.err, f"not a located config error: {first.err.strip()}"
    assert org.emulator.write_count() == 0, "refused, but only after writing"


def scenario_of(seed: dict, config: dict, issue: str) -> Scenario:
    scenario = Scenario(seed=seed, config={"version": 1, **config})
    assert KNOWN_ISSUES[issue](scenario), f"the {issue} predicate must recognise its own finding"
    return scenario


@pytest.mark.xfail(strict=True, reason="open: a replacement breaks the file's own hash: pin")
def test_a_pinned_key_whose_change_forces_a_replacement(org):
    """`hash:` pins a key, and expires_at changes: apply replaces the key (new hash) and exits 0,
    then every later plan fails with "no live key has hash ...". Fix: refuse at plan time
    (before any write), or converge."""
    pinned = key_hash("pinned")
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": pinned, "expires_at": "2031-01-01T00:00:00Z"}]),
        {"keys": [{"name": "k", "hash": pinned, "expires_at": "2032-06-30T12:30:00Z"}]},
        "pinned_key_replaced")
    converges_or_refuses_up_front(org, scenario)


@pytest.mark.xfail(strict=True, reason="open: a replacement carries a past expires_at into POST /keys")
def test_replacing_an_expired_key(org):
    """An expired key whose creator_user_id changes: the replacement carries the old expiry,
    which is in the past, and POST /keys refuses it on every run."""
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": key_hash("expired"), "expires_at": "2020-01-01T00:00:00Z"}]),
        {"keys": [{"name": "k", "creator_user_id": BOB}]},
        "expired_key_replaced")
    converges_or_refuses_up_front(org, scenario)


@pytest.mark.xfail(strict=True, reason="open: assignments compare guardrails by name, not id")
def test_a_member_under_a_same_named_undeclared_guardrail(org):
    """Two live guardrails named ci-policy; the file pins one (D) and puts bob under ci-policy;
    bob is under the other (U). The plan shows no change and bob stays under U: silently wrong."""
    scenario = scenario_of(
        org_of(guardrails=[{"id": GUARDRAIL_U, "name": "ci-policy"}, {"id": GUARDRAIL_D, "name": "ci-policy"}],
               member_assignments=[{"guardrail": GUARDRAIL_U, "member": BOB}]),
        {"guardrails": [{"name": "ci-policy", "id": GUARDRAIL_D}],
         "members": [{"email": "bob@example.com", "guardrail": "ci-policy"}]},
        "assignment_matched_by_name")
    converge(org, scenario, max_runs=1)


@pytest.mark.xfail(strict=True, reason="open: a replacement inherits its guardrail by name")
def test_a_replacement_under_a_guardrail_whose_name_is_shared(org):
    """A key under guardrail U is replaced; U's name is shared by another live guardrail. The new
    key's assignment is "not attempted" (apply exits 1) and no later plan restores it."""
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": key_hash("inherit")}],
               guardrails=[{"id": GUARDRAIL_U, "name": "ci-policy"}, {"id": GUARDRAIL_D, "name": "ci-policy"}],
               key_assignments=[{"guardrail": GUARDRAIL_U, "key": key_hash("inherit")}]),
        {"keys": [{"name": "k", "creator_user_id": ALICE}]},
        "replacement_inherits_by_name")
    org.reseed(scenario.seed)
    config = org.new_file("org.yaml", scenario.yaml)
    applied = apply_until_converged(org, config, max_runs=1)
    assert [k["guardrail_id"] for k in org.state()["keys"] if k["name"] == "k"] == [GUARDRAIL_U], applied
