"""`orsync export`: the live org as an org file that plans to no changes."""

from __future__ import annotations

import click


@click.command()
@click.option("--out", "out_file", type=click.Path(dir_okay=False), help="Write the file here (default: stdout).")
@click.option("--include-disabled/--exclude-disabled", default=True, show_default=True,
              help="Export disabled keys (as disabled: true); excluded ones stay unmanaged.")
@click.option("--select", "globs", multiple=True, metavar="GLOB",
              help="Only keys, guardrails and member emails matching GLOB (repeatable), "
                   "with what they refer to or govern.")
@click.pass_obj
def export(app, out_file: str | None, include_disabled: bool, globs: tuple[str, ...]) -> None:
    """Write the live org as a config file; `orsync plan` of it shows no changes."""
    from orsync.export import ExportOptions, export_org
    from orsync.views.org_read import read_org

    with app.client() as client:
        state = read_org(client)  # every workspace, with its budgets and members
        source = app.target_label(client)
    text = export_org(state, ExportOptions(include_disabled=include_disabled, select=globs, source=source))
    if out_file is None:
        click.echo(text, nl=False)
        return
    _write_atomically(out_file, text)
    click.echo(f"Exported the org at {source} to {out_file}.", err=True)


def _write_atomically(path: str, text: str) -> None:
    """A reader never sees half a file; a failure is one line, not a traceback."""
    import os
    import tempfile
    from pathlib import Path

    from orsync.errors import OrsyncError

    target = Path(path)
    try:
        handle, temp_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, target)
    except OSError as exc:
        raise OrsyncError(f"{path}: cannot write: {exc.strerror or exc}") from None


commands = [export]
