"""Secret sinks: files (JSON, dotenv) and commands; GitHub Actions masking."""

from __future__ import annotations

import io
import json
import stat
import sys
import threading

import pytest
from pydantic import SecretStr

from orsync.errors import SecretSinkError
from orsync.apply.secret_sinks import CommandSink, FileSink, mask_for_github_actions, open_sink

FAKE = SecretStr("sk-or-v1-fake-secret-one")
OTHER = SecretStr("sk-or-v1-fake-secret-two")


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_json_file_is_created_0600_and_merged_by_key_name(tmp_path):
    path = tmp_path / "secrets.json"
    sink = FileSink(path)
    sink.check(["a", "b"])

    sink.store("a", "hash-a", FAKE)
    sink.store("b", "hash-b", OTHER)
    sink.store("a", "hash-a2", OTHER)   # a replacement overwrites its entry

    assert mode(path) == 0o600
    assert json.loads(path.read_text()) == {"a": {"hash": "hash-a2", "key": OTHER.get_secret_value()},
                                            "b": {"hash": "hash-b", "key": OTHER.get_secret_value()}}


def test_an_existing_readable_file_keeps_its_entries_and_becomes_0600(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"kept": {"hash": "h", "key": "sk-or-v1-fake-kept"}}))
    path.chmod(0o644)

    FileSink(path).store("new", "h2", FAKE)

    assert set(json.loads(path.read_text())) == {"kept", "new"}
    assert mode(path) == 0o600


def test_a_file_that_is_not_ours_is_refused_before_any_write(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text("[1, 2]")
    with pytest.raises(SecretSinkError, match="not an orsync secrets file"):
        FileSink(path).check(["a"])
    assert path.read_text() == "[1, 2]"


def test_a_missing_directory_is_refused_by_check(tmp_path):
    with pytest.raises(SecretSinkError, match="does not exist"):
        FileSink(tmp_path / "nope" / "s.json").check(["a"])


def test_concurrent_stores_lose_nothing(tmp_path):
    path = tmp_path / "secrets.json"
    sinks = [FileSink(path) for _ in range(4)]   # separate objects: only the file lock protects
    threads = [threading.Thread(target=sinks[n % 4].store, args=(f"k{n}", f"h{n}", FAKE)) for n in range(40)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(json.loads(path.read_text())) == 40


def test_dotenv_by_extension_round_trips(tmp_path):
    path = tmp_path / "keys.env"
    sink = FileSink(path)
    sink.store("ci-smoke", "hash-1", FAKE)
    sink.store("batch", "hash-2", OTHER)

    text = path.read_text()
    assert f"OPENROUTER_KEY_CI_SMOKE={FAKE.get_secret_value()}\n" in text
    assert mode(path) == 0o600
    stored = FileSink(path).read()
    assert stored["ci-smoke"].hash == "hash-1" and stored["batch"].secret == OTHER


def test_dotenv_refuses_two_names_sharing_a_variable(tmp_path):
    sink = FileSink(tmp_path / ".env")
    with pytest.raises(SecretSinkError, match="would share the variable OPENROUTER_KEY_A_B"):
        sink.check(["a-b", "a_b"])


def test_the_command_gets_one_json_document_per_secret_on_stdin(tmp_path):
    out = tmp_path / "received"
    sink = CommandSink(f"{sys.executable} -c \"import os,sys; "
                       f"open(r'{out}', 'a').write(os.environ['ORSYNC_KEY_NAME'] + ' ' + sys.stdin.read() + '\\n')\"")
    sink.check(["a"])
    sink.store("a", "hash-a", FAKE)

    name, document = out.read_text().strip().split(" ", 1)
    assert name == "a"
    assert json.loads(document) == {"name": "a", "hash": "hash-a", "key": FAKE.get_secret_value()}


def test_a_failing_command_is_an_error_that_never_repeats_the_secret(tmp_path):
    sink = CommandSink(f"{sys.executable} -c \"import sys; d=sys.stdin.read(); "
                       "sys.stderr.write('vault said no: ' + d); sys.exit(3)\"")
    with pytest.raises(SecretSinkError) as raised:
        sink.store("a", "hash-a", FAKE)
    assert "status 3" in str(raised.value) and "vault said no" in str(raised.value)
    assert FAKE.get_secret_value() not in str(raised.value)


def test_a_command_that_is_not_on_path_is_refused_by_check():
    with pytest.raises(SecretSinkError, match="not an executable"):
        CommandSink("no-such-vault-cli-here put").check(["a"])


def test_open_sink_wants_one_sink_at_most(tmp_path):
    assert open_sink(None, None) is None
    with pytest.raises(SecretSinkError, match="not both"):
        open_sink(str(tmp_path / "s.json"), "cat")


def test_mask_lines_only_under_github_actions(monkeypatch):
    stream = io.StringIO()
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    mask_for_github_actions(FAKE, stream)
    assert stream.getvalue() == ""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    mask_for_github_actions(FAKE, stream)
    assert stream.getvalue() == f"::add-mask::{FAKE.get_secret_value()}\n"
