"""`orsync export`: the live org as a file that plans to no changes, through the CLI and in-process."""

from __future__ import annotations

import hashlib
import math

import pytest
import yaml

from tests.cli_runner import run_cli
from orsync.config.loader import load_config
from orsync.export import ExportOptions, export_org, free_name, number, string
from orsync.planner.diff import plan_from_state
from tests.live_factories import guardrail, key, key_assignment, live, member, member_assignment

SHARED_A = "aaaaaaaa-0000-4000-8000-000000000001"
SHARED_B = "bbbbbbbb-0000-4000-8000-000000000002"
# Names a hand-made org really has: YAML words, indicators, `${`, non-ASCII.
ODD_NAMES = ["yes", "team: ops #1", "${HOME}-key", "naïve ✓ key", "null", "- dash", '"quoted"', "2027-01-01"]


def fixed_hash(label: str) -> str:
    return hashlib.sha256(f"adoption-test-{label}".encode()).hexdigest()


def org_seed() -> dict:
    """An org of 50 keys: duplicated names (keys and guardrails), disabled and expired keys,
    odd names, every kind of limit, and assignments to each guardrail."""
    members = [{"id": f"user_adopt{n:02d}", "email": f"person{n}@example.com", "role": "org:member"}
               for n in range(6)]
    guardrails = [
        {"name": "ci-policy", "limit_usd": 25, "reset_interval": "monthly",
         "allowed_models": ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"],
         "allowed_providers": ["openai", "anthropic"], "enforce_zdr": False,
         "description": "Budget: CI # only", "created_at": "2025-01-01T00:00:00Z"},
        {"name": "prod-budget", "limit_usd": 500, "reset_interval": "weekly", "created_at": "2025-01-02T00:00:00Z"},
        {"name": "zdr-only", "enforce_zdr": True, "allowed_models": ["openai/gpt-4o"],
         "ignored_providers": ["azure"], "created_at": "2025-01-03T00:00:00Z"},
        {"name": "shared", "id": SHARED_A, "limit_usd": 10, "reset_interval": "daily",
         "created_at": "2025-01-04T00:00:00Z"},
        {"name": "shared", "id": SHARED_B, "limit_usd": 12.5, "reset_interval": None,
         "created_at": "2025-02-04T00:00:00Z"},
    ]
    keys = []
    for n in range(50):
        row = {"name": f"svc-{n:02d}", "hash": fixed_hash(str(n)),
               "created_at": f"2025-03-{1 + n % 28:02d}T{n % 24:02d}:00:00Z",
               "limit": [None, 0, 5, 12.5, 1000][n % 5], "limit_reset": [None, "daily", "weekly", "monthly"][n % 4],
               "include_byok_in_limit": n % 6 == 0, "disabled": n % 7 == 3}
        if n % 9 == 4:
            row["expires_at"] = "2024-06-30T00:00:00Z"        # expired
        elif n % 9 == 5:
            row["expires_at"] = "2030-01-15T12:30:00Z"
        if n % 10 == 2:
            row["creator_user_id"] = members[n % 6]["id"]
        keys.append(row)
    for row, name in zip(keys[40:], ["dup-key", "dup-key", "dup-key", "dup-key-2", *ODD_NAMES]):
        row["name"] = name
    key_assignments = [{"guardrail": "ci-policy", "key": f"svc-{n:02d}"} for n in range(0, 10)]
    key_assignments += [{"guardrail": "prod-budget", "key": f"svc-{n:02d}"} for n in range(10, 20)]
    key_assignments += [{"guardrail": SHARED_A, "key": fixed_hash("40")},   # dup key under dup guardrail
                        {"guardrail": SHARED_B, "key": fixed_hash("41")},
                        {"guardrail": SHARED_B, "key": "svc-20"},
                        {"guardrail": "zdr-only", "key": "yes"},
                        {"guardrail": "zdr-only", "key": "team: ops #1"}]
    member_assignments = [{"guardrail": "ci-policy", "member": "person0@example.com"},
                          {"guardrail": SHARED_A, "member": "person1@example.com"},
                          {"guardrail": SHARED_B, "member": "person2@example.com"}]
    return {"members": members, "guardrails": guardrails, "keys": keys,
            "key_assignments": key_assignments, "member_assignments": member_assignments}


@pytest.fixture
def seeded(make_emulator, monkeypatch):
    emulator = make_emulator(org_seed())
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
    monkeypatch.setenv("HOME", "/home/should-not-be-expanded")
    return emulator


# --- the round trip, end to end ----------------------------------------------------------------

