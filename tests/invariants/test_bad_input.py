"""Invariant 5: whatever the org file holds, `orsync validate FILE` ends in exit 0 (valid) or in
exit 1 with one line `FILE:LINE[:COL]: ...` per problem and a count on stderr; never a
traceback, never a hang.

Inputs: hypothesis-built YAML (random trees over the file's own vocabulary, and fully random
ones), raw text and bytes, every truncation length of examples/org.yaml, random edits of it, and
a table of hostile files (huge values, deep nesting, alias bombs, binary junk, tags, ...).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from .figures import FIGURES
from .harness import CliResult, bounded, orsync
from .profiles import examples

EXAMPLE = (Path(__file__).resolve().parents[2] / "examples" / "org.yaml").read_bytes()


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("bad-input")


def validate(workdir: Path, content: bytes | str, name: str = "org.yaml") -> CliResult:
    """`orsync validate` of a file holding `content`; checks the outcome's shape and returns it."""
    path = workdir / name
    path.write_bytes(content.encode("utf-8", "surrogatepass") if isinstance(content, str) else content)
    with bounded():
        result = orsync("validate", str(path), env={"GITHUB_ACTIONS": "false"})  # plain lines
    check_outcome(result, path)
    return result


def check_outcome(result: CliResult, path: Path) -> None:
    FIGURES.add("bad_input.cases")
    assert "Traceback" not in result.text and "internal error" not in result.text, result.text[-2000:]
    if result.code == 0:
        FIGURES.add("bad_input.valid")
        assert result.out.startswith(f"{path}: valid"), result.out
        assert result.err == ""
        return
    FIGURES.add("bad_input.refused")
    assert result.code == 1, f"exit {result.code}: {result.err}"
    lines = result.out.rstrip("\n").split("\n")
    count = re.fullmatch(rf"orsync: (\d+) problems? in {re.escape(str(path))}\n", result.err)
    assert count and int(count.group(1)) == len(lines), f"{result.err[:500]} for {len(lines)} lines"
    for line in lines:
        # Printable: no control character (ESC, NEL, U+2028, ...) from the file reaches the terminal.
        assert line.isprintable(), f"control characters in the error: {line[:500]!r}"
        located = re.match(rf"{re.escape(str(path))}:\d+(:\d+)?: .", line)
        assert located, f"not located as FILE:LINE: {line[:500]}"
        assert len(line) < 1200, f"a one-line error of {len(line)} characters"


# --- generated YAML -----------------------------------------------------------------------------

VOCABULARY = ["version", "policy", "prune", "protect", "max_deletes", "guardrails", "keys", "members",
              "smoke", "name", "id", "hash", "state", "description", "limit", "limit_usd", "limit_reset",
              "reset_interval", "allowed_models", "allowed_providers", "ignored_providers",
              "ignored_models", "enforce_zdr", "include_byok_in_budgets", "include_byok_in_limit",
              "expires_at", "disabled", "creator_user_id", "guardrail", "email", "key", "endpoint",
              "model", "input", "documents", "expect", "status", "contains", "x-anchor"]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**30), st.floats(), TEXT,
    st.sampled_from(["daily", "monthly", "absent", "present", "2027-06-30T00:00:00Z", "2027-06-30",
                     "2027-02-30T00:00:00Z", "2027-06-30T00:00:00+02:00", "${UNSET_ORSYNC_VAR}",
                     "$${literal}", "prod-*", "alice@example.com", "openai/gpt-4o", "chat", "env:X", "a" * 300]))
KEYS = st.one_of(st.sampled_from(VOCABULARY), TEXT)
TREES = st.recursive(SCALARS, lambda children: st.lists(children, max_size=4)
                     | st.dictionaries(KEYS, children, max_size=5), max_leaves=25)
ENTRY = st.dictionaries(st.sampled_from(VOCABULARY), st.one_of(SCALARS, st.lists(SCALARS, max_size=3)), max_size=6)
# Shaped like an org file, each part possibly wrong: what users' near-misses look like.
SHAPED = st.fixed_dictionaries({"version": st.one_of(st.just(1), SCALARS)}, optional={
    "policy": st.one_of(ENTRY, SCALARS),
    "guardrails": st.one_of(st.lists(ENTRY, max_size=3), SCALARS),
    "keys": st.one_of(st.lists(ENTRY, max_size=3), SCALARS),
    "members": st.one_of(st.lists(ENTRY, max_size=3), SCALARS),
    "smoke": st.one_of(st.lists(ENTRY, max_size=2), SCALARS),
})


