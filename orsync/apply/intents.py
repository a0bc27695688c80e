"""Intent records: what apply is about to create, written before the first create is sent.

The API shows a new key's secret once. If orsync dies between sending `POST /keys` and storing
the answer (SIGKILL, a power cut, a second Ctrl-C in an old version), the key is live and its
secret is gone; and if a replacement's old object could not be deleted, two objects share a
name. Neither can be told apart from a namesake a colleague made by hand, unless apply wrote
down beforehand what it was about to do. So before each phase that creates, apply appends one
line per create to a record next to the sink (mode 0600, one fsync for the phase, no secret):
the change's kind, address, name and body fields that identify it, the ids of the live objects
of that name before the create, and the old id of a replacement.

The next apply with the same sink reads the record against the live org and the sink. A live
object of a recorded name that was not there before and whose secret is not stored was made by
that interrupted run: the plan names it and deletes it (the entry is then created afresh, with
a stored secret). A recorded replacement's old object is deleted once its new one exists.
Everything else is left to the usual identity rules (a hand-made namesake is an error). Records
that prove nothing any more are dropped; a run that ends cleanly leaves none.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from orsync.apply.journal import DONE, NOT_ATTEMPTED, Journal
from orsync.errors import SafetyError
from orsync.planner.namesakes import Proof
from orsync.planner.plan import Change, Plan
from orsync.resources import KINDS_BY_NAME

COMMAND_SINK_RECORD = Path(".orsync-intents.jsonl")
# A key made by the interrupted run was created after its intent was written (allowing for the
# server's clock being behind ours) and before the run could have ended.
CLOCK_SKEW = timedelta(minutes=5)
RUN_WINDOW = timedelta(hours=2)


@dataclass(frozen=True)
class Intent:
    kind: str
    address: str
    name: str
    body: dict                      # the create's body (never a secret: plans hold none)
    before: list[str]               # ids of live objects this create could be confused with
    replaces: str | None = None     # the old object's id, for a replacement
    secret: bool = False            # the object comes with a secret to store
    at: str = field(default_factory=lambda: datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def record_path(sink) -> Path:
    """Next to a secrets file (`.secrets.json.intents`); for a command, in the working directory."""
    path = getattr(sink, "path", None)
    return path.with_name(f".{path.name}.intents") if path is not None else COMMAND_SINK_RECORD


class IntentRecord:
    """The record file: JSON lines, appended with one fsync per batch, rewritten to compact."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> tuple[list[Intent], set[str]]:
        """The intents, and the ids whose secrets a command sink reported stored. A line cut
        short by a crash is ignored (it was never fsynced, so nothing was sent after it)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return [], set()
        intents, stored = [], set()
        for line in text.splitlines():
            try:
                entry = json.loads(line)
                if "stored" in entry:
                    stored.add(str(entry["stored"]))
                else:
                    intents.append(Intent(**entry))
            except (ValueError, TypeError):
                continue
        return intents, stored

    def append(self, intents: list[Intent] | None = None, stored: str | None = None) -> None:
        lines = [json.dumps(asdict(intent), sort_keys=True) for intent in intents or []]
        if stored is not None:
            lines.append(json.dumps({"stored": stored}))
        if not lines:
            return
        descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            os.write(descriptor, ("\n".join(lines) + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)

    def replace_with(self, intents: list[Intent], stored: set[str]) -> None:
        """Keep only these (atomically); no file at all when nothing is left to prove."""
        if not intents:
            self.path.unlink(missing_ok=True)
            return
        temporary = self.path.with_name(self.path.name + ".new")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        lines = [json.dumps(asdict(intent), sort_keys=True) for intent in intents]
        lines += [json.dumps({"stored": live_id}) for live_id in sorted(stored)]
        try:
            os.write(descriptor, ("\n".join(lines) + "\n").encode())
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(temporary, self.path)


class Intents:
    """One apply's view of the record: the proofs it gives the planner, what it adds, and what
    it keeps when the run ends."""

    def __init__(self, sink) -> None:
        self.sink = sink
        self.record = IntentRecord(record_path(sink))
        # Held for the whole run: a second apply with the same sink would read this run's
        # creates, whose secrets are still arriving, as secretless leftovers; it is refused.
        self._lock = _exclusive_lock(self.record.path.with_name(self.record.path.name + ".lock"), sink)
        self.earlier, self.reported_stored = self.record.read()
        self.proved: dict[str, list[str]] = {}      # intent address -> ids it proves
        self.added: list[Intent] = []
        self.state = None                           # the live org the plan was made from
        self.evaluated = False                      # proofs() ran: earlier intents were judged

    def proofs(self, state) -> dict[str, Proof]:
        """Live id -> why this tool may delete it, from the earlier runs' intents."""
        self.bind(state)
        self.evaluated = True
        stored = self.reported_stored | _stored_ids(self.sink)
        proofs: dict[str, Proof] = {}
        for intent in self.earlier:
            kind = KINDS_BY_NAME.get(intent.kind)
            if not _creates_own_objects(kind):
                continue
            live = set(kind.find_created(state, intent.body))
            found = {}
            if intent.secret:
                for live_id in sorted(_made_during(kind, state, live - set(intent.before) - stored, intent.at)):
                    found[live_id] = Proof(f"created by an apply interrupted at {intent.at}, which never stored "
                                           f"its secret: replaced by a new {kind.kind}", always=True)
            if intent.replaces and intent.replaces in live:
                found[intent.replaces] = Proof(f"the old {kind.kind} of a replacement started by an earlier apply "
                                               f"({intent.at}), whose delete did not happen")
            if found:
                self.proved[intent.address + "@" + intent.at] = sorted(found)
                proofs.update(found)
        return proofs

    def bind(self, state) -> None:
        self.state = state

    def before_creates(self, changes: list[Change]) -> None:
        """Record the creates of a phase before any is sent (one fsync)."""
        intents = [Intent(kind=change.kind, address=change.address, name=change.name, body=dict(change.body),
                          before=self._namesakes(change),
                          replaces=change.live_id if change.action == "replace" else None, secret=change.secret)
                   for change in changes if change.action in ("create", "replace")
                   and _creates_own_objects(KINDS_BY_NAME[change.kind])]
        if intents:
            self.record.append(intents)
            self.added.extend(intents)

    def _namesakes(self, change: Change) -> list[str]:
        kind = KINDS_BY_NAME[change.kind]
        return sorted(kind.find_created(self.state, change.body)) if self.state is not None else []

    def stored(self, live_id: str) -> None:
        """A command sink cannot be read back: note each secret it took (a file sink can)."""
        if getattr(self.sink, "path", None) is None:
            self.record.append(stored=live_id)
            self.reported_stored.add(live_id)

    def close(self) -> None:
        if self._lock is not None:
            os.close(self._lock)   # releases the lock (so does the end of the process, even SIGKILL)
            self._lock = None

    def finish(self, plan: Plan, journal: Journal) -> None:
        """After a run that ended in this process: keep what may still need proving."""
        outcomes = {outcome.address: outcome.status for outcome in journal.outcomes()}
        deleted = {change.live_id for change in plan.changes
                   if change.action == "delete" and outcomes.get(change.address) == DONE}
        keep = [intent for intent in self.earlier
                if not self.evaluated or set(self.proved.get(intent.address + "@" + intent.at, [])) - deleted]
        keep += [intent for intent in self.added if outcomes.get(intent.address) not in (DONE, NOT_ATTEMPTED)]
        self.record.replace_with(keep, self.reported_stored if keep else set())


