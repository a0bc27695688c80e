"""What each `orsync get` view prints: the API's data as JSON, or a table fitted to the terminal.

Views whose table joins other listings (which guardrail governs a key) make those extra
reads only for the table: `--json` is one call, the API's own objects.
"""

from __future__ import annotations

from typing import Any

from orsync.views import catalog, org
from orsync.views.format import plain, to_json
from orsync.views.layout import RecordView, TableView


def show(data: Any, view: TableView | RecordView, as_json: bool, width: int | None = None) -> str:
    data = plain(data)
    return to_json(data) + "\n" if as_json else view.render(data, width)


def show_model(model: Any, as_json: bool, width: int | None = None) -> str:
    """A model's summary, then one row per endpoint (provider) that serves it."""
    model = plain(model)
    if as_json:
        return to_json(model) + "\n"
    return (catalog.MODEL.render(model, width) + "\n"
            + catalog.ENDPOINTS.render(model.get("endpoints") or [], width))


def show_keys(client, as_json: bool, width: int | None = None) -> str:
    keys = plain(client.list_keys())
    if as_json:
        return to_json(keys) + "\n"
    rows = org.with_guardrail_names(keys, plain(client.list_key_assignments()),
                                    plain(client.list_guardrails()), "hash", "key_hash")
    return org.KEYS.render(rows, width)


def show_members(client, as_json: bool, width: int | None = None) -> str:
    members = plain(client.list_members())
    if as_json:
        return to_json(members) + "\n"
    rows = org.with_guardrail_names(members, plain(client.list_member_assignments()),
                                    plain(client.list_guardrails()), "id", "user_id")
    return org.MEMBERS.render(rows, width)


def show_guardrails(client, as_json: bool, width: int | None = None) -> str:
    guardrails = plain(client.list_guardrails())
    if as_json:
        return to_json(guardrails) + "\n"
    rows = org.with_assignment_counts(guardrails, plain(client.list_key_assignments()),
                                      plain(client.list_member_assignments()))
    return org.GUARDRAILS.render(rows, width)
