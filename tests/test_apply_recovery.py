"""What apply does when a call fails: lost responses, short counts, a broken sink, bad credentials.

Failures are injected deterministically in front of a real emulator (EmulatorTap), so the client's
own handling (OutcomeUnknownError for a create, retries for the rest) is part of what is tested.
"""

from __future__ import annotations

import pytest

from orsync.apply.executor import Executor, phases
from orsync.apply.journal import DONE, FAILED, NOT_ATTEMPTED
from orsync.errors import SecretSinkError
from orsync.planner.plan import Change, Plan
from orsync.apply.secret_sinks import FileSink
from tests.test_apply_support import (
    FAST_CLIENT, EmulatorTap, apply_in_process, plan_of, secrets_in, write_config,
)

TWO_KEYS = """
guardrails:
  - name: team
    limit_usd: 5
    reset_interval: daily
keys:
  - name: first
    guardrail: team
  - name: second
    guardrail: team
"""


def outcome(journal, address):
    return next(o for o in journal.outcomes() if o.address == address)


def keys_named(emulator, name):
    return [k for k in emulator.state.keys.values() if k.name == name]


@pytest.fixture
def client(emulator):
    return emulator.client(**FAST_CLIENT)


@pytest.mark.parametrize("fault", ["drop", "drop-unapplied", 502])
def test_a_lost_key_create_leaves_exactly_one_key_with_its_secret_stored(emulator, client, tmp_path, fault):
    tap = EmulatorTap(emulator)
    tap.fail("POST", "/keys", fault)
    config = write_config(tmp_path, "keys:\n  - name: lost-once\n")

    journal = apply_in_process(client, config, tmp_path / "s.json")

    assert journal.ok
    [key] = keys_named(emulator, "lost-once")
    assert secrets_in(tmp_path / "s.json") == {"lost-once": {"hash": key.hash, "key": key.secret}}
    [note] = journal.notes()
    if fault == "drop":  # the first POST created a key whose secret nobody saw: deleted, said so
        assert "deleted the key it had created" in note
        assert [w.split(" ")[0] for w in tap.writes()] == ["POST", "DELETE", "POST"]
    else:
        assert "nothing had been created" in note
        assert tap.writes() == ["POST /keys", "POST /keys"]


def test_a_lost_guardrail_create_is_adopted_and_its_keys_assigned(emulator, client, tmp_path):
    tap = EmulatorTap(emulator)
    tap.fail("POST", "/guardrails", "drop")
    config = write_config(tmp_path, TWO_KEYS)

    journal = apply_in_process(client, config, tmp_path / "s.json")

    assert journal.ok
    [guardrail] = [g for g in emulator.state.guardrails.values() if g.name == "team"]
    assert "was adopted" in journal.notes()[0]
    assert tap.writes().count("POST /guardrails") == 1
    assert emulator.state.guardrail_of_key(keys_named(emulator, "first")[0].hash) is guardrail


def test_creates_whose_answers_keep_getting_lost_stop_and_leave_nothing(emulator, client, tmp_path):
    tap = EmulatorTap(emulator)
    tap.fail("POST", "/keys", "drop", times=3)   # every attempt for the first key created
    config = write_config(tmp_path, "keys:\n  - name: unlucky\n    guardrail: g\nguardrails:\n  - name: g\n")

    journal = apply_in_process(client, config, tmp_path / "s.json", parallelism=1)

    assert outcome(journal, "key.unlucky").status == FAILED
    assert "gave up after 3 creates" in outcome(journal, "key.unlucky").detail
    assert outcome(journal, "key_assignment.unlucky").status == NOT_ATTEMPTED
    assert outcome(journal, "guardrail.g").status == DONE
    assert keys_named(emulator, "unlucky") == []
    # A second run converges.
    assert apply_in_process(client, config, tmp_path / "s.json").ok
    assert len(keys_named(emulator, "unlucky")) == 1
    assert plan_of(client, config)[0].changes == ()


