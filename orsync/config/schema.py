"""The JSON Schema of the org file, for editors (yaml-language-server) and CI linters.

It is generated from the pydantic model, then adjusted where JSON Schema can say more than
the generated form (rules across fields) or where the generated form would mislead an editor.
"""

from __future__ import annotations

from typing import Any

from orsync.config.loader import EXTENSION_PREFIX
from orsync.config.model import OrgConfig

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID = "urn:orsync:org-file:1"

# Rules the model checks in validators, restated for editors.
_CROSS_FIELD_RULES: dict[str, dict[str, Any]] = {
    "GuardrailSpec": {
        "if": {"required": ["limit_usd"], "properties": {"limit_usd": {"type": "number"}}},
        "then": {"required": ["reset_interval"]},
    },
    "MemberSpec": {"oneOf": [{"required": ["email"]}, {"required": ["id"]}]},
    "SmokeSpec": {
        "if": {"properties": {"endpoint": {"const": "rerank"}}},
        "then": {"required": ["documents"]},
        "else": {"not": {"required": ["documents"]}},
    },
}


def config_json_schema() -> dict[str, Any]:
    """The schema as a JSON-ready dict, with `$schema` and `$id`."""
    schema = OrgConfig.model_json_schema(mode="validation")
    _drop_null_defaults(schema)
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
