"""Running a plan: its phases in order, the independent changes of a phase concurrently.

Each kind places its changes on apply steps (orsync.resources.steps); the plan's changes are
already in step order, and the changes of one step form a phase in which nothing depends on
another change of the same phase. The old object of a replacement is deleted in its kind's
delete step, after every assignment (create-before-destroy). Batched kinds (assignments) send
one call per parent for the whole phase.

A change whose dependency failed (an assignment whose key or guardrail was not created, the
old key of a replacement whose new key was not created) is not attempted; everything else goes
ahead, so one failure costs as little as it can. Nothing here raises for a failed change: the
journal records it.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import groupby
from typing import IO

from orsync.api.errors import ApiError, AuthenticationError, ForbiddenError, NotFoundError
from orsync.apply.assignments import Batch, run_batch
from orsync.apply.creates import create_with_recovery, short
from orsync.apply.journal import Journal
from orsync.errors import OrsyncError, SecretSinkError
from orsync.planner.plan import Change, Plan
from orsync.progress import Progress
from orsync.resources import KINDS_BY_NAME
from orsync.resources.base import CreateResult, ResourceKind
from orsync.apply.secret_sinks import SecretSink, mask_for_github_actions

BATCH_OPS = ("assign", "unassign")
PAST = {"create": "created", "replace": "created the replacement of", "update": "updated",
        "delete": "deleted", "old": "deleted the old object of", "assign": "assigned",
        "unassign": "unassigned"}


class Skip(Exception):
    """This change cannot be attempted; str() says why (a dependency failed)."""


@dataclass(frozen=True)
class Step:
    op: str            # "write", "delete", "old" (the replaced object), "assign", "unassign"
    change: Change


def require_sink(plan: Plan, sink: SecretSink | None) -> None:
    """Refuse, before any write, a plan that creates keys when their secrets have nowhere to go."""
    secrets = plan.new_secrets()
    if secrets and sink is None:
        names = ", ".join(change.address for change in secrets[:5]) + (", ..." if len(secrets) > 5 else "")
        raise SecretSinkError(f"the plan creates {len(secrets)} key(s) ({names}) whose secrets the API "
                              "shows only once; give --secrets-out FILE or --secrets-command CMD")
    if sink is not None and secrets:
        sink.check([change.name for change in secrets])


def secrets_not_held(plan: Plan, sink: SecretSink | None) -> list[str]:
    """Changes to secret-bearing objects whose stored secret belongs to another object: the
    file holds `name` for one hash, but the object now managed under that name is another (a
    key deleted by hand, a namesake moved in from another workspace). Said before any write,
    so that no one finds out from a failing request that the stored secret is dead."""
    stored = sink.read() if sink is not None and hasattr(sink, "read") else {}
    found = []
    for change in plan.changes:
        entry = stored.get(change.name)
        if (entry is not None and change.live_id and change.action not in ("create", "replace", "delete")
                and KINDS_BY_NAME[change.kind].issues_secret and entry.hash != change.live_id):
            found.append(f"{change.address}: {sink.description} holds the secret of {short(entry.hash)}, "
                         f"but the object managed under this name is {short(change.live_id)}, whose secret "
                         "it does not hold")
    return found


def phases(plan: Plan) -> list[list[Step]]:
    """The plan's changes in runs that can go concurrently, replaced objects deleted last."""
    steps = [Step(_op(c), c) for c in plan.changes]
    steps += [Step("old", c) for c in plan.changes if c.action == "replace"]
    steps.sort(key=_phase_key)   # stable: the plan's own order within a step
    return [list(group) for _, group in groupby(steps, key=_phase_key)]


def _op(change: Change) -> str:
    if KINDS_BY_NAME[change.kind].batched:
        return change.action
    return "delete" if change.action == "delete" else "write"


def _phase_key(step: Step) -> tuple[int, bool]:
    """The change's apply step (the old object of a replacement: its kind's delete step); a
    batched kind's phase is its own even when another kind shares the step."""
    kind = KINDS_BY_NAME[step.change.kind]
    action = "delete" if step.op == "old" else step.change.action
    return (kind.step(action, step.change.body, step.change.before), kind.batched)


