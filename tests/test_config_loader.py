"""Loading valid org files: three states per field, source locations, ${ENV}, YAML anchors."""

from __future__ import annotations

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import pytest

from orsync.cli import main
from orsync.config.loader import LoadedConfig, load_config
from orsync.errors import ConfigError

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "org.yaml"

THREE_STATES = """\
version: 1
guardrails:
  - name: ci-policy
    limit_usd: 25
    reset_interval: monthly
    allowed_models: null
keys:
  - name: omitted
  - name: cleared
    limit: null
    limit_reset: null
    expires_at: null
    guardrail: null
  - name: set
    limit: 0
    limit_reset: daily
    disabled: false
    expires_at: 2027-06-30T00:00:00Z
    guardrail: ci-policy
members:
  - email: alice@example.com
  - email: bob@example.com
    guardrail: null
"""


def write(tmp_path: Path, text: str, name: str = "org.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def load(tmp_path: Path, text: str, **env: str) -> LoadedConfig:
    return load_config(write(tmp_path, text), env=env)


# -- three states --------------------------------------------------------------------------

def test_omitted_fields_are_not_managed(tmp_path):
    config = load(tmp_path, THREE_STATES).model

    omitted = config.keys[0]
    assert omitted.managed_fields() == {}
    assert "guardrail" not in omitted.model_fields_set
    assert config.members[0].managed_fields() == {}


def test_null_fields_are_managed_as_clear(tmp_path):
    config = load(tmp_path, THREE_STATES).model

    cleared = config.keys[1]
    assert cleared.managed_fields() == {"limit": None, "limit_reset": None, "expires_at": None}
    # The key's guardrail is an assignment, not a field of the key: present in the file as null.
    assert "guardrail" in cleared.model_fields_set and cleared.guardrail is None
    assert config.members[1].managed_fields() == {"guardrail": None}
    assert config.guardrails[0].managed_fields()["allowed_models"] is None


def test_values_are_managed_as_set(tmp_path):
    config = load(tmp_path, THREE_STATES).model

    managed = config.keys[2].managed_fields()
    assert managed == {"limit": 0.0, "limit_reset": "daily", "disabled": False,
                       "expires_at": datetime(2027, 6, 30, tzinfo=timezone.utc)}
    assert config.keys[2].guardrail == "ci-policy"


def test_identity_fields_are_never_managed_fields(tmp_path):
    config = load(tmp_path, "version: 1\nkeys:\n  - name: a\n    hash: " + "ab" * 32 + "\n    state: absent\n").model

    assert config.keys[0].managed_fields() == {}
    assert config.keys[0].state == "absent"


def test_expires_at_with_zero_offset_is_utc(tmp_path):
    config = load(tmp_path, 'version: 1\nkeys:\n  - name: a\n    expires_at: "2027-06-30T02:00:00+00:00"\n').model

    assert config.keys[0].expires_at == datetime(2027, 6, 30, 2, tzinfo=timezone.utc)


# -- locations -----------------------------------------------------------------------------

def test_locate_and_where_point_at_the_field(tmp_path):
    loaded = load(tmp_path, THREE_STATES)

    assert loaded.locate(("keys", 2, "limit_reset")) == (16, 5)
    assert loaded.locate(("keys", 2)) == (14, 5)
    assert loaded.locate(()) == (1, 1)
    assert loaded.where(("members", 1, "guardrail")) == f"{loaded.path}:23:5"


def test_a_path_absent_from_the_file_is_located_at_its_entry(tmp_path):
    loaded = load(tmp_path, THREE_STATES)

    assert loaded.locate(("keys", 0, "limit")) == loaded.locate(("keys", 0)) == (8, 5)


def test_error_for_plan_time_problems_names_file_line_and_field(tmp_path):
    loaded = load(tmp_path, THREE_STATES)

    error = loaded.error(("members", 0, "email"), "no member with this email in the org")

    assert isinstance(error, ConfigError)
    assert str(error) == f"{loaded.path}:21:5: members[0].email: no member with this email in the org"


def test_digest_is_the_sha256_of_the_file_bytes(tmp_path):
    path = write(tmp_path, THREE_STATES)

    loaded = load_config(path, env={})

    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert loaded.path == path


# -- ${ENV} --------------------------------------------------------------------------------

def test_environment_variables_are_expanded_in_strings(tmp_path):
    text = ("version: 1\nguardrails:\n  - name: ${TEAM}-policy\n    description: owned by ${TEAM} ($${NOT_A_VAR})\n"
            "keys:\n  - name: k\n    limit: ${LIMIT}\n")

    config = load(tmp_path, text, TEAM="web", LIMIT="12.5").model

    assert config.guardrails[0].name == "web-policy"
    assert config.guardrails[0].description == "owned by web (${NOT_A_VAR})"
    assert config.keys[0].limit == 12.5  # unquoted: read as if the value were written there


def test_a_quoted_reference_stays_text(tmp_path):
    with pytest.raises(ConfigError, match=r"keys\[0\]\.limit: expected a number \(got '12.5'\); write the number"):
        load(tmp_path, 'version: 1\nkeys:\n  - name: k\n    limit: "${LIMIT}"\n', LIMIT="12.5")
    assert load(tmp_path, 'version: 1\nkeys:\n  - name: "${N}"\n', N="007").model.keys[0].name == "007"


def test_load_config_reads_os_environ_by_default(tmp_path, monkeypatch):
    monkeypatch.setenv("ORSYNC_TEST_TEAM", "data")

    config = load_config(write(tmp_path, "version: 1\nkeys:\n  - name: ${ORSYNC_TEST_TEAM}-key\n")).model

    assert config.keys[0].name == "data-key"


def test_unset_variable_names_the_variable_and_its_place(tmp_path):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, "version: 1\nkeys:\n  - name: a\n    limit: ${MISSING_LIMIT}\n")

    assert (raised.value.line, raised.value.field) == (4, "keys[0].limit")
    assert "MISSING_LIMIT is not set" in str(raised.value)


