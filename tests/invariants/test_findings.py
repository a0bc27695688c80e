"""Bugs the property suites found, each kept as the smallest scenario that showed it.

All four were found by test_convergence.py / test_faults.py within their first runs and fixed in
the planner (commit "Planner: assignments compare guardrails by id ..."). Each test first checks
that its scenario is in the class classes.py names, so that the figures counting those classes
in the property suites count the right thing.
"""

from __future__ import annotations

import hashlib

from .classes import REFUSED, TRICKY
from .harness import converge, refused_up_front
from .strategies import MEMBERS, Scenario

ALICE, BOB = MEMBERS[0]["id"], MEMBERS[1]["id"]
GUARDRAIL_U = "11111111-1111-4111-8111-111111111111"
GUARDRAIL_D = "22222222-2222-4222-8222-222222222222"
SAME_NAMED = [{"id": GUARDRAIL_U, "name": "ci-policy"}, {"id": GUARDRAIL_D, "name": "ci-policy"}]


def org_of(keys=(), guardrails=(), key_assignments=(), member_assignments=()) -> dict:
    return {"members": MEMBERS, "keys": list(keys), "guardrails": list(guardrails),
            "key_assignments": list(key_assignments), "member_assignments": list(member_assignments)}


def key_hash(name: str) -> str:
    return hashlib.sha256(f"finding-{name}".encode()).hexdigest()


def scenario_of(seed: dict, config: dict, case: str) -> Scenario:
    scenario = Scenario(seed=seed, config={"version": 1, **config})
    assert {**REFUSED, **TRICKY}[case](scenario), f"the scenario is not a case of {case}"
    return scenario


def test_a_pinned_key_whose_change_forces_a_replacement_is_refused(org):
    """`hash:` pins a key and expires_at changes. Was: apply replaced the key (new hash) and
    exited 0, then every later plan failed with "no live key has hash ..."."""
    pinned = key_hash("pinned")
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": pinned, "expires_at": "2031-01-01T00:00:00Z"}]),
        {"keys": [{"name": "k", "hash": pinned, "expires_at": "2032-06-30T12:30:00Z"}]},
        "pinned_key_replaced")
    refused_up_front(org, scenario)


def test_replacing_an_expired_key_is_refused(org):
    """An expired key whose creator_user_id changes. Was: the replacement carried the old,
    past, expiry into POST /keys, which refused it on every run."""
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": key_hash("expired"), "expires_at": "2020-01-01T00:00:00Z"}]),
        {"keys": [{"name": "k", "creator_user_id": BOB}]},
        "expired_key_replaced")
    refused_up_front(org, scenario)


def test_a_member_under_a_same_named_undeclared_guardrail_is_moved(org):
    """Two live guardrails named ci-policy; the file pins one (D) and puts bob under ci-policy;
    bob is under the other (U). Was: the plan compared names, saw no change, and bob stayed
    under U, silently wrong."""
    scenario = scenario_of(
        org_of(guardrails=SAME_NAMED, member_assignments=[{"guardrail": GUARDRAIL_U, "member": BOB}]),
        {"guardrails": [{"name": "ci-policy", "id": GUARDRAIL_D}],
         "members": [{"email": "bob@example.com", "guardrail": "ci-policy"}]},
        "assignment_matched_by_name")
    converge(org, scenario)
    [row] = [r for r in org.state()["member_assignments"] if r["user_id"] == BOB]
    assert row["guardrail_id"] == GUARDRAIL_D


def test_a_replacement_keeps_a_guardrail_whose_name_is_shared(org):
    """A key under guardrail U is replaced; another live guardrail is also named like U. Was:
    the inherited assignment was looked up by name, "not attempted" (exit 1), and the new key
    ended under no guardrail, which no later plan noticed."""
    scenario = scenario_of(
        org_of(keys=[{"name": "k", "hash": key_hash("inherit")}], guardrails=SAME_NAMED,
               key_assignments=[{"guardrail": GUARDRAIL_U, "key": key_hash("inherit")}]),
        {"keys": [{"name": "k", "creator_user_id": ALICE}]},
        "replacement_inherits_by_name")
    converge(org, scenario)
    assert [k["guardrail_id"] for k in org.state()["keys"] if k["name"] == "k"] == [GUARDRAIL_U]
