"""List pages that cost the same at offset 0 and at offset 99,900.

The API pages keys by offset, newest first. SQL's OFFSET walks every skipped row, so a walk of
an org costs the square of its size. Instead each page is a keyset query that starts after the
last row of the page before, found in a map from offset to that row's sort key (`created_ts`,
`seq`). A client that pages in order fills the map as it goes (each page gives the next page's
cursor); an offset the map lacks is found by one index scan that notes every page boundary at
once. The map is forgotten when a key is added, deleted or changes what the listing sorts or
filters on (the table's `version` moves), and, for a listing that hides expired keys, when the
next key expires.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from orsync.emulator.store.tables import Table

_ORDER = "created_ts DESC, seq DESC"


@dataclass
class _Cursors:
    version: int
    valid_until: float
    stride: int
    at: dict[int, tuple[float, int]] = field(default_factory=dict)  # offset -> last row before it


class KeyListing:
    def __init__(self, keys: Table) -> None:
        self.keys = keys
        self._maps: dict[tuple, _Cursors] = {}

    def page(self, workspace_id: str, offset: int, limit: int, *, include_disabled: bool,
             include_expired: bool, now: float) -> list[Any]:
        with self.keys.db.transaction():
            rows = self.rows(workspace_id, offset, limit, include_disabled=include_disabled,
                             include_expired=include_expired, now=now)
            return [self.keys._materialise(ident, data) for ident, data in rows]

    def rows(self, workspace_id: str, offset: int, limit: int, *, include_disabled: bool,
             include_expired: bool, now: float) -> list[tuple[str, str]]:
        """The page's stored rows, `(id, data)` each (call within a transaction to use them)."""
        condition, params = _filter(workspace_id, include_disabled, include_expired, now)
        with self.keys.db.transaction():
            cursors = self._cursors((workspace_id, include_disabled, include_expired, limit),
                                    condition, params, include_expired, now, limit)
            start, cursor = self._nearest(cursors, offset, condition, params)
            rows = self._after(cursor, condition, params, offset - start, limit)
            if rows:
                last = rows[-1]
                cursors.at[offset + len(rows)] = (last[1], last[2])
            return [(ident, data) for ident, _, _, data in rows]

    def _cursors(self, cache_key: tuple, condition: str, params: tuple, include_expired: bool,
                 now: float, stride: int) -> _Cursors:
        cursors = self._maps.get(cache_key)
        if cursors is None or cursors.version != self.keys.version or now >= cursors.valid_until:
            valid_until = math.inf if include_expired else self._next_expiry(condition, params, now)
            cursors = _Cursors(self.keys.version, valid_until, stride)
            self._maps[cache_key] = cursors
        return cursors

    def _nearest(self, cursors: _Cursors, offset: int, condition: str,
                 params: tuple) -> tuple[int, tuple[float, int] | None]:
        """The nearest known cursor at or before `offset` (None: the start of the listing)."""
        if offset == 0:
            return 0, None
        if offset in cursors.at:  # the page before left it (a client paging in order)
            return offset, cursors.at[offset]
        known = max((o for o in cursors.at if o <= offset), default=0)
        if offset - known >= cursors.stride:
            self._note_boundaries(cursors, condition, params)
        start = max((o for o in cursors.at if o <= offset), default=0)
        return start, cursors.at.get(start)

    def _note_boundaries(self, cursors: _Cursors, condition: str, params: tuple) -> None:
        """Every page boundary of the listing, in one scan of its index."""
        rows = self.keys.db.execute(f"SELECT created_ts, seq FROM keys WHERE {condition} "
                                    f"ORDER BY {_ORDER}", params).fetchall()
        for n in range(cursors.stride, len(rows) + 1, cursors.stride):
            cursors.at[n] = rows[n - 1]

    def _after(self, cursor: tuple[float, int] | None, condition: str, params: tuple,
               skip: int, limit: int) -> list[tuple]:
        """`limit` rows after the cursor (skipping `skip`), as two index ranges: the rows that
        tie with the cursor's time, then the older ones (a single `(created_ts, seq) < (?, ?)`
        would walk every tied row: seeded orgs share timestamps)."""
        columns = "id, created_ts, seq, data"
        if cursor is None:
            return self.keys.db.execute(
                f"SELECT {columns} FROM keys WHERE {condition} ORDER BY {_ORDER} LIMIT ? OFFSET ?",
                (*params, limit, skip)).fetchall()
        ties = self.keys.db.execute(
            f"SELECT {columns} FROM keys WHERE {condition} AND created_ts = ? AND seq < ? "
            f"ORDER BY seq DESC LIMIT ?", (*params, cursor[0], cursor[1], limit + skip)).fetchall()
        rows = ties[skip:]
        skip = max(skip - len(ties), 0)
        if len(rows) < limit:
            rows += self.keys.db.execute(
                f"SELECT {columns} FROM keys WHERE {condition} AND created_ts < ? "
                f"ORDER BY {_ORDER} LIMIT ? OFFSET ?",
                (*params, cursor[0], limit - len(rows), skip)).fetchall()
        return rows

    def _next_expiry(self, condition: str, params: tuple, now: float) -> float:
        row = self.keys.db.execute(f"SELECT MIN(expires_ts) FROM keys WHERE {condition} "
                                   "AND expires_ts IS NOT NULL", params).fetchone()
        return row[0] if row and row[0] is not None else math.inf


