"""Smoke suites: a file's `smoke:` entries run concurrently, each checked against `expect`.

A test passes when every expectation holds. A 403 counts as the expected 403 only when a
guardrail blocked the request ("Request blocked..."): a 403 for any other reason (a spent
budget) would otherwise make "this key may not use model B" pass while proving nothing. An
answer that failed after its 200 (mid-stream, or an error inside the body) carries the error's
code (`calls.py`), so a `status: 200` test fails on it. A test that could not run at all (no
secret for its key, no answer from the server) is an error rather than a failure, as JUnit
distinguishes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Literal

from orsync.config.model import SmokeExpect, SmokeSpec
from orsync.errors import OrsyncError
from orsync.smoke.bodies import Prompt, build_body
from orsync.smoke.calls import Outcome, call, generation_cost
from orsync.smoke.key_sources import KeySource
from orsync.views import format as fmt

GUARDRAIL_BLOCK_STATUS = 403
DEFAULT_CONCURRENCY = 4
Verdict = Literal["pass", "fail", "error"]


@dataclass(frozen=True)
class SmokeResult:
    spec: SmokeSpec
    outcome: Outcome | None = None
    problems: tuple[str, ...] = ()  # expectations that did not hold
    error: str | None = None        # why the test could not run

    @property
    def verdict(self) -> Verdict:
        if self.error is not None:
            return "error"
        return "fail" if self.problems else "pass"

    @property
    def detail(self) -> str:
        """One line: why the test failed or could not run ('' when it passed)."""
        return self.error if self.error is not None else "; ".join(self.problems)


def verdict_counts(results: Sequence[SmokeResult]) -> dict[Verdict, int]:
    """How many tests passed, failed and could not run."""
    return {verdict: sum(r.verdict == verdict for r in results) for verdict in ("pass", "fail", "error")}


def unmet_expectations(expect: SmokeExpect, outcome: Outcome) -> list[str]:
    """Each expectation `outcome` does not meet, as a sentence; empty when the test passes."""
    problems = _status_problems(expect.status, outcome)
    if expect.contains is not None and expect.contains.lower() not in _searchable_text(outcome).lower():
        problems.append(f"response does not contain {expect.contains!r}")
    if expect.max_latency_ms is not None and outcome.latency_ms > expect.max_latency_ms:
        problems.append(f"took {fmt.duration_ms(outcome.latency_ms)}, over max_latency_ms "
                        f"{expect.max_latency_ms:g}")
    if expect.max_cost_usd is not None:
        problems.extend(_cost_problems(expect.max_cost_usd, outcome))
    return problems


def _status_problems(expected: int, outcome: Outcome) -> list[str]:
    got = "no answer" if outcome.status is None else str(outcome.status)
    if outcome.error and outcome.status is not None:
        got += f" ({outcome.error})"
    if outcome.status != expected:
        return [f"expected status {expected}, got {got}"]
    if expected == GUARDRAIL_BLOCK_STATUS and not outcome.blocked_by_guardrail:
        return [f"expected a guardrail block (403 \"Request blocked...\"), got {got}"]
    return []


def _searchable_text(outcome: Outcome) -> str:
    # The reply's text when it succeeded; the error message when the test expects a refusal.
    return outcome.reply.text if outcome.reply is not None else outcome.error or ""


def _cost_problems(limit: float, outcome: Outcome) -> list[str]:
    if outcome.reply is None:
        return []  # a refused call costs nothing
    cost = outcome.reply.cost
    if cost is None:
        return [f"the API reported no cost, so max_cost_usd {limit:g} cannot be checked"]
    if cost > limit:
        return [f"cost {fmt.money(cost)}, over max_cost_usd {limit:g}"]
    return []


def prompt_for(spec: SmokeSpec) -> Prompt:
    """The request a smoke entry describes; for rerank, `input` is the query."""
    if spec.endpoint == "rerank":
        return Prompt(model=spec.model, query=spec.input, texts=tuple(spec.documents or ()))
    return Prompt(model=spec.model, texts=(spec.input,) if spec.input is not None else ())


def run_suite(specs: Sequence[SmokeSpec], client, keys: KeySource,
              concurrency: int = DEFAULT_CONCURRENCY) -> list[SmokeResult]:
    """Every test's result, in the order of `specs`."""
    # Secrets are resolved here, on one thread, so the secrets file is read once.
    prepared = [_prepare(spec, keys) for spec in specs]
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        futures = [pool.submit(_run_one, spec, client, secret, body) if body is not None else None
                   for spec, secret, body, _ in prepared]
        return [future.result() if future is not None else SmokeResult(spec, error=error)
                for (spec, _, _, error), future in zip(prepared, futures)]


def _prepare(spec: SmokeSpec, keys: KeySource) -> tuple[SmokeSpec, str | None, dict | None, str | None]:
    """(spec, secret, body, error): what a test needs to run, or why it cannot."""
    try:
        return spec, keys.secret(spec.key), build_body(spec.endpoint, prompt_for(spec)), None
    except OrsyncError as exc:
        return spec, None, None, str(exc)


def _run_one(spec: SmokeSpec, client, secret: str, body: dict) -> SmokeResult:
    try:
        outcome = call(client, spec.endpoint, body, api_key=secret, documents=spec.documents or ())
    except OrsyncError as exc:
        return SmokeResult(spec, error=str(exc))
    if outcome.status is None:
        return SmokeResult(spec, outcome, error=outcome.error or "no answer from the server")
    outcome = _with_cost(spec.expect, outcome, client, secret)
    return SmokeResult(spec, outcome, problems=tuple(unmet_expectations(spec.expect, outcome)))


def _with_cost(expect: SmokeExpect, outcome: Outcome, client, secret: str) -> Outcome:
    """Asks the generation endpoint for the cost when a cost limit needs one the reply lacks."""
    reply = outcome.reply
    if expect.max_cost_usd is None or reply is None or reply.cost is not None:
        return outcome
    cost = generation_cost(client, reply.generation_id, secret)
    return replace(outcome, reply=replace(reply, cost=cost))
