"""`orsync get ...`: read-only views of the catalog and the org, as tables or --json."""

from __future__ import annotations

import click

from orsync.cli.run import KEY_OPTIONS, with_options

JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print the API's data as JSON.")


def _echo(text: str) -> None:
    click.echo(text, nl=False)


def _client():
    return click.get_current_context().obj.client()


def _inference_key(key_name: str | None, key_variable: str | None, secrets_file: str | None,
                   *, required: bool) -> str | None:
    """The key chosen with --key / --key-env; without them, OPENROUTER_API_KEY or (when not
    `required`) None, leaving the client to use its own."""
    from orsync.smoke.key_sources import KeyChoice

    if not (key_name or key_variable or required):
        return None
    known = click.get_current_context().obj.known_key_secrets()
    return KeyChoice(key_name, key_variable, secrets_file, known).secret()


def _simple_view(name: str, summary: str, fetch: str, view: str):
    """A subcommand that prints one client listing through one view."""
    @get.command(name, help=summary)
    @JSON_OPTION
    def command(as_json: bool) -> None:
        from orsync.views import catalog, org
        from orsync.views.show import show

        layout = getattr(catalog, view, None) or getattr(org, view)
        with _client() as client:
            _echo(show(getattr(client, fetch)(), layout, as_json))

    return command


@click.group()
def get() -> None:
    """Read-only views of the catalog and the org (tables, or --json)."""


@get.command()
@click.option("--category", help="Use case, e.g. programming.")
@click.option("--supported-parameters", help="Comma-separated parameters the model must support, e.g. tools.")
@click.option("--output-modalities", help="Comma-separated: text, image, audio, embeddings, or all.")
@JSON_OPTION
def models(category, supported_parameters, output_modalities, as_json: bool) -> None:
    """Models in the catalog, optionally filtered."""
    from orsync.views.catalog import MODELS
    from orsync.views.show import show

    filters = {"category": category, "supported_parameters": supported_parameters,
               "output_modalities": output_modalities}
    with _client() as client:
        _echo(show(client.list_models(**{k: v for k, v in filters.items() if v}), MODELS, as_json))


@get.command()
@click.argument("model_id", metavar="AUTHOR/SLUG")
@JSON_OPTION
def model(model_id: str, as_json: bool) -> None:
    """One model and the endpoints (providers) that serve it."""
    from orsync.views.show import show_model

    author, _, slug = model_id.partition("/")
    if not author or not slug:
        raise click.BadParameter("expected AUTHOR/SLUG, e.g. openai/gpt-4o-mini", param_hint="AUTHOR/SLUG")
    with _client() as client:
        _echo(show_model(client.get_model_endpoints(author, slug), as_json))


_simple_view("providers", "Providers that serve models.", "list_providers", "PROVIDERS")
_simple_view("zdr-endpoints", "Endpoints with zero data retention.", "list_zdr_endpoints", "ZDR_ENDPOINTS")
_simple_view("embedding-models", "Models for `run embeddings`.", "list_embedding_models", "INPUT_MODELS")
_simple_view("rerank-models", "Models for `run rerank`.", "list_rerank_models", "INPUT_MODELS")
_simple_view("credits", "Credits bought and used by the org (management key).", "get_credits", "CREDITS")


@get.command("key")
@with_options(KEY_OPTIONS)
@JSON_OPTION
def current_key(key_name, key_variable, secrets_file, as_json: bool) -> None:
    """The key in use: the management key, or the one named by --key / --key-env."""
    from orsync.views.org import CURRENT_KEY
    from orsync.views.show import show

    secret = _inference_key(key_name, key_variable, secrets_file, required=False)
    with _client() as client:
        _echo(show(client.get_current_key(api_key=secret), CURRENT_KEY, as_json))


@get.command()
@click.option("--date", help="One UTC day in the last 30, YYYY-MM-DD.")
@click.option("--key-hash", help="Only this key's activity (its hash).")
@click.option("--user", "user_id", help="Only this member's activity (user id).")
@JSON_OPTION
def activity(date, key_hash, user_id, as_json: bool) -> None:
    """Usage per day, model and provider over the last 30 days (management key)."""
    from orsync.views.catalog import ACTIVITY
    from orsync.views.show import show

    filters = {"date": date, "api_key_hash": key_hash, "user_id": user_id}
    with _client() as client:
        _echo(show(client.get_activity(**{k: v for k, v in filters.items() if v}), ACTIVITY, as_json))


@get.command()
@click.argument("generation_id", metavar="ID")
@with_options(KEY_OPTIONS)
@JSON_OPTION
def generation(generation_id: str, key_name, key_variable, secrets_file, as_json: bool) -> None:
    """Tokens, cost and timing of one generation (the id a call returned)."""
    from orsync.views.catalog import GENERATION
    from orsync.views.show import show

    secret = _inference_key(key_name, key_variable, secrets_file, required=True)
    with _client() as client:
        _echo(show(client.get_generation(generation_id, api_key=secret), GENERATION, as_json))


def _org_view(name: str, summary: str, renderer: str):
    @get.command(name, help=summary)
    @JSON_OPTION
    def command(as_json: bool) -> None:
        from orsync.views import show

        with _client() as client:
            _echo(getattr(show, renderer)(client, as_json))

    return command


_org_view("members", "Members of the org, their workspaces and the guardrails governing them.", "show_members")
_org_view("keys", "API keys of every workspace (disabled and expired included) and their guardrails.", "show_keys")
_org_view("guardrails", "Guardrails of every workspace, their budgets, rules and what they govern.", "show_guardrails")
_org_view("workspaces", "Workspaces: what each holds, its budgets and its default guardrail.", "show_workspaces")


commands = [get]
