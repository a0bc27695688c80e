"""What a reviewer reads: text and Markdown renderings of a plan."""

from __future__ import annotations

from orsync.planner.diff import plan_from_state
from orsync.planner.render import render_markdown, render_text
from tests.live_factories import config, guardrail, key, key_assignment, live


def mixed_plan():
    policy, ci = guardrail("policy"), key("ci", limit=10, expires_at="2027-01-01T00:00:00Z")
    state = live(keys=[ci, key("team-a", limit=1), key("old")], guardrails=[policy],
                 key_assignments=[key_assignment(ci, policy)])
    cfg = config(guardrails=[{"name": "policy"}, {"name": "fresh", "allowed_models": ["openai/gpt-4o-mini"]}],
                 keys=[{"name": "ci", "expires_at": "2028-01-01T00:00:00Z"},
                       {"name": "team-a", "limit": 20, "guardrail": "fresh"},
                       {"name": "old", "state": "absent"}])
    return plan_from_state(cfg, state, base_url="https://openrouter.example/api/v1")


def test_text_uses_terraform_symbols_and_aligned_fields():
    text = render_text(mixed_plan())
    assert "  + guardrail.fresh\n      allowed_models: [\"openai/gpt-4o-mini\"]" in text
    assert "  ~ key.team-a\n      limit: 1 -> 20" in text
    assert "  -/+ key.ci  (create-before-destroy; a new secret will be issued)" in text
    assert '      expires_at: "2027-01-01T00:00:00Z" -> "2028-01-01T00:00:00Z"   # forces replacement' in text
    assert "      key:        (secret)" in text
    assert "  - key.old  (state: absent)" in text
    assert "  + key_assignment.team-a: guardrail fresh" in text
    assert text.rstrip().endswith("Plan: 1 to create, 1 to update, 1 to replace, 1 to delete, 2 assignments.")


def test_text_without_colour_has_no_escape_codes_and_with_colour_has_them():
    plan = mixed_plan()
    assert "\x1b[" not in render_text(plan, color=False)
    assert "\x1b[" in render_text(plan, color=True)


def test_empty_plan_says_so():
    text = render_text(plan_from_state(config(keys=[{"name": "ci"}]), live(keys=[key("ci")])))
    assert "No changes. The live org matches the file." in text


def test_markdown_calls_out_destruction_first_and_collapses_long_plans():
    markdown = render_markdown(mixed_plan())
    first_lines = markdown.splitlines()[:4]
    assert first_lines[0] == "### orsync plan: 1 to create, 1 to update, 1 to replace, 1 to delete, 2 assignments"
    assert "`key.ci` (replace)" in first_lines[3] and "`key.old` (delete)" in first_lines[3]
    assert "<details>" not in markdown
    many = plan_from_state(config(keys=[{"name": f"k{i}"} for i in range(20)]), live(keys=[key("other")]))
    assert "<details><summary>20 changes</summary>" in render_markdown(many)


def test_a_workspace_create_shows_its_name_beside_the_slug_in_its_address(reset_emulator, tmp_path,
                                                                           monkeypatch, capsys):
    """A workspace is addressed by slug, so its create lists the name (the other way round from
    keys and guardrails, whose address is their name) and not the slug a second time."""
    from tests.cli_runner import point_at, run_cli

    org = tmp_path / "org.yaml"
    org.write_text("version: 1\nworkspaces:\n  - slug: ml-lab\n    name: Machine Learning Lab\n"
                   "    description: Experiments\n", encoding="utf-8")
    result = run_cli(capsys, *point_at(monkeypatch, reset_emulator), "--no-color", "plan", str(org))
    assert result.code == 0, result.err
    assert ('  + workspace.ml-lab\n      name:        "Machine Learning Lab"\n'
            '      description: "Experiments"\n') in result.out
    assert 'slug:' not in result.out
