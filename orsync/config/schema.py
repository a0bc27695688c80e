"""The JSON Schema of the org file, for editors (yaml-language-server) and CI linters.

It is generated from the pydantic model, then adjusted where JSON Schema can say more than
the generated form (rules across fields) or where the generated form would mislead an editor.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from orsync.config.loader import EXTENSION_PREFIX
from orsync.config.model import OrgConfig

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:orsync:org-file:1"

# Rules the model checks in validators, restated for editors.
_BUDGET_NEEDS_INTERVAL = {
    "if": {"required": ["limit_usd"], "properties": {"limit_usd": {"type": "number"}}},
    "then": {"required": ["reset_interval"]},
}
_CROSS_FIELD_RULES: dict[str, dict[str, Any]] = {
    "GuardrailSpec": _BUDGET_NEEDS_INTERVAL,
    # OpenRouter names a default guardrail itself and refuses a new name.
    "DefaultGuardrailSpec": {**_BUDGET_NEEDS_INTERVAL, "not": {"required": ["name"]}},
    "BuiltinFilterSpec": {
        "if": {"not": {"properties": {"slug": {"const": "regex-prompt-injection"}}}},
        "then": {"not": {"required": ["scan_scope"]}},
    },
    "MemberSpec": {"oneOf": [{"required": ["email"]}, {"required": ["id"]}]},
    "SmokeSpec": {
        "if": {"properties": {"endpoint": {"const": "rerank"}}},
        "then": {"required": ["documents"]},
        "else": {"not": {"required": ["documents"]}},
    },
}


# What each section of the file holds, shown by editors on hover (the generated schema has
# only the section's name as a title).
_SECTION_DESCRIPTIONS = {
    "version": "Format version of this file; always 1.",
    "policy": "What orsync may do to live objects the file does not declare: prune, protect, max_deletes.",
    "guardrails": "Guardrails: budgets, model/provider/region rules, data policies and content filters for "
                  "the keys and members assigned to them. Identified by name within their workspace "
                  "(or pinned by id).",
    "keys": "API keys: spending limit, reset interval, expiry and the guardrail that governs each. "
            "Identified by name (or pinned by hash). New keys' secrets go to --secrets-out, never here.",
    "members": "Organization members (who must already exist) and the guardrail that governs each, "
               "by email or user id.",
    "smoke": "Inference calls that `orsync run --suite` makes with managed keys, and what each must return.",
}
# The date-times the model accepts: UTC only (Z or a zero offset), as the validator checks.
_UTC_DATE_TIME = r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]00:?00)$"
# Keywords whose value is one schema, or a list of schemas, or a mapping of names to schemas.
_ONE_SCHEMA = ("items", "additionalProperties", "not", "if", "then", "else", "contains")
_SCHEMA_LISTS = ("anyOf", "allOf", "oneOf", "prefixItems")
_SCHEMA_MAPS = ("properties", "$defs", "patternProperties")


def config_json_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict, with `$schema` and `$id`."""
    schema = OrgConfig.model_json_schema(mode="validation")
    _drop_null_defaults(schema)
    for subschema in _subschemas(schema):
        # Generated titles only repeat the field's name ("Reset Interval"); an editor shows
        # them next to the description, once per branch of an anyOf.
        subschema.pop("title", None)
        if subschema.get("format") == "date-time":
            subschema["pattern"] = _UTC_DATE_TIME
    _describe_sections(schema)
    for name, rules in _CROSS_FIELD_RULES.items():
        schema["$defs"][name].update(rules)
    # Top-level x- keys are ignored by the loader: a place for YAML anchors.
    schema["patternProperties"] = {f"^{EXTENSION_PREFIX}": {}}
    return {
        "$schema": DIALECT,
        "$id": SCHEMA_ID,
        **schema,
        "title": "orsync org file",
    }


def _drop_null_defaults(node: Any) -> None:
    # A field left out is unmanaged, while null clears it: an editor that completes a field
    # with its "default" null would turn "leave alone" into "clear".
    if isinstance(node, dict):
        if node.get("default", ...) is None:
            del node["default"]
        for value in node.values():
            _drop_null_defaults(value)
    elif isinstance(node, list):
        for value in node:
            _drop_null_defaults(value)


def _subschemas(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every schema nested in `node` (not `node` itself), walking only schema keywords: a field
    named like a keyword ("title", "default") is never mistaken for one."""
    for keyword, value in node.items():
        if keyword in _ONE_SCHEMA and isinstance(value, dict):
            children = [value]
        elif keyword in _SCHEMA_LISTS and isinstance(value, list):
            children = value
        elif keyword in _SCHEMA_MAPS and isinstance(value, dict):
            children = list(value.values())
        else:
            continue
        for child in children:
            if isinstance(child, dict):
                yield child
                yield from _subschemas(child)


def _describe_sections(schema: dict[str, Any]) -> None:
    """Each top-level section says what it holds; one without a word of its own (a section
    added later) borrows its entries' description."""
    for name, section in schema["properties"].items():
        if "description" in section:
            continue
        if name in _SECTION_DESCRIPTIONS:
            section["description"] = _SECTION_DESCRIPTIONS[name]
            continue
        target = section.get("items", section).get("$ref", "")
        borrowed = schema.get("$defs", {}).get(target.rsplit("/", 1)[-1], {}).get("description")
        if borrowed:
            section["description"] = borrowed
