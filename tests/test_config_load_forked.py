"""A large org file is read by a forked child (orsync.config.forked_read): the same config,
and on any trouble the same located error as reading in process, with no child left behind."""

from __future__ import annotations

import os
import signal
import sys
import threading

import pytest

from orsync.config import forked_read
from orsync.config.forked_read import MIN_FORK_BYTES, start_reading
from orsync.config.loader import check_config, load_config
from orsync.errors import ConfigError

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="the child is forked on Linux only")

HEAD = """\
version: 1
x-defaults: &defaults
  limit: 5
  limit_reset: daily
guardrails:
  - name: team
    limit_usd: 10
    reset_interval: weekly
    allowed_models: [openai/gpt-4o-mini]
keys:
"""


def _org(tmp_path, keys: int = 50, *, extra: str = "", name: str = "org.yaml"):
    entries = "".join(f"  - name: key-{n}\n    <<: *defaults\n    guardrail: team\n"
                      f"    expires_at: 2027-06-30T00:00:00Z\n" for n in range(keys))
    path = tmp_path / name
    path.write_text(HEAD + entries + extra, encoding="utf-8")
    return path


@pytest.fixture
def fork_allowed(monkeypatch):
    """Forking as the command does: the suite's own threads (emulators of other tests) would
    otherwise make start_reading decline."""
    monkeypatch.setattr(forked_read, "_fork_is_safe", lambda: True)


def _reaped(pid: int) -> bool:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return True
    return False


def _error(path, **options) -> str:
    with pytest.raises(ConfigError) as raised:
        load_config(path, **options)
    return str(raised.value)


def test_a_forked_read_gives_the_config_an_in_process_read_gives(tmp_path, fork_allowed):
    path = _org(tmp_path, 400)
    pending = start_reading(path, min_bytes=0)
    assert pending is not None and pending.pid
    forked = load_config(path, pending=pending)
    alone = load_config(path)
    assert _reaped(pending.pid)
    assert forked.model == alone.model
    assert forked.sha256 == alone.sha256
    assert forked.model.keys[7].managed_fields() == {"limit": 5.0, "limit_reset": "daily",
                                                     "expires_at": alone.model.keys[7].expires_at}
    # Places (asked for by plan-time checks) are read from the text the child read.
    assert forked.where(("keys", 3, "guardrail")) == alone.where(("keys", 3, "guardrail"))


def test_a_small_file_is_read_in_process(tmp_path, fork_allowed):
    assert start_reading(_org(tmp_path, 2)) is None
    big = _org(tmp_path, 3000, name="big.yaml")
    assert big.stat().st_size > MIN_FORK_BYTES
    pending = start_reading(big)
    assert pending is not None
    assert len(load_config(big, pending=pending).model.keys) == 3000


@pytest.mark.parametrize("extra, expected", [
    ("  - name: broken\n    limit: [1\n", "invalid YAML"),
    ("  - name: twice\n    limit: 1\n    limit: 2\n", "duplicate key (also at line"),
    ("  - name: odd\n    colour: blue\n", "colour"),
    ("  - name: from-env\n    limit: ${ORSYNC_TEST_UNSET_LIMIT}\n", "environment variable ORSYNC_TEST_UNSET_LIMIT"),
    ("  - name: tabbed\n    limit: 1\n\t  disabled: true\n", "a tab indents this line"),
    ("  - name: key-3\n", "duplicate key name 'key-3'"),
])
def test_every_problem_reads_as_without_a_child(tmp_path, fork_allowed, monkeypatch, extra, expected):
    monkeypatch.delenv("ORSYNC_TEST_UNSET_LIMIT", raising=False)
    path = _org(tmp_path, 300, extra=extra)
    alone = _error(path)
    pending = start_reading(path, min_bytes=0)
    assert pending is not None
    assert _error(path, pending=pending) == alone
    assert expected in alone
    assert _reaped(pending.pid)
    # validate lists every problem: the same list through a child
    pending = start_reading(path, min_bytes=0)
    assert [str(e) for e in check_config(path, pending=pending)[1]] == [str(e) for e in check_config(path)[1]]


def test_environment_references_expand_from_the_environment_of_the_load(tmp_path, fork_allowed, monkeypatch):
    path = _org(tmp_path, 200, extra="  - name: from-env\n    limit: ${ORSYNC_TEST_LIMIT}\n")
    monkeypatch.setenv("ORSYNC_TEST_LIMIT", "12.5")
    pending = start_reading(path, min_bytes=0)
    assert load_config(path, pending=pending).model.keys[-1].limit == 12.5
    # Changed after the fork: the child's read is dropped, the file read again.
    pending = start_reading(path, min_bytes=0)
    monkeypatch.setenv("ORSYNC_TEST_LIMIT", "7")
    assert load_config(path, pending=pending).model.keys[-1].limit == 7
    assert _reaped(pending.pid)
    # An explicit environment is never the child's.
    pending = start_reading(path, min_bytes=0)
    assert load_config(path, {"ORSYNC_TEST_LIMIT": "3"}, pending=pending).model.keys[-1].limit == 3
    assert _reaped(pending.pid)


