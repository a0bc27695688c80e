"""Bad org files, each through the real CLI: exit 1, each problem one line naming file:line, no
traceback; `validate` lists every problem, other verbs stop at the first and count the rest."""

from __future__ import annotations

import pytest

from orsync.cli import main
from orsync.config import yaml_reader
from orsync.config.loader import MAX_FILE_BYTES, load_config
from orsync.errors import ConfigError

FAKE_SECRET = "sk-or-v1-fake-config-test"


def org(body: str) -> str:
    """A file that starts with `version: 1` on line 1; `body` starts on line 2."""
    return "version: 1\n" + body


# (id, file content, line the error must name (None: the file as a whole), text it must say)
CASES = [
    # -- not YAML, or not one mapping --------------------------------------------------
    ("bad-indentation", org("keys:\n  - name: a\n   limit: 5\n"), 4, "invalid YAML"),
    ("unclosed-quote", org('keys:\n  - name: "a\n'), 4, "invalid YAML"),
    ("tab-indentation", org("keys:\n\t- name: a\n"), 3, "invalid YAML"),
    ("unclosed-flow-list", org("guardrails:\n  - name: g\n    allowed_models: [a, b\n"), 5, "invalid YAML"),
    ("empty-file", "", 1, "the file is empty"),
    ("only-comments", "# nothing here\n# at all\n", 1, "the file is empty"),
    ("top-level-list", "- version: 1\n", 1, "top level must be a mapping that starts with version: 1 (got a list)"),
    ("top-level-scalar", "hello\n", 1, "top level must be a mapping"),
    ("two-documents", "version: 1\n---\nversion: 1\n", 2, "more than one YAML document"),
    ("binary-junk", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", 1, "control character U+007F"),
    ("nul-after-text", b"version: 1\nkeys: []\n\x00\x00\x00", 3, "control character U+0000"),
    ("not-utf8", b"version: 1\nkeys:\n  - name: caf\xe9\n", 3, "not UTF-8 text"),
    ("deep-nesting", org("keys: " + "[" * 200 + "]" * 200 + "\n"), 2, "nested more than 32 levels"),
    ("self-alias", org("keys: &k [*k]\n"), 2, "alias *k names no anchor defined before it"),
    ("merge-a-scalar", org("x-a: &a 5\nkeys:\n  - name: k\n    <<: *a\n"), 5, "<< merges a mapping or a list of mappings"),
    ("unknown-alias", org("keys:\n  - *nowhere\n"), 3, "alias *nowhere names no anchor"),
    ("python-tag", org("keys:\n  - !!python/object:os.system {}\n"), 3, "unsupported YAML tag !!python/object:os.system"),
    ("binary-tag", org("guardrails:\n  - name: g\n    description: !!binary aGVsbG8=\n"), 4, "unsupported YAML tag !!binary"),
    ("complex-mapping-key", org("? [a, b]\n: 1\n"), 2, "mapping keys must be plain strings"),
    # -- duplicates that PyYAML would silently accept ------------------------------------
    ("duplicate-top-level-key", org("keys: []\nguardrails: []\nkeys: []\n"), 4, "duplicate key (also at line 2)"),
    ("duplicate-field-in-entry", org("keys:\n  - name: a\n    limit: 5\n    limit: 6\n"), 5,
     "keys[0].limit: duplicate key (also at line 4)"),
    # -- the shape of the file -----------------------------------------------------------
    ("missing-version", "keys: []\n", 1, "version: missing required field"),
    ("version-2", "version: 2\n", 1, "version: must be 1 (got 2)"),
    ("unknown-top-level-field", org("guardrial: []\n"), 2, "guardrial: unknown field (did you mean 'guardrails'?)"),
    ("unknown-key-field", org("keys:\n  - name: a\n    limt: 5\n"), 4, "keys[0].limt: unknown field (did you mean 'limit'?)"),
    ("unknown-field-no-suggestion", org("policy:\n  colour: blue\n"), 3, "unknown field (expected one of prune"),
    ("policy-not-mapping", org("policy: 5\n"), 2, "policy: expected a mapping (got 5)"),
    ("keys-not-list", org("keys:\n  a: 1\n"), 2, "keys: expected a list (got a mapping)"),
    ("key-entry-not-mapping", org("keys:\n  - just-a-name\n"), 3, "keys[0]: expected a mapping"),
    ("missing-key-name", org("keys:\n  - limit: 5\n"), 3, "keys[0].name: missing required field"),
    # -- field values --------------------------------------------------------------------
    ("limit-not-number", org("keys:\n  - name: a\n    limit: abc\n"), 4, "keys[0].limit: expected a number (got 'abc')"),
    ("limit-boolean", org("keys:\n  - name: a\n    limit: true\n"), 4, "expected a number, not true/false"),
    ("limit-yes-is-text", org("keys:\n  - name: a\n    limit: yes\n"), 4, "expected a number (got 'yes')"),
    ("limit-quoted", org("keys:\n  - name: a\n    limit: \"5\"\n"), 4,
     "expected a number (got '5'); write the number without quotes"),
    ("disabled-yes", org("keys:\n  - name: a\n    disabled: yes\n"), 4, "(got 'yes'); did you mean true?"),
    ("disabled-off", org("keys:\n  - name: a\n    disabled: off\n"), 4, "(got 'off'); did you mean false?"),
    ("disabled-quoted", org("keys:\n  - name: a\n    disabled: \"true\"\n"), 4, "write true without quotes"),
    ("reset-capitalised", org("keys:\n  - name: a\n    limit_reset: Monthly\n"), 4, "did you mean 'monthly'?"),
    ("tab-in-block", org("keys:\n  - name: a\n\tlimit: 5\n"), 4, "a tab indents this line"),
    ("limit-negative", org("keys:\n  - name: a\n    limit: -1\n"), 4, "must be at least 0 (got -1)"),
    ("limit-infinite", org("keys:\n  - name: a\n    limit: .inf\n"), 4, "must be a finite number"),
    ("reset-enum", org("keys:\n  - name: a\n    limit_reset: hourly\n"), 4,
     "keys[0].limit_reset: must be one of daily, weekly, monthly (got 'hourly')"),
    ("name-empty", org("keys:\n  - name: ''\n"), 3, "keys[0].name: must not be empty"),
    ("name-too-long", org(f"keys:\n  - name: {'n' * 201}\n"), 3, "too long: at most 200 characters"),
    ("name-a-number", org("keys:\n  - name: 2024\n"), 3, "expected a string (got 2024); quote it"),
    ("description-huge", org(f"guardrails:\n  - name: g\n    description: {'d' * 100_000}\n"), 4,
     "too long: at most 1000 characters"),
    ("disabled-null", org("keys:\n  - name: a\n    disabled: null\n"), 4, "null cannot clear a boolean"),
    ("disabled-not-bool", org("keys:\n  - name: a\n    disabled: maybe\n"), 4, "expected true or false (got 'maybe')"),
    ("max-deletes-fraction", org("policy:\n  max_deletes: 1.5\n"), 3, "expected a whole number (got 1.5)"),
    ("expires-not-utc", org('keys:\n  - name: a\n    expires_at: "2027-06-30T00:00:00+02:00"\n'), 4, "must be a UTC date-time"),
    ("expires-garbage", org("keys:\n  - name: a\n    expires_at: tomorrow\n"), 4, "expected a date-time"),
    ("expires-a-number", org("keys:\n  - name: a\n    expires_at: 2027\n"), 4, "expected a date-time string"),
    ("hash-malformed", org("keys:\n  - name: a\n    hash: ABC\n"), 4, "64 lowercase hex characters"),
    ("guardrail-budget-zero", org("guardrails:\n  - name: g\n    limit_usd: 0\n    reset_interval: daily\n"), 4,
     "must be greater than 0"),
    ("guardrail-budget-without-interval", org("guardrails:\n  - name: g\n    limit_usd: 10\n"), 4,
     "guardrails[0].limit_usd: limit_usd needs reset_interval"),
    ("allowed-models-empty", org("guardrails:\n  - name: g\n    allowed_models: []\n"), 4, "must list at least 1 item"),
    ("allowed-models-string", org("guardrails:\n  - name: g\n    allowed_models: openai/gpt-4o\n"), 4, "expected a list"),
    ("member-email-malformed", org("members:\n  - email: bob-at-example.com\n"), 3, "not a valid email address"),
    ("member-email-and-id", org("members:\n  - email: bob@example.com\n    id: user_1\n"), 3,
     "a member needs exactly one of email or id"),
    ("smoke-expect-missing", org("keys:\n  - name: k\nsmoke:\n  - name: s\n    key: k\n    endpoint: chat\n"
                                 "    model: openai/gpt-4o-mini\n"), 5, "smoke[0].expect: missing required field"),
    ("smoke-rerank-without-documents", org("keys:\n  - name: k\nsmoke:\n  - name: s\n    key: k\n    endpoint: rerank\n"
                                           "    model: cohere/rerank-v3.5\n    expect: {status: 200}\n"), 5,
     "documents is required for endpoint rerank"),
    ("smoke-status-out-of-range", org("smoke:\n  - name: s\n    key: env:K\n    endpoint: chat\n    model: m\n"
                                      "    expect: {status: 42}\n"), 7, "must be at least 100"),
    # -- across entries ------------------------------------------------------------------
    ("duplicate-key-names", org("keys:\n  - name: a\n  - name: b\n  - name: a\n"), 5, "duplicate key name 'a' (also at line 3)"),
    ("duplicate-guardrail-names", org("guardrails:\n  - name: g\n  - name: g\n"), 4,
     "duplicate guardrail name 'g' (also at line 3)"),
    ("duplicate-members", org("members:\n  - email: Bob@example.com\n  - email: bob@EXAMPLE.com\n"), 4,
     "duplicate member 'bob@example.com' (also at line 3)"),
    ("duplicate-hash-pins", org(f"keys:\n  - name: a\n    hash: {'a' * 64}\n  - name: b\n    hash: {'a' * 64}\n"), 6,
     "duplicate key hash"),
    ("duplicate-guardrail-ids", org("guardrails:\n  - name: g\n    id: x-1\n  - name: h\n    id: x-1\n"), 6,
     "duplicate guardrail id 'x-1' (also at line 4)"),
    ("key-undeclared-guardrail", org("guardrails:\n  - name: ci-policy\nkeys:\n  - name: a\n    guardrail: ci-polcy\n"), 6,
     "keys[0].guardrail: guardrail 'ci-polcy' is not declared under guardrails (did you mean 'ci-policy'?)"),
    ("key-absent-guardrail", org("guardrails:\n  - name: g\n    state: absent\nkeys:\n  - name: a\n    guardrail: g\n"), 7,
     "guardrail 'g' is declared with state: absent"),
    ("member-undeclared-guardrail", org("members:\n  - email: bob@example.com\n    guardrail: nope\n"), 4,
     "members[0].guardrail: guardrail 'nope' is not declared"),
    ("smoke-undeclared-key", org("smoke:\n  - name: s\n    key: ci-smoke\n    endpoint: chat\n    model: m\n"
                                 "    expect: {status: 200}\n"), 4, "key 'ci-smoke' is not declared under keys (write env:VAR"),
    ("smoke-bad-env-name", org("smoke:\n  - name: s\n    key: env:1X\n    endpoint: chat\n    model: m\n"
                               "    expect: {status: 200}\n"), 4, "does not name an environment variable"),
    ("duplicate-smoke-names", org("smoke:\n  - {name: s, key: env:K, endpoint: chat, model: m, expect: {status: 200}}\n"
                                  "  - {name: s, key: env:K, endpoint: chat, model: m, expect: {status: 403}}\n"), 4,
     "duplicate smoke test name"),
    # -- secrets and the environment -------------------------------------------------------
    ("secret-in-value", org(f"keys:\n  - name: a\n    creator_user_id: {FAKE_SECRET}\n"), 4, "shaped like an OpenRouter secret"),
    ("secret-in-comment", org(f"# old key: {FAKE_SECRET}\nkeys: []\n"), 2, "secrets never go in the org file"),
    ("secret-from-env", org("keys:\n  - name: a\n    creator_user_id: ${ORSYNC_TEST_SECRET}\n"), 4,
     "environment variable here holds a value shaped like an OpenRouter secret"),
    ("env-unset", org("keys:\n  - name: a\n    limit: ${ORSYNC_TEST_UNSET}\n"), 4,
     "keys[0].limit: environment variable ORSYNC_TEST_UNSET is not set"),
    ("env-unterminated", org("guardrails:\n  - name: g\n    description: cost ${ORSYNC_TEST_SET\n"), 4, "unterminated ${"),
    ("env-bad-name", org("guardrails:\n  - name: g\n    description: ${1st}\n"), 4, "${1st} is not a variable reference"),
]


@pytest.fixture(autouse=True)
def _environment(monkeypatch):
    monkeypatch.setenv("ORSYNC_TEST_SECRET", FAKE_SECRET)
    monkeypatch.setenv("ORSYNC_TEST_SET", "5")
    monkeypatch.delenv("ORSYNC_TEST_UNSET", raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # else validate prints annotations


def run_validate(path, capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(path)])
    captured = capsys.readouterr()
    return exited.value.code, captured.out, captured.err


@pytest.mark.parametrize("content,line,expected", [case[1:] for case in CASES], ids=[case[0] for case in CASES])
def test_invalid_file_is_one_line_error_at_its_line(tmp_path, capsys, content, line, expected):
    path = tmp_path / "org.yaml"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())

    code, out, err = run_validate(path, capsys)

    assert code == 1
    assert "Traceback" not in out + err and "internal error" not in out + err
    assert err == f"orsync: 1 problem in {path}\n", err
    prefix = f"{path}:{line}:" if line else f"{path}: "
    assert out.startswith(prefix) and out.count("\n") == 1, out
    assert expected in out, out


