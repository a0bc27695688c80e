"""The intent record (ADR 0006) on its own: what it proves, and what it never does."""

from __future__ import annotations

import json
import os
import stat

from pydantic import SecretStr

from orsync.apply.intents import Intent, IntentRecord, Intents, record_path
from orsync.apply.secret_sinks import FileSink
from tests.live_factories import fake_hash, key, live

AT = "2026-01-01T00:00:00Z"


def record(tmp_path, *intents: Intent) -> FileSink:
    sink = FileSink(tmp_path / "s.json")
    IntentRecord(record_path(sink)).append(list(intents))
    return sink


def test_a_key_made_by_the_interrupted_run_is_proven_and_a_later_hand_made_namesake_is_not(tmp_path):
    sink = record(tmp_path, Intent(kind="key", address="key.ci", name="ci", body={"name": "ci"},
                                   before=[fake_hash("old")], secret=True, at=AT))
    old = key("ci", hash=fake_hash("old"), created_at="2025-01-01T00:00:00Z")
    orphan = key("ci", hash=fake_hash("orphan"), created_at="2026-01-01T00:00:02Z")
    by_hand = key("ci", hash=fake_hash("colleague"), created_at="2026-01-04T09:00:00Z")
    stored = key("ci", hash=fake_hash("stored"), created_at="2026-01-01T00:00:03Z")
    sink.store("ci", stored.hash, SecretStr("fake-secret"))
    intents = Intents(sink)
    try:
        proofs = intents.proofs(live(keys=[old, orphan, by_hand, stored]))
    finally:
        intents.close()
    assert set(proofs) == {orphan.hash}
    assert proofs[orphan.hash].always and "never stored its secret" in proofs[orphan.hash].reason


def test_the_record_holds_no_secret_is_private_and_survives_a_torn_line(tmp_path):
    sink = record(tmp_path, Intent(kind="key", address="key.ci", name="ci", body={"name": "ci", "limit": 1.0},
                                   before=[], replaces=fake_hash("old"), secret=True, at=AT))
    path = record_path(sink)
    with open(path, "a", encoding="utf-8") as handle:
        handle.write('{"kind": "key", "address": "key.cut')   # a crash in the middle of a line
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert "sk-or" not in path.read_text() and "fake-secret" not in path.read_text()
    intents, stored = IntentRecord(path).read()
    assert [intent.replaces for intent in intents] == [fake_hash("old")] and stored == set()
    assert json.loads(path.read_text().splitlines()[0])["before"] == []
