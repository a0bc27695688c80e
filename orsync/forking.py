"""The command's helper children, the config reader (config/forked_read.py) and the live read's
child (planner/live_child.py): whether one may be forked now, and reaping it."""

from __future__ import annotations

import os
import signal
import sys
import threading
import time


def fork_is_safe() -> bool:
    # Linux only: macOS forbids using its system frameworks after fork without exec (httpx's
    # proxy lookup loads one), which is why Python there starts processes with spawn.
    # Without threads, no lock can be held at the fork by a thread the child lacks. With one
    # core, the child would only take turns with the parent.
    return (sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1
            and len(os.sched_getaffinity(0)) > 1)


def reaped(pid: int, *, grace_s: float | None = None) -> int | None:
    """A child's exit code once it is gone (negative: the signal that ended it; None: someone
    else reaped it). `grace_s`: how long it may take to leave by itself before it is killed
    (None: as long as it takes; 0: killed now)."""
    try:
        if grace_s is not None:
            deadline = time.monotonic() + grace_s
            while not (done := os.waitpid(pid, os.WNOHANG))[0] and time.monotonic() < deadline:
                time.sleep(0.01)
            if done[0]:
                return os.waitstatus_to_exitcode(done[1])
            os.kill(pid, signal.SIGKILL)
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    except (ChildProcessError, ProcessLookupError):
        return None
