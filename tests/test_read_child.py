"""The live read in a forked child (orsync.planner.live_child), as the `orsync` command runs it.

The command's process is single-threaded when it starts, so `orsync plan` and `drift` read the
org in a child; the suite's own process has threads (emulators), so in-process runs read in a
thread. Each test compares the two, or stops the child or the command halfway: the plan, the
errors and the exit status are the same, and no process is left behind.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from bench.org import config_yaml, emulator_seed, scaled
from orsync.api.models import Page
from orsync.api.rows import KeyRow
from orsync.emulator.testing import start_emulator
from orsync.planner import live_child
from orsync.planner.live import LiveState
from tests.cli_runner import point_at, run_cli
from tests.test_client_network import Proxy, running

pytestmark = pytest.mark.skipif(sys.platform != "linux" or len(os.sched_getaffinity(0)) < 2,
                                reason="the child is forked on Linux with more than one CPU only")

FAKE_KEY = "sk-or-v1-mgmt-FAKE-read-child"
SIZES = scaled(2_400, 3)   # 3 workspaces, pages of every listing, assignments and members


@pytest.fixture(scope="module")
def org(tmp_path_factory):
    """An emulator holding SIZES' org and a file declaring it (a few limits changed)."""
    directory = tmp_path_factory.mktemp("read-child")
    config = directory / "org.yaml"
    config.write_text(config_yaml(SIZES, changed=True), encoding="utf-8")
    emulator = start_emulator(emulator_seed(SIZES, FAKE_KEY))
    yield emulator, config
    emulator.close()


@pytest.fixture
def slow_org(org):
    """The org again, each answer 150 ms late (the read takes seconds: time to stop it), and a
    file declaring 20 of its objects: small enough to be read without the config reader's child,
    so that the command's one child is the read child."""
    emulator, config = org
    small = config.with_name("small.yaml")
    small.write_text(config_yaml(SIZES, changed=True, declared=20), encoding="utf-8")
    emulator.set_faults(0.0, latency_ms=150)
    yield emulator, small
    emulator.set_faults(0.0, latency_ms=0)


@pytest.fixture(autouse=True)
def no_fork_in_process(monkeypatch):
    """In this process the read stays in a thread, whatever threads the suite has."""
    monkeypatch.setattr(live_child, "fork_is_safe", lambda: False)


def _environment(emulator, **extra: str) -> dict[str, str]:
    environment = {name: value for name, value in os.environ.items()
                   if not name.upper().endswith("_PROXY") and not name.startswith("OPENROUTER_")}
    return {**environment, "OPENROUTER_BASE_URL": emulator.base_url,
            "OPENROUTER_MANAGEMENT_KEY": emulator.management_key, **extra}


def _command(*args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "orsync", "--no-color", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **popen)


def _finished(process: subprocess.Popen) -> tuple[int, str, str]:
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def _in_process(capsys, monkeypatch, emulator, *args: str):
    return run_cli(capsys, *point_at(monkeypatch, emulator), "--no-color", *args)


def _plan_json(text: str) -> dict:
    plan = json.loads(text)
    plan.pop("created_at", None)
    return plan


def _forks(pid: int) -> list[int]:
    """The children of `pid` that are forks of it (the same command line): not, say, the
    `ldconfig` an imported library may run while the command starts."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as cmdline:
            command_line = cmdline.read()
    except OSError:
        return []
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
                with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                    forked = cmdline.read() == command_line
            except OSError:
                continue
            if int(fields[1]) == pid and forked:
                found.append(int(entry))
    return found


def _read_child(process: subprocess.Popen) -> int:
    """The command's forked child, as soon as it exists (the file is too small for the config
    reader's child, so it is the read child)."""
    for _ in range(20_000):
        children = _forks(process.pid)
        if children:
            return children[0]
        assert process.poll() is None, "the command ended before forking its read child"
        time.sleep(0.001)
    raise AssertionError("no child was forked")


