"""The live read in a forked child: its HTTP work on the machine's other core.

Reading 100,000 keys takes 2,115 GET requests, and httpx spends about 1.3 ms of CPU on each
(the request, the pool, h11, the bounded read), in the interpreter that also validates the
org file and computes the diff; the read's threads and that work take turns on one lock. Here
a child forked from the command's process, with the client already built, runs the very same
`read_live_state` (paging, retries and their log lines on the same stderr, every bound), parsing
each listing page only into what the read itself looks at (identities, the default workspace),
and sends each page's body on as it lands. A thread of the parent's validates each body into
rows as it arrives, exactly as the client would have (pydantic, straight from the bytes), and
once the child's read is done builds the LiveState from the child's word on which rows of which
pages make up each listing: the rows, their types and their order are those of an in-process
read. The API's own failures in the child (a status, no answer) are raised in the parent as
they were met; anything else (a body not as documented, a page the full parse refuses, an error
of our own) makes the parent read the org itself, and meet it as an in-process read does.

The child is forked only when that is safe (orsync.forking: Linux, more than one CPU, no
thread yet) and only for a client on httpx's own transport (a transport given in, a test's
or the embedded emulator's, lives in this process). If the child cannot be forked, the parent
reads in a thread as before; if it goes away before its answer (killed, out of memory), or
sends what cannot be read, the parent reads the org itself. The child leaves with os._exit
once its answer is sent, or as soon as a send fails because the parent is gone.
"""

from __future__ import annotations

import gc
import logging
import os
import pickle
import signal
import socket
import sys
import threading
from concurrent.futures import Future
from operator import is_
from typing import Any

from orsync.api.errors import UnexpectedResponseError
from orsync.api.models import Page
from orsync.errors import OrsyncError
from orsync.forking import fork_is_safe, reaped
from orsync.planner.live import LiveState, read_live_state
from orsync.resources import LISTINGS

log = logging.getLogger(__name__)

_PAGE, _STATE, _FAILED = "page", "state", "failed"
_LEAVE_S = 0.5   # for the child to leave by itself once the parent is done with it, before it is killed


def start_child_read(client, reader=None) -> Future[LiveState] | None:
    """The live state, read through `reader` (the client itself, or drift's read-only view of
    it) by a forked child; None when no child can read it (the caller reads in process).
    Call it right after building the client, before any thread starts."""
    reader = client if reader is None else reader
    # A client that has sent nothing holds no connection the two processes would then share.
    if client.own_transport or client.request_count or not fork_is_safe():
        return None
    parent_end, child_end = socket.socketpair()
    for stream in (sys.stdout, sys.stderr):  # nothing buffered before the fork is written twice
        stream.flush()
    try:
        pid = os.fork()
    except OSError:
        parent_end.close()
        child_end.close()
        return None
    if pid == 0:
        parent_end.close()
        _child(client, reader, child_end)  # never returns
    child_end.close()
    log.info("the live org is read by a forked child (pid %d)", pid)
    return _ParentEnd(pid, parent_end, reader).answer


# --- the child -----------------------------------------------------------------------------


def _child(client, reader, end: socket.socket) -> None:
    """The child's whole life: read, send, leave (no exit handlers, no flushed buffers)."""
    code = 1
    try:
        # Ctrl-C and a TERM end the child at once, silently; the parent decides what to say.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        gc.freeze()  # what it inherits is never collected here, nor copied by collecting
        from multiprocessing.connection import Connection

        pages = _PagesSent(Connection(end.detach()))
        client.watch_bodies = pages.sent
        # Here a page's rows need only what the read itself looks at (the parent parses them
        # in full): 0.13 ms a page of keys instead of 0.30 (docs/performance.md).
        identity_pages = Page[_identity_row(LISTINGS)]
        client.parse_as = lambda model: identity_pages if _row_type(model) else model
        try:
            message: tuple = (_STATE, pages.listings(read_live_state(reader)))
        except Exception as exc:  # noqa: BLE001 - the parent raises it, if it is the API's own (_the_apis_own)
            message = (_FAILED, exc)
        pages.send(message)
        code = 0
    except BaseException:  # noqa: BLE001 - the parent reads the org itself
        pass
    finally:
        os._exit(code)


class _PagesSent:
    """Sends each listing page's body as it is validated, and says at the end which rows of
    which pages make up each listing."""

    def __init__(self, connection) -> None:
        self.connection = connection
        self.lock = threading.Lock()
        self.pages: list[list[Any]] = []   # each page's rows, by number; alive: no id is reused
        self.first_rows: dict[int, int] = {}   # id(a page's first row) -> the page's number

    def sent(self, model: type, body: bytes, value: Any) -> None:
        row_type = _row_type(model)
        if row_type is None:
            return
        with self.lock:
            number = len(self.pages)
            self.pages.append(value.data)
            if value.data:
                self.first_rows[id(value.data[0])] = number
            self._write((_PAGE, number, row_type, body))

    def send(self, message: tuple) -> None:
        with self.lock:
            self._write(message)

    def _write(self, message: tuple) -> None:
        self.connection.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))

    def listings(self, state: LiveState) -> dict[str, Any]:
        """The state, each listing's rows given as runs (page, start, stop) of the pages sent."""
        return {"rows": {name: self._runs(rows) for name, rows in state.rows_by_listing.items()},
                "counts": {name: len(rows) for name, rows in state.rows_by_listing.items()},
                "unreadable": state.unreadable, "default_scope": state.default_scope}

    def _runs(self, rows: list[Any]) -> list[tuple]:
        """Whole pages, one run each: the usual case, checked a page at a time."""
        runs: list[tuple] = []
        start = 0
        while start < len(rows):
            number = self.first_rows.get(id(rows[start]))
            page = self.pages[number] if number is not None else []
            end = start + len(page)
            if not page or end > len(rows) or not all(map(is_, rows[start:end], page)):
                return self._runs_row_by_row(rows)   # the very objects of the whole page, or one by one
            runs.append((number, 0, len(page)))
            start = end
        return runs

    def _runs_row_by_row(self, rows: list[Any]) -> list[tuple]:
        """Runs for a listing some of whose rows were dropped (a row listed twice): each row
        found where it came from. Every row comes from a page (here it holds identities only,
        so it could not stand for itself): LookupError otherwise."""
        where = {id(row): (number, index) for number, page in enumerate(self.pages)
                 for index, row in enumerate(page)}
        runs: list[tuple] = []
        for row in rows:
            place = where.get(id(row))
            if place is None:
                raise LookupError("a listing row that no page sent")
            if runs and runs[-1][0] == place[0] and runs[-1][2] == place[1]:
                runs[-1] = (place[0], runs[-1][1], place[1] + 1)
            else:
                runs.append((place[0], place[1], place[1] + 1))
        return runs