def test_the_table_is_large_and_ids_are_unique():
    assert len(CASES) >= 30
    assert len({case[0] for case in CASES}) == len(CASES)


def test_secret_is_never_repeated_in_the_error(tmp_path, capsys):
    path = tmp_path / "org.yaml"
    path.write_text(org(f"keys:\n  - name: {FAKE_SECRET}\n"))

    code, out, err = run_validate(path, capsys)

    assert code == 1
    assert "sk-or-v1" not in out + err and "fake-config-test" not in out + err


@pytest.mark.parametrize("make,expected", [
    (lambda tmp: tmp / "missing.yaml", "no such file"),
    (lambda tmp: tmp, "is a directory"),
])
def test_unreadable_path_is_one_line(tmp_path, capsys, make, expected):
    path = make(tmp_path)

    code, out, _ = run_validate(path, capsys)

    assert code == 1
    assert out.startswith(f"{path}: {expected}")
    assert out.count("\n") == 1


def test_file_over_the_size_limit_is_refused_without_parsing(tmp_path, capsys):
    path = tmp_path / "org.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * MAX_FILE_BYTES)

    code, out, _ = run_validate(path, capsys)

    assert code == 1
    assert out.startswith(f"{path}: too large") and out.count("\n") == 1


def test_alias_bomb_is_stopped_at_the_alias_that_overflows(tmp_path, capsys, monkeypatch):
    # The limit is lowered to keep the test fast; the real one is a million values.
    monkeypatch.setattr(yaml_reader, "MAX_VALUES", 10_000)
    laughs = "".join(f"x-l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]\n" for i in range(1, 9))
    path = tmp_path / "org.yaml"
    path.write_text(org("x-l0: &l0 [lol]\n" + laughs))

    code, out, _ = run_validate(path, capsys)

    assert code == 1
    assert out.startswith(f"{path}:6:") and out.count("\n") == 1
    assert "more than 10,000 values" in out


def test_validate_lists_every_problem_and_other_verbs_stop_at_the_first(tmp_path, capsys):
    path = tmp_path / "org.yaml"
    path.write_text(org("keys:\n  - name: a\n    limit: abc\n  - name: b\n    limit_reset: hourly\n    limt: 1\n"))

    code, out, err = run_validate(path, capsys)

    assert code == 1 and err == f"orsync: 3 problems in {path}\n"
    assert out.splitlines() == [
        f"{path}:4:5: keys[0].limit: expected a number (got 'abc')",
        f"{path}:6:5: keys[1].limit_reset: must be one of daily, weekly, monthly (got 'hourly')",
        f"{path}:7:5: keys[1].limt: unknown field (did you mean 'limit'?)",
    ]
    with pytest.raises(ConfigError) as raised:
        load_config(path)
    assert str(raised.value) == (f"{path}:4:5: keys[0].limit: expected a number (got 'abc') "
                                 "(and 2 more problems: orsync validate lists them all)")