def _gone(pid: int, within_s: float = 10.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
                if stat.read().rsplit(")", 1)[1].split()[0] == "Z":
                    return True   # ended; its parent (init, once the command is gone) reaps it
        except OSError:
            return True
        time.sleep(0.01)
    return False


# --- the same answers -------------------------------------------------------------------------


def test_a_plan_read_by_the_child_is_the_plan_read_in_process(org, capsys, monkeypatch):
    emulator, config = org
    code, out, err = _finished(_command("-v", "plan", "--offline", "--format", "json", str(config),
                                        env=_environment(emulator)))
    assert code == 0, err
    assert "read by a forked child" in err and "ended without an answer" not in err
    alone = _in_process(capsys, monkeypatch, emulator, "plan", "--offline", "--format", "json", str(config))
    assert alone.code == 0, alone.err
    assert _plan_json(out) == _plan_json(alone.out)
    assert len(_plan_json(out)["resource_changes"]) > 0


def test_drift_read_by_the_child_reports_what_drift_in_process_does(org, capsys, monkeypatch):
    emulator, config = org
    code, out, err = _finished(_command("drift", str(config), env=_environment(emulator)))
    alone = _in_process(capsys, monkeypatch, emulator, "drift", str(config))
    assert (code, out) == (alone.code, alone.out) and code == 2
    assert err.splitlines()[-1] == alone.err.splitlines()[-1]


def test_a_read_error_in_the_child_is_the_error_in_process(org, capsys, monkeypatch):
    emulator, config = org
    environment = _environment(emulator, OPENROUTER_MANAGEMENT_KEY="sk-or-v1-mgmt-FAKE-wrong")
    code, _, err = _finished(_command("plan", "--offline", str(config), env=environment))
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "sk-or-v1-mgmt-FAKE-wrong")
    alone = run_cli(capsys, "--base-url", emulator.base_url, "--no-color", "plan", "--offline", str(config))
    assert code == alone.code == 1
    assert err == alone.err and "401" in err and "Traceback" not in err


def test_the_childs_requests_go_through_the_proxy(org):
    emulator, config = org
    with running(Proxy()) as proxy:
        emulator.reset_counts()
        code, out, err = _finished(_command("-v", "plan", "--offline", str(config),
                                            env=_environment(emulator, HTTP_PROXY=proxy.url)))
    assert code == 0, err
    assert "read by a forked child" in err and "ended without an answer" not in err
    served = sum(emulator.request_counts().values())
    assert served > 50 and len(proxy.seen) == served


class _Corrupting(ThreadingHTTPServer):
    """Forwards to the emulator; GET /keys pages' rows go through `corrupt(rows)`."""

    daemon_threads = True

    def __init__(self, upstream: str, corrupt) -> None:
        super().__init__(("127.0.0.1", 0), _CorruptingHandler)
        self.upstream = upstream.rsplit("/api/v1", 1)[0]
        self.corrupt = corrupt

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1"


