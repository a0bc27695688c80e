"""Where the secrets of new keys go: a file (JSON or dotenv) or a command's stdin.

The API shows a new key's secret once, in the answer to POST /keys. Apply hands each secret to
a sink the moment its key exists, so a crash later in the run never loses it. Secrets leave the
process only through the sink, and, under GitHub Actions, as an `::add-mask::` line on stdout
(the runner then hides the value in every later log line). See docs/adr/0003.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Iterator, Protocol

from pydantic import SecretStr

from orsync.errors import SecretSinkError
from orsync.secrets_file import StoredSecret, command_document, dotenv_variable, json_fragment, parse_dotenv, parse_json, render_dotenv

COMMAND_TIMEOUT_SECONDS = 120


class SecretSink(Protocol):
    description: str

    def check(self, names: list[str]) -> None:
        """Raise SecretSinkError, before any write to the org, if storing would fail."""

    def store(self, name: str, key_hash: str, secret: SecretStr) -> None:
        """Persist one secret durably before returning; raise SecretSinkError on failure."""


def open_sink(secrets_out: str | None, secrets_command: str | None) -> SecretSink | None:
    """The sink the options name, or None when they name none."""
    if secrets_out and secrets_command:
        raise SecretSinkError("give --secrets-out or --secrets-command, not both")
    if secrets_out:
        return FileSink(Path(secrets_out))
    if secrets_command:
        return CommandSink(secrets_command)
    return None


def mask_for_github_actions(secret: SecretStr, stream: IO[str]) -> None:
    """Under GitHub Actions, ask the runner to hide the value in every later log line.

    The only place a secret is ever printed: the runner consumes the line and shows it masked.
    """
    if os.environ.get("GITHUB_ACTIONS") == "true":
        stream.write(f"::add-mask::{secret.get_secret_value()}\n")
        stream.flush()


# --- files ------------------------------------------------------------------------------------

class FileSink:
    """A JSON object (or, for a `.env` name, dotenv lines) keyed by key name, mode 0600.

    Every version of the file on disk is whole and valid: each write goes to a temporary file
    in the same directory (created 0600), is fsynced and renamed over the old one, under a
    sidecar `.lock` so that two orsync runs never lose each other's secrets.

    Cost per secret is O(1) in syscalls, not O(secrets already stored): stores that arrive while
    a write is under way wait and go out together in the next one (group commit: one rewrite,
    one fsync of the file and one of the directory per batch, whatever its size), the file is
    not re-read unless another process changed it since our last write, and each entry's text
    is rendered once. `store` returns only once its secret is durable.

    A temporary file left by a process killed mid-write holds every secret of its batch; the
    next FileSink on the same path merges those entries back in and removes it.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.description = str(path)
        self.dotenv = path.name == ".env" or path.suffix == ".env"
        self._lock = threading.Lock()           # guards the batch state below
        self._batch_ready = threading.Condition(self._lock)
        self._open: _Batch | None = None        # stores waiting for the next write
        self._writing = False
        self._entries: dict[str, StoredSecret] | None = None   # as last written (or read)
        self._fragments: dict[str, str] = {}    # name -> its rendered text in the file
        self._stamp: tuple | None = None        # (inode, size, mtime) after our last write
        self._strays_merged = False

    def check(self, names: list[str]) -> None:
        if self.path.is_dir():
            raise SecretSinkError(f"{self.path}: is a directory, not a secrets file")
        directory = self.path.parent
        if not directory.is_dir():
            raise SecretSinkError(f"{self.path}: directory {directory} does not exist")
        if not os.access(directory, os.W_OK | os.X_OK):
            raise SecretSinkError(f"{self.path}: directory {directory} is not writable")
        entries = self._read()
        if self.dotenv:
            _check_dotenv_names(names, entries)

    def store(self, name: str, key_hash: str, secret: SecretStr) -> None:
        with self._batch_ready:
            if self._open is None:
                self._open = _Batch()
            batch = self._open
            batch.entries[name] = StoredSecret(name, key_hash, secret)
            while not batch.done:
                if self._writing:
                    self._batch_ready.wait()
                    continue
                self._writing, self._open = True, None
                self._batch_ready.release()
                try:
                    self._write_batch(batch)
                finally:
                    self._batch_ready.acquire()
                    self._writing, batch.done = False, True
                    self._batch_ready.notify_all()
        if batch.error is not None:
            raise SecretSinkError(f"{self.path}: cannot write the secret of key {name!r}: {batch.error}")

    def read(self) -> dict[str, StoredSecret]:
        """Every stored secret by key name, those of a killed writer's temporary file included
        (merged into the file first: see recover)."""
        self.recover()
        return self._read()

    def recover(self) -> None:
        """Merge and remove temporary files a killed writer left (nothing to do: no write)."""
        if self._strays_merged or not any(self.path.parent.glob(f".{self.path.name}.*.tmp")):
            return
        with self._batch_ready, _file_lock(self._lock_path()):
            entries = self._current_entries()
            self._write_text(self._assemble())
            self._entries = entries

    def _lock_path(self) -> Path:
        return self.path.with_name(f".{self.path.name}.lock")

    def _write_batch(self, batch: _Batch) -> None:
        try:
            with _file_lock(self._lock_path()):
                entries = self._current_entries()
                for name, entry in batch.entries.items():
                    entries[name] = entry
                    self._fragments[name] = self._render_one(entry)
                self._write_text(self._assemble())
        except (OSError, SecretSinkError) as exc:
            batch.error = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
            self._entries = None   # unknown state: read it again next time

    def _current_entries(self) -> dict[str, StoredSecret]:
        """What the file holds; from memory unless another process wrote it since we did."""
        if self._entries is None or self._stamp != _stamp(self.path):
            self._entries = self._read()
            self._fragments = {name: self._render_one(entry) for name, entry in self._entries.items()}
        if not self._strays_merged:
            self._strays_merged = True
            self._merge_strays(self._entries)
        return self._entries

    def _merge_strays(self, entries: dict[str, StoredSecret]) -> None:
        """Temporary files of a writer killed before its rename: their secrets were received
        (keys exist for them), so keep every entry the file lacks, then remove them."""
        for stray in self.path.parent.glob(f".{self.path.name}.*.tmp"):
            try:
                found = (parse_dotenv if self.dotenv else parse_json)(stray.read_text(encoding="utf-8"))
            except (OSError, ValueError, KeyError, TypeError):
                found = {}  # cut short: its batch's store() never returned, the next run names those keys
            for name, entry in found.items():
                if name not in entries:
                    entries[name] = entry
                    self._fragments[name] = self._render_one(entry)
            stray.unlink(missing_ok=True)

    def _render_one(self, entry: StoredSecret) -> str:
        return render_dotenv({entry.name: entry}).rstrip("\n") if self.dotenv else json_fragment(entry)

    def _assemble(self) -> str:
        parts = [self._fragments[name] for name in sorted(self._fragments)]
        if self.dotenv:
            return "\n".join(parts) + "\n"
        return "{\n" + ",\n".join(parts) + "\n}\n" if parts else "{}\n"

    def _read(self) -> dict[str, StoredSecret]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise SecretSinkError(f"{self.path}: cannot read: {exc.strerror or exc}") from None
        parse = parse_dotenv if self.dotenv else parse_json
        try:
            return parse(text)
        except (ValueError, KeyError, TypeError) as exc:
            where = str(exc).removeprefix("line ")   # "3: entry 'ci': ..." -> FILE:3: entry ...
            raise SecretSinkError(f"{self.path}:{where} (not an orsync secrets file: refusing to overwrite it)") from None

    def _write_text(self, text: str) -> None:
        # mkstemp creates the file with mode 0600: the secret is never readable by others,
        # not even for the moment before a chmod.
        handle, temp_name = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
                stream.flush()
                os.fsync(stream.fileno())
            os.replace(temp_name, self.path)
        except BaseException:
            Path(temp_name).unlink(missing_ok=True)
            raise
        _fsync_directory(self.path.parent)
        self._stamp = _stamp(self.path)


