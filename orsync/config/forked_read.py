"""Reading a large org file in a forked child, on the machine's other core.

Turning a 10 MB org file's YAML into data costs seconds of CPU (orsync.config.yaml_fast over
PyYAML's C parser). Done in a thread it would share the interpreter's one lock with the live
read; done in a child forked at the start of the command, it runs beside the parent's imports
and the live read, and the parent only validates what comes back through a pipe (`marshal`:
the data is dicts, lists, str, int, float, bool and None; marshal keeps the sharing of aliased
values).

The child only ever succeeds quietly: it reads the file with the same checks and the same fast
reader, sends the data, and leaves with os._exit (no atexit, no flushed output, no network: it
is forked before any client exists). Anything else (fork refused, the child killed, a YAML
error, a duplicate key, a refused value, an environment changed since the fork) makes `take`
answer None, and the caller reads the file in process exactly as without a child, so that
every located error is the same to the byte.
"""

from __future__ import annotations

import gc
import hashlib
import marshal
import mmap
import os
import signal
import stat
import struct
import weakref
from pathlib import Path
from typing import Any, NamedTuple

from orsync.config.file_text import MAX_FILE_BYTES, file_bytes, file_text
from orsync.config.yaml_reader import read_fast
from orsync.forking import fork_is_safe as _fork_is_safe
from orsync.forking import reaped

# Below this a child saves the parent less than 5 ms of CPU (docs/performance.md: the parent
# breaks even at about 15 KB; at 227 KB it spends 17 ms instead of 42).
MIN_FORK_BYTES = 64 * 1024


class ReadFile(NamedTuple):
    """The file as the child read it: its digest, its text, its data, and the environment
    its `${VAR}` references were expanded from."""

    sha256: str
    text: str
    data: Any
    env: dict[str, str]


class _Child(NamedTuple):
    pid: int
    fd: int


def start_reading(path: str | os.PathLike[str], *, min_bytes: int = MIN_FORK_BYTES) -> PendingRead | None:
    """Fork a child reading the org file, when that is safe and pays; None otherwise (the
    caller then reads in process). Call it before any thread starts."""
    file = str(path)
    if not _fork_is_safe():
        return None
    size = _file_size(file)
    if size is None or not min_bytes <= size <= MAX_FILE_BYTES:
        return None
    env = dict(os.environ)
    read_end, write_end = os.pipe()
    try:
        pid = os.fork()
    except OSError:
        os.close(read_end)
        os.close(write_end)
        return None
    if pid == 0:
        _child(file, read_end, write_end)  # never returns
    os.close(write_end)
    return PendingRead(file, _Child(pid, read_end), env)


def _file_size(file: str) -> int | None:
    """The size of a regular file (a pipe such as /dev/stdin is never read twice)."""
    try:
        status = os.stat(file)
    except OSError:
        return None  # the in-process read reports it
    return status.st_size if stat.S_ISREG(status.st_mode) else None


class PendingRead:
    """A child reading the org file. `take` gives what it read; a read never taken is stopped
    and reaped when this object goes (no zombie, no child left blocked on the pipe)."""

    def __init__(self, file: str, child: _Child, env: dict[str, str]) -> None:
        self.file = file
        self.env = env
        self.pid = child.pid
        self._child: _Child | None = child
        self._payload: mmap.mmap | None = None
        self._finalizer = weakref.finalize(self, _stop, child)

    def wait(self, file: str, env: Any = None) -> None:
        """Wait for the child to finish and keep what it sent (or nothing: see take). The
        caller waits with the cycle collector running: the live read's threads, which have the
        interpreter to themselves meanwhile, make garbage it must collect (a 100,000-key plan
        peaked 20 to 50 MB higher when the collector was paused during the wait)."""
        child, self._child = self._child, None
        if child is None:
            return
        self._finalizer.detach()
        if env is not None or file != self.file or dict(os.environ) != self.env:
            _stop(child)
            return
        try:
            payload = _receive(child.fd)
        except OSError:
            payload = None
        except BaseException:  # Ctrl-C while waiting: the child is not waited for
            _stop(child)
            raise
        os.close(child.fd)
        code = reaped(child.pid)
        if payload is not None and code != 0:
            payload.close()
            payload = None
        self._payload = payload

    def take(self, file: str, env: Any = None) -> ReadFile | None:
        """What the child read of `file`, or None: the caller reads the file itself. Only for
        the process environment (`env` None) as it was at the fork; once only."""
        self.wait(file, env)
        payload, self._payload = self._payload, None
        if payload is None:
            return None
        with payload:
            try:
                digest, text, data = marshal.loads(payload)
            except (EOFError, ValueError, TypeError):
                return None
        return ReadFile(digest, text, data, self.env)

    def cancel(self) -> None:
        """Stop the child and reap it (a command that fails before loading the file)."""
        child, self._child = self._child, None
        if child is not None:
            self._finalizer.detach()
            _stop(child)


def _stop(child: _Child) -> None:
    try:
        os.close(child.fd)
    except OSError:
        pass
    reaped(child.pid, grace_s=0)


def _child(file: str, read_end: int, write_end: int) -> None:
    """The child's whole life: read, send, leave. Nothing it does reaches the terminal."""
    code = 1
    try:
        os.close(read_end)
        # Ctrl-C and a TERM end the child at once, silently; the parent decides what to say.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        gc.disable()  # nothing it builds holds a cycle; it leaves before collecting would matter
        _send(write_end, marshal.dumps(_read(file)))
        code = 0
    except BaseException:  # noqa: BLE001 - any failure means: the parent reads the file itself
        pass
    finally:
        os._exit(code)


def _read(file: str) -> tuple[str, str, Any]:
    data = file_bytes(Path(file), file)
    text = file_text(data, file)
    return hashlib.sha256(data).hexdigest(), text, read_fast(text, dict(os.environ))


# The payload's size comes first, so that the parent receives it into one mapping of that size,
# given back to the system when closed. Reading the pipe to its end would join chunks, and a
# large buffer from the heap raises the allocator's thresholds: either way the parent of a
# 100,000-key plan peaked 20 to 40 MB higher.
_SIZE = struct.Struct("<Q")


def _send(fd: int, payload: bytes) -> None:
    for part in (_SIZE.pack(len(payload)), payload):
        view = memoryview(part)
        while view:
            view = view[os.write(fd, view):]
    os.close(fd)


def _receive(fd: int) -> mmap.mmap | None:
    """The payload the child sent, or None when it sent less (it failed or was killed)."""
    with open(fd, "rb", buffering=0, closefd=False) as pipe:  # the caller closes it, once
        header = bytearray(_SIZE.size)
        if _read_into(pipe, header) < _SIZE.size:
            return None
        size = _SIZE.unpack(header)[0]
        payload = mmap.mmap(-1, max(size, 1))
        if _read_into(pipe, payload, size) == size:
            return payload
        payload.close()
        return None


def _read_into(pipe: Any, buffer: Any, size: int | None = None) -> int:
    done, size = 0, len(buffer) if size is None else size
    with memoryview(buffer) as view:
        while done < size:
            count = pipe.readinto(view[done:size])
            if not count:
                break
            done += count
    return done
