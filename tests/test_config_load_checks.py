"""The cross-entry checks judge each (guardrail, workspace) pair once: every entry naming a
bad pair still gets its own located problem, and keys and members keep their own rules."""

from __future__ import annotations

from orsync.config.loader import check_config

ORG = """\
version: 1
workspaces:
  - slug: research
guardrails:
  - name: team
  - name: lab
    workspace: research
keys:
  - name: a
    guardrail: lab
  - name: b
    guardrail: lab
  - name: c
    guardrail: temm
  - name: d
    guardrail: temm
  - name: e
    guardrail: team
members:
  - email: alice@example.com
    guardrail: lab
  - email: bob@example.com
    guardrail: temm
"""


def test_each_entry_naming_a_bad_guardrail_is_reported_where_it_is(tmp_path):
    path = tmp_path / "org.yaml"
    path.write_text(ORG, encoding="utf-8")
    loaded, problems = check_config(path)
    assert loaded is None
    assert [f"{p.line}:{p.field}: {p.message}" for p in problems] == [
        "10:keys[0].guardrail: guardrail 'lab' is declared in research, not in this key's workspace "
        "(the default one); a key takes a guardrail only from its own workspace",
        "12:keys[1].guardrail: guardrail 'lab' is declared in research, not in this key's workspace "
        "(the default one); a key takes a guardrail only from its own workspace",
        "14:keys[2].guardrail: guardrail 'temm' is not declared under guardrails (did you mean 'team'?)",
        "16:keys[3].guardrail: guardrail 'temm' is not declared under guardrails (did you mean 'team'?)",
        # A member's guardrail is looked for in the one workspace declaring it: `lab` is fine.
        "23:members[1].guardrail: guardrail 'temm' is not declared under guardrails (did you mean 'team'?)",
    ]
