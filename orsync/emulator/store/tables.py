"""A table of stored objects that reads like a dict: one row per object, written back on commit.

Each row holds the object's `id` (the mapping key), `seq` (insertion order: iteration order,
like a dict's), `data` (the object as JSON) and the columns that queries filter and sort on.
An object read in a transaction is the same Python object for every later read while someone
holds it, so handlers mutate records in place (`record.patch(...)`) as they always did; at the
end of a write transaction the rows whose JSON changed are written back, one UPDATE each.
Read transactions never write: changes made there (window rolls for display) stay in memory.
"""

from __future__ import annotations

import json
import sqlite3
import weakref
from collections.abc import Callable, Iterator, MutableMapping
from typing import Any

from orsync.emulator.store.database import Database
from orsync.emulator.store.rendered import RenderedTexts

BULK_REBUILD_ROWS = 5_000
Loader = Callable[[dict], Any]
Dumper = Callable[[Any], dict]


class Row(dict):
    """A dict row (generations, activity, ...): a dict subclass so it can be weakly cached and
    can tell its table when it changes."""

    def __setitem__(self, name: str, value: Any) -> None:
        owner = self.__dict__.get("_owner")
        if owner is None:
            dict.__setitem__(self, name, value)
            return
        owner.before_change(self)
        dict.__setitem__(self, name, value)
        owner.after_change(self)

    def update(self, *args: Any, **values: Any) -> None:  # type: ignore[override]
        for name, value in dict(*args, **values).items():
            self[name] = value


def attach(value: Any, table: Table, ident: str) -> None:
    """Let a stored object report its changes to its table (see `records.Stored`)."""
    try:
        object.__setattr__(value, "_owner", table)
        object.__setattr__(value, "_ident", ident)
    except (AttributeError, TypeError):
        pass  # a plain dict: held for its transaction only


