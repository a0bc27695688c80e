"""The one definition of a guardrail's managed fields, shared by every kind that writes them.

A guardrail (`guardrails:`) and a workspace's default guardrail (`default_guardrail:`) take the
same settings from the API (reference spec: CreateGuardrailRequest, UpdateGuardrailRequest, and
the 2026-10 SDK's data-region and safety-retention flags). This module says which fields those
are, which compare as sets, which as numbers and which as nested structures, and how a live
value is reduced to what the planner compares. Three states hold for every field: omitted in
the file = unmanaged, a value = set, null = cleared (the API takes null for each of them except
`include_byok_in_budgets`, which the config model keeps to true/false).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

ZDR_PROVIDERS = ("anthropic", "google", "openai", "other", "xai")
ZDR_FIELDS = tuple(f"enforce_zdr_{provider}" for provider in ZDR_PROVIDERS)

# Lists whose items are model ids: the API stores canonical slugs, so they compare through the
# catalog (orsync.planner.slugs), as sets.
MODEL_LIST_FIELDS = ("allowed_models", "ignored_models")
SET_FIELDS = frozenset({*MODEL_LIST_FIELDS, "allowed_providers", "ignored_providers",
                        "allowed_data_regions"})
NUMBER_FIELDS = frozenset({"limit_usd"})
# Lists of mappings: compared as structures, shown element by element in a plan.
STRUCTURE_FIELDS = frozenset({"content_filters", "content_filter_builtins"})

# Every settable field but the name (a default guardrail's name is the server's), in the order
# plans and exports list them.
FIELDS: tuple[str, ...] = (
    "description", "limit_usd", "reset_interval",
    "allowed_models", "ignored_models", "allowed_providers", "ignored_providers",
    "allowed_data_regions",
    "enforce_zdr", *ZDR_FIELDS,
    "enable_free_model_publication", "enable_free_model_training", "enable_paid_model_training",
    "allow_safety_retention_google", "allow_safety_retention_other",
    "include_byok_in_budgets",
    "content_filters", "content_filter_builtins",
)

# (The enums of these fields are the config model's: orsync.config.model.)
# The only builtin that takes scan_scope, and what the API assumes when it is left out.
SCANNING_BUILTIN = "regex-prompt-injection"
DEFAULT_SCAN_SCOPE = "all_messages"


def normalise_structure(name: str, value: Any) -> list[dict[str, Any]] | None:
    """A content filter list as the planner compares it: plain dicts in a stable order.

    Both lists are sets to the API (each filter scans every message on its own): custom filters
    are ordered by pattern, builtins by slug. A builtin's `label` is assigned by the server and
    not settable, so it is left out; scan_scope is spelled out where the API would assume it.
    """
    if value is None:
        return None
    entries = [_plain(entry) for entry in value]
    if name == "content_filters":
        rows = [{"pattern": e["pattern"], "action": e["action"], "label": e.get("label")}
                for e in entries]
        return sorted(rows, key=lambda row: (row["pattern"], row["action"], row["label"] or ""))
    rows = [_builtin_row(e) for e in entries]
    return sorted(rows, key=lambda row: row["slug"])


def _builtin_row(entry: dict[str, Any]) -> dict[str, Any]:
    row = {"slug": entry["slug"], "action": entry["action"]}
    if entry["slug"] == SCANNING_BUILTIN:
        row["scan_scope"] = entry.get("scan_scope") or DEFAULT_SCAN_SCOPE
    return row


def _plain(entry: Any) -> dict[str, Any]:
    """A mapping from a config model, an API model or a dict."""
    if isinstance(entry, dict):
        return entry
    return entry.model_dump()


def budget_problem(result: dict[str, Any], declared: dict[str, Any]) -> tuple[str, str] | None:
    """A budget that never resets: OpenRouter refuses every write that leaves limit_usd set
    without a reset_interval (400), though older guardrails may still read back that way."""
    if result.get("limit_usd") is None or result.get("reset_interval") is not None:
        return None
    field = "reset_interval" if "reset_interval" in declared else "limit_usd"
    return (field, f"limit_usd {result['limit_usd']:g} needs a reset_interval (daily, weekly or monthly): "
                   "OpenRouter refuses to write a budget that never resets; set one, or limit_usd: null")


def live_enforce_zdr(values: dict[str, Any]) -> Any:
    """`enforce_zdr` as a live guardrail holds it.

    The flag is deprecated: the API copies it into the five per-provider flags and may answer
    null for it. When it reads back null and the five agree, that common value is what a file's
    `enforce_zdr` set, so the plan does not show a change on every run.
    """
    stated = values.get("enforce_zdr")
    if stated is not None:
        return stated
    per_provider = {values.get(name) for name in ZDR_FIELDS}
    return per_provider.pop() if len(per_provider) == 1 else None


def structure_changes(before: list[dict] | None, after: list[dict] | None, keyed_by: str) -> list[str]:
    """One readable line per filter added, removed or changed, from DeepDiff.

    Entries are matched by their key (`pattern` for custom filters, `slug` for builtins), so a
    changed action reads `~ email: action redact -> block` rather than a list index.
    """
    # Only a plan that changes a filter pays for importing DeepDiff.
    from deepdiff import DeepDiff
    from deepdiff.helper import notpresent  # the side of a change that has no such field

    def shown(value: Any) -> str:
        return _scalar(None if value is notpresent else value)

    old = {entry[keyed_by]: entry for entry in before or []}
    new = {entry[keyed_by]: entry for entry in after or []}
    lines = []
    # threshold 0: always per filter, never "the whole list changed" when few filters are kept.
    for report, levels in DeepDiff(old, new, view="tree", threshold_to_diff_deeper=0).items():
        for level in levels:
            key, *inner = level.path(output_format="list")
            if report == "dictionary_item_added" and not inner:
                lines.append(f"+ {key}: {_entry(level.t2)}")
            elif report == "dictionary_item_removed" and not inner:
                lines.append(f"- {key}: {_entry(level.t1)}")
            else:  # a field of one filter: changed, set or cleared
                lines.append(f"~ {key}: {inner[-1]} {shown(level.t1)} -> {shown(level.t2)}")
    return sorted(lines, key=lambda line: (line[2:], line[0]))


def _entry(value: Any) -> str:
    return ", ".join(f"{k} {_scalar(v)}" for k, v in value.items() if v is not None)


def _scalar(value: Any) -> str:
    return "null" if value is None else str(value)


# --- the kind side ------------------------------------------------------------------------

class GuardrailFieldRules:
    """Mixed into a kind (before ResourceKind) that manages guardrail fields.

    It says which fields are sets, numbers and structures, normalises them, maps model lists
    through the catalog's canonical slugs, and words a changed filter element by element.
    """

    guardrail_fields: tuple[str, ...] = FIELDS
    set_fields = SET_FIELDS
    number_fields = NUMBER_FIELDS
    typed_fields = SET_FIELDS | NUMBER_FIELDS | STRUCTURE_FIELDS

    def normalise(self, name: str, value: Any) -> Any:
        if name in STRUCTURE_FIELDS:
            return normalise_structure(name, value)
        return super().normalise(name, value)  # type: ignore[misc]

    def creation_problem(self, body: dict[str, Any]) -> tuple[str, str] | None:
        return budget_problem(body, body)

    def update_problem(self, live: dict[str, Any], wanted: dict[str, Any]) -> tuple[str, str] | None:
        """The API checks the guardrail a PATCH leaves, not only the fields it names."""
        return budget_problem({**live, **wanted}, wanted)

    def in_canonical_slugs(self, objects: list, slugs: Any) -> list:
        """Desired or live objects with their model lists as canonical slugs (orsync.planner.slugs;
        None: as written)."""
        if slugs is None:
            return objects
        mapped = []
        for obj in objects:
            fields = self.with_canonical_models(obj.fields, slugs)
            mapped.append(obj if fields is obj.fields else replace(obj, fields=fields))
        return mapped

    def with_canonical_models(self, fields: dict[str, Any], slugs: Any) -> dict[str, Any]:
        """`fields` with model lists as canonical slugs (a set again: two ids may share one);
        `fields` itself when they are already (most are: the object is kept, not copied)."""
        if slugs is None or not fields.keys() & set(MODEL_LIST_FIELDS):
            return fields
        mapped = dict(fields)
        for name in MODEL_LIST_FIELDS:
            if mapped.get(name) is not None:
                mapped[name] = sorted({slugs.canonical(model) for model in mapped[name]})
        return fields if mapped == fields else mapped

    def with_live_zdr(self, fields: dict[str, Any]) -> dict[str, Any]:
        return {**fields, "enforce_zdr": live_enforce_zdr(fields)}

    def change_details(self, before: dict[str, Any] | None, after: dict[str, Any]) -> tuple[str, ...]:
        """Per-filter lines for each content filter list that changes."""
        details: list[str] = []
        for name, keyed_by in (("content_filters", "pattern"), ("content_filter_builtins", "slug")):
            if name not in after or before is None or before.get(name) == after[name]:
                continue
            details += [f"{name}: {line}" for line in structure_changes(before.get(name), after[name], keyed_by)]
        return tuple(details)
