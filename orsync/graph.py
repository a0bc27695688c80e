"""`orsync graph`: guardrails and the keys and members they govern, as Mermaid or Graphviz.

The picture is for a README or a pull request (GitHub renders Mermaid): one node per guardrail,
key and member, one edge from a guardrail to each key or member it governs, the budget and the
key's limit on the edge. In an org with several workspaces each workspace is a group holding
its guardrails, its default guardrail and its keys (members belong to the org, outside them),
and a workspace's default guardrail has an edge to each of its keys without one of their own.
From a file it shows the declared org (fields the file leaves out are not shown); from the
live org, what is assigned now. Keys and members without a guardrail are counted in a
comment, not drawn.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from orsync.graph_render import render

__all__ = ["build_graph", "declared_org", "live_org", "render"]

PERIODS = {"daily": "day", "weekly": "week", "monthly": "month"}
UNSET = object()  # a field the file leaves unmanaged: nothing to say about it
DEFAULT_SLUG = "default"


@dataclass(frozen=True)
class Governed:
    """A key or member, with the guardrail that governs it (a guardrail ref, or None)."""

    label: str
    guardrail: str | None
    limit: Any = UNSET                # keys: limit in USD (None: no limit)
    reset: Any = None
    workspace: str | None = None      # keys: the workspace's slug (None: the default one)


@dataclass(frozen=True)
class GuardrailView:
    ref: str                          # what Governed.guardrail points at
    label: str
    budget: Any = UNSET               # limit_usd (None: no budget)
    reset: Any = None
    workspace: str | None = None
    default: bool = False             # the workspace's default guardrail


@dataclass(frozen=True)
class OrgView:
    guardrails: list[GuardrailView]
    keys: list[Governed]
    members: list[Governed]
    workspaces: list[str] = field(default_factory=list)   # slugs; groups when there are several


@dataclass(frozen=True)
class Node:
    id: str
    kind: str                         # guardrail | key | member
    label: str
    group: str | None = None          # the workspace group it is drawn in


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
    groups: list[str] = field(default_factory=list)


# --- the org, from a file or from the live org ------------------------------------------------

def _scope(slug: str | None) -> str:
    """A workspace as a part of a ref: the default one is the empty scope."""
    return "" if slug in (None, DEFAULT_SLUG) else slug


def _ref(slug: str | None, name: str | None) -> str | None:
    return None if name is None else f"{_scope(slug)}/{name}"


def declared_org(config) -> OrgView:
    """What the file declares (entries with state: absent are about to go, so not drawn)."""
    from orsync.resources.members import member_workspace

    spaces = [w for w in config.workspaces if w.state == "present"]
    names = Counter(g.name for g in config.guardrails if g.state == "present")
    guardrails = [GuardrailView(ref=_ref(g.workspace, g.name), label=_labelled(g.name, g.workspace, names),
                                budget=_declared(g, "limit_usd"), reset=g.reset_interval, workspace=_scope(g.workspace))
                  for g in config.guardrails if g.state == "present"]
    guardrails += [GuardrailView(ref=f"{_scope(w.slug)}/(default)", label=f"default guardrail ({w.slug})",
                                 budget=_declared(w.default_guardrail, "limit_usd"),
                                 reset=w.default_guardrail.reset_interval, workspace=_scope(w.slug), default=True)
                   for w in spaces if w.default_guardrail is not None]
    key_names = Counter(k.name for k in config.keys if k.state == "present")
    keys = [Governed(label=_labelled(k.name, k.workspace, key_names), guardrail=_ref(k.workspace, k.guardrail),
                     limit=_declared(k, "limit"), reset=k.limit_reset, workspace=_scope(k.workspace))
            for k in config.keys if k.state == "present"]
    members = [Governed(label=m.ref, guardrail=_ref(member_workspace(config, m), m.guardrail)) for m in config.members]
    slugs = [_scope(w.slug) for w in spaces]
    slugs += sorted({v.workspace for v in [*guardrails, *keys]} - set(slugs))
    return OrgView(guardrails, keys, members, slugs)


def _labelled(name: str, slug: str | None, names: Counter) -> str:
    return f"{name} ({slug or DEFAULT_SLUG})" if names[name] > 1 else name


def _declared(spec, name: str) -> Any:
    return getattr(spec, name) if name in spec.model_fields_set else UNSET


def live_org(state) -> OrgView:
    """What is assigned now; a name shared by two live objects is shown with a short id."""
    from orsync.resources.scopes import Scopes

    workspaces = state.rows("workspaces")
    scopes = Scopes.of(workspaces, getattr(state, "default_scope", None))
    slug = {w.id: _scope(scopes.slug(scopes.scope_of_id(w.id))) for w in workspaces}
    defaults = {w.default_guardrail_id: w for w in workspaces}
    own = [g for g in state.guardrails if g.id not in defaults]
    guardrail_names = Counter(g.name for g in own)
    key_names = Counter(k.name for k in state.keys)
    by_key = {row.key_hash: row.guardrail_id for row in state.key_assignments}
    by_member = {row.user_id: row.guardrail_id for row in state.member_assignments}
    guardrails = [GuardrailView(ref=g.id, label=_unique(g.name, g.id, guardrail_names), budget=g.limit_usd,
                                reset=g.reset_interval, workspace=slug.get(g.workspace_id, "")) for g in own]
    guardrails += [GuardrailView(ref=g.id, label=f"default guardrail ({defaults[g.id].slug})", budget=g.limit_usd,
                                 reset=g.reset_interval, workspace=slug.get(defaults[g.id].id, ""), default=True)
                   for g in state.guardrails if g.id in defaults]
    keys = [Governed(label=_unique(k.name, k.hash, key_names), guardrail=by_key.get(k.hash),
                     limit=k.limit, reset=k.limit_reset, workspace=slug.get(getattr(k, "workspace_id", None), ""))
            for k in state.keys]
    members = [Governed(label=m.email or m.id, guardrail=by_member.get(m.id)) for m in state.members]
    return OrgView(guardrails, keys, members, [slug[w.id] for w in workspaces])


def _unique(name: str, live_id: str, names: Counter) -> str:
    return f"{name} ({live_id[:8]})" if names[name] > 1 else name


# --- the graph ----------------------------------------------------------------------------------

def build_graph(org: OrgView) -> Graph:
    """Nodes and edges in a stable order: guardrails by name, then what each governs by name.
    A key without a guardrail of its own is governed by its workspace's default guardrail."""
    grouped = len(set(org.workspaces)) > 1
    guardrails = sorted(org.guardrails, key=lambda g: (g.default, g.label, g.ref))
    node_of = {g.ref: f"g{index}" for index, g in enumerate(guardrails, 1)}
    default_of = {g.workspace or "": g.ref for g in guardrails if g.default}
    nodes = [Node(node_of[g.ref], "guardrail", g.label, _group(g.workspace, grouped)) for g in guardrails]
    budgets = {g.ref: g for g in guardrails}
    edges, ungoverned = [], Counter()
    for kind, prefix, items in (("key", "k", org.keys), ("member", "m", org.members)):
        governing = [(item, _governor(item, kind, node_of, default_of)) for item in items]
        governed = sorted(((i, g) for i, g in governing if g), key=lambda pair: (pair[0].label, pair[1]))
        # A member with a guardrail in several workspaces is one node with an edge from each.
        ungoverned[kind] = len({i.label for i in items} - {i.label for i, _ in governed})
        node_of_label: dict[str, str] = {}
        for item, guardrail in governed:
            if item.label not in node_of_label:
                node_of_label[item.label] = f"{prefix}{len(node_of_label) + 1}"
                nodes.append(Node(node_of_label[item.label], kind, item.label,
                                  _group(item.workspace, grouped) if kind == "key" else None))
            edges.append(Edge(node_of[guardrail], node_of_label[item.label], edge_label(budgets[guardrail], item)))
    position = {node.id: index for index, node in enumerate(nodes)}
    edges.sort(key=lambda e: (position[e.source], position[e.target]))
    groups = sorted(set(org.workspaces), key=lambda s: (s != "", s)) if grouped else []
    return Graph(nodes, edges, ungoverned, groups)


def _governor(item: Governed, kind: str, node_of: dict[str, str], default_of: dict[str, str]) -> str | None:
    if item.guardrail in node_of:
        return item.guardrail
    if kind == "key" and item.guardrail is None:
        return default_of.get(item.workspace or "")
    return None


def _group(workspace: str | None, grouped: bool) -> str | None:
    return (workspace or "") if grouped else None


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