def _identity_row(listings) -> type:
    """A row with only the fields the read looks at: each listing's identity (deduplication)
    and the anchor's workspace (which one is the default); any other field is ignored."""
    from pydantic import ConfigDict
    from pydantic.dataclasses import dataclass

    names = sorted({listing.identity for listing in listings}
                   | {listing.scope_param for listing in listings if listing.anchor and listing.scope_param})
    namespace = {"__annotations__": dict.fromkeys(names, Any), **dict.fromkeys(names),
                 "__module__": __name__, "__qualname__": "IdentityRow"}
    return dataclass(type("IdentityRow", (), namespace), slots=True, frozen=True, config=ConfigDict(extra="ignore"))


def _the_apis_own(error: BaseException) -> bool:
    """Whether the child's error is the one an in-process read meets: the API's failures are;
    a body not as documented may not be (the child parsed identities only, so the first
    problem it met may not be the full parse's), nor anything else."""
    return isinstance(error, OrsyncError) and not isinstance(error, UnexpectedResponseError)


def _row_type(model: type) -> type | None:
    """X for a Page[X] (a listing's page), else None."""
    metadata = getattr(model, "__pydantic_generic_metadata__", None) or {}
    if metadata.get("origin") is Page and len(metadata.get("args", ())) == 1:
        return metadata["args"][0]
    return None


# --- the parent ----------------------------------------------------------------------------


def assembled(pages: dict[int, list[Any]], listings: dict[str, Any]) -> LiveState:
    """The live state from the pages' rows (by number) and the child's runs (_PagesSent.listings);
    ValueError when a listing would not have the rows the child counted (the parent then reads
    the org itself)."""
    rows: dict[str, list[Any]] = {}
    for name, runs in listings["rows"].items():
        built = rows[name] = []
        for number, start, stop in runs:
            built.extend(pages[number][start:stop])
        if len(built) != listings["counts"][name]:
            # Never a partial listing: missing rows would be planned as objects to create.
            raise ValueError(f"{name}: {len(built)} rows built of {listings['counts'][name]}")
    return LiveState(rows, unreadable=listings["unreadable"], default_scope=listings["default_scope"])


class _ParentEnd:
    """Receives the pages and the child's answer in a thread; `answer` is the live state."""

    def __init__(self, pid: int, end: socket.socket, reader) -> None:
        from multiprocessing.connection import Connection  # after the fork: in both, meanwhile

        self.pid = pid
        self.reader = reader
        self.connection = Connection(end.detach())
        self.answer: Future[LiveState] = Future()
        self.pages: dict[int, list[Any]] = {}
        threading.Thread(target=self._receive, name="orsync-live-child", daemon=True).start()

    def _receive(self) -> None:
        try:
            outcome = self._received()
        except Exception:  # noqa: BLE001 - the child went away or sent what we cannot read
            outcome = None
        self.connection.close()
        if isinstance(outcome, BaseException) and not _the_apis_own(outcome):
            outcome = None
        if outcome is not None:
            self._answered(outcome)   # first: the child may take a while to leave its memory
            reaped(self.pid, grace_s=_LEAVE_S)
        elif (code := reaped(self.pid, grace_s=_LEAVE_S)) == -signal.SIGINT:
            # Ctrl-C reaches the whole process group: this process is being interrupted too.
            self.answer.set_exception(KeyboardInterrupt())
        else:
            log.info("the read child ended without an answer (exit status %s): the org is read here", code)
            self._read_here()

    def _answered(self, outcome: LiveState | BaseException) -> None:
        if isinstance(outcome, LiveState):
            self.answer.set_result(outcome)
        else:
            self.answer.set_exception(outcome)

    def _received(self) -> LiveState | BaseException:
        while True:
            message = pickle.loads(self.connection.recv_bytes())
            if message[0] == _PAGE:
                _, number, row_type, body = message
                self.pages[number] = Page[row_type].model_validate_json(body).data
            elif message[0] == _FAILED:
                return message[1]
            else:
                return self._state(message[1])

    def _state(self, listings: dict[str, Any]) -> LiveState:
        pages, self.pages = self.pages, {}
        return assembled(pages, listings)

    def _read_here(self) -> None:
        try:
            self.answer.set_result(read_live_state(self.reader))
        except BaseException as exc:  # noqa: BLE001 - the caller raises it, as its own read would
            self.answer.set_exception(exc)
