"""Organization settings: GET|PATCH /organization/settings `{is_filtered_model_catalog_enabled}`.

When the filtered model catalog is on, a credentialed caller of `/models` gets the catalog
filtered by the guardrails that govern it (`routes/catalog.py`); a caller without a key still
gets the whole catalog (API-NOTES "Model slugs in guardrails"; SDK 2026-10
operations/{get,update}organizationsettings.py).
"""

from __future__ import annotations

from orsync.emulator.routes.dispatch import Call, route
from orsync.emulator.routes.validation import Field, validate_body

ROUTES: list = []

FILTERED_CATALOG = "is_filtered_model_catalog_enabled"
UPDATABLE = {FILTERED_CATALOG: Field("boolean")}


@route("GET", "/organization/settings", auth="management")
def get_settings(call: Call) -> dict:
    return {"data": _public(call)}


@route("PATCH", "/organization/settings", auth="management")
def update_settings(call: Call) -> dict:
    body = validate_body(call.body, UPDATABLE)
    call.state.save_settings({**call.state.settings, **body})
    return {"data": _public(call)}


def filtered_catalog_enabled(call: Call) -> bool:
    return bool(call.state.settings.get(FILTERED_CATALOG, False))


def _public(call: Call) -> dict:
    return {"id": call.state.organization_id, FILTERED_CATALOG: filtered_catalog_enabled(call)}
