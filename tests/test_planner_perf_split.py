"""The plan's config half is computed while the org is read, and the plan is the same for it.

`prepare_desired` builds the desired objects from the file alone (orsync.resources.prepared);
`read_and_plan` runs it while the live read is in flight, and `plan_from_state` then only reads
the live objects and compares. Every plan here is built both ways and rendered as text, JSON and
Markdown: the two must agree byte for byte, for the bench orgs (one workspace and several, in
sync and changed), for a file that names the default workspace by its slug (the one assumption
the prepared half makes does not hold: it is prepared again) and for a file with an error.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # `bench` lives at the repo root

from bench.org import Sizes, config_yaml, emulator_seed  # noqa: E402
from orsync.config.loader import load_config  # noqa: E402
from orsync.errors import ConfigError  # noqa: E402
from orsync.planner import read as planner_read  # noqa: E402
from orsync.planner.diff import plan_from_state, prepare_desired  # noqa: E402
from orsync.planner.live import complete_live_state, read_live_state  # noqa: E402
from orsync.planner.read import build_plan, read_and_plan, start_live_read  # noqa: E402
from orsync.planner.render import render, render_markdown  # noqa: E402
from orsync.planner.slugs import read_model_slugs  # noqa: E402
from orsync.resources import KINDS_BY_NAME  # noqa: E402

KEY = "bench-management-key-not-a-secret"


def rendered(plan) -> str:
    """Text, JSON and Markdown, without the moment the plan was made."""
    text = render(plan, "text", color=False) + render(plan, "json") + render_markdown(plan)
    return re.sub(r'"created_at": "[^"]*"', "", text)


def bench_org(make_emulator, tmp_path, sizes: Sizes, *, changed: bool):
    emulator = make_emulator(emulator_seed(sizes, KEY))
    path = tmp_path / "org.yaml"
    path.write_text(config_yaml(sizes, changed=changed))
    return emulator, load_config(path)


def both_ways(loaded, client) -> tuple[str, str, int]:
    """The plan of the state read once, computed without and with the prepared half (and how
    many changes it has)."""
    state = complete_live_state(client, read_live_state(client, config=loaded.model), loaded.model)
    slugs, _ = read_model_slugs(client)
    whole = plan_from_state(loaded, state, model_slugs=slugs)
    split = plan_from_state(loaded, state, model_slugs=slugs, prepared=prepare_desired(loaded))
    return rendered(whole), rendered(split), len(whole.changes)


@pytest.mark.parametrize("workspaces", [1, 3])
@pytest.mark.parametrize("changed", [False, True], ids=["in-sync", "changed"])
def test_the_bench_org_plans_the_same_with_its_config_half_prepared(make_emulator, tmp_path, workspaces, changed):
    sizes = Sizes(keys=600, guardrails=60, key_assignments=450, members=20, member_assignments=10,
                  updates=50, workspaces=workspaces)
    emulator, loaded = bench_org(make_emulator, tmp_path, sizes, changed=changed)
    whole, split, changes = both_ways(loaded, emulator.client())
    assert whole == split
    assert changes == (50 if changed else 0)


def test_read_and_plan_prepares_while_the_org_is_read_and_plans_the_same(make_emulator, tmp_path, monkeypatch):
    sizes = Sizes(keys=300, guardrails=30, key_assignments=300, members=10, member_assignments=5,
                  updates=20, workspaces=2)
    emulator, loaded = bench_org(make_emulator, tmp_path, sizes, changed=True)
    client = emulator.client()
    order: list[str] = []
    prepare = planner_read.prepare_desired
    monkeypatch.setattr(planner_read, "prepare_desired", lambda arg: (order.append("prepare"), prepare(arg))[1])
    keys = KINDS_BY_NAME["key"]
    real_prepare = type(keys).prepare
    monkeypatch.setattr(type(keys), "prepare", lambda self, *args: (order.append("keys"), real_prepare(self, *args))[1])

    future = start_live_read(client)
    plan, _ = read_and_plan(loaded, client, live=lambda: (order.append("live"), future.result())[1])
    # Prepared once, before the main thread waited for the read; the plan did not prepare again.
    assert order == ["prepare", "keys", "live"]
    order.clear()
    assert rendered(plan) == rendered(build_plan(loaded, client))   # read and planned in one go
    assert order == ["keys"]                                        # no read under way: prepared in the plan


def test_a_file_naming_the_default_workspace_by_slug_is_prepared_again(make_emulator, tmp_path):
    # The prepared half assumes a slug the file names is not the default workspace's: here it is.
    emulator = make_emulator()
    client = emulator.client()
    default = next(row.slug for row in client.list_workspaces() if row.slug == "default")
    path = tmp_path / "org.yaml"
    path.write_text(f"""version: 1
guardrails:
  - name: in-default
    workspace: {default}
    limit_usd: 5
    reset_interval: daily
keys:
  - name: named-default
    workspace: {default}
    limit: 3
    guardrail: in-default
  - name: research-key
    workspace: research
    limit: 2
""")
    loaded = load_config(path)
    prepared = prepare_desired(loaded)
    assert not prepared.holds_for(loaded.model, default) and prepared.holds_for(loaded.model, "elsewhere")
    whole, split, _ = both_ways(loaded, client)
    assert whole == split
    assert "key.named-default" in whole and "key.default/named-default" not in whole
    assert "key.research/research-key" in whole


def test_an_error_of_the_file_is_the_same_with_the_config_half_prepared(make_emulator, tmp_path):
    emulator = make_emulator()
    client = emulator.client()
    path = tmp_path / "org.yaml"
    path.write_text("version: 1\nkeys:\n  - name: a\n    limit: 1\n  - name: b\n    workspace: nowhere\n")
    loaded = load_config(path)
    state = read_live_state(client, config=loaded.model)
    messages = []
    for prepared in (None, prepare_desired(loaded)):
        with pytest.raises(ConfigError) as raised:
            plan_from_state(loaded, state, prepared=prepared)
        messages.append(str(raised.value))
    assert messages[0] == messages[1]
    assert "org.yaml:6" in messages[0] and "workspace 'nowhere' is neither in the org nor declared" in messages[0]
