"""How the `orsync` process ends: without tearing the interpreter down (orsync.cli._leave),
and only when that loses nothing (output complete, exit status kept, other threads finished);
a stop (Ctrl-C, apply's SIGTERM) at any moment is "interrupted", exit 130."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"


def _script(args: list[str], before: str = "") -> subprocess.CompletedProcess:
    """`orsync ARGS` as the console script runs it (main() without arguments), with an object
    that says when the interpreter frees it (TEARDOWN) and an exit handler (EXIT-HANDLERS)."""
    code = "\n".join([
        "import atexit, sys",
        "class Probe:",
        "    def __del__(self):",
        "        sys.stderr.write('TEARDOWN\\n')",
        "probe = Probe()",
        "atexit.register(lambda: print('EXIT-HANDLERS', file=sys.stderr))",
        before,
        f"sys.argv = ['orsync', *{args!r}]",
        "from orsync.cli import main",
        "main()",
    ])
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_script_skips_the_teardown_and_keeps_its_output_and_status():
    done = _script(["validate", str(EXAMPLE)])
    assert done.returncode == 0, done.stderr
    assert "TEARDOWN" not in done.stderr
    assert "EXIT-HANDLERS" in done.stderr   # exit handlers still run
    assert done.stdout.strip()  # flushed before the process ended


def test_an_error_keeps_its_line_and_status(tmp_path):
    bad = tmp_path / "org.yaml"
    bad.write_text("version: 1\nkeys:\n  - name: a\n    limit_usd: lots\n", encoding="utf-8")
    done = _script(["validate", str(bad)])
    assert done.returncode == 1
    assert "org.yaml:4" in done.stdout + done.stderr
    assert "TEARDOWN" not in done.stderr


def test_a_thread_still_at_work_gets_the_normal_exit():
    busy = ("import threading, time; "
            "threading.Thread(target=time.sleep, args=(2,), name='busy').start()")
    done = _script(["validate", str(EXAMPLE)], before=busy)
    assert done.returncode == 0, done.stderr
    assert "TEARDOWN" in done.stderr  # the interpreter waited for the thread, as before


def test_a_config_child_never_waited_for_is_reaped_before_the_script_ends(tmp_path):
    """A command that fails after forking the config reader (here: a refused base URL) leaves no
    child parsing on after it (the exit handlers, which the fast exit keeps, reap it)."""
    from bench.org import config_yaml, scaled

    big = tmp_path / "org.yaml"
    big.write_text(config_yaml(scaled(50_000, 1), changed=False), encoding="utf-8")   # parsed for ~1 s
    record = tmp_path / "child.pid"
    spy = (f"import orsync.config.forked_read as f; started = f.start_reading\n"
           f"def start_reading(*a, **k):\n"
           f"    pending = started(*a, **k)\n"
           f"    open({str(record)!r}, 'w').write(str(pending.pid) if pending else '')\n"
           f"    return pending\n"
           f"f.start_reading = start_reading")
    done = _script(["--base-url", "ftp://example.invalid", "plan", str(big)], before=spy)
    assert done.returncode == 1 and "refusing base URL" in done.stderr, done.stderr
    pid = record.read_text()
    if not pid:
        import pytest

        pytest.skip("no config child on this machine (one CPU, or not Linux)")
    # Reaped by the command itself: gone. Left behind, it would still be parsing (or, once it
    # met the closed pipe, a zombie of whichever process adopted it).
    assert not Path(f"/proc/{pid}").exists(), "the config child outlived the command"


def test_in_process_callers_still_get_system_exit():
    from orsync.cli import main

    try:
        main(["validate", str(EXAMPLE)])
    except SystemExit as exited:
        assert exited.code in (0, None)
    else:  # pragma: no cover - main always exits
        raise AssertionError("main() returned")


def test_a_stop_outside_apply_s_writes_is_interrupted_not_aborted(monkeypatch, capsys):
    """click turns a KeyboardInterrupt into Abort; a SIGTERM landing after apply's last write
    (tests/test_safety_signals.py) used to end as "orsync: aborted", exit 1."""
    import pytest

    from orsync.cli import main

    def stopped(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("orsync.config.loader.check_config", stopped)
    with pytest.raises(SystemExit) as exited:
        main(["validate", str(EXAMPLE)])
    assert exited.value.code == 130
    assert capsys.readouterr().err.strip() == "orsync: interrupted"