def test_a_child_killed_leaves_the_read_to_the_parent(tmp_path, fork_allowed):
    path = _org(tmp_path, 3000)
    pending = start_reading(path, min_bytes=0)
    os.kill(pending.pid, signal.SIGKILL)
    assert load_config(path, pending=pending).model == load_config(path).model
    assert _reaped(pending.pid)


def test_a_file_the_child_cannot_read_is_reported_by_the_parent(tmp_path, fork_allowed, monkeypatch):
    path = _org(tmp_path, 100)
    pending = start_reading(path, min_bytes=0)
    path.unlink()  # gone before or after the child read it: either way one answer, never a crash
    try:
        loaded = load_config(path, pending=pending)
    except ConfigError as exc:
        assert str(exc) == f"{path}: no such file"
    else:
        assert len(loaded.model.keys) == 100
    assert _reaped(pending.pid)
    # Gone before the child opens it (the size was taken first): the parent's own message.
    monkeypatch.setattr(forked_read, "_file_size", lambda file: 10**6)
    missing = tmp_path / "missing.yaml"
    pending = start_reading(missing, min_bytes=0)
    assert pending is not None
    assert _error(missing, pending=pending) == _error(missing) == f"{missing}: no such file"
    assert _reaped(pending.pid)


def test_a_file_over_the_limit_is_never_forked_for(tmp_path, fork_allowed):
    path = tmp_path / "huge.yaml"
    path.write_bytes(b"version: 1\n" + b"#" * forked_read.MAX_FILE_BYTES)
    assert start_reading(path, min_bytes=0) is None
    assert "too large for an org file" in _error(path)


def test_a_read_never_taken_is_stopped_and_reaped(tmp_path, fork_allowed):
    pending = start_reading(_org(tmp_path, 3000), min_bytes=0)
    pid = pending.pid
    del pending  # a command that failed before loading its file
    assert _reaped(pid)
    pending = start_reading(_org(tmp_path, 10), min_bytes=0)
    pid = pending.pid
    pending.cancel()
    assert _reaped(pid) and pending.take(str(tmp_path / "org.yaml")) is None


def test_ctrl_c_while_waiting_stops_the_child_at_once(tmp_path, fork_allowed, monkeypatch):
    pending = start_reading(_org(tmp_path, 3000), min_bytes=0)

    def interrupted(fd):
        raise KeyboardInterrupt

    monkeypatch.setattr(forked_read, "_receive", interrupted)
    with pytest.raises(KeyboardInterrupt):
        load_config(tmp_path / "org.yaml", pending=pending)
    assert _reaped(pending.pid)


def test_the_child_prints_nothing_and_repeats_no_pending_output(tmp_path, fork_allowed, capfd):
    path = _org(tmp_path, 300, extra="  - name: broken\n    limit: [1\n")
    sys.stdout.write("said once\n")  # buffered, not yet flushed when the child is forked
    pending = start_reading(path, min_bytes=0)
    with pytest.raises(ConfigError):
        load_config(path, pending=pending)
    sys.stdout.flush()
    out, err = capfd.readouterr()
    assert out == "said once\n" and err == ""


def test_no_fork_while_another_thread_runs(tmp_path):
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        assert start_reading(_org(tmp_path, 100), min_bytes=0) is None
    finally:
        stop.set()
        thread.join()


# -- the command ---------------------------------------------------------------------------

SPY = """
import sys
import orsync.config.forked_read as forked_read
real = forked_read.start_reading
def spy(path, **options):
    pending = real(path, min_bytes=0)  # any size: the file here is small
    print("FORKED" if pending else "IN PROCESS", file=sys.stderr)
    return pending
forked_read.start_reading = spy
sys.argv = ["orsync", *sys.argv[1:]]
from orsync.cli import main
main()
"""


def _command(*args: str, env: dict[str, str]):
    import subprocess

    return subprocess.run([sys.executable, "-c", SPY, *args], capture_output=True, text=True, timeout=120,
                          env=env)


@pytest.mark.parametrize("extra", ["", "  - name: odd\n    colour: blue\n"])
def test_plan_with_a_forked_read_says_what_plan_in_process_says(tmp_path, make_emulator, monkeypatch, capsys,
                                                                 extra):
    from tests.cli_runner import point_at, run_cli

    emulator = make_emulator()
    flags = point_at(monkeypatch, emulator)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("NO_COLOR", "1")
    path = _org(tmp_path, 40, extra=extra)
    forked = _command(*flags, "plan", str(path), env=dict(os.environ))
    assert forked.stderr.startswith("FORKED\n"), forked.stderr
    alone = run_cli(capsys, *flags, "plan", str(path))  # the emulator's threads: no fork here
    assert (forked.returncode, forked.stdout, forked.stderr.removeprefix("FORKED\n")) == tuple(alone)
    assert forked.returncode == (1 if extra else 0)
