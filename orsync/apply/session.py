"""`orsync apply FILE` and `orsync apply PLAN.json`, from reading the org to the exit status.

The order is the promise: every check that can refuse (stale saved plan, safety guards, no
place for secrets, no confirmation) runs before the first write.
"""

from __future__ import annotations

import gc
import sys
from contextlib import ExitStack
from dataclasses import dataclass, replace

import click

from orsync import step_summary
from orsync.escaping import visible
from orsync.apply.concurrent import check_no_concurrent_creates
from orsync.apply.executor import Executor, require_sink, secrets_not_held
from orsync.apply.intents import Intents
from orsync.apply.journal import Journal
from orsync.apply.signals import drain_on_stop, sigterm_as_interrupt
from orsync.apply.saved import (canonical_texts, check_config_unchanged, check_not_stale, check_target,
                                config_path_of)
from orsync.apply.summary import render_summary, render_summary_markdown
from orsync.errors import OrsyncError, SafetyError
from orsync.planner.plan import Plan
from orsync.apply.secret_sinks import open_sink


INTERRUPTED = 130  # the shell's code for Ctrl-C


@dataclass(frozen=True)
class ApplyOptions:
    yes: bool = False
    allow_destroy: bool = False
    force: bool = False
    parallelism: int = 8
    secrets_out: str | None = None
    secrets_command: str | None = None
    offline: bool = False
    allow_empty_org: bool = False


def run_apply(app, source: str, options: ApplyOptions) -> int:
    """Plan (or load and re-check a saved plan), check, confirm, apply; the exit status.

    Until the first write SIGTERM stops at once, like Ctrl-C; from then on either signal lets
    the calls in flight finish (orsync.apply.signals).
    """
    with sigterm_as_interrupt():
        sink = open_sink(options.secrets_out, options.secrets_command)
        intents = Intents(sink) if sink is not None else None   # refused if another apply holds it
        try:
            return _run_apply(app, source, options, sink, intents)
        finally:
            if intents is not None:
                intents.close()


def _run_apply(app, source: str, options: ApplyOptions, sink, intents) -> int:
    from orsync.planner.store import plan_json

    with ExitStack() as closing:
        # What apply builds before its first write (a saved plan's JSON, the plan, its config, the
        # org) is frozen as soon as it is built (orsync.collector): a full pass of the collector
        # would otherwise rescan all of it (one took 40 to 90 ms at 1,000 keys, before the org
        # was even read, and another at each 25% of growth). Unfrozen once the writes are over.
        plan_data = plan_json(source)   # None for a config file; a saved plan's JSON is parsed once
        saved_plan = plan_data is not None
        gc.freeze()
        closing.callback(gc.unfreeze)
        client = closing.enter_context(app.client(concurrency=options.parallelism))
        if saved_plan:
            plan, state, shown = _reviewed_saved_plan(app, client, source, intents, options.allow_empty_org,
                                                      plan_data)
        else:
            (plan, state), shown = _fresh_plan(app, client, source, not options.offline, intents,
                                               options.allow_empty_org), None
        del plan_data   # not held through the writes
        gc.freeze()     # the read ended with the collector's unfreeze: the org and the plans, for the writes
        _show(app, plan, shown)
        if not plan.has_changes:
            if intents is not None:
                intents.finish(plan, Journal(plan))   # drop records that prove nothing any more
            return 0
        violations = plan.safety_violations(allow_destroy=options.allow_destroy, force=options.force)
        if violations:
            raise SafetyError("; ".join(violations))
        require_sink(plan, sink)
        for warning in secrets_not_held(plan, sink):
            click.echo(f"orsync: warning: {visible(warning)}", err=True)
        if not saved_plan:
            _confirm(plan, options.yes, app.target_label(client))
        check_no_concurrent_creates(plan, client, state)
        executor = Executor(plan, client, sink=sink, parallelism=options.parallelism,
                            known_ids=_live_ids(state), intents=intents)
        with drain_on_stop(executor.journal.interrupt):
            journal = executor.run()
            if intents is not None:
                intents.finish(plan, journal)
            return _report(app, plan, journal, sink)