def dumped(document, flow: bool) -> str:
    return yaml.safe_dump(document, default_flow_style=flow, allow_unicode=True)


@examples(300)
@given(document=st.one_of(SHAPED, TREES), flow=st.booleans())
def test_generated_yaml_documents(workdir, document, flow):
    validate(workdir, dumped(document, flow))


@examples(200)
@given(content=st.one_of(st.binary(max_size=400), TEXT.map(str.encode)))
def test_raw_bytes_and_text(workdir, content):
    validate(workdir, content)


# --- the example file, truncated and edited ------------------------------------------------------

def test_the_example_is_valid(workdir):
    assert validate(workdir, EXAMPLE).code == 0


@examples(150)
@given(length=st.integers(0, len(EXAMPLE) - 1))
def test_truncated_example(workdir, length):
    validate(workdir, EXAMPLE[:length])


EDITS = st.sampled_from(["delete", "duplicate", "swap", "indent", "dedent", "insert", "retype", "splice"])


def edit(lines: list[bytes], op: str, at: int, other: int, junk: bytes) -> list[bytes]:
    """One edit of the kind people (and merges) make to YAML files."""
    lines = list(lines)
    at, other = at % len(lines), other % len(lines)
    if op == "delete":
        del lines[at]
    elif op == "duplicate":
        lines.insert(at, lines[at])
    elif op == "swap":
        lines[at], lines[other] = lines[other], lines[at]
    elif op == "indent":
        lines[at] = b"  " + lines[at]
    elif op == "dedent":
        lines[at] = lines[at].lstrip()
    elif op == "insert":
        lines.insert(at, junk)
    elif op == "retype":  # `field: value` -> `field: <junk>`
        field, colon, _ = lines[at].partition(b":")
        lines[at] = field + colon + b" " + junk if colon else junk
    else:  # splice junk into the middle of a line
        middle = len(lines[at]) // 2
        lines[at] = lines[at][:middle] + junk + lines[at][middle:]
    return lines


@examples(300)
@given(ops=st.lists(st.tuples(EDITS, st.integers(0, 10**6), st.integers(0, 10**6),
                              st.one_of(st.binary(max_size=12), st.sampled_from(
                                  [b"[", b"{", b"- ", b": :", b"\t", b"&a", b"*a", b"!!str", b"null",
                                   b"[1, 2]", b"{a: 1}", b"-1", b"1e999", b"yes", b"'unclosed"]))),
                    min_size=1, max_size=3))
def test_edited_example(workdir, ops):
    lines = EXAMPLE.split(b"\n")
    for op, at, other, junk in ops:
        lines = edit(lines, op, at, other, junk)
    validate(workdir, b"\n".join(lines))


# --- hostile files --------------------------------------------------------------------------------

def nested(depth: int, open_: str, close: str) -> str:
    return "version: 1\nkeys: " + open_ * depth + close * depth + "\n"


