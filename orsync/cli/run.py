"""`orsync run`: call an inference endpoint, or run a file's smoke tests with --suite."""

from __future__ import annotations

import sys

import click

SECRETS_FILE_META = "orsync.run.secrets_file"


def _split(values: tuple[str, ...]) -> tuple[str, ...]:
    """Repeated options and comma-separated lists alike: --models a,b --models c."""
    return tuple(item.strip() for value in values for item in value.split(",") if item.strip())


SECRETS_FILE_OPTION = click.option("--secrets-file", type=click.Path(dir_okay=False),
                                   help="The file of key secrets `orsync apply --secrets-out` wrote.")
KEY_OPTIONS = [
    click.option("--key", "key_name", metavar="NAME",
                 help="A managed key's name; its secret comes from --secrets-file."),
    click.option("--key-env", "key_variable", metavar="VAR",
                 help="Environment variable holding the key (default OPENROUTER_API_KEY)."),
    SECRETS_FILE_OPTION,
]
MODEL_OPTION = click.option("--model", help="Model slug, e.g. openai/gpt-4o-mini.")
GENERATIVE_OPTIONS = [
    click.option("--models", multiple=True, metavar="SLUGS",
                 help="Fallback models, tried in order (comma-separated or repeated)."),
    click.option("--system", help="System prompt (instructions)."),
    click.option("--max-tokens", type=click.IntRange(min=1), help="Cap on output tokens."),
    click.option("--temperature", type=click.FloatRange(0, 2), help="Sampling temperature."),
    click.option("--stream", is_flag=True, help="Print tokens as they arrive."),
]
DIMENSIONS_OPTION = click.option("--dimensions", type=click.IntRange(min=1), help="Length of each vector.")
RERANK_OPTIONS = [
    MODEL_OPTION,
    click.option("--query", required=True, help="What the documents are ranked against."),
    click.option("--top-n", type=click.IntRange(min=1), help="Return only the best N documents."),
]
OUTPUT_OPTIONS = [
    click.option("--json", "as_json", is_flag=True,
                 help="Print the raw response (with --stream: one JSON event per line)."),
    click.option("--provider-order", multiple=True, metavar="SLUGS",
                 help="Providers to try, in order (comma-separated or repeated)."),
    click.option("--allow-fallbacks/--no-allow-fallbacks", default=None,
                 help="Whether other providers may serve the request when those fail."),
]


def with_options(*groups):
    """Decorate with option groups, shown in --help in the order given."""
    def decorate(func):
        for option in reversed([option for group in groups for option in group]):
            func = option(func)
        return func
    return decorate


def _execute(endpoint: str, inputs: tuple[str, ...], *, one_per_line: bool, key_name, key_variable,
             secrets_file, as_json: bool, provider_order, models=(), **fields) -> None:
    from orsync.smoke.bodies import Prompt, build_body
    from orsync.smoke.command import gather_inputs, run_once
    from orsync.smoke.key_sources import KeyChoice

    ctx = click.get_current_context()
    texts = gather_inputs(inputs, sys.stdin, one_per_line=one_per_line)
    prompt = Prompt(texts=texts, models=_split(models), provider_order=_split(provider_order), **fields)
    body = build_body(endpoint, prompt)  # a malformed request is refused before a key is looked up
    secrets_file = secrets_file or ctx.meta.get(SECRETS_FILE_META)
    secret = KeyChoice(key_name, key_variable, secrets_file, ctx.obj.known_key_secrets()).secret()
    with ctx.obj.client() as client:
        run_once(client, endpoint, body, secret, documents=texts, as_json=as_json, echo=click.echo)


@click.group(invoke_without_command=True)
@click.option("--suite", "suite_file", type=click.Path(dir_okay=False, exists=True),
              help="Run the smoke tests of this org file.")
@SECRETS_FILE_OPTION
@click.option("--junit", "junit_file", type=click.Path(dir_okay=False),
              help="Also write the suite's results as JUnit XML (for CI test reports).")
@click.option("--concurrency", default=4, show_default=True, type=click.IntRange(1, 64),
              help="Smoke tests running at once.")
@click.pass_context
def run(ctx: click.Context, suite_file: str | None, secrets_file: str | None,
        junit_file: str | None, concurrency: int) -> None:
    """Call an inference endpoint, or run a file's smoke tests (--suite FILE).

    \b
    orsync run chat --model openai/gpt-4o-mini "Reply with OK"
    orsync run --suite org.yaml --secrets-file secrets.json --junit smoke.xml

    Exit status: 0 when the call (or every test) succeeds, 1 otherwise.
    """
    if ctx.invoked_subcommand is not None:
        if suite_file or junit_file:
            raise click.UsageError("--suite and --junit run a file's tests; give them without an endpoint")
        ctx.meta[SECRETS_FILE_META] = secrets_file
        return
    if suite_file is None:
        raise click.UsageError(
            "give an endpoint (chat, responses, messages, embeddings, rerank) or --suite FILE")
    from orsync.smoke.command import run_suite_file
    from orsync.smoke.key_sources import KeySource

    style = click.style if ctx.obj.use_color() else None
    with ctx.obj.client() as client:
        passed = run_suite_file(client, suite_file, junit_file=junit_file,
                                keys=KeySource(secrets_file, known=ctx.obj.known_key_secrets()),
                                concurrency=concurrency, echo=click.echo, style=style)
    if not passed:
        ctx.exit(1)


def _generative_command(endpoint: str, summary: str):
    @run.command(endpoint, help=f"{summary}\n\nINPUT is the prompt: arguments, or stdin when none are given.")
    @click.argument("inputs", nargs=-1, metavar="[INPUT]...")
    @with_options([MODEL_OPTION], GENERATIVE_OPTIONS, OUTPUT_OPTIONS, KEY_OPTIONS)
    def command(inputs, **options) -> None:
        _execute(endpoint, inputs, one_per_line=False, **options)

    return command


_generative_command("chat", "Chat completion (POST /chat/completions).")
_generative_command("responses", "OpenAI Responses format (POST /responses).")
_generative_command("messages", "Anthropic Messages format (POST /messages).")


@run.command()
@click.argument("inputs", nargs=-1, metavar="[INPUT]...")
@with_options([MODEL_OPTION, DIMENSIONS_OPTION], OUTPUT_OPTIONS, KEY_OPTIONS)
def embeddings(inputs, **options) -> None:
    """Embed each INPUT (arguments, or one per line of stdin); prints the vectors' shape."""
    _execute("embeddings", inputs, one_per_line=True, **options)


@run.command()
@click.argument("documents", nargs=-1, metavar="[DOCUMENT]...")
@with_options(RERANK_OPTIONS, OUTPUT_OPTIONS, KEY_OPTIONS)
def rerank(documents, **options) -> None:
    """Rank DOCUMENTS (arguments, or one per line of stdin) by relevance to --query."""
    _execute("rerank", documents, one_per_line=True, **options)


commands = [run]