def _exclusive_lock(path: Path, sink) -> int:
    import fcntl

    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(descriptor)
        raise SafetyError(f"another orsync apply is using {getattr(sink, 'description', path)} right now "
                          f"({path} is locked); nothing was written: run apply again once it has "
                          "finished (and serialise applies, e.g. a CI concurrency group)") from None
    return descriptor


def _made_during(kind, state, ids: set[str], at: str) -> set[str]:
    """The ids among `ids` created within RUN_WINDOW of the intent: a namesake a colleague made
    by hand days later is no object of that run. (A row without created_at cannot be dated
    and counts as made then: every key and guardrail row has one.)"""
    started = datetime.fromisoformat(at.replace("Z", "+00:00"))
    identity = getattr(kind, "id_attribute", "id")
    made = set()
    for row in state.rows(kind.created_in):
        live_id = getattr(row, identity, None)
        if live_id not in ids:
            continue
        created = getattr(row, "created_at", None)
        if isinstance(created, str):
            created = datetime.fromisoformat(created.replace("Z", "+00:00"))
        if created is None or started - CLOCK_SKEW <= created.astimezone(timezone.utc) <= started + RUN_WINDOW:
            made.add(live_id)
    return made


def _creates_own_objects(kind) -> bool:
    """Kinds whose creates make a new object with an id of its own, found again by name (a
    default guardrail "created" by a PATCH is not one)."""
    return kind is not None and bool(kind.created_in) and hasattr(kind, "find_created")


def _stored_ids(sink) -> set[str]:
    """Hashes the sink holds (a file sink can say; a command sink cannot)."""
    reader = getattr(sink, "read", None)
    if reader is None:
        return set()
    try:
        return {entry.hash for entry in reader().values()}
    except Exception:  # noqa: BLE001 - an unreadable sink is refused by its own check
        return set()
