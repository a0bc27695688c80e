"""`orsync apply FILE` and `orsync apply PLAN.json`, from reading the org to the exit status.

The order is the promise: every check that can refuse (stale saved plan, safety guards, no
place for secrets, no confirmation) runs before the first write.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

import click

from orsync.apply.executor import Executor, require_sink
from orsync.apply.saved import check_config_unchanged, check_not_stale, check_target, config_path_of
from orsync.apply.summary import render_summary
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


def run_apply(app, source: str, options: ApplyOptions) -> int:
    """Plan (or load and re-check a saved plan), check, confirm, apply; the exit status."""
    from orsync.planner.store import looks_like_plan

    sink = open_sink(options.secrets_out, options.secrets_command)
    saved_plan = looks_like_plan(source)
    with app.client(concurrency=options.parallelism) as client:
        plan, state = (_reviewed_saved_plan(app, client, source) if saved_plan
                       else _fresh_plan(app, client, source, not options.offline))
        _show(app, plan)
        if not plan.has_changes:
            return 0
        violations = plan.safety_violations(allow_destroy=options.allow_destroy, force=options.force)
        if violations:
            raise SafetyError("; ".join(violations))
        require_sink(plan, sink)
        if not saved_plan:
            _confirm(plan, options.yes, app.target_label(client))
        journal = Executor(plan, client, sink=sink, parallelism=options.parallelism,
                           known_ids=_live_ids(state)).run()
    rerun = f"orsync{' --emulator' if app.use_emulator else ''} apply {plan.config_path}"
    click.echo(render_summary(journal, sink_description=getattr(sink, "description", None), rerun=rerun),
               nl=False)
    if journal.ok:
        return 0
    click.echo(f"orsync: error: apply incomplete: {journal.count('failed')} failed, "
               f"{journal.count('not attempted')} not attempted", err=True)
    return INTERRUPTED if journal.halted == "interrupted" else 1


def _fresh_plan(app, client, config_file: str, catalog_checks: bool):
    from orsync.config.loader import load_config
    from orsync.planner.diff import read_and_plan

    return read_and_plan(load_config(config_file), client, base_url=app.target_label(client),
                         catalog_checks=catalog_checks)


def _reviewed_saved_plan(app, client, plan_file: str):
    """The saved plan, once the file and the live objects are shown to be as they were."""
    from orsync.config.loader import load_config
    from orsync.planner.diff import plan_from_state
    from orsync.planner.live import read_live_state
    from orsync.planner.store import load_plan

    saved = load_plan(plan_file)
    loaded = load_config(config_path_of(saved, plan_file))
    check_config_unchanged(saved, loaded)
    target = app.target_label(client)
    check_target(saved, target)
    state = read_live_state(client)
    check_not_stale(saved, plan_from_state(loaded, state, base_url=target))
    return saved, state


def _show(app, plan: Plan) -> None:
    from orsync.planner.render import render

    click.echo(render(plan, "text", color=app.color and os.isatty(1)), nl=False)


def _confirm(plan: Plan, yes: bool, target: str) -> None:
    if yes:
        return
    if not sys.stdin.isatty():
        raise OrsyncError("not applying: stdin is not a terminal, so nobody can confirm; "
                          "review the plan and pass --yes, or apply a saved plan")
    if not click.confirm(f"Apply these {len(plan.changes)} change(s) to {target}?", default=False,
                         err=True):
        raise OrsyncError("apply cancelled; nothing was changed")


def _live_ids(state) -> set[str]:
    return {key.hash for key in state.keys} | {guardrail.id for guardrail in state.guardrails}
