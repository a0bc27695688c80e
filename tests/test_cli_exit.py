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
    """`orsync ARGS` as the console script runs it (main() without arguments), with an exit
    handler that shows whether the interpreter's normal teardown ran."""
    code = textwrap.dedent(f"""
        import atexit, sys
        atexit.register(lambda: print("TEARDOWN", file=sys.stderr))
        {before}
        sys.argv = ["orsync", *{args!r}]
        from orsync.cli import main
        main()
    """)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)


def test_the_script_skips_the_teardown_and_keeps_its_output_and_status():
    done = _script(["validate", str(EXAMPLE)])
    assert done.returncode == 0, done.stderr
    assert "TEARDOWN" not in done.stderr
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
