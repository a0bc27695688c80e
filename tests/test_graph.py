"""`orsync graph`: the Mermaid and dot text is parsed back and every edge checked against the org."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from orsync.graph import build_graph, live_org, render
from orsync.planner.live import read_live_state
from tests.live_factories import guardrail, key, key_assignment, live, member, member_assignment
from tests.cli_runner import run_cli
from tests.test_export import fixed_hash, org_seed

PERIODS = {"daily": "/day", "weekly": "/week", "monthly": "/month"}

MERMAID_NODE = re.compile(r'  (\w+)(\["|\(\["|\(\(")(.*)("\]|"\]\)|"\)\))')
MERMAID_EDGE = re.compile(r'  (\w+) -->(?:\|"(.*)"\|)? (\w+)')
MERMAID_KINDS = {'["': "guardrail", '(["': "key", '(("': "member"}
MERMAID_ENTITIES = {"quot": '"', "lt": "<", "gt": ">", "amp": "&"}
DOT_STRING = r'"((?:[^"\\]|\\.)*)"'
DOT_NODE = re.compile(rf"  (\w+) \[label={DOT_STRING}, shape=(\w+)\];")
DOT_EDGE = re.compile(rf"  (\w+) -> (\w+)(?: \[label={DOT_STRING}\])?;")
DOT_KINDS = {"box": "guardrail", "ellipse": "key", "house": "member"}
MERMAID_GROUP = re.compile(r'  subgraph w\d+\["(.*)"\]')
DOT_GROUP = re.compile(r"  subgraph cluster_w\d+ \{")
DOT_GROUP_LABEL = re.compile(rf"    label={DOT_STRING};")
GROUPS: dict = {}   # (kind, label) -> the workspace group the last parse drew it in


def parse_mermaid(text: str) -> tuple[set, set]:
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    nodes, edges = {}, []
    group = None
    for line in lines[1:]:
        if opened := MERMAID_GROUP.fullmatch(line):
            group = _mermaid_unescape(opened[1])
        elif line == "  end":
            group = None
        elif node := MERMAID_NODE.fullmatch(line.removeprefix("  " if group else "")):
            nodes[node[1]] = (MERMAID_KINDS[node[2]], _mermaid_unescape(node[3]))
            GROUPS[(nodes[node[1]])] = group
        elif edge := MERMAID_EDGE.fullmatch(line):
            edges.append((edge[1], edge[3], _mermaid_unescape(edge[2] or "")))
        else:
            assert line.startswith("  %% "), f"unparsed line {line!r}"
    return _named(nodes, edges)


def _mermaid_unescape(text: str) -> str:
    return re.sub(r"#(\w+);", lambda m: MERMAID_ENTITIES.get(m[1]) or chr(int(m[1])), text)


def parse_dot(text: str) -> tuple[set, set]:
    lines = text.splitlines()
    assert lines[:2] == ["digraph orsync {", "  rankdir=LR;"] and lines[-1] == "}"
    nodes, edges = {}, []
    group = None
    for line in lines[2:-1]:
        if DOT_GROUP.fullmatch(line):
            group = ""
        elif (label := DOT_GROUP_LABEL.fullmatch(line)) and group == "":
            group = _dot_unescape(label[1])
        elif line == "  }":
            group = None
        elif node := DOT_NODE.fullmatch(line.removeprefix("  " if group else "")):
            nodes[node[1]] = (DOT_KINDS[node[3]], _dot_unescape(node[2]))
            GROUPS[nodes[node[1]]] = group
        elif edge := DOT_EDGE.fullmatch(line):
            edges.append((edge[1], edge[2], _dot_unescape(edge[3] or "")))
        else:
            assert line.startswith("  // "), f"unparsed line {line!r}"
    return _named(nodes, edges)


def _dot_unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: "\n" if m[1] == "n" else m[1], text)


def _named(nodes: dict, edges: list) -> tuple[set, set]:
    """(kind, label) of every node; (guardrail label, target kind, target label, edge label) of every edge."""
    assert len(set(nodes.values())) == len(nodes), "two nodes with one label"
    assert len(set(edges)) == len(edges), "an edge drawn twice"
    named_edges = set()
    for source, target, label in edges:
        assert nodes[source][0] == "guardrail"
        named_edges.add((nodes[source][1], *nodes[target], label))
    return set(nodes.values()), named_edges


PARSERS = {"mermaid": parse_mermaid, "dot": parse_dot}


def money(amount, reset) -> str:
    return "none" if amount is None else f"${amount:g}{PERIODS.get(reset, '')}"


def expected_live(state) -> tuple[set, set]:
    """What the graph must show, from the org's own listings."""
    guardrail_names = Counter(g.name for g in state.guardrails)
    key_names = Counter(k.name for k in state.keys)
    guardrails = {g.id: (f"{g.name} ({g.id[:8]})" if guardrail_names[g.name] > 1 else g.name, g)
                  for g in state.guardrails}
    keys = {k.hash: k for k in state.keys}
    members = {m.id: m for m in state.members}
    edges = set()
    for row in state.key_assignments:
        label, gate = guardrails[row.guardrail_id]
        k = keys[row.key_hash]
        key_label = f"{k.name} ({k.hash[:8]})" if key_names[k.name] > 1 else k.name
        edges.add((label, "key", key_label,
                   f"budget {money(gate.limit_usd, gate.reset_interval)}; limit {money(k.limit, k.limit_reset)}"))
    for row in state.member_assignments:
        label, gate = guardrails[row.guardrail_id]
        edges.add((label, "member", members[row.user_id].email, f"budget {money(gate.limit_usd, gate.reset_interval)}"))
    nodes = {("guardrail", label) for label, _ in guardrails.values()} | {edge[1:3] for edge in edges}
    return nodes, edges


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_live_graph_shows_every_assignment_with_its_limits(make_emulator, monkeypatch, capsys, fmt):
    emulator = make_emulator(org_seed())
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
    state = read_live_state(emulator.client())

    code, out, err = run_cli(capsys, "--base-url", emulator.base_url, "graph", "--live", "--format", fmt)

    assert code == 0, err
    nodes, edges = PARSERS[fmt](out)
    assert (nodes, edges) == expected_live(state)
    assert len(edges) == len(state.key_assignments) + len(state.member_assignments) == 28
    assert ("shared (aaaaaaaa)", "key", f"dup-key ({fixed_hash('40')[:8]})", "budget $10/day; limit none") in edges
    assert ("ci-policy", "member", "person0@example.com", "budget $25/month") in edges
    assert ("zdr-only", "key", "team: ops #1", "budget none; limit none") in edges


