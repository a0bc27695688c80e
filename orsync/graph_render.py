"""`orsync graph` as text: Mermaid (GitHub renders it) or Graphviz dot.

Labels are escaped for each language and never span lines. Workspaces, when the graph has
several, are subgraphs (dot: clusters) holding their guardrails and keys; members, and every
edge, are drawn outside them.
"""

from __future__ import annotations

MERMAID_SHAPES = {"guardrail": ('["', '"]'), "key": ('(["', '"])'), "member": ('(("', '"))')}
# Mermaid's entity codes; a label never spans lines.
MERMAID_ESCAPES = str.maketrans({"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
                                 "|": "#124;", "`": "#96;", "\n": " ", "\r": " "})
DOT_SHAPES = {"guardrail": "box", "key": "ellipse", "member": "house"}
DEFAULT_GROUP_LABEL = "default"


def render(graph, fmt: str) -> str:
    return render_dot(graph) if fmt == "dot" else render_mermaid(graph)


def mermaid_text(text: str) -> str:
    return text.translate(MERMAID_ESCAPES)


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")


def _group_label(group: str) -> str:
    return group or DEFAULT_GROUP_LABEL


def render_mermaid(graph) -> str:
    lines = ["flowchart LR"]

    def node_line(node, indent: str) -> str:
        opening, closing = MERMAID_SHAPES[node.kind]
        return f"{indent}{node.id}{opening}{mermaid_text(node.label)}{closing}"

    for index, group in enumerate(graph.groups, 1):
        lines.append(f'  subgraph w{index}["{mermaid_text(_group_label(group))}"]')
        lines += [node_line(node, "    ") for node in graph.nodes if node.group == group]
        lines.append("  end")
    lines += [node_line(node, "  ") for node in graph.nodes if node.group is None or not graph.groups]
    for edge in graph.edges:
        label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} -->{label} {edge.target}")
    lines += [f"  %% {note}" for note in notes(graph)]
    return "\n".join(lines) + "\n"


def render_dot(graph) -> str:
    lines = ["digraph orsync {", "  rankdir=LR;"]

    def node_line(node, indent: str) -> str:
        return f'{indent}{node.id} [label="{dot_text(node.label)}", shape={DOT_SHAPES[node.kind]}];'

    for index, group in enumerate(graph.groups, 1):
        lines += [f"  subgraph cluster_w{index} {{", f'    label="{dot_text(_group_label(group))}";']
        lines += [node_line(node, "    ") for node in graph.nodes if node.group == group]
        lines.append("  }")
    lines += [node_line(node, "  ") for node in graph.nodes if node.group is None or not graph.groups]
    for edge in graph.edges:
        label = f' [label="{dot_text(edge.label)}"]' if edge.label else ""
        lines.append(f"  {edge.source} -> {edge.target}{label};")
    lines += [f"  // {note}" for note in notes(graph)]
    return "\n".join(lines + ["}"]) + "\n"


def notes(graph) -> list[str]:
    return [f"{count} {kind}{'s' if count != 1 else ''} without a guardrail not shown"
            for kind, count in sorted(graph.ungoverned.items()) if count]
