"""Each stored object's JSON as a listing shows it, kept while its stored row is unchanged.

A listing page of 100 keys used to build 100 records from their rows, turn each into the API's
object and encode the lot: about 16 us a key, most of a page's cost to the server. An object's
text is now kept with the row it was rendered from (its `data`, and whatever else the text
shows, such as the name and label of the key an assignment names), and a later page whose row
is the same reuses it: the page becomes a join of kept texts.

Rows are compared, not versions, so the texts follow every writer (another process sharing the
file, SQL that edits `data` in place, a restore) without being told. What is never kept: the text
of an object whose rendering depends on more than its row (the caller's `keep` says so: a key
that has been charged, whose usage windows roll with the clock), and the text of an object held
in the current transaction (it may carry changes not yet written back).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

Render = Callable[..., str]  # (object, *what else the row holds) -> its text


def _one_encoder() -> Callable[[Any], str]:
    """`json.dumps` with its default options, through one encoder made once: `json.dumps`
    makes a new one per call (~4 us, as much as encoding a key), and a page's first read
    encodes its objects one by one. The standard library's own C encoder, with the options
    `json.dumps` gives it; `json.dumps` itself where that encoder is missing or differs."""
    try:
        from json.encoder import c_make_encoder, encode_basestring_ascii

        encoder = c_make_encoder(None, json.JSONEncoder().default, encode_basestring_ascii, None,
                                 ": ", ", ", False, False, True)
        probe = {"a": [1.5, None, True, "\u00e9\n\"", 10 ** 20], "b": {"c": 1e-7, "d": []}}
        if "".join(encoder(probe, 0)) == json.dumps(probe):
            return lambda value: "".join(encoder(value, 0))
    except Exception:  # noqa: BLE001 - any surprise: the documented function
        pass
    return json.dumps


json_text = _one_encoder()  # what `json.dumps(value)` returns


class RenderedTexts:
    def __init__(self) -> None:
        self._texts: dict[str, tuple[tuple, str]] = {}  # id -> (the row it came from, text)

    def texts(self, table: Any, rows: Iterable[tuple], render: Render,
              keep: Callable[[Any], bool]) -> list[str]:
        """The text of each `(id, data, *more)` row: kept, or `render(object, *more)` from the
        table's object (and kept when `keep(object)`)."""
        kept, held = self._texts, table.held
        out = []
        for row in rows:
            ident = row[0]
            if ident in held:  # this transaction may have changed it: render what it holds now
                out.append(render(table.materialise(ident, row[1]), *row[2:]))
                continue
            found = kept.get(ident)
            if found is not None and found[0] == row[1:]:
                out.append(found[1])
                continue
            value = table.materialise(ident, row[1])
            text = render(value, *row[2:])
            if keep(value):
                kept[ident] = (row[1:], text)
            else:
                kept.pop(ident, None)
            out.append(text)
        return out

    def drop(self, ident: str) -> None:
        self._texts.pop(ident, None)