def test_graph_of_a_file_shows_what_it_declares(tmp_path, capsys):
    path = tmp_path / "org.yaml"
    path.write_text(
        "version: 1\n"
        "guardrails:\n"
        "  - {name: ci, limit_usd: 25, reset_interval: monthly}\n"
        "  - {name: bare}\n"
        "  - {name: retired, state: absent}\n"
        "keys:\n"
        "  - {name: smoke, limit: 5, limit_reset: daily, guardrail: ci}\n"
        "  - {name: batch, guardrail: ci}\n"
        "  - {name: loose, limit: 1}\n"
        "  - {name: cut, guardrail: null}\n"
        "  - {name: gone, state: absent, guardrail: bare}\n"
        "members:\n"
        "  - {email: alice@example.com, guardrail: bare}\n"
        "  - {id: user_2, guardrail: ci}\n")

    for fmt, parse in PARSERS.items():
        code, out, err = run_cli(capsys, "graph", str(path), "--format", fmt)
        assert code == 0, err
        nodes, edges = parse(out)
        assert edges == {("ci", "key", "smoke", "budget $25/month; limit $5/day"),
                         ("ci", "key", "batch", "budget $25/month"),   # batch's limit is not managed
                         ("ci", "member", "user_2", "budget $25/month"),
                         ("bare", "member", "alice@example.com", "")}  # nor is bare's budget
        assert ("guardrail", "retired") not in nodes and ("key", "loose") not in nodes
        assert "2 keys without a guardrail not shown" in out


