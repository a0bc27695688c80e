"""`orsync plan` and `orsync drift`: the live org compared with the file."""

from __future__ import annotations

import os

import click

FORMATS = click.Choice(["text", "json", "markdown"])
ALLOW_EMPTY_HELP = "The org really has no keys (or guardrails) yet: an empty listing is not an error."


def _compute_plan(app, config_file: str, *, read_only: bool, catalog_checks: bool = False,
                  model_slugs: bool = True, allow_empty_org: bool = False, require_slugs: bool = False):
    from orsync.config.forked_read import start_reading

    pending = start_reading(config_file)  # first, before any thread: a child reads the YAML meanwhile
    from orsync.planner.live import ReadOnlyClient
    from orsync.planner.read import build_plan, start_live_read

    with app.client() as client:
        reader = ReadOnlyClient(client) if read_only else client
        live = start_live_read(client, reader)  # the org is read while the file loads (docs/performance.md)
        # Imported only now: the read's first requests are already waiting on the network.
        from orsync.collector import loaded_objects_frozen
        from orsync.config.loader import load_config

        loaded = load_config(config_file, pending=pending)
        with loaded_objects_frozen():  # later collections skip the config (docs/performance.md)
            return build_plan(loaded, reader, base_url=app.target_label(client), catalog_checks=catalog_checks,
                              model_slugs=model_slugs, live=live.result, allow_empty_org=allow_empty_org,
                              require_slugs=require_slugs)


def _emit(app, plan, fmt: str, title: str = "orsync plan") -> None:
    from orsync import step_summary
    from orsync.planner.render import render, render_markdown

    pointer = step_summary.full_plan_pointer()
    click.echo(render(plan, fmt, color=fmt == "text" and app.use_color(), title=title,
                      full_plan=pointer), nl=False)
    if os.environ.get("GITHUB_STEP_SUMMARY"):
        step_summary.append(render_markdown(plan, title=title, full_plan=pointer))


@click.command()
@click.argument("config_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Save the plan as JSON, for `orsync apply PLAN.json`.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@click.option("--offline", is_flag=True, help="Skip checking model and provider names against the catalogs.")
@click.option("--allow-empty-org", is_flag=True, help=ALLOW_EMPTY_HELP)
@click.pass_obj
def plan(app, config_file: str, out_file: str | None, fmt: str, detailed_exitcode: bool, offline: bool,
         allow_empty_org: bool) -> None:
    """Show what apply would change in the live org to match CONFIG_FILE."""
    result = _compute_plan(app, config_file, read_only=False, catalog_checks=not offline, model_slugs=not offline,
                           allow_empty_org=allow_empty_org)
    _emit(app, result, fmt)
    if out_file:
        from orsync.planner.store import save_plan

        save_plan(result, out_file)
        click.echo(f"Plan saved to {out_file}; apply it with `orsync apply {out_file}`.", err=True)
    if detailed_exitcode and result.has_changes:
        click.get_current_context().exit(2)


@click.command()
@click.argument("config_file", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--allow-empty-org", is_flag=True, help=ALLOW_EMPTY_HELP)
@click.pass_obj
def drift(app, config_file: str, fmt: str, allow_empty_org: bool) -> None:
    """Read-only check for cron: exit 0 in sync, 2 when the live org drifted from CONFIG_FILE."""
    # An unreadable catalog is an error here (exit 1), not a warning: a nightly job would
    # otherwise report every model named by id as drift.
    result = _compute_plan(app, config_file, read_only=True, allow_empty_org=allow_empty_org, require_slugs=True)
    _emit(app, result, fmt, title="orsync drift")
    if result.has_changes:
        click.echo(f"orsync: drift: {len(result.changes)} object(s) differ from {config_file}", err=True)
        click.get_current_context().exit(2)


commands = [plan, drift]
