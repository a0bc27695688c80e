"""The org file is read fast (no places kept) and exactly as the full reader reads it: the
same data, the same places when asked for, the same located error for a bad file."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orsync.config import yaml_reader
from orsync.config.loader import load_config

ENV = {"TEAM": "platform", "SECRETISH": "sk-or-v1-fake-from-env", "EMPTY": ""}


class Located(Exception):
    pass


def located(message, place, path):
    return Located(f"{place}: {'.'.join(map(str, path))}: {message}")


def outcome(read, text: str):
    """('data', repr of the data, places) or ('error', message) for one reader."""
    try:
        data, places = read(text)
    except Located as exc:
        return ("error", str(exc))
    return ("data", repr(data), places() if callable(places) else places)


def assert_read_alike(text: str) -> None:
    fast = outcome(lambda t: yaml_reader.parse(t, ENV, located), text)
    full = outcome(lambda t: yaml_reader.read_with_places(t, ENV, located), text)
    assert fast == full


MERGES = """\
version: 1
x-base: &base {limit: 5, limit_reset: daily}
x-more: &more
  disabled: true
  limit: 7
keys:
  - <<: *base
    name: a
  - <<: [*more, *base]
    name: b
    limit: 9
  - name: c
    <<: {include_byok_in_limit: true}
  - &d {name: d, guardrail: g}
  - *d
guardrails:
  - name: g
    allowed_models: &models [openai/gpt-4o, "${TEAM}/x"]
    allowed_providers: *models
"""

HOSTILE = [
    MERGES,
    "version: 1\nkeys: []\nkeys: []\n",                       # duplicate key
    "version: 1\nx: {<<: {a: 1}, <<: {b: 2}}\n",              # two merges
    "version: 1\nx: {'<<': 1, <<: {b: 2}}\n",                 # quoted << then a merge
    "version: 1\nx: {<<: {b: 2}, '<<': 1}\n",
    "version: 1\nx: {<<: 5}\n",                               # merge of a scalar
    "version: 1\nx: {<<: []}\n",
    "version: 1\nx: {<<: [{a: 1}, 2]}\n",
    "version: 1\nx: &x [*x]\n",                               # alias before its anchor ends
    "version: 1\nx: *nowhere\n",
    "version: 1\n---\nversion: 1\n",
    "version: 1\nx: !!python/object:os.system {}\n",
    "version: 1\nx: !!binary aGVsbG8=\n",
    "version: 1\nx: !!bool maybe\n",
    "version: 1\nx: !!int abc\n",
    "version: 1\nx: !custom [1]\n",
    "version: 1\n? [a, b]\n: 1\n",
    "version: 1\n&k key: 1\n",
    "version: 1\n!!str key: 1\n",
    "version: 1\nx: ${UNSET_ORSYNC_VARIABLE}\n",
    "version: 1\nx: ${SECRETISH}\n",
    "version: 1\nx: ${EMPTY}$${TEAM}\n",
    "version: 1\nx: " + "9" * 5000 + "\n",
    "version: 1\nx: " + "[" * 40 + "]" * 40 + "\n",
    "version: 1\nx: " + "[" * 31 + "]" * 31 + "\n",
    "version: 1\nx: [a, b\n",
    "version: 1\nkeys:\n  - name: a\n   limit: 5\n",
    "", "# only a comment\n", "just a scalar\n", "- a list\n", "&a x\n", "*a\n",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_fast_and_full_readers_agree_on_odd_and_hostile_files(text):
    assert_read_alike(text)


def test_alias_bombs_are_refused_alike(monkeypatch):
    monkeypatch.setattr(yaml_reader, "MAX_VALUES", 1_000)
    laughs = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 5)}]\n" for i in range(1, 6))
    assert_read_alike("l0: &l0 [lol]\n" + laughs)
    merges = "".join(f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: [*m{i - 1}, *m{i - 1}]}}\n" for i in range(1, 9))
    assert_read_alike("m0: &m0 {k0: 1}\n" + merges)
    flat = "version: 1\nx: [" + ", ".join(["1"] * 1_200) + "]\n"
    assert_read_alike(flat)
    assert outcome(lambda t: yaml_reader.parse(t, ENV, located), flat)[0] == "error"


def test_a_valid_file_is_read_once_and_its_places_only_when_asked(monkeypatch):
    calls = []
    full = yaml_reader.read_with_places
    monkeypatch.setattr(yaml_reader, "read_with_places", lambda *args: calls.append(1) or full(*args))
    data, places = yaml_reader.parse(MERGES, ENV, located)
    assert data["keys"][1] == {"disabled": True, "limit": 9, "name": "b", "limit_reset": "daily"}
    assert calls == []
    assert places()[("keys", 1, "limit")] == (11, 5)
    assert calls == [1]


def test_loaded_config_locates_fields_on_demand(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nkeys:\n  - name: a\n    limit: 5\n")
    loaded = load_config(path, env={})
    assert loaded.where(("keys", 0, "limit")) == f"{path}:4:5"
    assert loaded.locate(("keys", 0, "expires_at")) == (3, 5)


WORDS = ["version", "keys", "name", "limit", "<<", "x-a", "guardrails", "daily", "${TEAM}", "$${x}",
         "2027-06-30T00:00:00Z", "null", "~", "true", "no", "0x1F", "1_000", ".inf", "1e3", "sk-or-"]
TEXT = st.one_of(st.sampled_from(WORDS), st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), TEXT)
TREES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(TEXT, children, max_size=4), max_leaves=20)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=TREES, flow=st.booleans())
def test_fast_and_full_readers_agree_on_generated_documents(document, flow):
    assert_read_alike(yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True))


PIECES = st.sampled_from(["a: ", "- ", "<<: ", "&a ", "*a ", "&b ", "*b ", "{", "}", "[", "]", ", ", "\n",
                          "  ", "k", "1", "'<<'", "!!str ", "---\n", "? ", "${TEAM}", "\"x\""])


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(PIECES, max_size=30))
def test_fast_and_full_readers_agree_on_yaml_fragments(pieces):
    assert_read_alike("".join(pieces))