HOSTILE = {
    "deep flow lists": nested(50_000, "[", "]"),
    "deep flow maps": "version: 1\nkeys: " + "{a: " * 20_000 + "1" + "}" * 20_000 + "\n",
    "deep block maps": "version: 1\npolicy:\n" + "".join("  " * (n + 1) + f"k{n}:\n" for n in range(2_000)),
    "alias bomb": "version: 1\nx-a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
        f"x-{chr(98 + n)}: &{chr(98 + n)} [{', '.join(['*' + chr(97 + n)] * 9)}]\n" for n in range(9)),
    "recursive merge": "version: 1\nx-a: &a\n  <<: *a\n",
    "huge integer limit": "version: 1\nkeys:\n  - name: k\n    limit: " + "9" * 5_000 + "\n",
    "infinite limit": "version: 1\nkeys:\n  - name: k\n    limit: .inf\n",
    "nan limit": "version: 1\nguardrails:\n  - name: g\n    limit_usd: .nan\n    reset_interval: daily\n",
    "overflowing float": "version: 1\nkeys:\n  - name: k\n    limit: 1e999\n",
    "huge string": "version: 1\nguardrails:\n  - name: g\n    description: " + "x" * 3_000_000 + "\n",
    "huge name": "version: 1\nkeys:\n  - name: " + "n" * 100_000 + "\n",
    "long line of junk": "version: 1\n" + "#" * 100 + "\n" + "x" * 1_000_000,
    "many keys (valid)": "version: 1\nkeys:\n" + "".join(f"  - name: key-{n}\n    limit: {n % 50}\n" for n in range(10_000)),
    "many duplicate keys": "version: 1\nkeys:\n" + "  - name: same\n" * 5_000,
    "python tag": "version: 1\nkeys: !!python/object/apply:os.system ['true']\n",
    "binary tag": "version: 1\nkeys: !!binary aGVsbG8=\n",
    "custom tag": "version: 1\nkeys: !vault secret/path\n",
    "two documents": "version: 1\n---\nversion: 1\n",
    "only comments": "# nothing here\n# at all\n",
    "tabs for indentation": "version: 1\nkeys:\n\t- name: k\n",
    "NUL byte": "version: 1\nkeys:\n  - name: k\x00\n",
    "duplicate mapping key": "version: 1\nversion: 1\n",
    "unknown top-level field": "version: 1\nkees: []\n",
    "version 2": "version: 2\n",
    "date without time": "version: 1\nkeys:\n  - name: k\n    expires_at: 2027-06-30\n",
    "impossible date": "version: 1\nkeys:\n  - name: k\n    expires_at: '2027-02-30T00:00:00Z'\n",
    "non-UTC date": "version: 1\nkeys:\n  - name: k\n    expires_at: '2027-06-30T00:00:00+02:00'\n",
    "unset variable": "version: 1\nkeys:\n  - name: ${ORSYNC_SURELY_UNSET_VARIABLE}\n",
    "dangling guardrail": "version: 1\nkeys:\n  - name: k\n    guardrail: nowhere\n",
    "member with email and id": "version: 1\nmembers:\n  - email: a@example.com\n    id: user_1\n",
    "boolean as a limit": "version: 1\nkeys:\n  - name: k\n    limit: yes\n",
    "list as a name": "version: 1\nkeys:\n  - name: [a, b]\n",
    "mapping as the keys section": "version: 1\nkeys: {name: k}\n",
    "CRLF line ends (valid)": "version: 1\r\nkeys:\r\n  - name: k\r\n",
    "BOM (valid)": "\ufeffversion: 1\n",
}
BINARY = {
    "UTF-16 with BOM": "version: 1\n".encode("utf-16"),
    "latin-1": "version: 1\nkeys:\n  - name: caf\xe9\n".encode("latin-1"),
    "gzip magic": b"\x1f\x8b\x08\x00" + bytes(range(256)),
    "ELF header": b"\x7fELF\x02\x01\x01" + b"\x00" * 100,
    "only NULs": b"\x00" * 1000,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_text(workdir, name):
    result = validate(workdir, HOSTILE[name])
    assert (result.code == 0) == name.endswith("(valid)"), result.err


@pytest.mark.parametrize("name", sorted(BINARY))
def test_hostile_bytes(workdir, name):
    assert validate(workdir, BINARY[name]).code == 1


def test_a_secret_in_the_file_is_refused_and_never_repeated(workdir):
    # Built at run time: no secret-shaped literal in this file.
    secret = "sk-or-v1-" + "0123456789abcdef" * 4
    result = validate(workdir, f"version: 1\nkeys:\n  - name: k\n    # {secret}\n")
    assert result.code == 1 and secret not in result.text


def test_a_file_over_the_size_cap_is_refused_unread(workdir):
    """The one error that names no line: the file is not read past its cap (20 MiB)."""
    path = workdir / "huge.yaml"
    with path.open("wb") as stream:
        stream.write(b"version: 1\n# " + b"x" * (21 * 2**20) + b"\n")
    with bounded():
        result = orsync("validate", str(path), env={"GITHUB_ACTIONS": "false"})
    FIGURES.add("bad_input.cases")
    assert result.code == 1 and result.out.startswith(f"{path}: too large") and len(result.out.splitlines()) == 1
