"""The offline verbs: `validate` lints org files, `schema` prints their JSON Schema."""

from __future__ import annotations

import os

import click

FORMATS = ("text", "json", "github")


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=str))
@click.option("--format", "fmt", type=click.Choice(FORMATS), default=None,
              help="text: FILE:LINE:COL: field: message per problem (the default); json: a list of "
                   "problems; github: workflow annotations (the default when GITHUB_ACTIONS=true).")
@click.pass_context
def validate(ctx: click.Context, files: tuple[str, ...], fmt: str | None) -> None:
    """Check org FILES offline: syntax, types, names and references.

    Every problem is reported, one line each; exit 1 when any file has one, 0 when all are valid.
    """
    from orsync.config.loader import check_config
    from orsync.config.problems import annotation, as_record, summary

    fmt = fmt or ("github" if os.environ.get("GITHUB_ACTIONS") == "true" else "text")
    problems, invalid = [], 0
    for file in files:
        loaded, found = check_config(file)
        problems += found
        invalid += bool(found)
        if fmt == "json":
            continue
        for problem in found:
            click.echo(annotation(problem) if fmt == "github" else str(problem))
        if loaded is not None:
            click.echo(f"{file}: valid ({summary(loaded.model)})")
    if fmt == "json":
        import json

        click.echo(json.dumps([as_record(problem) for problem in problems], indent=2))
    if problems:
        count = len(problems)
        where = files[0] if len(files) == 1 else f"{invalid} of {len(files)} files"
        click.echo(f"orsync: {count} problem{'s' if count > 1 else ''} in {where}", err=True)
        ctx.exit(1)


@click.command()
def schema() -> None:
    """Print the JSON Schema of the org file (for editors and CI linters)."""
    import json

    from orsync.config.schema import config_json_schema

    click.echo(json.dumps(config_json_schema(), indent=2))


commands = [validate, schema]
