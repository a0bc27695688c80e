"""The YAML that `orsync export` writes, by hand: PyYAML cannot write comments.

Every scalar is plain only when YAML reads it back as the same string, otherwise double-quoted
with escapes; `${` is written `$${` (the loader expands `${VAR}`). Lists of scalars are flow
lists; mappings (a content filter, a workspace's budgets) are flow mappings; a list of mappings
is a block list of flow mappings, one a line, so that a diff of the file reads per element.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from yaml import ScalarNode
from yaml.resolver import Resolver

INDENT = "  "

# Plain scalars: no indicator characters, single inner spaces (never before a `#` or after a `:`).
_PLAIN = re.compile(r"[A-Za-z_/](?:[A-Za-z0-9_./@+-]| (?=[A-Za-z0-9_./@+-]))*")
_RESOLVER = Resolver()
_STR_TAG = "tag:yaml.org,2002:str"


def scalar(value: Any) -> str:
    """A YAML scalar, flow list or flow mapping that reads back as `value`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return number(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(item) for item in value) + "]"
    if isinstance(value, dict):  # nulls inside a mapping say nothing the reader needs: left out
        return "{" + ", ".join(f"{name}: {scalar(item)}" for name, item in value.items() if item is not None) + "}"
    return string(str(value))


def number(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    text = repr(float(value))
    # YAML 1.1 reads `1e-05` as a string: its floats need a dot in the mantissa.
    if "e" in text and "." not in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"
    return text


def string(text: str) -> str:
    text = text.replace("${", "$${")
    if _PLAIN.fullmatch(text) and _RESOLVER.resolve(ScalarNode, text, (True, False)) == _STR_TAG:
        return text
    return '"' + "".join(_escaped(char) for char in text) + '"'


def _escaped(char: str) -> str:
    if char in '"\\':
        return "\\" + char
    if char.isprintable():
        return char
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else (f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")


def field_lines(name: str, value: Any, indent: str) -> list[str]:
    """`name: value`, or `name:` over a block list when the value is a list of mappings."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return [f"{indent}{name}:"] + [f"{indent}{INDENT}- {scalar(entry)}" for entry in value]
    return [f"{indent}{name}: {scalar(value)}"]


def item(fields: list[tuple[str, Any]], *, comments: Sequence[str] = (), notes: Sequence[str] = ()) -> list[str]:
    """A list entry: `comments` above it, `notes` as comment lines inside it. A field whose
    value is a list of (name, value) pairs is a nested block (a default guardrail)."""
    lines = [f"{INDENT}# {text}" for text in comments]
    for index, (name, value) in enumerate(fields):
        lead = f"{INDENT}- " if index == 0 else INDENT * 2
        if isinstance(value, Block):
            lines.append(f"{lead}{name}:")
            for inner_name, inner_value in value.fields:
                lines += field_lines(inner_name, inner_value, INDENT * 3)
            continue
        first, *rest = field_lines(name, value, INDENT * 2)
        lines += [lead + first.removeprefix(INDENT * 2), *rest]
    lines += [f"{INDENT * 2}# {text}" for text in notes]
    return lines


class Block:
    """A nested mapping written as a block (one field a line), e.g. a default guardrail."""

    def __init__(self, fields: list[tuple[str, Any]]) -> None:
        self.fields = fields


def section(title: str, blocks: list[list[str]]) -> list[str]:
    if not blocks:
        return [f"{title}: []", ""]
    lines = [f"{title}:"]
    for block in blocks:
        lines += block
    return lines + [""]