class Executor:
    def __init__(self, plan: Plan, client, *, sink: SecretSink | None, progress: Progress | None = None,
                 parallelism: int = 8, known_ids: set[str] | None = None,
                 mask_stream: IO[str] | None = None, intents=None) -> None:
        self.plan = plan
        self.client = client
        self.sink = sink
        self.progress = progress or Progress(progress_units(plan))
        self.parallelism = max(1, parallelism)
        self.journal = Journal(plan)
        # Ids live before this run: a lost create's object is one that is not among them.
        self.known_ids = set(known_ids) if known_ids is not None else {
            change.live_id for change in plan.changes if change.live_id}
        self.created_here = {c.address for c in plan.changes if c.action in ("create", "replace")}
        self.mask_stream = mask_stream or sys.stdout
        self.intents = intents   # orsync.apply.intents.Intents: creates recorded before they are sent

    def run(self) -> Journal:
        """Every change attempted or accounted for; Ctrl-C stops after the calls in flight."""
        try:
            self._run_phases()
        except KeyboardInterrupt:
            self.journal.halt("interrupted")
        finally:
            self.progress.close()
        return self.journal

    def _run_phases(self) -> None:
        for phase in phases(self.plan):
            if self.intents is not None and not self.journal.halted:
                self.intents.before_creates([step.change for step in phase if step.op == "write"])
            if phase[0].op in BATCH_OPS:
                tasks = [self._task([c for c, _ in batch.items], lambda b=batch: self._batch(b))
                         for batch in self._batches(phase)]
            else:
                tasks = [self._task([step.change], lambda s=step: self._step(s),
                                    on_halt=self._old_left if step.op == "old" else None)
                         for step in phase]
            self._run_concurrently(tasks)

    def _run_concurrently(self, tasks: list[Callable[[], None]]) -> None:
        if not tasks:
            return
        pool = ThreadPoolExecutor(max_workers=min(self.parallelism, len(tasks)),
                                  thread_name_prefix="orsync-apply")
        try:
            for future in [pool.submit(task) for task in tasks]:
                future.result()
        finally:
            # On Ctrl-C: let the calls in flight finish (a new key's secret gets stored), drop the rest.
            pool.shutdown(wait=True, cancel_futures=True)

    # --- guarding: every failure lands in the journal -------------------------------------------

    def _task(self, changes: list[Change], work: Callable[[], None],
              on_halt: Callable[[Change], None] | None = None) -> Callable[[], None]:
        def guarded() -> None:
            if self.journal.halted:
                for change in changes:
                    if on_halt:
                        on_halt(change)
                    else:
                        self._not_attempted(change, f"apply stopped: {self.journal.halted}")
                return
            try:
                work()
            except Skip as skip:
                for change in changes:
                    self._not_attempted(change, str(skip))
            except OrsyncError as exc:
                if _bad_credentials(exc):
                    self.journal.halt(str(exc))
                for change in changes:
                    self._failed(change, str(exc))
            except Exception as exc:  # noqa: BLE001 - a bug must not hide what was already done
                for change in changes:
                    self._failed(change, f"internal error: {type(exc).__name__}: {exc}")
        return guarded

    def _failed(self, change: Change, message: str) -> None:
        self.journal.failed(change, message)
        self.progress.note(f"failed: {change.address} ({change.action}): {message}")
        self.progress.advance(f"failed {change.address}", count=self._units(change))

    def _not_attempted(self, change: Change, reason: str) -> None:
        self.journal.not_attempted(change, reason)
        self.progress.advance(f"skipped {change.address}", count=self._units(change))

    def _units(self, change: Change) -> int:
        """Progress units still open for a change: a replacement is two (create, old delete)
        until its new object exists."""
        return 2 if change.action == "replace" and self.journal.new_id(change.address) is None else 1

    def _done(self, change: Change, op: str, detail: str = "", count: int = 1) -> None:
        self.journal.done(change, detail)
        self.progress.advance(f"{PAST[op]} {change.address}" + (f" ({detail})" if detail else ""), count)

    # --- writes and deletes ---------------------------------------------------------------------

    def _step(self, step: Step) -> None:
        change, kind = step.change, KINDS_BY_NAME[step.change.kind]
        if step.op == "old":
            self._delete_replaced(kind, change)
        elif step.op == "delete":
            detail = self._delete(kind, change.live_id)
            self._done(change, "delete", detail)
        elif change.action in ("create", "replace"):
            self._create(kind, change)
        else:
            kind.update(self.client, change.live_id, change.body)
            self._done(change, "update")

    def _delete(self, kind: ResourceKind, live_id: str) -> str:
        try:
            kind.delete(self.client, live_id)
        except NotFoundError:
            return "already gone"
        return ""

    def _create(self, kind: ResourceKind, change: Change) -> None:
        if kind.issues_secret and self.journal.sink_broken:
            raise Skip(f"no safe place for its secret: {self.journal.sink_broken}")
        try:
            result = create_with_recovery(
                kind, self.client, change, on_created=lambda result: self._on_created(kind, change, result),
                known_ids=lambda: self.known_ids | self.journal.new_ids(), note=self._note)
        except OrsyncError as exc:
            new_id = self.journal.new_id(change.address)
            if new_id is None:
                raise
            # Created, then a follow-up (PATCH disabled) failed: the object exists, so what
            # depends on it goes ahead, and the next plan shows what is still to do.
            raise OrsyncError(f"created ({short(new_id)}), then: {exc}") from None
        self._done(change, change.action, short(result.live_id), count=1)

    def _on_created(self, kind: ResourceKind, change: Change, result: CreateResult) -> None:
        self.journal.created(change.address, result.live_id)
        if result.secret is not None:
            self._keep_secret(kind, change, result)

    def _keep_secret(self, kind: ResourceKind, change: Change, result: CreateResult) -> None:
        """Mask it (under Actions) before anything could print it, then store it durably."""
        mask_for_github_actions(result.secret, self.mask_stream)
        try:
            self.sink.store(change.name, result.live_id, result.secret)
        except SecretSinkError as exc:
            self.journal.break_sink(str(exc))
            self.journal.forget_created(change.address)
            raise SecretSinkError(f"{exc}; {self._discard(kind, result.live_id)}") from None
        self.journal.secret_stored()
        if self.intents is not None:
            self.intents.stored(result.live_id)

    def _discard(self, kind: ResourceKind, live_id: str) -> str:
        """Delete a key whose secret could not be stored: nobody could ever use it."""
        try:
            self._delete(kind, live_id)
        except ApiError as exc:
            return f"deleting the new key {live_id} failed ({exc}): it is live without a saved secret"
        return "the new key was deleted again, since its secret was lost"

    def _delete_replaced(self, kind: ResourceKind, change: Change) -> None:
        if self.journal.new_id(change.address) is None:
            return  # the replacement failed; its outcome says so, and the old object stays
        try:
            detail = self._delete(kind, change.live_id)
        except OrsyncError as exc:
            if _bad_credentials(exc):
                self.journal.halt(str(exc))
            self._old_left(change, f"deleting it failed: {exc}")
            return
        self.progress.advance(f"{PAST['old']} {change.address} ({short(change.live_id)}{', ' + detail if detail else ''})")

    def _old_left(self, change: Change, why: str = "") -> None:
        """The replacement exists but the old object is still live: the next plan would see two."""
        if self.journal.new_id(change.address) is None:
            return
        why = why or f"apply stopped: {self.journal.halted}"
        message = (f"the replacement was created, but the old {change.kind} {change.live_id} is still "
                   f"live ({why}); the next apply with the same secrets sink deletes it (its intent "
                   "record proves this run started the replacement), or delete it by hand")
        self.journal.failed(change, message)
        self.progress.note(f"failed: {change.address}: {message}")
        self.progress.advance(f"failed {change.address}")

    def _note(self, text: str) -> None:
        self.journal.note(text)
        self.progress.note(text)

    # --- assignments ------------------------------------------------------------------------------

    def _batches(self, phase: list[Step]) -> list[Batch]:
        """Group by parent; changes whose target or parent was not created are not attempted."""
        batches: dict[tuple[str, str, str], Batch] = {}
        for step in phase:
            change = step.change
            kind = KINDS_BY_NAME[change.kind]
            try:
                target_id = kind.batch_target(change) or self._target_id(change)
                parent_id = self._parent_id(kind, change, step.op)
            except Skip as skip:
                self._not_attempted(change, str(skip))
                continue
            if parent_id is None:
                self._done(change, step.op, "nothing was assigned")
                continue
            batch = batches.setdefault((change.kind, step.op, parent_id), Batch(kind, step.op, parent_id))
            batch.items.append((change, target_id))
        return list(batches.values())

    def _target_id(self, change: Change) -> str:
        target = change.refs.get("target", "")
        new_id = self.journal.new_id(target)
        if new_id:
            return new_id
        if target in self.created_here:
            raise Skip(f"{target} was not created")
        if change.live_id:
            return change.live_id
        raise Skip(f"{target} has no live id")

    def _parent_id(self, kind: ResourceKind, change: Change, op: str) -> str | None:
        live_id, ref = kind.batch_parent(change, op)
        if live_id or not ref:
            return live_id
        new_id = self.journal.new_id(ref)
        if new_id is None:
            raise Skip(f"{ref} was not created" if ref in self.created_here else f"{ref} has no live id")
        return new_id

    def _batch(self, batch: Batch) -> None:
        result = run_batch(self.client, batch)
        for change in result.succeeded:
            self._done(change, batch.verb)
        for change, message in result.failed:
            self._failed(change, message)


def progress_units(plan: Plan) -> int:
    """A replacement counts twice: its create and, after the assignments, its old delete."""
    return len(plan.changes) + plan.count("replace")


def _bad_credentials(exc: Exception) -> bool:
    """Every further call would fail the same way: stop instead of failing them one by one."""
    if isinstance(exc, AuthenticationError):
        return True
    return isinstance(exc, ForbiddenError) and not exc.blocked_by_guardrail