def test_odd_names_survive_both_formats():
    names = ['say "hi"', "a#1;", "<b>&", "pipe|x", "back\\slash", "end", "é ✓"]
    gates = [guardrail(name, limit_usd=1.25, reset_interval="weekly") for name in names]
    keys = [key(f"key {name}", limit=0.5) for name in names]
    people = [member(f"m{n}@example.com", f"user_{n}") for n in range(len(names))]
    state = live(keys, gates, [key_assignment(k, g) for k, g in zip(keys, gates)],
                 [member_assignment(p, g) for p, g in zip(people, gates)], people)
    for fmt, parse in PARSERS.items():
        assert parse(render(build_graph(live_org(state)), fmt)) == expected_live(state)


def test_graph_needs_a_file_or_live(capsys, tmp_path):
    code, out, err = run_cli(capsys, "graph")
    assert code == 1 and "give either CONFIG_FILE or --live" in err
    code, out, err = run_cli(capsys, "graph", str(tmp_path / "x.yaml"), "--live")
    assert code == 1 and "give either CONFIG_FILE or --live" in err


WORKSPACES_FILE = """version: 1
workspaces:
  - slug: research
    name: Research
    default_guardrail: {limit_usd: 50, reset_interval: weekly}
  - slug: platform
    name: Platform
guardrails:
  - {name: ci, limit_usd: 25, reset_interval: monthly}
  - {name: ci, workspace: research, limit_usd: 10, reset_interval: daily}
keys:
  - {name: ci, guardrail: ci}
  - {name: ci, workspace: research, guardrail: ci}
  - {name: notebook, workspace: research}
  - {name: batch, workspace: platform}
members:
  - {email: bob@example.com, guardrail: ci, workspace: research}
  - {email: bob@example.com, guardrail: ci}
"""


@pytest.mark.parametrize("fmt", ["mermaid", "dot"])
def test_workspaces_are_groups_and_a_default_guardrail_governs_the_rest(tmp_path, capsys, fmt):
    path = tmp_path / "org.yaml"
    path.write_text(WORKSPACES_FILE)

    code, out, err = run_cli(capsys, "graph", str(path), "--format", fmt)

    assert code == 0, err
    nodes, edges = PARSERS[fmt](out)
    assert edges == {("ci (default)", "key", "ci (default)", "budget $25/month"),
                     ("ci (research)", "key", "ci (research)", "budget $10/day"),
                     ("default guardrail (research)", "key", "notebook", "budget $50/week"),
                     ("ci (research)", "member", "bob@example.com", "budget $10/day"),
                     ("ci (default)", "member", "bob@example.com", "budget $25/month")}  # one node for bob
    assert GROUPS[("guardrail", "ci (research)")] == "research"
    assert GROUPS[("key", "notebook")] == "research" and GROUPS[("guardrail", "ci (default)")] == "default"
    assert GROUPS[("member", "bob@example.com")] is None      # members belong to the org
    assert "1 key without a guardrail not shown" in out         # batch: platform has no default guardrail


def test_live_graph_groups_every_workspace(make_emulator, monkeypatch, capsys):
    from tests.test_export_workspaces import three_workspaces

    emulator = make_emulator(three_workspaces())
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)

    code, out, err = run_cli(capsys, "--base-url", emulator.base_url, "graph", "--live")

    assert code == 0, err
    nodes, edges = parse_mermaid(out)
    assert out.count("  subgraph ") == 3
    assert ("guardrail", "default guardrail (research)") in nodes and GROUPS[("key", "notebook")] == "research"
    assert ("default guardrail (research)", "key", "notebook", "budget $50/week; limit none") in edges
    assert GROUPS[("key", "batch (cccccccc)")] == "platform"
