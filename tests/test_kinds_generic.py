"""The planner and apply are generic over kinds: no module of theirs names a kind.

A kind's words (its name, its config section, its listings, its address prefix) may appear only
in orsync/resources/; the planner and apply learn them from the kind. Comments and docstrings
may speak of keys and guardrails; code may not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from orsync.resources import KINDS

LISTINGS = [listing for kind in KINDS for listing in kind.listings]   # on-demand ones too

PACKAGE = Path(__file__).parent.parent / "orsync"
GENERIC_MODULES = sorted([*PACKAGE.glob("planner/*.py"), *PACKAGE.glob("apply/*.py")])

# Every word that belongs to one kind: its name, its config section, its listings, its client
# methods, plus the kinds the design names that may not have a module yet.
KIND_WORDS = ({kind.kind for kind in KINDS} | {getattr(kind, "section", "") for kind in KINDS}
              | {listing.name for listing in LISTINGS} | {listing.method for listing in LISTINGS}
              | {"key", "keys", "guardrail", "guardrails", "workspace", "workspaces", "member", "members",
                 "budget", "budgets", "key_assignments", "member_assignments"}) - {""}
# The secrets file's own documented fields ({"name", "hash", "key"}; docs/secrets.md) are a
# file format, not a kind.
ALLOWED = {("secret_sinks.py", "key"), ("secret_sinks.py", "hash")}


def docstrings(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                ids.add(id(first.value))
    return ids


def kind_words_in(source: str, module: str) -> list[str]:
    """`module:line: ...` for each kind word used as code (strings, attributes) in the source."""
    tree = ast.parse(source)
    calls = {id(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    skip = docstrings(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in skip:
            word = node.value
            if (module, word) not in ALLOWED and (
                    word in KIND_WORDS or any(word.startswith(f"{kind}.") for kind in KIND_WORDS)):
                found.append(f"{module}:{node.lineno}: string {word!r}")
        elif isinstance(node, ast.Attribute) and node.attr in KIND_WORDS:
            if node.attr == "keys" and id(node) in calls:
                continue  # dict.keys(): not a listing
            found.append(f"{module}:{node.lineno}: attribute .{node.attr}")
    return found


def test_there_are_generic_modules_to_check():
    names = {path.name for path in GENERIC_MODULES}
    assert {"diff.py", "live.py", "executor.py", "creates.py", "assignments.py", "render.py"} <= names


@pytest.mark.parametrize("path", GENERIC_MODULES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_generic_module_names_a_kind(path):
    found = kind_words_in(path.read_text(), path.name)
    assert not found, "\n".join(found)


def test_the_check_catches_a_kind_name():
    """The check itself can fail: strings and listing attributes are caught, docstrings and
    dict.keys() are not."""
    source = 'def f(state):\n    """keys are fine here"""\n    return state.guardrails, "key", "key.ci", state.keys, {}.keys()\n'
    assert len(kind_words_in(source, "bad.py")) == 4
