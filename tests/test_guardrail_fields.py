"""Every guardrail field: the one field list, content filters as structures, the API's regex
rules at validate time, and the deprecated enforce_zdr read back through the per-provider flags."""

from __future__ import annotations

import functools
import json
import typing
from pathlib import Path

import pytest

from orsync.cli import main
from orsync.config import model
from orsync.config.model import GuardrailFields, GuardrailSpec
from orsync.config.regex_rules import regex_problem
from orsync.resources.guardrail_fields import FIELDS, live_enforce_zdr, normalise_structure, structure_changes
from orsync.resources.guardrails import Guardrails

REFERENCE_SETTABLE = {  # CreateGuardrailRequest of the reference document, less name/workspace_id
    "description", "limit_usd", "reset_interval", "allowed_models", "ignored_models",
    "allowed_providers", "ignored_providers", "enforce_zdr", "enforce_zdr_anthropic",
    "enforce_zdr_google", "enforce_zdr_openai", "enforce_zdr_other", "enforce_zdr_xai",
    "enable_free_model_publication", "enable_free_model_training", "enable_paid_model_training",
    "include_byok_in_budgets", "content_filters", "content_filter_builtins",
}
# The official OpenAPI document's components in scope (tests/openapi_schema.py documents the slice).
REFERENCE = Path(__file__).resolve().parent / "data" / "openapi-scope.json"
NEWER_SETTABLE = {"allowed_data_regions", "allow_safety_retention_google", "allow_safety_retention_other"}


def test_one_field_list_for_the_config_the_kind_and_the_api():
    assert set(FIELDS) == REFERENCE_SETTABLE | NEWER_SETTABLE
    assert list(GuardrailFields.model_fields) == list(FIELDS)
    assert Guardrails().managed == ("name", *FIELDS)


@functools.cache
def reference_schemas() -> dict:
    return json.loads(REFERENCE.read_text(encoding="utf-8"))["components"]["schemas"]


def test_the_reference_request_schema_lists_no_field_we_miss():
    properties = set(reference_schemas()["CreateGuardrailRequest"]["properties"])
    assert properties - {"name", "workspace_id"} == REFERENCE_SETTABLE


@pytest.mark.parametrize("pattern", [
    r"\b(sk-[a-zA-Z0-9]{48})\b", r"\(?=literal", r"[(?=]", r"[]\1]", r"(?P<word>\w+)", r"(?:a|b)+",
    r"\d{3}-\d{2}-\d{4}", r"\0",
])
def test_patterns_the_api_takes(pattern):
    assert regex_problem(pattern) is None


@pytest.mark.parametrize("pattern,said", [
    (r"secret(?=\d)", "lookahead"), (r"a(?!b)", "lookahead"), (r"(?<=id:)\d+", "lookbehind"),
    (r"(?<!x)y", "lookbehind"), (r"(\w)\1", "backreference \\1"), (r"(?P<n>a)(?P=n)", "named backreference"),
    (r"(?<n>a)\k<n>", "named backreference"), (r"\\(?=a)", "lookahead"), (r"[^]](?=a)", "lookahead"),
    (r"(unclosed", "not a valid regex: missing ), unterminated subpattern"), (r"*x", "not a valid regex: nothing to repeat"),
])
def test_patterns_the_api_refuses(pattern, said):
    assert said in regex_problem(pattern)


def test_filters_compare_as_sets_and_ignore_the_server_label_of_builtins():
    declared = [{"slug": "regex-prompt-injection", "action": "block"}, {"slug": "email", "action": "redact"}]
    live = [{"slug": "email", "action": "redact", "label": "[EMAIL]"},
            {"slug": "regex-prompt-injection", "action": "block", "label": "[INJECTION]", "scan_scope": "all_messages"}]
    assert normalise_structure("content_filter_builtins", declared) == \
        normalise_structure("content_filter_builtins", live)
    custom_a = [{"pattern": "b+", "action": "flag"}, {"pattern": "a+", "action": "redact", "label": "[A]"}]
    custom_b = [{"pattern": "a+", "action": "redact", "label": "[A]"}, {"pattern": "b+", "action": "flag", "label": None}]
    assert normalise_structure("content_filters", custom_a) == normalise_structure("content_filters", custom_b)
    assert normalise_structure("content_filters", None) is None


def test_a_changed_filter_is_worded_element_by_element():
    before = normalise_structure("content_filter_builtins", [
        {"slug": "email", "action": "redact"}, {"slug": "phone", "action": "block"}])
    after = normalise_structure("content_filter_builtins", [
        {"slug": "email", "action": "block"}, {"slug": "ssn", "action": "redact"}])

    assert structure_changes(before, after, "slug") == [
        "~ email: action redact -> block", "- phone: slug phone, action block", "+ ssn: slug ssn, action redact"]


