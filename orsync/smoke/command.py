"""What `orsync run` does once click has parsed it: one call, or a whole suite.

Output rule: the answer (text, vectors' shape, ranked documents, or raw JSON with --json) goes
to stdout and the line about it (model, provider, tokens, cost, latency) to stderr, so that
`orsync run chat "..." > answer.txt` and `orsync run chat --json ... | jq` get only the answer
while a person at the terminal still sees what it cost.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from orsync.config.loader import load_config
from orsync.errors import OrsyncError
from orsync.smoke.calls import Outcome, call
from orsync.smoke.junit import junit_xml
from orsync.smoke.report import results_table, summary_line, totals_line
from orsync.smoke.key_sources import KeySource
from orsync.smoke.suite import run_suite
from orsync.views.format import to_json

Echo = Callable[..., None]


def gather_inputs(arguments: Sequence[str], stdin, *, one_per_line: bool) -> tuple[str, ...]:
    """The inputs from the arguments, else from stdin (when it is not a terminal).

    Prompts join their arguments into one text (`orsync run chat Say hi` needs no quotes);
    embeddings and rerank take one input (document) per argument, or per line of stdin.
    """
    items = [item for item in arguments if item != "-"]
    if not items and (arguments or not stdin.isatty()):
        text = stdin.read()
        items = [line for line in text.splitlines() if line.strip()] if one_per_line else [text]
    if one_per_line:
        return tuple(items)
    joined = " ".join(items)
    return (joined,) if joined.strip() else ()


def run_once(client, endpoint: str, body: dict, api_key: str, *, documents: Sequence[str] = (),
             as_json: bool, echo: Echo) -> Outcome:
    """Make the call and print it as it comes; OrsyncError with the API's message on failure."""
    printer = _Printer(echo, as_json)
    outcome = call(client, endpoint, body, api_key=api_key, documents=documents,
                   on_text=printer.text, on_event=printer.event if as_json else None)
    if not outcome.ok:
        printer.end_line()
        status = outcome.status if outcome.status is not None else "no answer"
        raise OrsyncError(f"{endpoint} call failed: {status} {outcome.error or ''}".rstrip())
    printer.finish(outcome)
    return outcome


class _Printer:
    """Prints streamed text (or raw events with --json) as it arrives, then the rest."""

    def __init__(self, echo: Echo, as_json: bool) -> None:
        self.echo = echo
        self.as_json = as_json
        self.streamed = False

    def text(self, piece: str) -> None:
        if not self.as_json:
            self.streamed = True
            self.echo(piece, nl=False)

    def event(self, event: dict) -> None:
        self.streamed = True
        self.echo(json.dumps(event, ensure_ascii=False))

    def end_line(self) -> None:
        if self.streamed and not self.as_json:
            self.echo("")  # streamed text has no newline of its own

    def finish(self, outcome: Outcome) -> None:
        if not self.streamed:
            self.echo(to_json(outcome.raw) if self.as_json else outcome.reply.text)
        self.end_line()
        self.echo(summary_line(outcome), err=True)


def run_suite_file(client, suite_file: str, *, keys: KeySource, junit_file: str | None,
                   concurrency: int, echo: Echo, style=None) -> bool:
    """Runs the file's smoke tests, prints the table (and writes JUnit); True when all pass."""
    specs = load_config(suite_file).model.smoke
    if not specs:
        raise OrsyncError(f"{suite_file} declares no smoke tests (add a `smoke:` section)")
    started = time.perf_counter()
    results = run_suite(specs, client, keys, concurrency)
    elapsed = time.perf_counter() - started
    echo(results_table(results, style=style), nl=False)
    echo(totals_line(results, elapsed))
    if junit_file:
        Path(junit_file).write_text(junit_xml(results, Path(suite_file).stem, elapsed), encoding="utf-8")
        echo(f"JUnit report written to {junit_file}", err=True)
    return all(result.verdict == "pass" for result in results)
