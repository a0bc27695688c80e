"""`orsync graph`: guardrails and the keys and members they govern, as Mermaid or Graphviz.

The picture is for a README or a pull request (GitHub renders Mermaid): one node per guardrail,
key and member, one edge from a guardrail to each key or member it governs, the budget and the
key's limit on the edge. From a file it shows the declared org (fields the file leaves out are
not shown); from the live org, what is assigned now. Keys and members without a guardrail are
counted in a comment, not drawn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

PERIODS = {"daily": "day", "weekly": "week", "monthly": "month"}
UNSET = object()  # a field the file leaves unmanaged: nothing to say about it


@dataclass(frozen=True)
class Governed:
    """A key or member, with the guardrail that governs it (a guardrail ref, or None)."""

    label: str
    guardrail: str | None
    limit: Any = UNSET                # keys: limit in USD (None: no limit)
    reset: Any = None


@dataclass(frozen=True)
class GuardrailView:
    ref: str                          # what Governed.guardrail points at (id or name)
    label: str
    budget: Any = UNSET               # limit_usd (None: no budget)
    reset: Any = None


@dataclass(frozen=True)
class OrgView:
    guardrails: list[GuardrailView]
    keys: list[Governed]
    members: list[Governed]


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                         # guardrail | key | member
    label: str


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str


@dataclass(frozen=True)
class Graph:
    nodes: list[Node]
    edges: list[Edge]
    ungoverned: Counter               # kind -> how many are not drawn


# --- the org, from a file or from the live org ------------------------------------------------

def declared_org(config) -> OrgView:
    """What the file declares (entries with state: absent are about to go, so not drawn)."""
    guardrails = [GuardrailView(ref=g.name, label=g.name,
                                budget=_declared(g, "limit_usd"), reset=g.reset_interval)
                  for g in config.guardrails if g.state == "present"]
    keys = [Governed(label=k.name, guardrail=k.guardrail, limit=_declared(k, "limit"), reset=k.limit_reset)
            for k in config.keys if k.state == "present"]
    members = [Governed(label=m.ref, guardrail=m.guardrail) for m in config.members]
    return OrgView(guardrails, keys, members)


def _declared(spec, field: str) -> Any:
    return getattr(spec, field) if field in spec.model_fields_set else UNSET


def live_org(state) -> OrgView:
    """What is assigned now; a name shared by two live objects is shown with a short id."""
    guardrail_names = Counter(g.name for g in state.guardrails)
    key_names = Counter(k.name for k in state.keys)
    by_key = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    by_member = {row.user_id: row.guardrail_id for row in state.member_assignments}
    guardrails = [GuardrailView(ref=g.id, label=_unique(g.name, g.id, guardrail_names),
                                budget=g.limit_usd, reset=g.reset_interval) for g in state.guardrails]
    keys = [Governed(label=_unique(k.name, k.hash, key_names), guardrail=by_key.get(k.hash),
                     limit=k.limit, reset=k.limit_reset) for k in state.keys]
    members = [Governed(label=m.email or m.id, guardrail=by_member.get(m.id)) for m in state.members]
    return OrgView(guardrails, keys, members)


def _unique(name: str, live_id: str, names: Counter) -> str:
    return f"{name} ({live_id[:8]})" if names[name] > 1 else name


# --- the graph ----------------------------------------------------------------------------------

def build_graph(org: OrgView) -> Graph:
    """Nodes and edges in a stable order: guardrails by name, then what each governs by name."""
    guardrails = sorted(org.guardrails, key=lambda g: (g.label, g.ref))
    node_of = {g.ref: f"g{index}" for index, g in enumerate(guardrails, 1)}
    nodes = [Node(node_of[g.ref], "guardrail", g.label) for g in guardrails]
    budgets = {g.ref: g for g in guardrails}
    edges, ungoverned = [], Counter()
    for kind, prefix, items in (("key", "k", org.keys), ("member", "m", org.members)):
        governed = sorted((i for i in items if i.guardrail in node_of), key=lambda i: (i.label, i.guardrail))
        ungoverned[kind] = len(items) - len(governed)
        for index, item in enumerate(governed, 1):
            node = f"{prefix}{index}"
            nodes.append(Node(node, kind, item.label))
            edges.append(Edge(node_of[item.guardrail], node, edge_label(budgets[item.guardrail], item)))
    position = {node.id: index for index, node in enumerate(nodes)}
    edges.sort(key=lambda e: (position[e.source], position[e.target]))
    return Graph(nodes, edges, ungoverned)


def edge_label(guardrail: GuardrailView, item: Governed) -> str:
    """`budget $25/month; limit $5/day`: what caps spending along this edge."""
    parts = []
    if guardrail.budget is not UNSET:
        parts.append("budget " + money(guardrail.budget, guardrail.reset, "none"))
    if item.limit is not UNSET:
        parts.append("limit " + money(item.limit, item.reset, "none"))
    return "; ".join(parts)


def money(amount: float | None, reset: str | None, absent: str) -> str:
    if amount is None:
        return absent
    value = float(amount)
    text = "$" + (str(int(value)) if value.is_integer() else f"{value:.6f}".rstrip("0"))
    return f"{text}/{PERIODS[reset]}" if reset in PERIODS else text


# --- text ---------------------------------------------------------------------------------------

MERMAID_SHAPES = {"guardrail": ('["', '"]'), "key": ('(["', '"])'), "member": ('(("', '"))')}
# Mermaid's entity codes; a label never spans lines.
MERMAID_ESCAPES = str.maketrans({"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;",
                                 "|": "#124;", "`": "#96;", "\n": " ", "\r": " "})
DOT_SHAPES = {"guardrail": "box", "key": "ellipse", "member": "house"}


def render(graph: Graph, fmt: str) -> str:
    return render_dot(graph) if fmt == "dot" else render_mermaid(graph)


def mermaid_text(text: str) -> str:
    return text.translate(MERMAID_ESCAPES)


def dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "")


def render_mermaid(graph: Graph) -> str:
    lines = ["flowchart LR"]
    for node in graph.nodes:
        opening, closing = MERMAID_SHAPES[node.kind]
        lines.append(f"  {node.id}{opening}{mermaid_text(node.label)}{closing}")
    for edge in graph.edges:
        label = f'|"{mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"  {edge.source} -->{label} {edge.target}")
    lines += [f"  %% {note}" for note in notes(graph)]
    return "\n".join(lines) + "\n"


def render_dot(graph: Graph) -> str:
    lines = ["digraph orsync {", "  rankdir=LR;"]
    for node in graph.nodes:
        lines.append(f'  {node.id} [label="{dot_text(node.label)}", shape={DOT_SHAPES[node.kind]}];')
    for edge in graph.edges:
        label = f' [label="{dot_text(edge.label)}"]' if edge.label else ""
        lines.append(f"  {edge.source} -> {edge.target}{label};")
    lines += [f"  // {note}" for note in notes(graph)]
    return "\n".join(lines + ["}"]) + "\n"


def notes(graph: Graph) -> list[str]:
    return [f"{count} {kind}{'s' if count != 1 else ''} without a guardrail not shown"
            for kind, count in sorted(graph.ungoverned.items()) if count]
