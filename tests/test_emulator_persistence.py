"""The state file, the embedded emulator behind `--emulator`, and the `orsync emulator` command."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import textwrap

import httpx
import pytest

from orsync.emulator.app import EmulatorApp
from orsync.emulator.embedded import STATE_FILE_NAME, embedded_client_options
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.testing import running_emulator


def test_restart_keeps_keys_and_the_file_wins_over_the_seed(tmp_path):
    path = tmp_path / "state.json"
    with running_emulator(persist_path=path) as first:
        created = first.http().post("/keys", json={"name": "survivor"}).json()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds (fake) secrets
    with running_emulator({"keys": [{"name": "from-seed"}]}, persist_path=path) as second:
        names = [k["name"] for k in second.http().get("/keys").json()["data"]]
        assert "survivor" in names and "from-seed" not in names
        again = second.http(created["key"]).get("/key")
        assert again.status_code == 200


def test_every_write_is_saved_and_failed_writes_are_not(tmp_path):
    path = tmp_path / "state.json"
    app = EmulatorApp(EmulatorState.from_seed(EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key", persist_path=path)
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    app.handle("POST", "/api/v1/keys", headers=auth, body=b'{"name": "saved"}')
    assert EmulatorState.from_json(path.read_text()).key_named("saved") is not None
    before = path.read_bytes()
    app.handle("POST", "/api/v1/keys", headers=auth, body=b'{"name": ""}')
    assert path.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".state.json.")]  # no temp files


WRITER = textwrap.dedent("""
    import sys
    from orsync.emulator.app import EmulatorApp
    from orsync.emulator.store.state import EmulatorState
    app = EmulatorApp(EmulatorState.from_seed({"keys": [{"name": f"bulk-{n}"} for n in range(300)]}),
                      management_key="sk-or-v1-fake-mgmt-key", persist_path=sys.argv[1])
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    for n in range(40):
        body = ('{"name": "%s-%d"}' % (sys.argv[2], n)).encode()
        assert app.handle("POST", "/api/v1/keys", headers=auth, body=body).status == 201
""")


def test_two_processes_writing_one_file_leave_a_valid_state(tmp_path):
    path = tmp_path / "shared.json"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name])
               for name in ("left", "right")]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    state = EmulatorState.from_json(path.read_text())  # complete, parseable JSON
    names = {k.name for k in state.api_keys_newest_first()}
    assert "left-39" in names or "right-39" in names  # the last complete save won
    assert len(names) >= 340


def test_embedded_options_share_one_org_between_runs(tmp_path):
    first = embedded_client_options(tmp_path)
    assert first["base_url"].endswith("/api/v1")
    assert (tmp_path / STATE_FILE_NAME).exists()
    headers = {"Authorization": f"Bearer {first['management_key']}"}
    with httpx.Client(transport=first["transport"], base_url=first["base_url"], headers=headers) as client:
        assert client.post("/keys", json={"name": "made-in-run-1"}).status_code == 201
    second = embedded_client_options(tmp_path)
    assert second["management_key"] == first["management_key"]
    with httpx.Client(transport=second["transport"], base_url=second["base_url"], headers=headers) as client:
        names = [k["name"] for k in client.get("/keys").json()["data"]]
    assert "made-in-run-1" in names and "ci-smoke" in names
    saved = json.loads((tmp_path / STATE_FILE_NAME).read_text())
    assert [k["secret"] for k in saved["keys"] if k["is_management"]] == [first["management_key"]]


def start_cli(*args: str) -> subprocess.Popen:
    command = [sys.executable, "-c", "from orsync.cli import main; main()", "emulator", "--port", "0"]
    return subprocess.Popen([*command, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_emulator_command_serves_until_sigterm(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("management_key: sk-or-v1-emu-fake-from-seed\nkeys:\n  - name: seeded\n")
    process = start_cli("--seed", str(seed), "--state", str(tmp_path / "state.json"))
    try:
        base_url = process.stdout.readline().split()[-1]
        key_line = process.stdout.readline()
        assert key_line.strip() == "management key: sk-or-v1-emu-fake-from-seed"
        response = httpx.get(base_url + "/keys", timeout=10,
                             headers={"Authorization": "Bearer sk-or-v1-emu-fake-from-seed"})
        assert [k["name"] for k in response.json()["data"]] == ["seeded"]
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=10)
    assert process.returncode == 0, err
    assert "stopped" in out and "Traceback" not in err


@pytest.mark.parametrize("seed_text", ["keys:\n  - nom: x\n", "- just a list\n"])
def test_emulator_command_bad_seed_is_one_line(tmp_path, seed_text):
    seed = tmp_path / "seed.yaml"
    seed.write_text(seed_text)
    process = start_cli("--seed", str(seed))
    out, err = process.communicate(timeout=30)
    assert process.returncode == 1
    assert err.startswith("orsync: error: cannot start the emulator from") and err.count("\n") == 1