@dataclass
class _Batch:
    entries: dict = field(default_factory=dict)
    done: bool = False
    error: str | None = None


def _stamp(path: Path) -> tuple | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_ino, info.st_size, info.st_mtime_ns)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    import fcntl

    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)  # closing releases the lock


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (a crash right after must not bring the old file back)."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass  # some file systems cannot sync a directory; the rename is still atomic
    finally:
        os.close(descriptor)


def _check_dotenv_names(names: list[str], entries: dict[str, StoredSecret]) -> None:
    """Two key names that map to one variable (`a-b`, `a_b`) would overwrite each other."""
    seen: dict[str, str] = {dotenv_variable(name): name for name in entries}
    for name in names:
        other = seen.setdefault(dotenv_variable(name), name)
        if other != name:
            raise SecretSinkError(f"keys {other!r} and {name!r} would share the variable "
                                  f"{dotenv_variable(name)}; use a JSON secrets file")


# --- commands ---------------------------------------------------------------------------------

class CommandSink:
    """Runs a command once per secret with the entry as JSON on its stdin (secrets_file.command_document).

    No shell is involved (write `sh -c '...'` for a pipeline). ORSYNC_KEY_NAME and
    ORSYNC_KEY_HASH are set in its environment; the secret is only ever on stdin, never in
    arguments or the environment, which other users can read from the process table.
    """

    def __init__(self, command: str) -> None:
        try:
            self.argv = shlex.split(command)
        except ValueError as exc:
            raise SecretSinkError(f"--secrets-command: {exc}") from None
        if not self.argv:
            raise SecretSinkError("--secrets-command is empty")
        self.description = f"the command {self.argv[0]}"
        self._lock = threading.Lock()

    def check(self, names: list[str]) -> None:
        if shutil.which(self.argv[0]) is None:
            raise SecretSinkError(f"--secrets-command: {self.argv[0]!r} is not an executable on PATH")

    def store(self, name: str, key_hash: str, secret: SecretStr) -> None:
        document = command_document(StoredSecret(name, key_hash, secret))
        env = {**os.environ, "ORSYNC_KEY_NAME": name, "ORSYNC_KEY_HASH": key_hash}
        # One at a time: a user's script that appends to a file must not interleave with itself.
        with self._lock:
            try:
                finished = subprocess.run(self.argv, input=document, capture_output=True, text=True,
                                          env=env, timeout=COMMAND_TIMEOUT_SECONDS, check=False)
            except (OSError, subprocess.TimeoutExpired) as exc:
                raise SecretSinkError(f"--secrets-command failed for key {name!r}: {exc}") from None
        if finished.returncode != 0:
            said = _last_line(finished.stderr or finished.stdout, secret)
            raise SecretSinkError(f"--secrets-command exited with status {finished.returncode} "
                                  f"for key {name!r}" + (f": {said}" if said else ""))


def _last_line(output: str, secret: SecretStr) -> str:
    """The command's last words, with the secret blanked in case the command echoed it."""
    lines = [line for line in output.replace(secret.get_secret_value(), "(secret)").splitlines()
             if line.strip()]
    return lines[-1].strip()[:300] if lines else ""