def test_export_of_fifty_key_org_plans_to_no_changes(seeded, tmp_path, capsys):
    exported = tmp_path / "org.yaml"
    code, _, err = run_cli(capsys, "--base-url", seeded.base_url, "export", "--out", str(exported))
    assert code == 0, err
    seeded.reset_counts()

    code, out, err = run_cli(capsys, "--base-url", seeded.base_url, "plan", str(exported), "--detailed-exitcode")

    assert code == 0, out + err
    assert "No changes" in out
    assert seeded.write_count() == 0
    text = exported.read_text()
    loaded = load_config(exported).model
    keys = {k.name: k for k in loaded.keys}
    assert len(loaded.keys) == 48                           # 50 minus two commented-out duplicates
    assert keys["dup-key"].hash == fixed_hash("40")         # the oldest of the name, pinned
    # The others are commented out under free names (dup-key-2 is taken by another key).
    assert f"  # - name: dup-key-3\n  #   hash: {string(fixed_hash('41'))}\n" in text
    assert f"  # - name: dup-key-4\n  #   hash: {string(fixed_hash('42'))}\n" in text
    assert keys["svc-04"].expires_at.year == 2024           # expired keys keep their past date
    assert keys["svc-03"].disabled is True
    assert keys["${HOME}-key"].guardrail is None and keys["yes"].guardrail == "zdr-only"
    assert {g.name for g in loaded.guardrails} == {"ci-policy", "prod-budget", "zdr-only", "shared"}
    assert next(g for g in loaded.guardrails if g.name == "shared").id == SHARED_A


def test_exported_file_is_stable(seeded, capsys):
    first = run_cli(capsys, "--base-url", seeded.base_url, "export")
    second = run_cli(capsys, "--base-url", seeded.base_url, "export")
    assert first[0] == 0 and first[1] == second[1]
    assert first[1].startswith("# The OpenRouter org at http://127.0.0.1:")


@pytest.mark.parametrize("options", [["--exclude-disabled"], ["--select", "svc-1*"], ["--select", "shared"],
                                     ["--select", "person2@*", "--exclude-disabled"]])
def test_filtered_exports_round_trip_leaving_the_rest_unmanaged(seeded, tmp_path, capsys, options):
    exported = tmp_path / "org.yaml"
    assert run_cli(capsys, "--base-url", seeded.base_url, "export", "--out", str(exported), *options)[0] == 0

    code, out, err = run_cli(capsys, "--base-url", seeded.base_url, "plan", str(exported), "--detailed-exitcode")

    assert code == 0, out + err
    assert "Unmanaged" in out


def test_exclude_disabled_leaves_disabled_keys_out(seeded, tmp_path, capsys):
    code, out, _ = run_cli(capsys, "--base-url", seeded.base_url, "export", "--exclude-disabled")
    assert code == 0
    names = [k["name"] for k in yaml.safe_load(out)["keys"]]
    assert "svc-03" not in names and "svc-10" not in names and "svc-00" in names


def test_select_brings_governed_objects_and_referenced_guardrails(seeded, capsys):
    code, out, _ = run_cli(capsys, "--base-url", seeded.base_url, "export", "--select", "prod-budget",
                           "--select", "svc-2*")
    doc = yaml.safe_load(out)
    assert code == 0
    assert {g["name"] for g in doc["guardrails"]} == {"prod-budget", "shared"}   # svc-20 is under shared
    assert {k["name"] for k in doc["keys"]} == {f"svc-{n:02d}" for n in range(10, 30)}
    assert doc["members"] == []


def test_export_with_an_unauthorised_key_is_one_line_error(seeded, monkeypatch, capsys):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "sk-or-v1-fake-wrong-key")
    code, out, err = run_cli(capsys, "--base-url", seeded.base_url, "export")
    assert code == 1 and out == ""
    assert err.startswith("orsync: error:") and err.count("\n") == 1


# --- in-process: what the file says ---------------------------------------------------------

def exported_plan(state, tmp_path, **options):
    path = tmp_path / "org.yaml"
    path.write_text(export_org(state, ExportOptions(**options)))
    loaded = load_config(path, env={})
    return loaded, plan_from_state(loaded, state)


def test_exported_file_manages_every_field_so_a_later_change_shows(tmp_path):
    ci = guardrail("ci", limit_usd=25, reset_interval="monthly", allowed_models=["a/b", "c/d"])
    worker = key("worker", limit=5, limit_reset="daily")
    state = live([worker], [ci], [key_assignment(worker, ci)], [], [member("a@example.com", "user_a")])
    loaded, plan = exported_plan(state, tmp_path)
    assert not plan.changes

    changed = live([worker.model_copy(update={"limit": 7.0})], [ci.model_copy(update={"allowed_models": ["a/b"]})],
                   [], [], state.members)
    plan = plan_from_state(loaded, changed)

    assert sorted((c.action, c.address) for c in plan.changes) == [
        ("assign", "key_assignment.worker"), ("update", "guardrail.ci"), ("update", "key.worker")]