# -- YAML features -------------------------------------------------------------------------

def test_anchors_merge_keys_and_extension_fields(tmp_path):
    text = """\
version: 1
x-key-defaults: &defaults
  limit: 5
  limit_reset: daily
keys:
  - name: a
    <<: *defaults
  - name: b
    <<: *defaults
    limit: 9
"""
    loaded = load(tmp_path, text)

    first, second = loaded.model.keys
    assert first.managed_fields() == {"limit": 5.0, "limit_reset": "daily"}
    assert second.managed_fields() == {"limit": 9.0, "limit_reset": "daily"}
    assert loaded.locate(("keys", 0, "limit")) == (3, 3)   # where the merged value is written
    assert loaded.locate(("keys", 1, "limit")) == (10, 5)  # the override


def test_aliases_are_located_where_they_are_used(tmp_path):
    text = """\
version: 1
guardrails:
  - name: a
    allowed_models: &cheap [openai/gpt-4o-mini, anthropic/claude-3.5-haiku]
  - name: b
    allowed_models: *cheap
"""
    loaded = load(tmp_path, text)

    assert loaded.model.guardrails[1].allowed_models == ["openai/gpt-4o-mini", "anthropic/claude-3.5-haiku"]
    assert loaded.locate(("guardrails", 1, "allowed_models")) == (6, 5)
    assert loaded.locate(("guardrails", 1, "allowed_models", 1)) == (4, 49)


def test_unquoted_timestamps_and_yaml_scalars_are_read_as_written(tmp_path):
    # Booleans are YAML 1.2's, as editors read them: True is one, yes is text (and refused).
    text = "version: 1\npolicy:\n  prune: True\n  max_deletes: 0x10\nkeys:\n  - name: '007'\n    expires_at: 2027-01-01 00:00:00Z\n"

    config = load(tmp_path, text).model

    assert config.policy.prune is True and config.policy.max_deletes == 16
    assert config.keys[0].name == "007"
    assert config.keys[0].expires_at == datetime(2027, 1, 1, tzinfo=timezone.utc)


def test_quoted_merge_key_is_an_ordinary_unknown_field(tmp_path):
    with pytest.raises(ConfigError, match=r'keys\[0\]\.<<: unknown field'):
        load(tmp_path, 'version: 1\nkeys:\n  - name: a\n    "<<": {limit: 1}\n')


# -- the validate command --------------------------------------------------------------------

def test_validate_the_example_org(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(EXAMPLE)])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"{EXAMPLE}: valid (7 guardrails, 10 keys, 5 members, 5 smoke tests)\n"


def test_validate_counts_in_the_singular(tmp_path, capsys):
    path = write(tmp_path, "version: 1\nkeys:\n  - name: a\nmembers:\n  - id: user_1\n")

    with pytest.raises(SystemExit) as exited:
        main(["validate", str(path)])

    assert exited.value.code == 0
    assert capsys.readouterr().out == f"{path}: valid (0 guardrails, 1 key, 1 member, 0 smoke tests)\n"
