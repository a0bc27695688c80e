"""Memory structure of a plan at scale: config entries share their fields sets without
losing what each one says; the planner's listing rows are slotted, not pydantic models."""

from __future__ import annotations

import dataclasses

import pytest

from orsync.api.models import Key, Page
from orsync.api.rows import KeyAssignmentRow, KeyRow
from orsync.config.loader import load_config

CONFIG = """version: 1
keys:
  - {name: a, limit: 5, limit_reset: daily}
  - {name: b, limit: 6, limit_reset: weekly}
  - {name: c, limit: null}
  - {name: d}
"""
KEY_PAGE = (b'{"data": [{"hash": "%s", "name": "k", "label": "sk-or-v1-abc...def", "disabled": false,'
            b' "limit": 5, "limit_remaining": 5, "limit_reset": "daily", "include_byok_in_limit": false,'
            b' "usage": 1.5, "usage_daily": 0, "usage_weekly": 0, "usage_monthly": 0, "byok_usage": 0,'
            b' "byok_usage_daily": 0, "byok_usage_weekly": 0, "byok_usage_monthly": 0,'
            b' "created_at": "2026-01-01T00:00:00Z", "updated_at": null, "expires_at": "2027-01-01T00:00:00Z",'
            b' "creator_user_id": null, "workspace_id": "ws-1", "a_field_from_the_future": [1, 2]}]}'
            % (b"f" * 64))


def test_entries_of_one_shape_share_a_fields_set_and_keep_their_own_meaning(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(CONFIG)
    a, b, c, d = load_config(path).model.keys
    assert a.model_fields_set is b.model_fields_set          # one set for one shape
    assert c.model_fields_set == {"name", "limit"}            # `limit: null` clears it
    assert d.model_fields_set == {"name"}                     # omitted: left unmanaged
    assert a.managed_fields() == {"limit": 5.0, "limit_reset": "daily"}
    assert c.managed_fields() == {"limit": None} and d.managed_fields() == {}
    copy = a.model_copy(update={"limit": 7.0})               # a copy never touches the shared set
    assert "limit" in copy.model_fields_set and b.model_fields_set == {"name", "limit", "limit_reset"}


def test_listing_rows_keep_what_the_planner_reads_and_drop_the_rest():
    (row,) = Page[KeyRow].model_validate_json(KEY_PAGE).data
    (full,) = Page[Key].model_validate_json(KEY_PAGE).data
    planner_fields = ("hash", "name", "disabled", "limit", "limit_reset", "include_byok_in_limit",
                      "expires_at", "creator_user_id", "workspace_id")
    assert all(getattr(row, name) == getattr(full, name) for name in planner_fields)
    assert not hasattr(row, "usage") and not hasattr(row, "__dict__")   # slotted, no usage counters
    assert not hasattr(row, "a_field_from_the_future")                  # unknown fields dropped, no error
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.name = "renamed"
    assert {field.name for field in dataclasses.fields(KeyAssignmentRow)} >= {"id", "key_hash", "guardrail_id"}
