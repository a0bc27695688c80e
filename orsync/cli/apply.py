"""`orsync apply FILE` / `orsync apply PLAN.json`: make the live org match the file."""

from __future__ import annotations

import click


@click.command()
@click.argument("source", metavar="FILE_OR_PLAN", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", "-y", is_flag=True, help="Apply without asking (needed when stdin is not a terminal).")
@click.option("--allow-destroy", is_flag=True, help="Allow deleting or replacing objects matched by policy.protect.")
@click.option("--force", is_flag=True, help="Allow more deletions than policy.max_deletes.")
@click.option("--parallelism", type=click.IntRange(1, 64), default=8, show_default=True,
              help="How many independent API calls run at once.")
@click.option("--secrets-out", type=click.Path(dir_okay=False),
              help="Write new keys' secrets here (JSON; dotenv for a .env name), mode 0600, merged.")
@click.option("--secrets-command", metavar="CMD",
              help="Run CMD once per new key with {name, hash, key} as JSON on its stdin (e.g. a vault CLI).")
@click.option("--offline", is_flag=True, help="Skip checking model and provider names against the catalogs.")
@click.option("--allow-empty-org", is_flag=True,
              help="The org really has no keys (or guardrails) yet: an empty listing is not an error.")
@click.pass_obj
def apply(app, source: str, yes: bool, allow_destroy: bool, force: bool, parallelism: int,
          secrets_out: str | None, secrets_command: str | None, offline: bool, allow_empty_org: bool) -> None:
    """Apply FILE (after showing the plan and asking), or a saved PLAN.json (checked, not asked).

    A saved plan is refused when its config file or any live object it touches changed since
    it was made. Exit 0 when everything applied, 1 on an error or a partial failure (with a
    summary of what was done, what failed and what was not attempted).
    """
    from orsync.apply.session import ApplyOptions, run_apply

    options = ApplyOptions(yes=yes, allow_destroy=allow_destroy, force=force, parallelism=parallelism,
                           secrets_out=secrets_out, secrets_command=secrets_command, offline=offline,
                           allow_empty_org=allow_empty_org)
    code = run_apply(app, source, options)
    if code:
        click.get_current_context().exit(code)


commands = [apply]
