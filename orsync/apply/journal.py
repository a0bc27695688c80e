"""What happened to each change of a plan during one apply: the record the summary is made of.

Shared by apply's worker threads, hence the lock. Holds the ids of objects created in this run,
which later changes (assignments, the deletes of replaced keys) depend on. Never holds a secret.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from orsync.planner.plan import Change, Plan

DONE, FAILED, NOT_ATTEMPTED = "done", "failed", "not attempted"


@dataclass(frozen=True)
class Outcome:
    address: str
    action: str
    status: str
    detail: str = ""                  # the API's message for a failure, the reason for a skip


class Journal:
    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self._lock = threading.Lock()
        self._outcomes: dict[str, Outcome] = {}
        self._new_ids: dict[str, str] = {}
        self._notes: list[str] = []
        self.secrets_stored = 0
        self.halted: str | None = None       # why nothing more is attempted (bad credentials)
        self.sink_broken: str | None = None  # why no more keys are created (secrets have nowhere to go)

    # --- recording ----------------------------------------------------------------------------

    def done(self, change: Change, detail: str = "") -> None:
        self._record(change, DONE, detail)

    def failed(self, change: Change, message: str) -> None:
        self._record(change, FAILED, message)

    def not_attempted(self, change: Change, reason: str) -> None:
        self._record(change, NOT_ATTEMPTED, reason)

    def _record(self, change: Change, status: str, detail: str) -> None:
        with self._lock:
            self._outcomes[change.address] = Outcome(change.address, change.action, status, detail)

    def created(self, address: str, live_id: str) -> None:
        with self._lock:
            self._new_ids[address] = live_id

    def forget_created(self, address: str) -> None:
        """The object created for `address` was deleted again (its secret had nowhere to go)."""
        with self._lock:
            self._new_ids.pop(address, None)

    def secret_stored(self) -> None:
        with self._lock:
            self.secrets_stored += 1

    def note(self, text: str) -> None:
        with self._lock:
            self._notes.append(text)

    def halt(self, reason: str) -> None:
        with self._lock:
            self.halted = self.halted or reason

    def interrupt(self) -> None:
        """From a signal handler: no lock (the main thread may hold it); one assignment is atomic."""
        self.halted = self.halted or "interrupted"

    def break_sink(self, reason: str) -> None:
        with self._lock:
            self.sink_broken = self.sink_broken or reason

    # --- reading ------------------------------------------------------------------------------

    def new_id(self, address: str) -> str | None:
        with self._lock:
            return self._new_ids.get(address)

    def new_ids(self) -> set[str]:
        with self._lock:
            return set(self._new_ids.values())

    def outcomes(self) -> list[Outcome]:
        """One per change, in plan order; a change nothing was recorded for was not attempted."""
        with self._lock:
            return [self._outcomes.get(change.address)
                    or Outcome(change.address, change.action, NOT_ATTEMPTED, "apply stopped before it")
                    for change in self.plan.changes]

    def notes(self) -> list[str]:
        with self._lock:
            return list(self._notes)

    def count(self, status: str) -> int:
        return sum(1 for outcome in self.outcomes() if outcome.status == status)

    @property
    def ok(self) -> bool:
        return all(outcome.status == DONE for outcome in self.outcomes())
