"""`orsync usage`: every key's spend against its limit, and every workspace budget against its
keys' spend; exit 2 past --fail-at, for cron."""

from __future__ import annotations

import click


def _fraction(ctx, param, value: float | None) -> float | None:
    if value is not None and not 0 < value <= 10:
        raise click.BadParameter("a fraction of the limit, e.g. 0.8 for 80%")
    return value


@click.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False, exists=True))
@click.option("--warn-at", default=0.8, show_default=True, type=float, callback=_fraction,
              help="Flag keys that spent this fraction of their limit.")
@click.option("--fail-at", type=float, callback=_fraction,
              help="Exit 2 when a key spent this fraction of its limit (for a cron alert).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text",
              show_default=True)
@click.pass_obj
def usage(app, config_file: str | None, warn_at: float, fail_at: float | None, fmt: str) -> None:
    """Each key's usage (today, this week, this month, total) against its limit, in every
    workspace (`slug/name` outside the default one), then each workspace budget against the
    spend of the workspace's keys in its window.

    With CONFIG_FILE, only the keys and workspaces it declares. Exit status: 0, or 2 when a key
    or a budget is at or over --fail-at, 1 on error.
    """
    from orsync.views.bars import supports_unicode
    from orsync.views.usage import Thresholds, build_report, render_json, render_markdown, render_text
    from orsync.views.usage_read import read_usage

    entries, workspaces = _declared(config_file) if config_file else (None, None)
    with app.client() as client:
        org = read_usage(client, workspaces)
    declared = org.declared(entries) if entries is not None else None
    report = build_report(org.keys, Thresholds(warn_at, fail_at), declared, org.budgets)
    if fmt == "json":
        click.echo(render_json(report), nl=False)
    elif fmt == "markdown":
        click.echo(render_markdown(report), nl=False)
    else:
        click.echo(render_text(report, unicode=supports_unicode()), nl=False)
    if report.failing:
        from orsync.escaping import visible

        names = visible(", ".join(report.names_at("fail")))
        click.echo(f"orsync: usage: at or over {fail_at:.0%} of their limit: {names}", err=True)
        click.get_current_context().exit(2)


def _declared(config_file: str) -> tuple[list[tuple[tuple[str | None, str], str | None]], set[str]]:
    """The (workspace, name, hash) of each key the file keeps, and the workspaces it declares."""
    from orsync.config.loader import load_config

    model = load_config(config_file).model
    keys = [((key.workspace, key.name), key.hash) for key in model.keys if key.state == "present"]
    return keys, {workspace.slug for workspace in model.workspaces if workspace.state == "present"}


commands = [usage]
