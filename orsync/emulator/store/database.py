"""The SQLite database under the emulator's state, and the transaction every request runs in.

One connection per process, shared by the server's threads behind a re-entrant lock: the lock
*is* the transaction, so `with db.transaction(write=True):` nests freely and only the outermost
level begins and commits. A write transaction starts with `BEGIN IMMEDIATE`, which takes
SQLite's write lock up front: two processes sharing one file (a server and a CLI, two `apply`
runs) take turns, and neither can overwrite what the other wrote since it last read. WAL lets
readers carry on meanwhile. A file is WAL with `synchronous=NORMAL`: a commit appends to the
log without a sync, so a write costs the rows it touches, not the size of the org.

Objects read from a table stay live (see `tables.py`); when another process has committed
since this one last looked (`PRAGMA data_version` moved), every cached object is forgotten.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BUSY_TIMEOUT_MS = 60_000  # how long a writer waits for another process's transaction
CACHE_KIB = 64 * 1024     # page cache per connection


class Database:
    def __init__(self, path: str | os.PathLike | None = None) -> None:
        self.path = Path(path) if path is not None else None
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Made 0600 before SQLite opens it (its -wal and -shm files copy the mode): it
            # holds the emulator's fake secrets.
            os.close(os.open(self.path, os.O_CREAT | os.O_RDWR, 0o600))
            self.conn = _connect(str(self.path))
            _enter_wal(self.conn)
            self.conn.execute("PRAGMA synchronous=NORMAL")
        else:
            self.conn = _connect(":memory:")
        self.lock = threading.RLock()
        self._depth = 0
        self._thread: int | None = None
        self._writing = False
        self._data_version: int | None = None
        self._forget_hooks: list[Callable[[], None]] = []
        self._flush_hooks: list[Callable[[], None]] = []
        self._abort_hooks: list[Callable[[], None]] = []

    # --- hooks the tables register ----------------------------------------------------------

    def on_forget(self, hook: Callable[[], None]) -> None:
        """Called when cached objects may be stale (another process wrote, or a rollback)."""
        self._forget_hooks.append(hook)

    def on_flush(self, hook: Callable[[], None]) -> None:
        """Called before a write transaction commits: write back what changed."""
        self._flush_hooks.append(hook)

    def on_abort(self, hook: Callable[[], None]) -> None:
        """Called after a rollback or at the end of a read transaction: drop what was tracked."""
        self._abort_hooks.append(hook)

    @property
    def writing(self) -> bool:
        return self._depth > 0 and self._writing

    @property
    def active_here(self) -> bool:
        """Whether this thread is inside a transaction."""
        return self._depth > 0 and self._thread == threading.get_ident()

    @property
    def writing_here(self) -> bool:
        return self.active_here and self._writing

    # --- transactions -----------------------------------------------------------------------

    @contextmanager
    def transaction(self, write: bool = False) -> Iterator[None]:
        with self.lock:
            if self._depth == 0:
                self._begin(write)
            elif write and not self._writing:
                self._writing = True  # a write inside a read: SQLite upgrades on the first write
            self._depth += 1
            try:
                yield
            except BaseException:
                self._depth -= 1
                if self._depth == 0:
                    self._rollback()
                raise
            self._depth -= 1
            if self._depth == 0:
                self._finish()

    def _begin(self, write: bool) -> None:
        self.conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
        self._thread = threading.get_ident()
        self._writing = write
        version = self.conn.execute("PRAGMA data_version").fetchone()[0]
        if self._data_version is not None and version != self._data_version:
            self.forget()
        self._data_version = version

    def _finish(self) -> None:
        try:
            if self._writing:
                for hook in self._flush_hooks:
                    hook()
            self.conn.execute("COMMIT")
        except BaseException:
            self._rollback()
            raise
        for hook in self._abort_hooks:
            hook()

    def _rollback(self) -> None:
        if self.conn.in_transaction:
            self.conn.execute("ROLLBACK")
        for hook in self._abort_hooks:
            hook()
        self.forget()  # objects may hold changes the database no longer has

    def forget(self) -> None:
        for hook in self._forget_hooks:
            hook()

    # --- statements -------------------------------------------------------------------------

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> sqlite3.Cursor:
        return self.conn.executemany(sql, rows)

    def copy_to(self, target: sqlite3.Connection) -> None:
        """Copy the whole database into another connection (a snapshot, or a restore)."""
        with self.lock:
            self.conn.backup(target)

    def replace_rows(self, source: sqlite3.Connection, tables: list[str]) -> None:
        """Make these tables hold exactly the source's rows, in one write transaction: other
        processes see the old org or the new one, never a mix."""
        with self.transaction(write=True):
            for table in tables:
                columns = [row[1] for row in self.execute(f"PRAGMA table_info({table})")]
                names, marks = ", ".join(columns), ", ".join("?" * len(columns))
                self.execute(f"DELETE FROM {table}")
                self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})",
                                 source.execute(f"SELECT {names} FROM {table}"))
            self.forget()

    def close(self) -> None:
        with self.lock:
            self.conn.close()


def _connect(target: str) -> sqlite3.Connection:
    # isolation_level=None: transactions are begun and ended here, explicitly.
    conn = sqlite3.connect(target, isolation_level=None, check_same_thread=False,
                           timeout=BUSY_TIMEOUT_MS / 1000)
    conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # Keys are indexed by random hashes and secrets: inserts land all over the B-trees, and
    # the default 2 MB page cache would turn a 100,000-key seed into a page-eviction storm.
    conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")
    return conn


def _enter_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL. A second process opening a new file while the first creates
    its tables is told "database is locked" at once (SQLite does not wait on its busy timeout
    for this pragma), so it tries again, for as long as a writer would wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def memory_copy(db: Database) -> sqlite3.Connection:
    """An in-memory copy of the database (what `/_emulator/reset` goes back to)."""
    copy = _connect(":memory:")
    db.copy_to(copy)
    return copy
