"""The emulator's state file: JSON, replaced atomically, written under an exclusive file lock.

Two processes sharing one file (say `orsync --emulator plan` and `apply` run in parallel) can
each save at any moment: each save writes a temporary file next to the target and renames it
over the target while holding a lock on a sibling `.lock` file, so a reader never sees half a
file and the last complete save wins. The file holds the emulator's fake secrets: mode 0600.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from orsync.emulator.store.state import EmulatorState


class StateFile:
    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)

    def exists(self) -> bool:
        return self.path.exists()

    def load(self) -> EmulatorState:
        with self._locked(fcntl.LOCK_SH):
            return EmulatorState.from_json(self.path.read_bytes())

    def save(self, state: EmulatorState) -> None:
        """Write the state; call it with `state.lock` held so saves land in write order."""
        text = state.to_json()
        with self._locked(fcntl.LOCK_EX):
            fd, temp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    handle.write(text)
                os.chmod(temp, 0o600)
                os.replace(temp, self.path)
            except BaseException:
                os.unlink(temp)
                raise

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with open(lock_path, "a+") as lock:
            fcntl.flock(lock.fileno(), mode)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
