"""The offline verbs: `validate` checks an org file, `schema` prints its JSON Schema."""

from __future__ import annotations

import click


@click.command()
@click.argument("file", type=click.Path(path_type=str))
def validate(file: str) -> None:
    """Check the org FILE offline: syntax, types, names and references (exit 1 if invalid)."""
    from orsync.config.loader import load_config

    config = load_config(file).model
    counts = [(len(config.guardrails), "guardrail"), (len(config.keys), "key"),
              (len(config.members), "member"), (len(config.smoke), "smoke test")]
    summary = ", ".join(f"{count} {noun}{'' if count == 1 else 's'}" for count, noun in counts)
    click.echo(f"{file}: valid ({summary})")


@click.command()
def schema() -> None:
    """Print the JSON Schema of the org file (for editors and CI linters)."""
    import json

    from orsync.config.schema import config_json_schema

    click.echo(json.dumps(config_json_schema(), indent=2))


commands = [validate, schema]
