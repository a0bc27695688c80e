"""What a guardrail create or update may say, and how the API stores what it says.

- Model lists are stored as canonical slugs (`/models`' `canonical_slug`), in request order,
  duplicates dropped; `x/y:free` becomes `<canonical slug of x/y>:free`; an id the catalog does
  not list is kept as given (API-NOTES "Model slugs in guardrails"; Terraform provider
  guardrail_model_ids.go, citing the server's resolver).
- Other lists keep request order without duplicates; `[]` is refused (null or >= 1 item).
- `limit_usd` needs a `reset_interval` (400 otherwise: API-NOTES "Newer than the reference
  spec"); `enforce_zdr`, deprecated, is copied into each per-provider flag left out.
- A custom content-filter regex may not use lookaheads, lookbehinds or backreferences (400
  `invalid_regex_pattern`, docs guide "guardrails"), nor fail to compile.
"""

from __future__ import annotations

import re
from typing import Any

from orsync.emulator.catalog.entries import Catalog
from orsync.emulator.routes.dispatch import ApiFailure
from orsync.emulator.routes.validation import Field, fail
from orsync.emulator.store.windows import INTERVALS

ZDR_PROVIDERS = ("anthropic", "google", "openai", "other", "xai")
BUILTIN_SLUGS = ("email", "phone", "ssn", "credit-card", "ip-address", "person-name", "address",
                 "regex-prompt-injection")
FILTER_ACTIONS = ("redact", "block", "flag")
DATA_REGIONS = ("global", "europe", "us")
MODEL_LISTS = ("allowed_models", "ignored_models")
LIST_FIELDS = (*MODEL_LISTS, "allowed_providers", "ignored_providers", "allowed_data_regions")
# Lookarounds, numbered and named backreferences: what the API's regex engine refuses.
UNSUPPORTED_REGEX = re.compile(r"\(\?<?[=!]|\\[1-9]|\\k<|\(\?P=")

_NAMES = Field("array", nullable=True, min_length=1, items=Field("string", min_length=1))
_FLAG = Field("boolean", nullable=True)
UPDATABLE = {
    "name": Field("string", min_length=1, max_length=200),
    "description": Field("string", nullable=True, max_length=1000),
    "limit_usd": Field("number", nullable=True, gt=0),
    "reset_interval": Field("string", nullable=True, choices=INTERVALS),
    "allowed_models": _NAMES,
    "allowed_providers": _NAMES,
    "ignored_models": _NAMES,
    "ignored_providers": _NAMES,
    "allowed_data_regions": Field("array", nullable=True, min_length=1,
                                  items=Field("string", choices=DATA_REGIONS)),
    "enforce_zdr": _FLAG,
    **{f"enforce_zdr_{provider}": _FLAG for provider in ZDR_PROVIDERS},
    "enable_free_model_publication": _FLAG,
    "enable_free_model_training": _FLAG,
    "enable_paid_model_training": _FLAG,
    "allow_safety_retention_google": _FLAG,
    "allow_safety_retention_other": _FLAG,
    "include_byok_in_budgets": Field("boolean"),
    "content_filters": Field("array", nullable=True, items=Field(
        "object", required=("pattern", "action"), shape={
            "pattern": Field("string", min_length=1),
            "action": Field("string", choices=FILTER_ACTIONS),
            "label": Field("string", nullable=True, max_length=100)})),
    "content_filter_builtins": Field("array", nullable=True, items=Field(
        "object", required=("slug", "action"), shape={
            "slug": Field("string", choices=BUILTIN_SLUGS),
            "action": Field("string", choices=FILTER_ACTIONS),
            "label": Field("string", max_length=100),
            "scan_scope": Field("string", choices=("user_only", "all_messages"))})),
}
CREATABLE = {**UPDATABLE, "workspace_id": Field("string", min_length=1)}


def check_rules(body: dict, current: Any = None) -> None:
    """The checks beyond field types: a budget's interval and the content-filter regexes.
    `current` is the stored guardrail an update changes (its values stand where the body is
    silent), None for a create."""
    limit = body.get("limit_usd", getattr(current, "limit_usd", None))
    interval = body.get("reset_interval", getattr(current, "reset_interval", None))
    if limit is not None and interval is None:
        raise fail(["reset_interval"], "reset_interval is required when limit_usd is set", "custom")
    for n, entry in enumerate(body.get("content_filters") or []):
        _check_regex(entry["pattern"], ["content_filters", n, "pattern"])


def _check_regex(pattern: str, path: list) -> None:
    problem = None
    if UNSUPPORTED_REGEX.search(pattern):
        problem = "lookaheads, lookbehinds and backreferences are not supported"
    else:
        try:
            re.compile(pattern)
        except re.error as exc:
            problem = str(exc)
    if problem:
        message = f"Invalid regex pattern: {problem}"
        raise ApiFailure(400, message, {"error_type": "invalid_regex_pattern", "issues": [
            {"code": "invalid_regex_pattern", "path": path, "message": message}]})


def stored_values(body: dict, catalog: Catalog) -> dict:
    """The request's values as the API stores them."""
    values = dict(body)
    for name in MODEL_LISTS:
        if values.get(name) is not None:
            values[name] = [catalog.canonical(model) for model in values[name]]
    for name in LIST_FIELDS:
        if values.get(name) is not None:
            values[name] = list(dict.fromkeys(values[name]))
    if values.get("enforce_zdr") is not None:
        for provider in ZDR_PROVIDERS:
            values.setdefault(f"enforce_zdr_{provider}", values["enforce_zdr"])
    if values.get("content_filter_builtins") is not None:
        values["content_filter_builtins"] = [_builtin(entry) for entry in values["content_filter_builtins"]]
    if values.get("content_filters") is not None:
        values["content_filters"] = [{"label": None, **entry} for entry in values["content_filters"]]
    return values


def _builtin(entry: dict) -> dict:
    """Builtin labels are system-assigned from the slug; a label sent is ignored."""
    stored = {"slug": entry["slug"], "action": entry["action"],
              "label": "[" + entry["slug"].upper().replace("-", "_") + "]"}
    if "scan_scope" in entry:
        stored["scan_scope"] = entry["scan_scope"]
    return stored
