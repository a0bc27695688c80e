"""Two applies of one file at once against one org (two CI jobs racing): what happens, and what
orsync promises (docs/reliability.md, "Two applies at once").

Each run is apply's own code path (plan from a fresh read, then the executor) in its own thread
with its own client and its own secrets file, on one emulator with a little latency.

- A file that only updates and assigns: both runs write the same values; the org converges with
  no further apply, and never holds a duplicate.
- A file that creates: both runs may plan the same create, and both keys (or guardrails) then
  exist: nothing in a stateless tool without a lock can prevent it. What orsync promises is that
  nothing is silently wrong: each new key's secret is in the sink of the run that created it,
  and the next plan refuses, before any write, naming both ids of every duplicated name.
  Then one more apply converges once the duplicates are deleted (or pinned).
"""

from __future__ import annotations

import json
import random
import threading
import time

import pytest

from orsync.apply.executor import Executor
from orsync.config.loader import load_config
from orsync.errors import ConfigError
from orsync.planner.read import read_and_plan
from orsync.apply.secret_sinks import FileSink

from .figures import FIGURES
from .profiles import SLOW

TRIALS = 40 if SLOW else 8
# How much later the second run starts: the race window is the first run's plan and creates.
STAGGERS_MS = [0, 5, 10, 20, 40, 80] * (5 if SLOW else 1)
LATENCY_MS = 2
UPDATES_ONLY = """version: 1
guardrails:
  - name: ci-policy
    limit_usd: 30
    reset_interval: weekly
  - name: prod-budget
keys:
  - name: prod-backend
    limit: 150
    guardrail: ci-policy
  - name: ci-smoke
    disabled: true
members:
  - email: bob@example.com
    guardrail: prod-budget
"""
CREATES = """version: 1
guardrails:
  - name: team-new
    limit_usd: 5
    reset_interval: daily
keys:
  - name: new-a
    guardrail: team-new
  - name: new-b
    limit: 1
  - name: prod-backend
    limit: 150
members:
  - email: dave@example.com
    guardrail: team-new
"""


def apply_once(emulator, config, sink, start: threading.Event, delay: float, outcome: dict,
               planned: threading.Barrier | None = None) -> None:
    """One `orsync apply --yes`: plan from a fresh read, execute (the session's own steps);
    with `planned`, wait there between planning and executing (both runs then plan alike)."""
    with emulator.client() as client:
        start.wait(timeout=10)
        time.sleep(delay)
        try:
            plan, state = read_and_plan(load_config(config), client)
            if planned is not None:
                planned.wait(timeout=10)
            live = {key.hash for key in state.keys} | {guardrail.id for guardrail in state.guardrails}
            outcome["journal"] = Executor(plan, client, sink=FileSink(sink), known_ids=live).run()
        except Exception as error:  # recorded for the assertion, with its type
            outcome["error"] = error


def race(emulator, tmp_path, text: str, trial: int, stagger: float, shared_sink: bool = False,
         lockstep: bool = False) -> list[dict]:
    """Both runs at once (the second `stagger` seconds later; with `lockstep`, both plan before
    either writes); their outcomes. Each run writes secrets to s-TRIAL-N.json, or both to
    s-TRIAL-0.json with `shared_sink`."""
    config = tmp_path / f"org-{trial}.yaml"
    config.write_text(text, encoding="utf-8")
    start, outcomes = threading.Event(), [{}, {}]
    planned = threading.Barrier(2) if lockstep else None
    sinks = [tmp_path / f"s-{trial}-{0 if shared_sink else n}.json" for n in range(2)]
    threads = [threading.Thread(target=apply_once, args=(emulator, config, sinks[n], start, n * stagger,
                                                         outcomes[n], planned))
               for n in range(2)]
    for thread in threads:
        thread.start()
    start.set()
    for thread in threads:
        thread.join(timeout=60)
    for outcome in outcomes:
        assert "error" not in outcome, f"a run failed: {outcome['error']!r}"
        assert outcome["journal"].ok, [o for o in outcome["journal"].outcomes() if o.status != "done"]
    return outcomes


def duplicates(emulator) -> dict[str, list[str]]:
    """Names held by more than one live key or guardrail, with their ids."""
    found: dict[str, list[str]] = {}
    for kind, rows in (("key", [(k.name, k.hash) for k in emulator.state.keys.values() if not k.is_management]),
                       ("guardrail", [(g.name, g.id) for g in emulator.state.guardrails.values()])):
        for name, live_id in rows:
            found.setdefault(f"{kind}.{name}", []).append(live_id)
    return {name: ids for name, ids in found.items() if len(ids) > 1}


def plan_changes(emulator, config) -> list[str]:
    with emulator.client() as client:
        plan, _ = read_and_plan(load_config(config), client)
    return [change.address for change in plan.changes]


@pytest.fixture
def racing_emulator(make_emulator):
    return make_emulator(latency_ms=LATENCY_MS)


