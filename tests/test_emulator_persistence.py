"""The state database, the embedded emulator behind `--emulator`, and `orsync emulator`."""

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
from orsync.emulator.embedded import (
    LEGACY_STATE_FILE_NAME, STATE_FILE_NAME, embedded_client_options, embedded_key_secrets,
)
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.testing import running_emulator


def test_restart_keeps_keys_and_the_file_wins_over_the_seed(tmp_path):
    path = tmp_path / "state.db"
    with running_emulator(persist_path=path) as first:
        created = first.http().post("/keys", json={"name": "survivor"}).json()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600  # it holds (fake) secrets
    with running_emulator({"keys": [{"name": "from-seed"}]}, persist_path=path) as second:
        names = [k["name"] for k in second.http().get("/keys").json()["data"]]
        assert "survivor" in names and "from-seed" not in names
        again = second.http(created["key"]).get("/key")
        assert again.status_code == 200


def test_every_write_is_committed_at_once_and_failed_writes_are_not(tmp_path):
    path = tmp_path / "state.db"
    app = EmulatorApp(EmulatorState.from_seed(EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key", persist_path=path)
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    app.handle("POST", "/api/v1/keys", headers=auth, body=b'{"name": "saved"}')
    other = EmulatorState.open(path)  # another connection, as another process would open it
    assert other.key_named("saved") is not None
    before = other.to_json()
    assert app.handle("POST", "/api/v1/keys", headers=auth, body=b'{"name": ""}').status == 400
    assert other.to_json() == before


def test_reads_never_write(tmp_path):
    """DESIGN.md "The emulator": a read never writes (issue 12: a read-only command rewrote the file)."""
    path = tmp_path / "state.db"
    app = EmulatorApp(EmulatorState.open(path, EmulatorState.default_seed()),
                      management_key="sk-or-v1-fake-mgmt-key")
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    changes = app.state.db.conn.total_changes
    for route in ("/keys?include_disabled=true", "/guardrails", "/key", "/organization/members",
                  "/guardrails/assignments/keys", "/credits"):
        assert app.handle("GET", "/api/v1" + route.split("?")[0], query=route.partition("?")[2],
                          headers=auth).status == 200
    assert app.state.db.conn.total_changes == changes


WRITER = textwrap.dedent("""
    import sys
    from orsync.emulator.app import EmulatorApp
    from orsync.emulator.store.state import EmulatorState
    state = EmulatorState.open(sys.argv[1], {"keys": [{"name": f"bulk-{n}"} for n in range(300)]})
    app = EmulatorApp(state, management_key="sk-or-v1-fake-mgmt-key")
    auth = {"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}
    for n in range(40):
        body = ('{"name": "%s-%d"}' % (sys.argv[2], n)).encode()
        assert app.handle("POST", "/api/v1/keys", headers=auth, body=body).status == 201
        key_hash = __import__("json").loads(app.handle(
            "GET", "/api/v1/keys", headers=auth).body)["data"][0]["hash"]
        patch = ('{"limit": %d}' % n).encode()
        assert app.handle("PATCH", "/api/v1/keys/" + key_hash, headers=auth, body=patch).status == 200
""")


def test_two_processes_writing_one_state_lose_nothing(tmp_path):
    """DESIGN.md "The emulator": several processes sharing one state lose no update (issue 12:
    the second process's objects vanished)."""
    path = tmp_path / "shared.db"
    writers = [subprocess.Popen([sys.executable, "-c", WRITER, str(path), name])
               for name in ("left", "right")]
    for writer in writers:
        assert writer.wait(timeout=120) == 0
    state = EmulatorState.open(path)
    names = [k.name for k in state.api_keys_newest_first()]
    assert len(names) == len(set(names)) == 380  # the seed once, and every key of both writers
    assert {f"{side}-{n}" for side in ("left", "right") for n in range(40)} <= set(names)
    assert len(state.management_keys()) == 1


def test_two_emulator_applies_of_different_files_on_one_state_lose_nothing(tmp_path):
    """Issue 12: two `orsync --emulator apply` runs sharing a state; the second file's objects
    vanished. Both run at once here, each with its own file and secrets sink."""
    for side in ("left", "right"):
        keys = "".join(f"  - name: {side}-{n}\n    limit: {n}\n" for n in range(15))
        (tmp_path / f"{side}.yaml").write_text(f"version: 1\nkeys:\n{keys}")
    runs = [subprocess.Popen([sys.executable, "-c", "from orsync.cli import main; main()",
                              "--emulator", "--emulator-dir", str(tmp_path / "emu"), "apply",
                              str(tmp_path / f"{side}.yaml"), "--yes",
                              "--secrets-out", str(tmp_path / f"{side}-secrets.json")],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for side in ("left", "right")]
    for run in runs:
        out, err = run.communicate(timeout=180)
        assert run.returncode == 0, err
    state = EmulatorState.open(tmp_path / "emu" / STATE_FILE_NAME)
    names = {k.name for k in state.api_keys_newest_first()}
    assert {f"{side}-{n}" for side in ("left", "right") for n in range(15)} <= names
    for side in ("left", "right"):
        written = json.loads((tmp_path / f"{side}-secrets.json").read_text())
        assert len(written) == 15


def test_a_0_1_json_state_file_is_imported_once(tmp_path):
    """DESIGN.md "The emulator": a 0.1 JSON state file is imported once, at exactly its path."""
    path = tmp_path / "state.json"
    old = EmulatorState.from_seed(EmulatorState.default_seed()).to_dict()
    old.update(format=1)
    for name in ("workspaces", "workspace_members", "workspace_budgets", "settings"):
        del old[name]  # 0.1 knew none of these
    for row in old["member_assignments"]:
        del row["workspace_id"]
    path.write_text(json.dumps(old))
    state = EmulatorState.open(path)
    assert path.read_bytes().startswith(b"SQLite format 3")
    assert json.loads((tmp_path / "state.json.v0.1.json").read_text()) == old
    key = state.key_named("ci-smoke")
    assert key.secret == next(k["secret"] for k in old["keys"] if k["name"] == "ci-smoke")
    assert state.guardrail_of_key(key.hash).name == "ci-policy"
    assert state.guardrail_of_member("user_2dHFtCarolMember0000000003").name == "ci-policy"
    assert state.default_workspace().is_default and state.workspace_id == old["workspace_id"]
    state.add_key("after-import")
    assert EmulatorState.open(path).key_named("after-import") is not None  # not imported again


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
    saved = EmulatorState.open(tmp_path / STATE_FILE_NAME)
    assert [k.secret for k in saved.management_keys()] == [first["management_key"]]


def test_embedded_mode_hands_out_only_the_seeded_keys_secrets(tmp_path):
    """Honest --emulator (issue 12): a key made through the API has its secret only where its
    creator put it; the seeded keys' secrets are the emulator's own."""
    options = embedded_client_options(tmp_path)
    headers = {"Authorization": f"Bearer {options['management_key']}"}
    with httpx.Client(transport=options["transport"], base_url=options["base_url"], headers=headers) as client:
        made = client.post("/keys", json={"name": "made-by-apply"}).json()
    known = embedded_key_secrets(tmp_path)
    assert "made-by-apply" not in known and made["key"] not in known.values()
    assert {"ci-smoke", "prod-backend", "research-notebook"} <= set(known)


def test_a_legacy_embedded_state_file_is_imported(tmp_path):
    old = EmulatorState.from_seed({"keys": [{"name": "from-0.1"}]}).to_dict()
    old.update(format=1)
    (tmp_path / LEGACY_STATE_FILE_NAME).write_text(json.dumps(old))
    options = embedded_client_options(tmp_path)
    headers = {"Authorization": f"Bearer {options['management_key']}"}
    with httpx.Client(transport=options["transport"], base_url=options["base_url"], headers=headers) as client:
        assert [k["name"] for k in client.get("/keys").json()["data"]] == ["from-0.1"]
    assert not (tmp_path / LEGACY_STATE_FILE_NAME).exists()


def start_cli(*args: str) -> subprocess.Popen:
    command = [sys.executable, "-c", "from orsync.cli import main; main()", "emulator", "--port", "0"]
    return subprocess.Popen([*command, *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_emulator_command_serves_until_sigterm(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text("management_key: sk-or-v1-emu-fake-from-seed\nkeys:\n  - name: seeded\n")
    state_path = tmp_path / "state.db"
    process = start_cli("--seed", str(seed), "--state", str(state_path))
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
    assert state_path.read_bytes().startswith(b"SQLite format 3")  # at exactly --state


def refused_to_start(*args: str) -> str:
    """`orsync emulator ARGS` exits 1 with a one-line error (no traceback): that line."""
    process = start_cli(*args)
    _, err = process.communicate(timeout=30)
    assert process.returncode == 1 and err.count("\n") == 1, err
    return err


@pytest.mark.parametrize("seed_text", ["keys:\n  - nom: x\n", "- just a list\n"])
def test_emulator_command_bad_seed_is_one_line(tmp_path, seed_text):
    seed = tmp_path / "seed.yaml"
    seed.write_text(seed_text)
    assert refused_to_start("--seed", str(seed)).startswith("orsync: error: cannot start the emulator from")


def test_opening_a_state_and_reading_it_from_another_process_changes_nothing(tmp_path):
    """A read never writes: a second process that opens the state and plans leaves the file
    exactly as it was (issue 12: a read-only command rewrote the file)."""
    path = tmp_path / "state.db"
    EmulatorApp(EmulatorState.open(path, EmulatorState.default_seed()), management_key="sk-or-v1-fake-mgmt-key")
    watcher = EmulatorState.open(path)
    version = watcher.db.execute("PRAGMA data_version").fetchone()[0]
    reader = subprocess.run([sys.executable, "-c", textwrap.dedent(f"""
        from orsync.emulator.app import EmulatorApp
        from orsync.emulator.store.state import EmulatorState
        app = EmulatorApp(EmulatorState.open({str(path)!r}), management_key="sk-or-v1-fake-mgmt-key")
        auth = {{"Authorization": "Bearer sk-or-v1-fake-mgmt-key"}}
        for route in ("/keys", "/guardrails", "/key", "/workspaces"):
            assert app.handle("GET", "/api/v1" + route, headers=auth).status == 200
    """)], capture_output=True, text=True, timeout=120)
    assert reader.returncode == 0, reader.stderr
    assert watcher.db.execute("PRAGMA data_version").fetchone()[0] == version  # nobody committed


@pytest.mark.parametrize("content", [b"not a database, not JSON either\n" * 40, b'{"format": 1, "keys": ['])
def test_emulator_command_unreadable_state_is_one_line(tmp_path, content):
    state = tmp_path / "state.db"
    state.write_bytes(content)
    assert refused_to_start("--state", str(state)).startswith(f"orsync: error: cannot start the emulator from {state}")
    assert state.read_bytes() == content  # left as it was


def test_a_server_and_the_embedded_commands_share_one_state(tmp_path):
    """DESIGN.md "The emulator": a server and a CLI sharing one state lose no update."""
    options = embedded_client_options(tmp_path)
    headers = {"Authorization": f"Bearer {options['management_key']}"}
    process = start_cli("--state", str(tmp_path / STATE_FILE_NAME))
    try:
        base_url = process.stdout.readline().split()[-1]
        assert process.stdout.readline().strip() == f"management key: {options['management_key']}"
        with httpx.Client(transport=options["transport"], base_url=options["base_url"], headers=headers) as embedded:
            assert embedded.post("/keys", json={"name": "from-the-cli"}).status_code == 201
            served = httpx.post(base_url + "/keys", json={"name": "from-the-server"}, headers=headers, timeout=10)
            assert served.status_code == 201
            names = {k["name"] for k in embedded.get("/keys").json()["data"]}
        assert {"from-the-cli", "from-the-server"} <= names
        listed = httpx.get(base_url + "/keys", headers=headers, timeout=10).json()["data"]
        assert {"from-the-cli", "from-the-server"} <= {k["name"] for k in listed}
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=20)
