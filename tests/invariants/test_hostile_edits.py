"""Invariant 7: nothing is deleted that the file does not name by `state: absent`, `prune` or a
replacement this tool can prove it started, whatever was edited by hand between plan and apply.

Each example seeds a small org, saves a plan of a generated file, lets a "colleague" edit the
org by hand (hand_edits.py), then applies both the saved plan and the file itself. Whatever each
apply does (apply, refuse as stale, refuse a namesake, refuse a guard), every key it deleted
must be one the file asked to delete, judged from the org as that apply found it.
"""

from __future__ import annotations

from hypothesis import given

from .figures import FIGURES
from .harness import assert_one_line_error
from .hand_edits import allowed_deletions, apply_edits, cases
from .oracle import api_keys
from .profiles import examples


def _seeded_hashes(org):
    def seed_and_list(seed: dict) -> list[str]:
        org.reseed(seed)
        keys = [key for key in org.state()["keys"] if not key["is_management"]]
        by_name = {key["name"]: key["hash"] for key in keys}
        return [by_name[key["name"]] for key in seed["keys"]]
    return seed_and_list


def _check_apply(org, config: dict, args: list[str], outcome: str) -> None:
    before = api_keys(org.state())
    result = org.cli("apply", *args)
    after = api_keys(org.state())
    if result.code != 0:
        assert_one_line_error(result) if "Apply incomplete" not in result.out else None
    deleted = set(before) - set(after)
    unasked = deleted - allowed_deletions(config, before, after)
    assert not unasked, (f"{outcome}: deleted keys the file did not ask to delete: "
                         f"{[before[h]['name'] + '#' + h[:8] for h in unasked]}\n{result.out}\n{result.err}")
    FIGURES.add(f"hostile_edits.{outcome}.{'applied' if result.code == 0 else 'refused'}")
    FIGURES.add("hostile_edits.deleted", len(deleted))


@examples(25)
@given(data=__import__("hypothesis").strategies.data())
def test_hand_edits_between_plan_and_apply_never_delete_what_the_file_did_not_ask(org, data):
    case = data.draw(cases(_seeded_hashes(org)))
    config_path = org.new_file("org.yaml", case.yaml)
    plan_path = org.new_file("plan.json")
    planned = org.cli("plan", str(config_path), "--offline", "--allow-empty-org", "--out", str(plan_path))
    FIGURES.add("hostile_edits.examples")
    FIGURES.add_all("hostile_edits.edit", {edit[0]: 1 for edit in case.edits})
    if planned.code != 0:           # refused up front (a namesake, a rename onto a held name, ...)
        assert_one_line_error(planned)
        FIGURES.add("hostile_edits.plan_refused")
        return
    apply_edits(org.emulator.client(), case.hashes, case)
    secrets = org.new_file("secrets.json")
    _check_apply(org, case.config, [str(plan_path), "--allow-empty-org", "--secrets-out", str(secrets)], "saved_plan")
    _check_apply(org, case.config, [str(config_path), "--yes", "--offline", "--allow-empty-org",
                                    "--secrets-out", str(secrets)], "file")


def _old_guess(want, candidates, resolution):
    """orsync 0.1's rule, put back on purpose: among namesakes, the one with the declared
    replace-forcing values is the entry and the others are deleted as "left by an interrupted
    replacement" (issue 13, class 1)."""
    from orsync.resources import KINDS_BY_NAME

    kind = KINDS_BY_NAME["key"]
    forcing = kind.replace_fields & want.fields.keys()
    finished = [obj for obj in candidates if all(obj.fields.get(name) == want.fields[name] for name in forcing)]
    if len(candidates) < 2 or not forcing or len(finished) != 1:
        return candidates
    resolution.leftovers.extend((f"{want.name}#{obj.id[:8]}", obj, "guessed") for obj in candidates
                                if obj is not finished[0])
    return finished


def test_SABOTAGE_the_old_namesake_guess_is_caught(org, monkeypatch):
    """If orsync guessed again, the property above must fail on a deletion, not on a crash."""
    import pytest
    from hypothesis import Phase, settings

    from orsync.planner import diff

    monkeypatch.setattr(diff, "proven_namesakes", _old_guess)
    tried = []

    @settings(examples(150), phases=[Phase.generate], database=None, report_multiple_bugs=False)
    @given(data=__import__("hypothesis").strategies.data())
    def property_under_sabotage(data):
        tried.append(1)
        test_hand_edits_between_plan_and_apply_never_delete_what_the_file_did_not_ask.hypothesis.inner_test(org, data)

    with pytest.raises(AssertionError) as caught:
        property_under_sabotage()
    assert "did not ask to delete" in str(caught.value), caught.value
    FIGURES.add("hostile_edits.sabotage_examples_until_caught", len(tried))
    print(f"old namesake guess caught after {len(tried)} example(s)")
