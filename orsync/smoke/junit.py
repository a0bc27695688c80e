"""Smoke results as JUnit XML, the test-report format CI systems (GitHub, GitLab, Jenkins) read.

One `<testsuite>` per suite file, one `<testcase>` per smoke entry: `<failure>` when an
expectation did not hold, `<error>` when the test could not run. Written with ElementTree, so
every message is escaped; characters XML 1.0 forbids (control bytes an API might echo) are
dropped, since one of them makes the whole report unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from datetime import datetime, timezone

from orsync.smoke.suite import SmokeResult, verdict_counts
from orsync.views import format as fmt

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def junit_xml(results: Sequence[SmokeResult], suite_name: str, elapsed_seconds: float,
              timestamp: datetime | None = None) -> str:
    """The JUnit XML document for one suite run."""
    counts = verdict_counts(results)
    totals = {"tests": str(len(results)), "failures": str(counts["fail"]),
              "errors": str(counts["error"]), "time": f"{elapsed_seconds:.3f}"}
    root = ET.Element("testsuites", {"name": "orsync smoke", **totals})
    suite = ET.SubElement(root, "testsuite", {
        "name": _clean(suite_name), **totals, "skipped": "0",
        "timestamp": (timestamp or datetime.now(timezone.utc)).strftime("%Y-%m-%dT%H:%M:%S")})
    for result in results:
        _testcase(suite, result, suite_name)
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _testcase(suite: ET.Element, result: SmokeResult, suite_name: str) -> None:
    spec = result.spec
    seconds = result.outcome.latency_ms / 1000 if result.outcome else 0.0
    case = ET.SubElement(suite, "testcase", {
        "classname": _clean(f"{suite_name}.{spec.endpoint}"), "name": _clean(spec.name),
        "time": f"{seconds:.3f}"})
    if result.verdict != "pass":
        tag = "failure" if result.verdict == "fail" else "error"
        kind = "ExpectationFailed" if tag == "failure" else "CouldNotRun"
        problem = ET.SubElement(case, tag, {"message": _clean(result.detail), "type": kind})
        problem.text = _clean(_details(result))
    else:
        ET.SubElement(case, "system-out").text = _clean(_details(result))


def _details(result: SmokeResult) -> str:
    """Everything a CI reader needs to reproduce the call (the key's name, never its secret)."""
    spec, outcome = result.spec, result.outcome
    lines = [f"endpoint: {spec.endpoint}", f"model: {spec.model}", f"key: {spec.key}",
             f"expected status: {spec.expect.status}"]
    if outcome is not None:
        lines.append(f"status: {outcome.status if outcome.status is not None else 'no answer'}")
        lines.append(f"latency: {fmt.duration_ms(outcome.latency_ms)}")
        if outcome.reply is not None:
            reply = outcome.reply
            lines += [f"served by: {reply.model or '?'} via {reply.provider or '?'}",
                      f"cost: {fmt.money(reply.cost)}", f"response: {reply.text}"]
        elif outcome.error:
            lines.append(f"error: {outcome.error}")
    lines += [f"problem: {problem}" for problem in result.problems]
    if result.error:
        lines.append(f"could not run: {result.error}")
    return "\n".join(lines)