def test_two_applies_that_update_and_assign_converge_without_another_run(racing_emulator, tmp_path):
    for trial in range(TRIALS):
        racing_emulator.control("POST", "/reset")
        race(racing_emulator, tmp_path, UPDATES_ONLY, trial, stagger=random.uniform(0, 0.02))
        assert duplicates(racing_emulator) == {}
        assert plan_changes(racing_emulator, tmp_path / f"org-{trial}.yaml") == []
        FIGURES.add("concurrency.update_trials")


def test_two_applies_that_create_leave_duplicates_that_the_next_plan_refuses(racing_emulator, tmp_path):
    raced = 0
    for trial, stagger in enumerate(STAGGERS_MS):
        racing_emulator.control("POST", "/reset")
        race(racing_emulator, tmp_path, CREATES, trial, stagger=stagger / 1000)
        config = tmp_path / f"org-{trial}.yaml"
        twins = duplicates(racing_emulator)
        FIGURES.add(f"concurrency.create_trials.stagger_{stagger:02d}ms")
        if not twins:  # the second run planned after the first had created: nothing to fix
            assert plan_changes(racing_emulator, config) == []
            continue
        raced += 1
        FIGURES.add(f"concurrency.duplicates.stagger_{stagger:02d}ms")
        FIGURES.add("concurrency.duplicated_objects", len(twins))
        assert set(twins) <= {"key.new-a", "key.new-b", "guardrail.team-new"}, twins
        assert all(len(ids) == 2 for ids in twins.values()), twins
        check_every_secret_kept(racing_emulator, tmp_path, trial)
        check_refused_naming_both(racing_emulator, config, twins)
        delete_the_other_twins(racing_emulator, tmp_path, trial, twins)
        one_more_apply(racing_emulator, config, tmp_path / f"s-{trial}-0.json")
        assert plan_changes(racing_emulator, config) == []
    FIGURES.add("concurrency.races_seen", raced)


def one_more_apply(emulator, config, sink) -> None:
    start, outcome = threading.Event(), {}
    start.set()
    apply_once(emulator, config, sink, start, 0.0, outcome)
    assert "error" not in outcome and outcome["journal"].ok


def test_with_one_secrets_file_the_sink_names_the_twin_to_keep(racing_emulator, tmp_path):
    """Both runs write to one secrets file (entries by key name): for each raced key, the file
    holds the secret of the later store and that key's hash, so the user knows which twin to
    keep; the other twin's secret is gone, and the next plan refuses, naming both."""
    race(racing_emulator, tmp_path, CREATES, 0, stagger=0.0, shared_sink=True, lockstep=True)
    twins = duplicates(racing_emulator)
    assert {"key.new-a", "key.new-b"} <= set(twins), twins
    stored = json.loads((tmp_path / "s-0-0.json").read_text())
    secrets = {key.hash: key.secret for key in racing_emulator.state.keys.values()}
    for name in ("new-a", "new-b"):
        assert stored[name]["hash"] in twins[f"key.{name}"]
        assert stored[name]["key"] == secrets[stored[name]["hash"]]
    check_refused_naming_both(racing_emulator, tmp_path / "org-0.yaml", twins)
    delete_the_other_twins(racing_emulator, tmp_path, 0, twins)
    one_more_apply(racing_emulator, tmp_path / "org-0.yaml", tmp_path / "s-0-0.json")
    assert plan_changes(racing_emulator, tmp_path / "org-0.yaml") == []
    FIGURES.add("concurrency.shared_sink_trials")


def check_every_secret_kept(emulator, tmp_path, trial: int) -> None:
    """Each live new key's secret is in the sink of the run that created it."""
    stored = {}
    for n in range(2):
        sink = tmp_path / f"s-{trial}-{n}.json"
        if sink.exists():
            stored.update({entry["hash"]: entry["key"] for entry in json.loads(sink.read_text()).values()})
    for key in emulator.state.keys.values():
        if key.name in ("new-a", "new-b"):
            assert stored.get(key.hash) == key.secret, f"{key.name} {key.hash[:8]} has no stored secret"


def check_refused_naming_both(emulator, config, twins: dict[str, list[str]]) -> None:
    emulator.reset_counts()
    with pytest.raises(ConfigError) as refused:
        plan_changes(emulator, config)
    message = str(refused.value)
    assert any(all(live_id in message for live_id in ids) for ids in twins.values()), message
    assert emulator.write_count() == 0


def delete_the_other_twins(emulator, tmp_path, trial: int, twins: dict[str, list[str]]) -> None:
    """What a user does: keep the objects of one run (its sink), delete the other run's."""
    kept_sink = json.loads((tmp_path / f"s-{trial}-0.json").read_text())
    kept = {entry["hash"] for entry in kept_sink.values()}
    http = emulator.http()
    for address, ids in twins.items():
        kind = address.split(".")[0]
        doomed = [i for i in ids if i not in kept] if kind == "key" else ids[1:]
        for live_id in doomed:
            path = f"/keys/{live_id}" if kind == "key" else f"/guardrails/{live_id}"
            http.delete(path).raise_for_status()
