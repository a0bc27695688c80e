"""`orsync schema`: a JSON Schema that editors can use, agreeing with the loader."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

from orsync.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "org.yaml"


@pytest.fixture(scope="module")
def schema() -> dict:
    from orsync.config.schema import config_json_schema

    return config_json_schema()


def example() -> dict:
    return yaml.safe_load(EXAMPLE.read_text())


def errors(schema: dict, document: dict) -> list[str]:
    validator = jsonschema.Draft202012Validator(schema)
    return [error.message for error in validator.iter_errors(document)]


def test_schema_command_prints_a_valid_draft_2020_12_schema(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["schema"])

    assert exited.value.code == 0
    printed = json.loads(capsys.readouterr().out)
    jsonschema.Draft202012Validator.check_schema(printed)
    assert printed["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert printed["$id"]
    assert printed["title"] == "orsync org file"


def test_fields_carry_descriptions_for_editors(schema):
    key = schema["$defs"]["KeySpec"]["properties"]
    assert "null means no limit" in key["limit"]["description"]
    assert all(field.get("description") for field in key.values())


def test_example_org_is_valid_against_the_schema(schema):
    assert errors(schema, example()) == []


def test_unknown_field_is_rejected(schema):
    document = example()
    document["keys"][0]["limt"] = 5

    assert any("limt" in message for message in errors(schema, document))


def test_top_level_extension_fields_are_allowed_as_the_loader_allows_them(schema):
    document = {**example(), "x-defaults": {"limit": 5}}

    assert errors(schema, document) == []


def test_null_is_never_offered_as_a_default(schema):
    # Omitted means unmanaged while null means clear: an editor must not fill in null.
    assert '"default": null' not in json.dumps(schema)


@pytest.mark.parametrize("document", [
    {"version": 1, "guardrails": [{"name": "g", "limit_usd": 10}]},
    {"version": 1, "members": [{"email": "a@example.com", "id": "user_1"}]},
    {"version": 1, "keys": [{"name": "a", "disabled": None}]},
    {"version": 1, "keys": [{"name": "a", "limit_reset": "hourly"}]},
    {"version": 2},
], ids=["budget-without-interval", "member-two-identities", "null-boolean", "bad-enum", "version-2"])
def test_schema_rejects_what_the_loader_rejects(schema, document):
    assert errors(schema, document)
