"""`orsync graph`: guardrails and what they govern, as Mermaid or Graphviz text."""

from __future__ import annotations

import click


@click.command()
@click.argument("config_file", required=False, type=click.Path(dir_okay=False))
@click.option("--live", is_flag=True, help="Draw the live org instead of a file.")
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot"]), default="mermaid", show_default=True)
@click.pass_obj
def graph(app, config_file: str | None, live: bool, fmt: str) -> None:
    """Print the guardrails of CONFIG_FILE (offline) or of the --live org, with what they govern."""
    from orsync.graph import build_graph, declared_org, live_org, render

    if live == (config_file is not None):
        raise click.UsageError("give either CONFIG_FILE or --live")
    if live:
        from orsync.planner.live import ReadOnlyClient, read_live_state

        with app.client() as client:
            org = live_org(read_live_state(ReadOnlyClient(client)))
    else:
        from orsync.config.loader import load_config

        org = declared_org(load_config(config_file).model)
    click.echo(render(build_graph(org), fmt), nl=False)


commands = [graph]