def test_filters_are_worded_one_by_one_even_when_none_is_kept():
    # DeepDiff alone would call a list with nothing in common one change of the whole list.
    before = normalise_structure("content_filter_builtins", [{"slug": "phone", "action": "block"}])
    after = normalise_structure("content_filter_builtins", [{"slug": "email", "action": "block"},
                                                            {"slug": "ssn", "action": "redact"}])
    assert structure_changes(before, after, "slug") == [
        "+ email: slug email, action block", "- phone: slug phone, action block", "+ ssn: slug ssn, action redact"]
    assert structure_changes(None, before, "slug") == ["+ phone: slug phone, action block"]
    assert structure_changes(before, None, "slug") == ["- phone: slug phone, action block"]

    odd = "a']\"b"
    before = normalise_structure("content_filters", [{"pattern": odd, "action": "flag"}])
    after = normalise_structure("content_filters", [{"pattern": odd, "action": "flag", "label": "[X]"}])
    assert structure_changes(before, after, "pattern") == [f"~ {odd}: label null -> [X]"]


def test_the_kind_words_only_the_filter_lists_that_change():
    kind = Guardrails()
    before = {"content_filters": normalise_structure("content_filters", [{"pattern": "a+", "action": "flag"}]),
              "content_filter_builtins": None}
    after = {"content_filters": normalise_structure("content_filters", [{"pattern": "a+", "action": "block"}]),
             "content_filter_builtins": None}

    assert kind.change_details(before, after) == ("content_filters: ~ a+: action flag -> block",)
    assert kind.change_details(None, after) == ()


def test_enforce_zdr_reads_back_through_the_per_provider_flags():
    flags = {f"enforce_zdr_{p}": True for p in ("anthropic", "google", "openai", "other", "xai")}
    assert live_enforce_zdr({"enforce_zdr": None, **flags}) is True
    assert live_enforce_zdr({"enforce_zdr": False, **flags}) is False
    assert live_enforce_zdr({"enforce_zdr": None, **flags, "enforce_zdr_xai": False}) is None


def test_three_states_reach_the_planner_as_written():
    spec = GuardrailSpec(name="g", allowed_data_regions=["europe", "us"],
                         enable_paid_model_training=None, content_filters=None)
    assert spec.managed_fields() == {"allowed_data_regions": ["europe", "us"],
                                     "enable_paid_model_training": None, "content_filters": None}


# --- through `orsync validate`: one line, at the line of the field --------------------------

BAD = [
    ("lookahead", "    content_filters:\n      - {pattern: 'x(?=y)', action: block}\n", 5,
     "guardrails[0].content_filters[0].pattern: lookahead"),
    ("backreference", "    content_filters:\n      - pattern: '(a)\\1'\n        action: redact\n", 5,
     "backreference"),
    ("unknown-builtin", "    content_filter_builtins:\n      - {slug: passport, action: block}\n", 5,
     "must be one of email, phone"),
    ("scope-on-email", "    content_filter_builtins:\n      - slug: email\n        action: block\n"
                       "        scan_scope: user_only\n", 7, "scan_scope applies only to the regex-prompt-injection"),
    ("twice-the-same-builtin", "    content_filter_builtins:\n      - {slug: email, action: block}\n"
                               "      - {slug: email, action: redact}\n", 4, "builtin filter 'email' is listed twice"),
    ("filter-action", "    content_filters:\n      - {pattern: 'a+', action: delete}\n", 5, "must be one of redact, block, flag"),
    ("region", "    allowed_data_regions: [mars]\n", 4, "must be one of global, europe, us"),
    ("flag-not-bool", "    enforce_zdr_openai: maybe\n", 4, "expected true or false"),
    ("label-too-long", f"    content_filters:\n      - {{pattern: a, action: redact, label: {'L' * 101}}}\n", 5,
     "at most 100 characters"),
]


@pytest.mark.parametrize("entry,line,expected", [case[1:] for case in BAD], ids=[case[0] for case in BAD])
def test_bad_guardrail_field_is_one_located_line(tmp_path, capsys, entry, line, expected):
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nguardrails:\n  - name: g\n" + entry)

    with pytest.raises(SystemExit) as exited:
        main(["validate", str(path)])
    captured = capsys.readouterr()
    said = captured.out + captured.err

    assert exited.value.code == 1
    assert "Traceback" not in said
    problems = [text for text in said.splitlines() if text.startswith(f"{path}:")]
    assert len(problems) == 1 and problems[0].startswith(f"{path}:{line}:") and expected in problems[0], said