class _CorruptingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        answer = httpx.get(self.server.upstream + self.path, headers={"Authorization": self.headers["Authorization"]})
        body = answer.content
        if self.path.startswith("/api/v1/keys?") and answer.status_code == 200:
            page = answer.json()
            if len(page["data"]) > 1:
                self.server.corrupt(page["data"])
            body = json.dumps(page).encode()
        self.send_response(answer.status_code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _name_a_number(rows: list) -> None:
    rows[1]["name"] = 12345   # the child, which looks at identities only, accepts the page


def _two_problems(rows: list) -> None:
    del rows[0]["name"]       # the full parse meets this one first,
    rows[1] = 7               # the child this one


@pytest.mark.parametrize("corrupt", [_name_a_number, _two_problems])
def test_a_page_the_full_parse_refuses_gives_the_in_process_error(org, capsys, monkeypatch, corrupt):
    emulator, config = org
    with running(_Corrupting(emulator.base_url, corrupt)) as corrupting:
        code, _, err = _finished(_command("-v", "plan", "--offline", str(config),
                                          env=_environment(emulator, OPENROUTER_BASE_URL=corrupting.base_url)))
        monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", emulator.management_key)
        alone = run_cli(capsys, "--base-url", corrupting.base_url, "--no-color", "plan", "--offline", str(config))
    assert code == alone.code == 1
    assert "GET /keys: unexpected response: data." in alone.err and "Traceback" not in err
    assert err.splitlines()[-1] == alone.err.splitlines()[-1]


# --- stopped halfway --------------------------------------------------------------------------


def test_a_child_killed_halfway_leaves_the_read_to_the_command(slow_org, capsys, monkeypatch):
    emulator, config = slow_org
    emulator.reset_counts()
    command = _command("plan", "--offline", "--format", "json", str(config), env=_environment(emulator))
    child = _read_child(command)
    time.sleep(0.5)   # some pages are read, many are not
    os.kill(child, signal.SIGKILL)
    code, out, err = _finished(command)
    assert code == 0, err
    read_twice = emulator.request_counts()
    emulator.set_faults(0.0, latency_ms=0)
    alone = _in_process(capsys, monkeypatch, emulator, "plan", "--offline", "--format", "json", str(config))
    assert _plan_json(out) == _plan_json(alone.out)
    assert read_twice["GET /workspaces"] == 2   # the child's read, then the command's own


def test_ctrl_c_during_the_childs_read_is_interrupted_and_leaves_nothing(slow_org):
    emulator, config = slow_org
    command = _command("plan", "--offline", str(config), env=_environment(emulator), start_new_session=True)
    child = _read_child(command)
    time.sleep(0.3)
    os.killpg(command.pid, signal.SIGINT)   # a terminal's Ctrl-C reaches the whole group
    code, out, err = _finished(command)
    assert code == 130, err
    assert "orsync: interrupted" in err and "Traceback" not in err
    assert _gone(child)


def test_a_term_to_the_command_alone_leaves_no_child_reading(slow_org):
    emulator, config = slow_org
    command = _command("plan", "--offline", str(config), env=_environment(emulator))
    child = _read_child(command)
    time.sleep(0.3)
    command.send_signal(signal.SIGTERM)   # a CI runner's timeout signals the process it started
    _finished(command)
    assert _gone(child), "the read child kept reading after the command ended"


# --- how the child says which rows make each listing -------------------------------------------


class _Sent:
    """A connection that keeps what it is sent."""

    def __init__(self) -> None:
        self.messages: list[tuple] = []

    def send_bytes(self, data: bytes) -> None:
        import pickle

        self.messages.append(pickle.loads(data))


def _page(first: int, count: int) -> tuple[type, bytes, Page]:
    body = json.dumps({"data": [{"hash": f"h{n:04d}", "name": f"key-{n}", "label": "sk-or-v1-abc...def",
                                 "disabled": False, "limit": 5.0, "limit_remaining": 5.0,
                                 "limit_reset": None, "include_byok_in_limit": False,
                                 "created_at": "2026-01-01T00:00:00Z", "updated_at": None,
                                 "creator_user_id": None, "expires_at": None}
                                for n in range(first, first + count)]}).encode()
    model = Page[KeyRow]
    return model, body, model.model_validate_json(body)


def _round_trip(pages: list[tuple[type, bytes, Page]], listing: list) -> list:
    sent = live_child._PagesSent(_Sent())
    for page in pages:
        sent.sent(*page)
    received = {message[1]: Page[message[2]].model_validate_json(message[3]).data
                for message in sent.connection.messages}
    listings = sent.listings(LiveState({"keys": listing}))
    return live_child.assembled(received, listings).rows("keys"), listings["rows"]["keys"]


def test_whole_pages_are_sent_as_one_run_each():
    pages = [_page(0, 100), _page(100, 100), _page(200, 40)]
    listing = [row for _, _, page in pages for row in page.data]
    rows, runs = _round_trip(pages, listing)
    assert rows == listing and len(runs) == 3


def test_rows_dropped_as_duplicates_are_placed_one_by_one():
    first, second = _page(0, 100), _page(99, 100)   # the second page repeats the first's last row
    listing = [*first[2].data, *second[2].data[1:]]
    rows, runs = _round_trip([first, second], listing)
    assert rows == listing and runs == [(0, 0, 100), (1, 1, 100)]


def test_a_row_no_page_sent_is_refused_by_the_child():
    first = _page(0, 100)
    outsider = _page(500, 1)[2].data[0]
    with pytest.raises(LookupError):
        _round_trip([first], [*first[2].data, outsider])


def test_a_listing_that_ends_inside_a_page_keeps_only_its_rows():
    first, second = _page(0, 100), _page(100, 100)
    listing = [*first[2].data, *second[2].data[:40]]
    rows, runs = _round_trip([first, second], listing)
    assert rows == listing and runs == [(0, 0, 100), (1, 0, 40)]


def test_a_listing_that_would_come_out_short_is_refused():
    first, second = _page(0, 100), _page(100, 100)
    listing = [*first[2].data, *second[2].data]
    sent = live_child._PagesSent(_Sent())
    for page in (first, second):
        sent.sent(*page)
    listings = sent.listings(LiveState({"keys": listing}))
    received = {0: first[2].data, 1: second[2].data[:99]}   # a page that lost a row on the way
    with pytest.raises(ValueError, match="199 rows built of 200"):
        live_child.assembled(received, listings)
