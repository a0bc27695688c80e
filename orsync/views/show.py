"""What each `orsync get` view prints: the API's data as JSON, or a table fitted to the terminal.

The org views read the whole org (every workspace, orsync.views.org_read) in one concurrent
read; their tables join the listings the API keeps apart (which guardrail governs a key, which
workspace it is in), while `--json` prints the API's own objects unjoined.
"""

from __future__ import annotations

from typing import Any

from orsync.views import catalog, org
from orsync.views.format import plain, to_json
from orsync.views.layout import RecordView, TableView
from orsync.views.org_read import default_slug, read_org


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
    if as_json:
        return to_json(read_org(client, "keys").keys) + "\n"
    state = read_org(client, "keys", "guardrails", "key_assignments")
    listings = org.Listings.of(state)
    rows = org.with_guardrail_names(listings.keys, listings.key_assignments, listings.guardrails,
                                    listings.workspaces, "hash", "key_hash", default_slug(state))
    return org.KEYS.render(org.with_workspace_slugs(rows, listings.workspaces), width)


def show_members(client, as_json: bool, width: int | None = None) -> str:
    if as_json:
        return to_json(read_org(client, "members").members) + "\n"
    state = read_org(client, "members", "guardrails", "member_assignments", "workspace_members")
    listings = org.Listings.of(state)
    rows = org.with_guardrail_names(listings.members, listings.member_assignments, listings.guardrails,
                                    listings.workspaces, "id", "user_id", default_slug(state))
    return org.MEMBERS.render(org.with_memberships(rows, listings.workspace_members, listings.workspaces), width)


def show_guardrails(client, as_json: bool, width: int | None = None) -> str:
    if as_json:
        return to_json(read_org(client, "guardrails").guardrails) + "\n"
    state = read_org(client, "guardrails", "key_assignments", "member_assignments")
    listings = org.Listings.of(state)
    rows = org.with_assignment_counts(listings.guardrails, listings.key_assignments, listings.member_assignments)
    return org.GUARDRAILS.render(org.with_workspace_slugs(org.labelled_defaults(rows, listings.workspaces),
                                                          listings.workspaces), width)


def show_workspaces(client, as_json: bool, width: int | None = None) -> str:
    from orsync.views import workspaces

    if as_json:
        return to_json(read_org(client, "workspaces").workspaces) + "\n"
    return workspaces.WORKSPACES.render(workspaces.workspace_rows(read_org(client)), width)