class ClientProxy:
    """Passes every call to a real client; subclasses change one method."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name):
        return getattr(self._client, name)


class ShortCounting(ClientProxy):
    """A client whose assign_keys quietly drops the first hash, as the API does for unknown ones."""

    def assign_keys(self, guardrail_id, hashes):
        return self._client.assign_keys(guardrail_id, list(hashes)[1:])


def test_a_short_assigned_count_fails_only_what_was_not_assigned(emulator, client, tmp_path):
    config = write_config(tmp_path, TWO_KEYS)
    plan, state = plan_of(client, config)
    journal = Executor(plan, ShortCounting(client), sink=FileSink(tmp_path / "s.json")).run()

    statuses = {o.address: o.status for o in journal.outcomes() if o.address.startswith("key_assignment")}
    assert sorted(statuses.values()) == [DONE, FAILED]
    failed = next(o for o in journal.outcomes() if o.status == FAILED)
    assert "assigned_count 1 of 2" in failed.detail and "this one was not assigned" in failed.detail


class BrokenSink:
    description = "a broken sink"

    def check(self, names):
        pass

    def store(self, name, key_hash, secret):
        raise SecretSinkError("disk full")


def test_a_secret_that_cannot_be_stored_deletes_its_key_and_stops_creating_keys(emulator, client, tmp_path):
    config = write_config(tmp_path, TWO_KEYS)
    plan, _ = plan_of(client, config)

    journal = Executor(plan, client, sink=BrokenSink(), parallelism=1).run()

    first, second = outcome(journal, "key.first"), outcome(journal, "key.second")
    assert first.status == FAILED and "disk full" in first.detail and "deleted again" in first.detail
    assert second.status == NOT_ATTEMPTED and "disk full" in second.detail
    assert keys_named(emulator, "first") == [] and keys_named(emulator, "second") == []
    assert outcome(journal, "guardrail.team").status == DONE


def test_bad_credentials_stop_the_run(emulator, client, tmp_path):
    tap = EmulatorTap(emulator)
    tap.fail("POST", "/guardrails", 401)
    config = write_config(tmp_path, TWO_KEYS)

    journal = apply_in_process(client, config, tmp_path / "s.json", parallelism=1)

    assert outcome(journal, "guardrail.team").status == FAILED
    assert {o.status for o in journal.outcomes()[1:]} == {NOT_ATTEMPTED}
    assert tap.writes() == ["POST /guardrails"]


def test_a_failed_disable_after_create_keeps_the_secret_and_converges(emulator, client, tmp_path):
    tap = EmulatorTap(emulator)
    tap.fail("PATCH", "/keys/", 400)
    config = write_config(tmp_path, "keys:\n  - name: quiet\n    disabled: true\n")

    journal = apply_in_process(client, config, tmp_path / "s.json")

    result = outcome(journal, "key.quiet")
    assert result.status == FAILED and result.detail.startswith("created (")
    [key] = keys_named(emulator, "quiet")
    assert not key.disabled
    assert secrets_in(tmp_path / "s.json")["quiet"]["hash"] == key.hash
    assert apply_in_process(client, config, tmp_path / "s.json").ok
    assert keys_named(emulator, "quiet")[0].disabled and len(keys_named(emulator, "quiet")) == 1


def test_an_old_key_that_cannot_be_deleted_is_named(emulator, client, tmp_path):
    old = emulator.state.key_named("ci-smoke").hash
    tap = EmulatorTap(emulator)
    tap.fail("DELETE", f"/keys/{old}", 400)
    config = write_config(tmp_path, 'keys:\n  - name: ci-smoke\n    expires_at: "2029-01-01T00:00:00Z"\n')

    journal = apply_in_process(client, config, tmp_path / "s.json")

    result = outcome(journal, "key.ci-smoke")
    assert result.status == FAILED and old in result.detail and "still live" in result.detail
    assert outcome(journal, "key_assignment.ci-smoke").status == DONE


def change(address, action, kind=None):
    kind = kind or address.split(".")[0]
    return Change(address=address, kind=kind, type="t", action=action, name=address.split(".", 1)[1],
                  live_id="id-" + address, before=None, after=None, body={})


def test_phases_run_in_plan_order_with_replaced_objects_deleted_after_assignments():
    plan = Plan(changes=(change("guardrail.g", "create"), change("key.a", "replace"), change("key.b", "update"),
                         change("key_assignment.a", "assign"), change("member_assignment.m", "unassign"),
                         change("guardrail.old", "delete")))

    ops = [[(step.op, step.change.address) for step in phase] for phase in phases(plan)]

    assert ops == [[("write", "guardrail.g")], [("write", "key.a"), ("write", "key.b")],
                   [("assign", "key_assignment.a")], [("unassign", "member_assignment.m")],
                   [("old", "key.a")], [("delete", "guardrail.old")]]


class InterruptedOnUpdate(ClientProxy):
    def update_key(self, hash, body):
        raise KeyboardInterrupt


def test_ctrl_c_stops_after_the_calls_in_flight_and_accounts_for_every_change(emulator, client, tmp_path):
    config = write_config(tmp_path, TWO_KEYS + "  - name: ci-smoke\n    limit: 9\n")
    plan, _ = plan_of(client, config)

    journal = Executor(plan, InterruptedOnUpdate(client), sink=FileSink(tmp_path / "s.json"),
                       parallelism=1).run()

    assert journal.halted == "interrupted"
    assert outcome(journal, "guardrail.team").status == DONE
    assert {o.status for o in journal.outcomes() if o.address.startswith("key_assignment")} == {NOT_ATTEMPTED}
    assert secrets_in(tmp_path / "s.json").keys() <= {"first", "second"}
