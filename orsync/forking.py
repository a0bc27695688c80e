"""Whether this process may fork a helper child now: the config reader (config/forked_read.py)
and the read child (api/read_child.py)."""

from __future__ import annotations

import os
import sys
import threading


def fork_is_safe() -> bool:
    # Linux only: macOS forbids using its system frameworks after fork without exec (httpx's
    # proxy lookup loads one), which is why Python there starts processes with spawn.
    # Without threads, no lock can be held at the fork by a thread the child lacks. With one
    # core, the child would only take turns with the parent.
    return (sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1
            and len(os.sched_getaffinity(0)) > 1)