def every_field_guardrail():
    flags = {f"enforce_zdr_{p}": p in ("openai", "anthropic") for p in ("anthropic", "google", "openai", "other", "xai")}
    return guardrail(
        "eu-policy", description="All: of it # here", limit_usd=20.5, reset_interval="weekly",
        allowed_models=["openai/gpt-4o-mini-2024-07-18", "meta-llama/llama-3.1-8b-instruct:free"],
        ignored_models=["openai/gpt-4o"], allowed_providers=["openai"], ignored_providers=["azure"],
        allowed_data_regions=["europe"], enforce_zdr=None, **flags, enable_free_model_publication=False,
        enable_free_model_training=None, enable_paid_model_training=True, allow_safety_retention_google=False,
        allow_safety_retention_other=True,
        content_filters=[{"pattern": r'\b(sk-[a-z0-9]{20,})\b: "#"', "action": "redact", "label": "[KEY]"},
                         {"pattern": "${HOME} {x}", "action": "block", "label": None}],
        content_filter_builtins=[{"slug": "email", "action": "redact", "label": "[EMAIL]"},
                                 {"slug": "regex-prompt-injection", "action": "flag", "label": "[INJ]",
                                  "scan_scope": "user_only"}])


def test_every_guardrail_field_is_exported_and_plans_clean(tmp_path):
    state = live([], [every_field_guardrail()])
    loaded, plan = exported_plan(state, tmp_path)
    assert not plan.changes

    spec = loaded.model.guardrails[0]
    assert {f.pattern for f in spec.content_filters} == {r'\b(sk-[a-z0-9]{20,})\b: "#"', "${HOME} {x}"}
    assert spec.allowed_data_regions == ["europe"] and spec.enforce_zdr_openai is True
    # The deprecated flag is left out once the per-provider ones say it all.
    assert "enforce_zdr" not in spec.model_fields_set and "enable_free_model_training" in spec.model_fields_set

    changed = every_field_guardrail().model_copy(update={"content_filter_builtins": [
        {"slug": "email", "action": "block", "label": "[EMAIL]"}]})
    (change,) = plan_from_state(loaded, live([], [changed])).changes
    assert change.changed_fields == ["content_filter_builtins"]
    assert "content_filter_builtins: + regex-prompt-injection: slug regex-prompt-injection, action flag, " \
           "scan_scope user_only" in change.reasons
    assert "content_filter_builtins: ~ email: action block -> redact" in change.reasons


def test_member_with_shared_or_missing_email_is_exported_by_id(tmp_path):
    gate = guardrail("gate")
    people = [member("Same@example.com", "user_1"), member("same@example.com", "user_2"), member("", "user_3")]
    state = live([], [gate], [], [member_assignment(people[1], gate)], people)
    loaded, plan = exported_plan(state, tmp_path)
    assert [m.id for m in loaded.model.members] == ["user_3", "user_1", "user_2"]
    assert not plan.changes


def test_key_under_an_unmanaged_duplicate_guardrail_leaves_its_assignment_unmanaged(tmp_path):
    first = guardrail("g", id=SHARED_A)
    second = guardrail("g", id=SHARED_B).model_copy(update={"created_at": "2026-06-01T00:00:00Z"})
    worker = key("worker")
    state = live([worker], [first, second], [key_assignment(worker, second)])
    loaded, plan = exported_plan(state, tmp_path)
    spec = loaded.model.keys[0]
    assert "guardrail" not in spec.model_fields_set
    assert not plan.changes
    assert f"governed by 'g' ({SHARED_B})" in loaded.path.read_text()


def test_uncommenting_a_duplicate_renames_it(tmp_path):
    keys = [key("twin"), key("twin", hash="b" * 64).model_copy(update={"created_at": "2026-05-01T00:00:00Z"})]
    state = live(keys)
    path = tmp_path / "org.yaml"
    text = export_org(state)
    path.write_text(text.replace("  # - name: twin-2", "  - name: twin-2").replace("  #   ", "    "))
    plan = plan_from_state(load_config(path), state)
    assert [(c.action, c.address, c.body) for c in plan.changes] == [("update", "key.twin-2", {"name": "twin-2"})]


# --- scalars --------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", ODD_NAMES + ["", " lead", "trail ", "a\nb", "tab\there", "\x85\u2028",
                                             "emoji 😀", "back\\slash", "{x}", "[y]", "a, b", "&anchor",
                                             "*alias", "!tag", "%pct", "@at", "`tick`", "0777", "1e5", "~"])
def test_string_reads_back_as_itself(text):
    assert yaml.safe_load(f"value: {string(text)}")["value"] == text.replace("${", "$${")


@pytest.mark.parametrize("value", [0, 5, 12.5, 0.1, 1e-05, 1e20, 123456789.123, 2.5e-8])
def test_number_reads_back_as_itself(value):
    assert math.isclose(yaml.safe_load(f"value: {number(value)}")["value"], value)


def test_free_name_skips_names_in_use():
    assert free_name("ci", {"ci", "ci-2"}) == "ci-3"
    assert len(free_name("x" * 200, set())) == 200
