"""`orsync graph` as text: Mermaid (GitHub renders it) or Graphviz dot.

Labels are escaped for each language and never span lines. Workspaces, when the graph has
several, are subgraphs (dot: clusters) holding their guardrails and keys; members, and every
edge, are drawn outside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

MERMAID_SHAPES = {"guardrail": ('["', '"]'), "key": ('(["', '"])'), "member": ('(("', '"))')}
# Mermaid's entity codes; a label never spans lines.
MERMAID_ESCAPES = str.maketrans({"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
                                 "|": "#124;", "`": "#96;", "\n": " ", "\r": " "})
DOT_SHAPES = {"guardrail": "box", "key": "ellipse", "member": "house"}
DEFAULT_GROUP_LABEL = "default"


def render(graph, fmt: str) -> str:
    return _render(graph, DOT if fmt == "dot" else MERMAID)


def mermaid_text(text: str) -> str:
    return text.translate(MERMAID_ESCAPES)


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")


def _group_label(group: str) -> str:
    return group or DEFAULT_GROUP_LABEL


@dataclass(frozen=True)
class _Syntax:
    """What differs between the two languages; the layout (groups, loose nodes, edges, notes)
    is the same and lives in `_render`."""

    header: tuple[str, ...]
    footer: tuple[str, ...]
    node: Callable[[Any], str]          # a node's line, without its indent
    group_open: Callable[[int, str], list[str]]
    group_close: str
    edge: Callable[[Any], str]
    comment: str


def _mermaid_node(node) -> str:
    opening, closing = MERMAID_SHAPES[node.kind]
    return f"{node.id}{opening}{mermaid_text(node.label)}{closing}"


def _mermaid_edge(edge) -> str:
    label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
    return f"{edge.source} -->{label} {edge.target}"


def _dot_edge(edge) -> str:
    label = f' [label="{dot_text(edge.label)}"]' if edge.label else ""
    return f"{edge.source} -> {edge.target}{label};"


MERMAID = _Syntax(
    header=("flowchart LR",), footer=(),
    node=_mermaid_node,
    group_open=lambda index, label: [f'  subgraph w{index}["{mermaid_text(label)}"]'],
    group_close="  end", edge=_mermaid_edge, comment="%%")
DOT = _Syntax(
    header=("digraph orsync {", "  rankdir=LR;"), footer=("}",),
    node=lambda node: f'{node.id} [label="{dot_text(node.label)}", shape={DOT_SHAPES[node.kind]}];',
    group_open=lambda index, label: [f"  subgraph cluster_w{index} {{", f'    label="{dot_text(label)}";'],
    group_close="  }", edge=_dot_edge, comment="//")


def _render(graph, syntax: _Syntax) -> str:
    lines = list(syntax.header)
    for index, group in enumerate(graph.groups, 1):
        lines += syntax.group_open(index, _group_label(group))
        lines += ["    " + syntax.node(node) for node in graph.nodes if node.group == group]
        lines.append(syntax.group_close)
    lines += ["  " + syntax.node(node) for node in graph.nodes if node.group is None or not graph.groups]
    lines += ["  " + syntax.edge(edge) for edge in graph.edges]
    lines += [f"  {syntax.comment} {note}" for note in notes(graph)]
    return "\n".join(lines + list(syntax.footer)) + "\n"


def notes(graph) -> list[str]:
    return [f"{count} {kind}{'s' if count != 1 else ''} without a guardrail not shown"
            for kind, count in sorted(graph.ungoverned.items()) if count]
