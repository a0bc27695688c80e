"""The PR comment (issue 14): assignment details, live names, a drift heading, and a size that fits."""

from __future__ import annotations

import re

from orsync.planner.comment import GITHUB_COMMENT_LIMIT
from orsync.planner.diff import plan_from_state
from orsync.planner.render import render, render_markdown, render_text
from tests.live_factories import config, guardrail, key, key_assignment, live


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("| `")]


def cells(row: str) -> list[str]:
    """A row split where GitHub splits it: at pipes that are not escaped."""
    return re.split(r"(?<!\\)\|", row)[1:-1]


def test_assignment_rows_carry_their_guardrail_before_and_after():
    old, new = guardrail("old-policy"), guardrail("new-policy")
    ci, batch = key("ci"), key("batch")
    state = live(keys=[ci, batch], guardrails=[old, new], key_assignments=[key_assignment(ci, old)])
    cfg = config(guardrails=[{"name": "old-policy"}, {"name": "new-policy"}],
                 keys=[{"name": "ci", "guardrail": "new-policy"}, {"name": "batch", "guardrail": "old-policy"}])
    rows = {cells(row)[1].strip(): cells(row) for row in table_rows(render_markdown(plan_from_state(cfg, state)))}
    assert rows["`key_assignment.ci`"][3].strip() == "guardrail old-policy -\\> new-policy"
    assert rows["`key_assignment.ci`"][0].strip() == "`~`"
    assert rows["`key_assignment.batch`"][3].strip() == "guardrail old-policy"


def test_a_pinned_entry_shows_the_live_name_it_renames_or_deletes_in_every_format():
    backend = key("prod-backend", limit=5)
    spare = key("spare-live")
    cfg = config(keys=[{"name": "tmp", "hash": backend.hash, "state": "absent"},
                       {"name": "renamed", "hash": spare.hash}])
    plan = plan_from_state(cfg, live(keys=[backend, spare]))
    text = render_text(plan)
    assert "- key.tmp  (live name: prod-backend; state: absent)" in text
    assert "~ key.renamed  (live name: spare-live)" in text and 'name: "spare-live" -> "renamed"' in text
    markdown = render_markdown(plan)
    assert "`key.tmp` (live name: `prod-backend`) (delete)" in markdown      # the warning box
    row = next(row for row in table_rows(markdown) if "`key.renamed`" in row)
    assert "(live name: `spare-live`)" in row and 'name: "spare-live" -\\> "renamed"' in row
    json_changes = {c["address"]: c for c in plan.to_json()["resource_changes"]}
    assert json_changes["key.tmp"]["live_name"] == "prod-backend"


def test_drift_has_its_own_heading():
    plan = plan_from_state(config(keys=[{"name": "ci", "limit": 2}]), live(keys=[key("ci", limit=1)]))
    assert render(plan, "markdown", title="orsync drift").startswith("### orsync drift: 0 to create, 1 to update")
    assert render(plan, "text", title="orsync drift").startswith("orsync drift: org.yaml against")
    assert render(plan, "markdown").startswith("### orsync plan: ")


def test_a_plan_of_2000_changes_fits_a_github_comment_and_points_at_the_full_plan():
    keys = [{"name": f"team-{i:04d}-service-account-with-a-long-name", "limit": 100, "limit_reset": "monthly",
             "include_byok_in_limit": True, "expires_at": "2030-01-01T00:00:00Z"} for i in range(1000)]
    doomed = [key(f"legacy-{i:04d}-batch-job-from-the-old-pipeline") for i in range(1000)]
    plan = plan_from_state(config(policy={"prune": True}, keys=keys), live(keys=doomed))
    assert len(plan.changes) == 2000
    pointer = "The full plan is in [this workflow run](https://github.example/o/r/actions/runs/7)."
    markdown = render_markdown(plan, full_plan=pointer)
    assert len(markdown) < GITHUB_COMMENT_LIMIT
    shown = len(table_rows(markdown))
    assert 0 < shown < 2000
    assert f"**Showing {shown} of 2000 changes**" in markdown and pointer in markdown
    assert "<details><summary>2000 changes</summary>" in markdown
    assert ", and 950 more (delete)" not in markdown and ", and 950 more" in markdown.splitlines()[3]
    assert markdown.rstrip().endswith("</sub>")                     # the footer survives the cut
    assert markdown.count("<details>") == markdown.count("</details>") == 1


def test_a_plan_that_fits_is_not_cut():
    plan = plan_from_state(config(keys=[{"name": f"k{i}"} for i in range(40)]), live(keys=[key("other")]))
    markdown = render_markdown(plan)
    assert len(table_rows(markdown)) == 40 and "Showing" not in markdown


def test_a_tiny_budget_still_gives_a_whole_comment():
    plan = plan_from_state(config(keys=[{"name": f"k{i}"} for i in range(40)]), live(keys=[key("other")]))
    markdown = render_markdown(plan, budget=2_000)
    assert len(markdown) <= 2_000
    assert "**Showing" in markdown and "Run `orsync plan`" in markdown


def test_content_filter_changes_show_one_line_per_element_in_text_and_markdown():
    live_guardrail = guardrail("g", content_filter_builtins=[{"slug": "email", "action": "redact", "label": "Email"}])
    cfg = config(guardrails=[{"name": "g", "content_filter_builtins": [{"slug": "email", "action": "block"},
                                                                       {"slug": "phone", "action": "flag"}]}])
    plan = plan_from_state(cfg, live(guardrails=[live_guardrail], keys=[key("k")]))
    text = render_text(plan)
    assert "  ~ guardrail.g\n" in text                       # the elements are not repeated as notes
    assert "      content_filter_builtins: ~ email: action redact -> block\n" in text
    assert "      content_filter_builtins: + phone: slug phone, action flag\n" in text
    assert '"slug"' not in text                               # nor the whole list, before and after
    row = table_rows(render_markdown(plan))[0]
    assert row.count("content\\_filter\\_builtins:") == 2 and "email: action redact -\\> block" in row
