"""`orsync plan` and `orsync drift`: the live org compared with the file."""

from __future__ import annotations

import os

import click

FORMATS = click.Choice(["text", "json", "markdown"])


def _compute_plan(app, config_file: str, *, read_only: bool, catalog_checks: bool = False):
    from orsync.config.loader import load_config
    from orsync.planner.diff import build_plan
    from orsync.planner.live import ReadOnlyClient

    loaded = load_config(config_file)
    with app.client() as client:
        reader = ReadOnlyClient(client) if read_only else client
        return build_plan(loaded, reader, base_url=app.target_label(client), catalog_checks=catalog_checks)


def _emit(app, plan, fmt: str) -> None:
    from orsync.planner.render import render, render_markdown

    click.echo(render(plan, fmt, color=app.color and fmt == "text" and os.isatty(1)), nl=False)
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        with open(summary_file, "a", encoding="utf-8") as handle:
            handle.write(render_markdown(plan) + "\n")


@click.command()
@click.argument("config_file", type=click.Path(dir_okay=False))
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Save the plan as JSON, for `orsync apply PLAN.json`.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 2 when there are changes, 0 when none.")
@click.option("--offline", is_flag=True, help="Skip checking model and provider names against the catalogs.")
@click.pass_obj
def plan(app, config_file: str, out_file: str | None, fmt: str, detailed_exitcode: bool, offline: bool) -> None:
    """Show what apply would change in the live org to match CONFIG_FILE."""
    result = _compute_plan(app, config_file, read_only=False, catalog_checks=not offline)
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
@click.pass_obj
def drift(app, config_file: str, fmt: str) -> None:
    """Read-only check for cron: exit 0 in sync, 2 when the live org drifted from CONFIG_FILE."""
    result = _compute_plan(app, config_file, read_only=True)
    _emit(app, result, fmt)
    if result.has_changes:
        click.echo(f"orsync: drift: {len(result.changes)} object(s) differ from {config_file}", err=True)
        click.get_current_context().exit(2)


commands = [plan, drift]