class Table(MutableMapping):
    def __init__(self, db: Database, name: str, *, load: Loader, dump: Dumper,
                 columns: dict[str, Callable[[Any], Any]] | None = None,
                 key_of: Callable[[Any], Any] | None = None,
                 encode: Callable[[Any], str] = str, decode: Callable[[str], Any] = str) -> None:
        self.db, self.name = db, name
        self._load, self._dump = load, dump
        self._columns = columns or {}
        self._key_of, self._encode, self._decode = key_of, encode, decode
        self._cache: weakref.WeakValueDictionary[str, Any] = weakref.WeakValueDictionary()
        self._seen: dict[str, Any] = {}                          # held for this transaction
        self._snapshots: dict[str, tuple[str, tuple]] = {}      # as last written, write txns
        self.version = 0  # moves when rows come or go or a query column changes
        self.indexes: list[tuple[str, str]] = []  # (name, CREATE statement), set by the schema
        self.texts = RenderedTexts()  # each object's JSON as listings show it (`rendered.py`)
        names = ", ".join(["id", "data", *self._columns])
        marks = ", ".join("?" * (2 + len(self._columns)))
        updates = ", ".join(f"{c} = excluded.{c}" for c in ["data", *self._columns])
        self._insert_sql = f"INSERT INTO {name} ({names}) VALUES ({marks})"
        self._upsert_sql = self._insert_sql + f" ON CONFLICT(id) DO UPDATE SET {updates}"
        sets = ", ".join(f"{c} = ?" for c in ["data", *self._columns])
        self._update_sql = f"UPDATE {name} SET {sets} WHERE id = ?"
        db.on_flush(self.flush)
        db.on_abort(self._end)
        db.on_forget(self.forget)

    # --- the mapping ------------------------------------------------------------------------

    def __getitem__(self, key: Any) -> Any:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def get(self, key: Any, default: Any = None) -> Any:
        ident = self._encode(key)
        with self.db.transaction():
            known = self._known(ident)
            if known is not None:
                return known
            row = self.db.execute(f"SELECT data FROM {self.name} WHERE id = ?", (ident,)).fetchone()
            return self._materialise(ident, row[0]) if row else default

    def __contains__(self, key: object) -> bool:
        ident = self._encode(key)
        with self.db.transaction():
            if self._known(ident) is not None:
                return True
            return self.db.execute(f"SELECT 1 FROM {self.name} WHERE id = ?", (ident,)).fetchone() is not None

    def __len__(self) -> int:
        return self.count()

    def __iter__(self) -> Iterator[Any]:
        with self.db.transaction():
            rows = self.db.execute(f"SELECT id FROM {self.name} ORDER BY seq").fetchall()
        return iter([self._decode(row[0]) for row in rows])

    def values(self) -> list[Any]:  # type: ignore[override]
        return self.where()

    def items(self) -> list[tuple[Any, Any]]:  # type: ignore[override]
        with self.db.transaction():
            rows = self.db.execute(f"SELECT id, data FROM {self.name} ORDER BY seq").fetchall()
            return [(self._decode(ident), self._materialise(ident, data)) for ident, data in rows]

    def __setitem__(self, key: Any, value: Any) -> None:
        ident = self._encode(key)
        with self.db.transaction(write=True):
            text, columns = self._row(value)
            self.db.execute(self._upsert_sql, (ident, text, *columns))
            self._hold(ident, value, text, columns)
            self.version += 1

    def __delitem__(self, key: Any) -> None:
        if not self.discard(key):
            raise KeyError(key)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, dict):
            return dict(self.items()) == other
        return self is other

    __hash__ = None  # type: ignore[assignment]

    # --- beyond a dict ----------------------------------------------------------------------

    def add(self, value: Any, *, track: bool = True) -> Any:
        """Insert a new object under its own key; ValueError when the key (or a unique
        column) is taken. `track=False` skips keeping it (bulk seeding)."""
        ident = self._encode(self._key_of(value))
        with self.db.transaction(write=True):
            text, columns = self._row(value)
            try:
                self.db.execute(self._insert_sql, (ident, text, *columns))
            except sqlite3.IntegrityError:
                raise ValueError(f"{self.name}: {ident!r} already in use") from None
            if track:
                self._hold(ident, value, text, columns)
            self.version += 1
        return value

    def discard(self, key: Any) -> bool:
        """Delete a row; whether it was there."""
        ident = self._encode(key)
        with self.db.transaction(write=True):
            gone = self.db.execute(f"DELETE FROM {self.name} WHERE id = ?", (ident,)).rowcount > 0
            self._seen.pop(ident, None)
            self._snapshots.pop(ident, None)
            self._cache.pop(ident, None)
            self.texts.drop(ident)
            if gone:
                self.version += 1
            return gone

    def where(self, condition: str = "", params: tuple = (), *, order: str = "seq",
              limit: int | None = None, offset: int = 0) -> list[Any]:
        """The objects whose row matches an SQL condition, in `order`."""
        sql = f"SELECT id, data FROM {self.name}"
        if condition:
            sql += f" WHERE {condition}"
        sql += f" ORDER BY {order}"
        if limit is not None or offset:
            sql += f" LIMIT {-1 if limit is None else int(limit)} OFFSET {int(offset)}"
        with self.db.transaction():
            rows = self.db.execute(sql, params).fetchall()
            return [self._materialise(ident, data) for ident, data in rows]

    def ids_where(self, condition: str, params: tuple = ()) -> list[Any]:
        with self.db.transaction():
            rows = self.db.execute(f"SELECT id FROM {self.name} WHERE {condition} ORDER BY seq",
                                   params).fetchall()
        return [self._decode(row[0]) for row in rows]

    def count(self, condition: str = "", params: tuple = ()) -> int:
        sql = f"SELECT COUNT(*) FROM {self.name}" + (f" WHERE {condition}" if condition else "")
        with self.db.transaction():
            return self.db.execute(sql, params).fetchone()[0]

    def save(self, value: Any) -> None:
        """Write one object now (the end of the transaction would have, too)."""
        ident = self._encode(self._key_of(value))
        with self.db.transaction(write=True):
            self._write_back(ident, value, force=True)

    def bulk_insert(self, values: list[Any]) -> None:
        """Insert many new objects in one statement, untracked (seeding). A large batch drops
        the table's indexes and builds them again after: sorting beats random inserts."""
        rows = []
        for value in values:
            text, columns = self._row(value)
            rows.append((self._encode(self._key_of(value)), text, *columns))
        rebuild = len(rows) >= BULK_REBUILD_ROWS
        with self.db.transaction(write=True):
            try:
                if rebuild:
                    for name, _ in self.indexes:
                        self.db.execute(f"DROP INDEX IF EXISTS {name}")
                self.db.executemany(self._insert_sql, rows)
                if rebuild:
                    for _, statement in self.indexes:
                        self.db.execute(statement)
            except sqlite3.IntegrityError as exc:
                raise ValueError(f"{self.name}: {exc}") from None
            self.version += 1

    # --- objects reporting their own changes -----------------------------------------------

    def before_change(self, value: Any) -> None:
        """An object of this table is about to change: in a write transaction, remember the
        row it has now (once), so the end of the transaction writes the difference."""
        if self.db.writing_here:
            ident = value.__dict__["_ident"]
            self._seen[ident] = value
            if ident not in self._snapshots:
                self._snapshots[ident] = self._row(value)

    def after_change(self, value: Any) -> None:
        """Outside any transaction a change is its own transaction, written at once."""
        if not self.db.active_here:
            with self.db.transaction(write=True):
                self._write_back(value.__dict__["_ident"], value, force=True)

    # --- transaction hooks ------------------------------------------------------------------

    def flush(self) -> None:
        for ident, value in list(self._seen.items()):
            self._write_back(ident, value)

    def _write_back(self, ident: str, value: Any, force: bool = False) -> None:
        text, columns = self._row(value)
        before = self._snapshots.get(ident)
        if before is None and not force:
            return  # seen in a read before the transaction wrote: nothing known to compare
        if before is not None and before[0] == text:
            return
        self.db.execute(self._update_sql, (text, *columns, ident))
        if before is None or before[1] != columns:
            self.version += 1
        self._snapshots[ident] = (text, columns)

    def _end(self) -> None:
        self._seen.clear()
        self._snapshots.clear()

    def forget(self) -> None:
        self._cache = weakref.WeakValueDictionary()
        self._seen.clear()
        self._snapshots.clear()
        self.version += 1

    # --- for listings that render rows (`rendered.py`) ----------------------------------------

    def rendered(self, rows: list[tuple], render: Callable[..., str],
                 keep: Callable[[Any], bool] = lambda value: True) -> list[str]:
        """The text of each `(id, data, *more)` row as `render` makes it from the object: kept
        from an earlier call while the row is the same (and `keep` allowed it)."""
        with self.db.transaction():
            return self.texts.texts(self, rows, render, keep)

    @property
    def held(self) -> dict[str, Any]:
        """The objects held in the current transaction, by id (they may carry unwritten changes)."""
        return self._seen

    def materialise(self, ident: str, data: str) -> Any:
        """The live object of a row read in this transaction."""
        return self._materialise(ident, data)

    # --- internals --------------------------------------------------------------------------

    def _known(self, ident: str) -> Any:
        value = self._seen.get(ident)
        if value is None:
            value = self._cache.get(ident)
            if value is not None:
                self._track(ident, value)
        return value

    def _materialise(self, ident: str, data: str) -> Any:
        known = self._known(ident)
        if known is not None:
            return known
        value = self._load(json.loads(data))
        self._cache[ident] = value
        self._track(ident, value, data)
        return value

    def _track(self, ident: str, value: Any, text: str | None = None) -> None:
        """Hold the object for this transaction; in a write one, remember its row to compare."""
        attach(value, self, ident)
        self._seen[ident] = value
        if self.db.writing and ident not in self._snapshots:
            row_text, columns = self._row(value)
            self._snapshots[ident] = (text if text is not None else row_text, columns)

    def _hold(self, ident: str, value: Any, text: str, columns: tuple) -> None:
        attach(value, self, ident)
        self._seen[ident] = value
        self._snapshots[ident] = (text, columns)
        try:
            self._cache[ident] = value
        except TypeError:
            pass  # a plain dict cannot be weakly referenced: held for this transaction only

    def _row(self, value: Any) -> tuple[str, tuple]:
        return (json.dumps(self._dump(value), separators=(",", ":")),
                tuple(column(value) for column in self._columns.values()))