def _report(app, plan: Plan, journal, sink) -> int:
    rerun = f"orsync{' --emulator' if app.use_emulator else ''} apply {plan.config_path}"
    click.echo(render_summary(journal, sink_description=getattr(sink, "description", None), rerun=rerun),
               nl=False)
    step_summary.append(render_summary_markdown(journal))
    if journal.ok:
        return 0
    click.echo(f"orsync: error: apply incomplete: {journal.count('failed')} failed, "
               f"{journal.count('not attempted')} not attempted", err=True)
    return INTERRUPTED if journal.halted == "interrupted" else 1


def _fresh_plan(app, client, config_file: str, catalog_checks: bool, intents=None, allow_empty_org: bool = False):
    from orsync.collector import loaded_objects_frozen
    from orsync.config.forked_read import start_reading
    from orsync.config.loader import load_config
    from orsync.planner.read import read_and_plan, start_live_read

    pending = start_reading(config_file)  # before any thread: a child reads the YAML meanwhile
    live = start_live_read(client)  # the org is read while the file loads
    loaded = load_config(config_file, pending=pending)
    with loaded_objects_frozen():  # later collections skip the config (docs/performance.md)
        return read_and_plan(loaded, client, base_url=app.target_label(client),
                             catalog_checks=catalog_checks, model_slugs=catalog_checks, live=live.result,
                             allow_empty_org=allow_empty_org, proofs=intents.proofs if intents else None)


def _reviewed_saved_plan(app, client, plan_file: str, intents=None, allow_empty_org: bool = False,
                         plan_data=None):
    """The saved plan, once the file and the live objects are shown to be as they were.

    Its guards (protect, max_deletes) are the config's, re-read now: a plan file is only JSON,
    and editing its `policy` must not switch a guard off. A plan whose changes are all in
    place already (a CI retry after it applied) is "already applied", not stale.
    """
    from orsync.collector import loaded_objects_frozen
    from orsync.config.forked_read import start_reading
    from orsync.config.loader import load_config
    from orsync.planner.read import read_and_plan, start_live_read
    from orsync.planner.store import load_plan

    saved = load_plan(plan_file, plan_data)
    config_file = config_path_of(saved, plan_file)
    # The plan names its config, so the plan comes first; then, before any thread starts, a
    # child reads the config's YAML on the other core while this process reads the org.
    pending = start_reading(config_file)
    live = start_live_read(client)
    loaded = load_config(config_file, pending=pending)
    check_config_unchanged(saved, loaded)
    target = app.target_label(client)
    check_target(saved, target)
    policy = loaded.model.policy
    reviewed = replace(saved, protect=tuple(policy.protect), max_deletes=policy.max_deletes)
    # While the org is read (neither needs anything live): the saved half of the stale check,
    # and the plan's text as it is shown if it still holds.
    saved_texts = canonical_texts(saved)
    shown = _rendered(app, reviewed)
    # Planned again as the saved plan was: model lists through the catalog's canonical slugs.
    with loaded_objects_frozen():  # later collections skip the config (docs/performance.md)
        fresh, state = read_and_plan(loaded, client, base_url=target, allow_empty_org=allow_empty_org,
                                     live=live.result)
    if intents is not None:
        intents.bind(state)
    if saved.has_changes and not fresh.has_changes:
        click.echo(f"orsync: the saved plan {plan_file} was already applied: the org matches "
                   f"{saved.config_path}; nothing to do", err=True)
        return fresh, state, None
    check_not_stale(saved, fresh, saved_texts)
    return reviewed, state, shown


def _show(app, plan: Plan, text: str | None = None) -> None:
    """The plan as text; `text`: rendered already (a saved plan's, while the org was read)."""
    click.echo(_rendered(app, plan) if text is None else text, nl=False)


def _rendered(app, plan: Plan) -> str:
    from orsync.planner.render import render

    return render(plan, "text", color=app.use_color())


def _confirm(plan: Plan, yes: bool, target: str) -> None:
    if yes:
        return
    if not _stdin_is_terminal():
        raise OrsyncError("not applying: stdin is not a terminal, so nobody can confirm; "
                          "review the plan and pass --yes, or apply a saved plan")
    if not click.confirm(f"Apply these {len(plan.changes)} change(s) to {target}?", default=False,
                         err=True):
        raise OrsyncError("apply cancelled; nothing was changed")


def _stdin_is_terminal() -> bool:
    """False for a pipe, a file, /dev/null, and a closed stdin (`<&-`: sys.stdin is None)."""
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError, OSError):
        return False


def _live_ids(state) -> set[str]:
    from orsync.resources import CREATED_IN

    return state.ids(CREATED_IN)
