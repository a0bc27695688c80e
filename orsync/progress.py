"""Progress of a long run on stderr: one rewritten counter line on a terminal, plain lines in CI.

Thread-safe: apply's workers report as they finish. Never given a secret. The text it is
given names live objects, whose names may hold control characters: they are shown escaped, so
a name cannot rewrite the counter line or the line that reports its own deletion.
"""

from __future__ import annotations

import sys
import threading
from typing import IO

from orsync.escaping import visible


class Progress:
    def __init__(self, total: int, *, stream: IO[str] | None = None, live: bool | None = None) -> None:
        self.total = total
        self.stream = stream or sys.stderr
        # A counter rewritten in place only makes sense on a terminal; a CI log keeps every line.
        self.live = self.stream.isatty() if live is None else live
        self.finished = 0
        self._lock = threading.Lock()
        self._counter_shown = False

    def advance(self, text: str, count: int = 1) -> None:
        """`count` more units finished; `text` says what (e.g. "created key.ci-smoke")."""
        with self._lock:
            self.finished += count
            text = visible(text)
            if self.live:
                self._write(f"\r\x1b[K[{self.finished}/{self.total}] {text}")
                self._counter_shown = True
            else:
                self._write(f"orsync: [{self.finished}/{self.total}] {text}\n")

    def note(self, text: str) -> None:
        """A line that must stay on screen (a failure, a recovery), whatever the mode."""
        with self._lock:
            self._clear_counter()
            self._write(f"orsync: {visible(text)}\n")

    def close(self) -> None:
        with self._lock:
            if self._counter_shown:
                self._write("\n")
                self._counter_shown = False

    def _clear_counter(self) -> None:
        if self._counter_shown:
            self._write("\r\x1b[K")
            self._counter_shown = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()