def test_every_field_validates(tmp_path, capsys):
    path = tmp_path / "org.yaml"
    path.write_text("""version: 1
guardrails:
  - name: eu-only
    description: Everything a guardrail can say
    limit_usd: 20
    reset_interval: weekly
    allowed_models: [openai/gpt-4o-mini]
    ignored_models: [openai/gpt-4o]
    allowed_providers: [openai]
    ignored_providers: [azure]
    allowed_data_regions: [europe]
    enforce_zdr: true
    enforce_zdr_xai: false
    enable_free_model_publication: false
    enable_free_model_training: false
    enable_paid_model_training: null
    allow_safety_retention_google: false
    allow_safety_retention_other: true
    include_byok_in_budgets: false
    content_filters:
      - {pattern: '\\bsk-[a-z0-9]{20,}\\b', action: redact, label: '[API_KEY]'}
    content_filter_builtins:
      - {slug: email, action: redact}
      - {slug: regex-prompt-injection, action: block, scan_scope: user_only}
""")
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(path)])
    assert exited.value.code == 0, capsys.readouterr().err


# --- the JSON Schema says the same ----------------------------------------------------------

@pytest.mark.parametrize("document,valid", [
    ({"guardrails": [{"name": "g", "content_filter_builtins": [
        {"slug": "regex-prompt-injection", "action": "block", "scan_scope": "user_only"}]}]}, True),
    ({"guardrails": [{"name": "g", "content_filter_builtins": [
        {"slug": "email", "action": "block", "scan_scope": "user_only"}]}]}, False),
    ({"guardrails": [{"name": "g", "content_filters": [{"pattern": "a+", "action": "erase"}]}]}, False),
    ({"guardrails": [{"name": "g", "allowed_data_regions": ["mars"]}]}, False),
    ({"guardrails": [{"name": "g", "enforce_zdr_xai": "yes"}]}, False),
    ({"workspaces": [{"slug": "w", "name": "W", "default_guardrail": {"enable_paid_model_training": False}}]}, True),
    ({"workspaces": [{"slug": "w", "name": "W", "default_guardrail": {"name": "mine"}}]}, False),
    ({"workspaces": [{"slug": "w", "name": "W", "default_guardrail": {"limit_usd": 5}}]}, False),
], ids=["injection-scope", "scope-on-email", "bad-action", "bad-region", "flag-string", "default-ok",
        "default-named", "default-budget-without-interval"])
def test_the_schema_agrees_with_the_loader(document, valid):
    import jsonschema
    from pydantic import ValidationError

    from orsync.config.model import OrgConfig
    from orsync.config.schema import config_json_schema

    document = {"version": 1, **document}
    schema_says = not list(jsonschema.Draft202012Validator(config_json_schema()).iter_errors(document))
    try:
        OrgConfig.model_validate(document)
        loader_says = True
    except ValidationError:
        loader_says = False
    assert schema_says == loader_says == valid


def test_the_config_enums_are_the_reference_documents():
    schemas = reference_schemas()
    assert set(typing.get_args(model.BuiltinFilterSlug)) == set(schemas["ContentFilterBuiltinSlug"]["enum"])
    assert set(typing.get_args(model.FilterAction)) == set(schemas["ContentFilterAction"]["enum"]) == \
        set(schemas["ContentFilterBuiltinAction"]["enum"])
    scopes = typing.get_args(model.BuiltinFilterSpec.model_fields["scan_scope"].annotation)[0]
    assert set(typing.get_args(scopes)) == set(schemas["PromptInjectionScanScope"]["enum"])


# --- a budget that never resets: refused by the API on any write, so by the plan ------------

def test_a_budget_without_reset_interval_is_refused_at_plan_time():
    from orsync.errors import ConfigError
    from orsync.planner.diff import plan_from_state
    from tests.live_factories import config, guardrail, live

    new = config(guardrails=[{"name": "g", "limit_usd": 5, "reset_interval": None}])
    with pytest.raises(ConfigError) as raised:
        plan_from_state(new, live())
    assert "guardrails[0].reset_interval: limit_usd 5 needs a reset_interval" in str(raised.value)

    legacy = live(guardrails=[guardrail("g", limit_usd=12.5, reset_interval=None)])
    assert plan_from_state(config(guardrails=[{"name": "g", "limit_usd": 12.5, "reset_interval": None}]),
                           legacy).changes == ()      # as it is: nothing to write, nothing refused
    with pytest.raises(ConfigError) as raised:
        plan_from_state(config(guardrails=[{"name": "g", "description": "x"}]), legacy)
    assert "guardrails[0].limit_usd: limit_usd 12.5 needs a reset_interval" in str(raised.value)
    fixed = plan_from_state(config(guardrails=[{"name": "g", "description": "x", "reset_interval": "daily"}]), legacy)
    assert [c.action for c in fixed.changes] == ["update"]
