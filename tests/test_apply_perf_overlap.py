"""Applying a saved plan moves work off the path to its first write (docs/performance.md,
"Apply: the path to the first write"): the config's YAML is read by a forked child while the
org is read, and the saved half of the stale check is computed meanwhile. Neither may change
a byte of what apply says or does."""

from __future__ import annotations

import sys

import pytest

from orsync.api.client import OpenRouterClient
from orsync.apply.saved import canonical_texts, stale_addresses
from orsync.config import forked_read
from orsync.config.loader import load_config
from orsync.planner.read import build_plan
from orsync.planner.store import load_plan, save_plan
from tests.cli_runner import point_at, run_cli

NAMES = [f"svc-{index:02d}" for index in range(6)]
SEED = {"keys": [{"name": name, "limit": 5, "limit_reset": "daily"} for name in NAMES]}


def _config(tmp_path, file: str, limits: dict[str, int]):
    entries = "".join(f"  - name: {name}\n    limit: {limits.get(name, 5)}\n    limit_reset: daily\n"
                      for name in NAMES)
    path = tmp_path / file
    path.write_text(f"version: 1\nkeys:\n{entries}", encoding="utf-8")
    return path


@pytest.fixture
def org(make_emulator, monkeypatch, tmp_path):
    emulator = make_emulator(SEED)
    flags = point_at(monkeypatch, emulator)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.chdir(tmp_path)
    return emulator, flags


def _writes(emulator) -> dict[str, int]:
    """Requests that change the org, by route (how many pages a read takes may vary: the
    reader asks for pages ahead of the ones it has)."""
    return {route: count for route, count in emulator.request_counts().items() if not route.startswith("GET ")}


def _set_limit(emulator, name: str, limit: int) -> None:
    live = emulator.state.key_named(name).hash
    emulator.http().patch(f"/keys/{live}", json={"limit": limit}).raise_for_status()


def test_the_stale_check_names_the_same_changes_with_its_saved_half_computed_first(org, tmp_path):
    emulator, _ = org
    client = OpenRouterClient(emulator.base_url, emulator.management_key)
    reviewed = _config(tmp_path, "org.yaml", {"svc-00": 6, "svc-01": 6, "svc-02": 6})
    save_plan(build_plan(load_config(reviewed), client), "plan.json")
    saved = load_plan("plan.json")               # as apply reads it: through JSON
    _set_limit(emulator, "svc-00", 7)            # live object changed
    _set_limit(emulator, "svc-01", 6)            # no longer needs its update
    _set_limit(emulator, "svc-03", 9)            # now needs one
    other = _config(tmp_path, "other.yaml", {"svc-00": 6, "svc-01": 6, "svc-02": 8, "svc-03": 5})
    fresh = build_plan(load_config(other), client)   # svc-02: same live object, another update

    expected = stale_addresses(saved, fresh)

    assert stale_addresses(saved, fresh, canonical_texts(saved)) == expected
    assert expected == ["key.svc-00 (live object changed)", "key.svc-01 (no longer needs update)",
                        "key.svc-02 (update planned, update now)", "key.svc-03 (now needs update)"]
    client.close()


@pytest.mark.skipif(sys.platform != "linux", reason="the config is read in a child on Linux only")
def test_a_saved_plan_applies_byte_for_byte_the_same_with_its_config_read_in_a_child(org, tmp_path,
                                                                                      monkeypatch, capsys):
    emulator, flags = org
    changed = _config(tmp_path, "org.yaml", {name: 6 for name in NAMES})
    assert run_cli(capsys, *flags, "plan", str(changed.name), "--out", "forward.json").code == 0
    taken = []
    real_start, real_take = forked_read.start_reading, forked_read.PendingRead.take

    def take(self, file, env=None):
        done = real_take(self, file, env)
        taken.append(done is not None)
        return done

    # Forking as the command does (the suite's emulator threads would make it decline), and for
    # this small file too (a threshold keeps the fork for files where it pays).
    monkeypatch.setattr(forked_read, "_fork_is_safe", lambda: True)
    monkeypatch.setattr(forked_read, "start_reading", lambda path, **_: real_start(path, min_bytes=0))
    monkeypatch.setattr(forked_read.PendingRead, "take", take)
    emulator.reset_counts()
    in_child = run_cli(capsys, *flags, "apply", "forward.json", "--parallelism", "1")
    writes_in_child = _writes(emulator)
    assert in_child.code == 0, in_child.err
    assert taken == [True]                       # the config came from the child

    _config(tmp_path, "org.yaml", {})             # undo it: the forward plan holds again
    assert run_cli(capsys, *flags, "apply", "org.yaml", "--yes").code == 0
    changed = _config(tmp_path, "org.yaml", {name: 6 for name in NAMES})
    monkeypatch.setattr(forked_read, "start_reading", lambda path, **_: None)
    emulator.reset_counts()
    in_process = run_cli(capsys, *flags, "apply", "forward.json", "--parallelism", "1")

    assert in_process == in_child
    assert _writes(emulator) == writes_in_child == {"PATCH /keys/{hash}": len(NAMES)}


@pytest.mark.parametrize("saved", [True, False])
def test_apply_leaves_the_collector_as_it_found_it(org, tmp_path, capsys, saved):
    """apply freezes what it builds before its writes; a process running many commands (this
    suite) must still collect their cycles afterwards, whether the apply succeeds or fails."""
    import gc

    emulator, flags = org
    _config(tmp_path, "org.yaml", {"svc-00": 6})
    if saved:
        assert run_cli(capsys, *flags, "plan", "org.yaml", "--out", "plan.json").code == 0
    before = gc.get_freeze_count()
    done = run_cli(capsys, *flags, "apply", "plan.json" if saved else "org.yaml", "--yes")
    assert done.code == 0, done.err
    _set_limit(emulator, "svc-01", 9)             # a stale plan, or a change the file undoes
    again = run_cli(capsys, *flags, "apply", "plan.json" if saved else "org.yaml", "--yes")
    assert again.code == (1 if saved else 0), again.err
    assert gc.get_freeze_count() == before and gc.isenabled()
