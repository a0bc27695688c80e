"""Every guardrail field end to end through the CLI against an emulator on loopback: applied,
read back, planned clean, a second apply writes nothing; a changed filter is worded per element."""

from __future__ import annotations

import json

import pytest

from tests.test_apply_support import run_cli, write_config

EVERY_FIELD = """
guardrails:
  - name: eu-policy
    description: Every setting a guardrail takes
    limit_usd: 20
    reset_interval: weekly
    allowed_models: [openai/gpt-4o-mini, meta-llama/llama-3.1-8b-instruct:free]
    ignored_models: [openai/gpt-4o]
    allowed_providers: [openai, together]
    ignored_providers: [azure]
    allowed_data_regions: [europe, us]
    enforce_zdr_anthropic: true
    enforce_zdr_google: false
    enforce_zdr_openai: true
    enforce_zdr_other: false
    enforce_zdr_xai: false
    enable_free_model_publication: false
    enable_free_model_training: false
    enable_paid_model_training: true
    allow_safety_retention_google: false
    allow_safety_retention_other: true
    include_byok_in_budgets: true
    content_filters:
      - {pattern: 'ACME-[0-9]{6}', action: redact, label: '[TICKET]'}
      - {pattern: 'internal only', action: block}
    content_filter_builtins:
      - {slug: regex-prompt-injection, action: block, scan_scope: user_only}
      - {slug: email, action: redact}
"""


def apply(capsys, emulator, config) -> None:
    result = run_cli(capsys, emulator, "apply", str(config), "--yes")
    assert result.code == 0, result.err


def plan_json(capsys, emulator, config) -> dict:
    result = run_cli(capsys, emulator, "plan", str(config), "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def guardrail_named(emulator, name):
    return next(g for g in emulator.state.guardrails.values() if g.name == name)


def test_every_field_applies_and_then_plans_clean(emulator, tmp_path, capsys):
    config = write_config(tmp_path, EVERY_FIELD)
    apply(capsys, emulator, config)

    stored = guardrail_named(emulator, "eu-policy")
    assert stored.allowed_data_regions == ["europe", "us"]
    assert stored.allow_safety_retention_other is True and stored.enforce_zdr_openai is True
    assert {f["slug"]: f["action"] for f in stored.content_filter_builtins} == \
        {"regex-prompt-injection": "block", "email": "redact"}

    assert plan_json(capsys, emulator, config)["resource_changes"] == []
    emulator.reset_counts()
    apply(capsys, emulator, config)
    assert emulator.write_count() == 0


def test_a_changed_filter_is_one_update_worded_element_by_element(emulator, tmp_path, capsys):
    apply(capsys, emulator, write_config(tmp_path, EVERY_FIELD))
    changed = write_config(tmp_path, EVERY_FIELD.replace("{slug: email, action: redact}",
                                                         "{slug: email, action: block}\n      - {slug: ssn, action: redact}"))

    (change,) = plan_json(capsys, emulator, changed)["resource_changes"]

    assert change["change"]["actions"] == ["update"]
    assert change["change"]["changed_fields"] == ["content_filter_builtins"]
    assert "content_filter_builtins: ~ email: action redact -> block" in change["reasons"]
    assert "content_filter_builtins: + ssn: slug ssn, action redact" in change["reasons"]
    apply(capsys, emulator, changed)
    assert plan_json(capsys, emulator, changed)["resource_changes"] == []


def test_clearing_a_field_with_null_and_leaving_one_out(emulator, tmp_path, capsys):
    apply(capsys, emulator, write_config(tmp_path, EVERY_FIELD))
    cleared = write_config(tmp_path, EVERY_FIELD.replace(
        "    allowed_data_regions: [europe, us]\n", "    allowed_data_regions: null\n").replace(
        "    enable_paid_model_training: true\n", ""))

    (change,) = plan_json(capsys, emulator, cleared)["resource_changes"]
    assert change["body"] == {"allowed_data_regions": None}
    apply(capsys, emulator, cleared)
    stored = guardrail_named(emulator, "eu-policy")
    assert stored.allowed_data_regions is None and stored.enable_paid_model_training is True


def test_models_named_by_id_plan_clean_after_apply(emulator, tmp_path, capsys):
    config = write_config(tmp_path, """
guardrails:
  - name: by-id
    allowed_models: [openai/gpt-4o-mini, anthropic/claude-3.5-haiku, meta-llama/llama-3.1-8b-instruct:free]
""")
    apply(capsys, emulator, config)
    # The API keeps canonical slugs, so a string comparison would plan a change on every run.
    assert set(guardrail_named(emulator, "by-id").allowed_models) == {
        "openai/gpt-4o-mini-2024-07-18", "anthropic/claude-3-5-haiku", "meta-llama/llama-3.1-8b-instruct:free"}

    assert plan_json(capsys, emulator, config)["resource_changes"] == []
    drift = run_cli(capsys, emulator, "drift", str(config))
    assert drift.code == 0, drift.out + drift.err
    offline = run_cli(capsys, emulator, "plan", "--offline", "--detailed-exitcode", str(config))
    assert offline.code == 2  # compared as written, the ids differ from what the API keeps


@pytest.mark.parametrize("pattern", [r"\b(sk-[a-z]{48})\b", r"(?:a|b)+", r"\d{3}-\d{2}-\d{4}", "x(?=y)",
                                     "(?<=a)b", "(?<!a)b", r"(a)\1", "(unclosed"])
def test_validate_refuses_exactly_the_patterns_the_api_refuses(emulator, pattern):
    from orsync.api.errors import ApiError
    from orsync.config.regex_rules import regex_problem

    try:
        emulator.client().create_guardrail({"name": "probe", "content_filters": [{"pattern": pattern, "action": "flag"}]})
        refused = None
    except ApiError as exc:
        refused = exc
    assert (regex_problem(pattern) is None) == (refused is None), (pattern, refused)
    if refused is not None:
        assert refused.status == 400 and "invalid_regex_pattern" in str(refused.metadata)