def _filter(workspace_id: str, include_disabled: bool, include_expired: bool,
            now: float) -> tuple[str, tuple]:
    condition = "workspace_id = ? AND is_management = 0"
    params: tuple = (workspace_id,)
    if not include_disabled:
        condition += " AND disabled = 0"
    if not include_expired:
        condition += " AND (expires_ts IS NULL OR expires_ts > ?)"
        params += (now,)
    return condition, params


class SeqPages:
    """Pages of a table in insertion order (oldest first) under an SQL filter, with the total:
    the same cursor map as `KeyListing`, on `seq`, and the count kept until the table changes
    (a `COUNT(*)` walks every row; `total_count` is on every page of these listings)."""

    def __init__(self, table: Table) -> None:
        self.table = table
        self._maps: dict[tuple, tuple[_Cursors, int]] = {}

    def page(self, condition: str, params: tuple, offset: int, limit: int) -> tuple[list[Any], int]:
        with self.table.db.transaction():
            rows, total = self.rows(condition, params, offset, limit)
            return [self.table._materialise(ident, data) for ident, data in rows], total

    def rows(self, condition: str, params: tuple, offset: int,
             limit: int) -> tuple[list[tuple[str, str]], int]:
        """The page's stored rows, `(id, data)` each, and the total."""
        where = condition or "1"
        with self.table.db.transaction():
            cursors, total = self._cursors((where, params, limit), where, params, limit)
            if offset and offset not in cursors.at and offset - max(
                    (o for o in cursors.at if o <= offset), default=0) >= cursors.stride:
                seqs = [row[0] for row in self.table.db.execute(
                    f"SELECT seq FROM {self.table.name} WHERE {where} ORDER BY seq", params)]
                for n in range(cursors.stride, len(seqs) + 1, cursors.stride):
                    cursors.at[n] = (0.0, seqs[n - 1])
            if not offset or offset in cursors.at:  # the start, or where the page before ended
                start = offset
            else:
                start = max((o for o in cursors.at if o <= offset), default=0)
            after = cursors.at[start][1] if start else 0
            rows = self.table.db.execute(
                f"SELECT id, seq, data FROM {self.table.name} WHERE {where} AND seq > ? "
                "ORDER BY seq LIMIT ? OFFSET ?", (*params, after, limit, offset - start)).fetchall()
            if rows:
                cursors.at[offset + len(rows)] = (0.0, rows[-1][1])
            return [(ident, data) for ident, _, data in rows], total

    def _cursors(self, cache_key: tuple, where: str, params: tuple, stride: int) -> tuple[_Cursors, int]:
        known = self._maps.get(cache_key)
        if known is None or known[0].version != self.table.version:
            total = self.table.count(where, params)
            known = (_Cursors(self.table.version, math.inf, stride), total)
            self._maps[cache_key] = known
        return known
