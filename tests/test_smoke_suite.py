"""Smoke expectations, the JUnit report and where keys' secrets come from (no server)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest
from pydantic import SecretStr

from orsync.config.model import SmokeExpect, SmokeSpec
from orsync.apply.secret_sinks import FileSink
from orsync.smoke.calls import Outcome
from orsync.smoke.junit import junit_xml
from orsync.smoke.replies import Reply
from orsync.smoke.report import results_table, summary_line, totals_line
from orsync.smoke.key_sources import KeySource, SecretLookupError
from orsync.smoke.suite import SmokeResult, prompt_for, unmet_expectations

FAKE_SECRET = "sk-or-v1-fake-inference-key"


def ok(text: str = "OK", *, cost: float | None = 0.0001, latency: float = 120.0) -> Outcome:
    return Outcome(status=200, latency_ms=latency, reply=Reply(text=text, model="openai/gpt-4o-mini",
                                                               provider="OpenAI", cost=cost))


def refused(status: int, message: str, *, blocked: bool = False) -> Outcome:
    return Outcome(status=status, latency_ms=30.0, error=message, blocked_by_guardrail=blocked)


BLOCKED = refused(403, "Request blocked by guardrail: model openai/gpt-4o is not allowed", blocked=True)


def test_a_matching_status_passes():
    assert unmet_expectations(SmokeExpect(status=200), ok()) == []
    assert unmet_expectations(SmokeExpect(status=403), BLOCKED) == []


def test_a_different_status_fails_and_says_what_came_back():
    assert unmet_expectations(SmokeExpect(status=403), ok()) == ["expected status 403, got 200"]
    problems = unmet_expectations(SmokeExpect(status=200), BLOCKED)
    assert problems == ["expected status 200, got 403 (Request blocked by guardrail: model openai/gpt-4o is not allowed)"]


def test_a_403_that_is_not_a_guardrail_block_does_not_pass_a_403_test():
    wrong_kind = refused(403, "Management keys cannot be used for inference")
    problems = unmet_expectations(SmokeExpect(status=403), wrong_kind)
    assert len(problems) == 1 and "expected a guardrail block" in problems[0]
    assert "Management keys cannot be used" in problems[0]


def test_contains_is_checked_case_insensitively_on_the_text_or_the_error():
    assert unmet_expectations(SmokeExpect(status=200, contains="ok"), ok("Ok!")) == []
    assert unmet_expectations(SmokeExpect(status=200, contains="paris"), ok("Berlin")) == [
        "response does not contain 'paris'"]
    assert unmet_expectations(SmokeExpect(status=403, contains="not allowed"), BLOCKED) == []


def test_latency_and_cost_limits():
    expect = SmokeExpect(status=200, max_latency_ms=100, max_cost_usd=0.00005)
    assert unmet_expectations(expect, ok(cost=0.00001, latency=50)) == []
    assert unmet_expectations(expect, ok(cost=0.001, latency=250)) == [
        "took 250 ms, over max_latency_ms 100", "cost $0.001, over max_cost_usd 5e-05"]
    assert unmet_expectations(expect, ok(cost=None, latency=50)) == [
        "the API reported no cost, so max_cost_usd 5e-05 cannot be checked"]
    # A refused call costs nothing: no cost problem on top of the status one.
    assert unmet_expectations(SmokeExpect(status=403, max_cost_usd=0.0), BLOCKED) == []


def spec(name: str, status: int = 200, **fields) -> SmokeSpec:
    values = {"name": name, "key": "ci-smoke", "endpoint": "chat", "model": "openai/gpt-4o-mini",
              "input": "Reply with OK", "expect": {"status": status}, **fields}
    return SmokeSpec.model_validate(values)


def test_rerank_entries_use_input_as_the_query():
    entry = spec("rank", endpoint="rerank", model="cohere/rerank-v3.5", documents=["a", "b"])
    prompt = prompt_for(entry)
    assert (prompt.query, prompt.texts) == ("Reply with OK", ("a", "b"))


RESULTS = [
    SmokeResult(spec("cheap model works"), ok()),
    SmokeResult(spec("other models are blocked", 403), ok(), problems=("expected status 403, got 200",)),
    SmokeResult(spec("blocked & <escaped>", 403), BLOCKED),
    SmokeResult(spec("no secret"), error="no secret for key 'ci-smoke' in secrets.json\x07"),
]


def test_the_summary_line_of_a_call():
    outcome = Outcome(status=200, latency_ms=312.4, reply=Reply(
        text="OK", model="openai/gpt-4o-mini", provider="OpenAI", input_tokens=15, output_tokens=30,
        cost=0.0000203))
    assert summary_line(outcome) == "openai/gpt-4o-mini via OpenAI, 15 in + 30 out tokens, $0.0000203, 312 ms"
    anonymous = Outcome(status=200, latency_ms=5, reply=Reply(model="m/e", input_tokens=4))
    assert summary_line(anonymous) == "m/e, 4 in tokens, -, 5 ms"


def test_verdicts_and_totals():
    assert [r.verdict for r in RESULTS] == ["pass", "fail", "pass", "error"]
    assert totals_line(RESULTS, 1.234) == "2 passed, 1 failed, 1 error in 1.23 s"


def test_the_results_table_lists_each_test_then_why_the_failures_failed():
    text = results_table(RESULTS, width=120)
    lines = text.splitlines()
    assert lines[0].split()[:2] == ["RESULT", "TEST"]
    assert lines[1].startswith("pass") and "cheap model works" in lines[1]
    assert lines[2].startswith("FAIL") and lines[4].startswith("ERROR")
    assert "FAIL  other models are blocked (chat openai/gpt-4o-mini, key ci-smoke)\n" \
           "      expected status 403, got 200" in text


def test_junit_xml_counts_failures_and_errors_and_escapes_everything():
    document = junit_xml(RESULTS, "org", elapsed_seconds=0.5)
    root = ET.fromstring(document.encode())
    suite = root.find("testsuite")
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("4", "1", "1")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("org", "4", "1", "1")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [r.spec.name for r in RESULTS]
    assert [c.get("classname") for c in cases] == ["org.chat"] * 4
    assert cases[0].find("failure") is None and cases[0].find("system-out") is not None
    failure = cases[1].find("failure")
    assert failure.get("message") == "expected status 403, got 200"
    assert "key: ci-smoke" in failure.text
    error = cases[3].find("error")
    assert error.get("message") == "no secret for key 'ci-smoke' in secrets.json"  # the BEL is gone
    assert float(cases[0].get("time")) == pytest.approx(0.12)


def test_secrets_come_from_apply_s_secrets_file_or_the_environment(tmp_path):
    path = tmp_path / "secrets.json"
    FileSink(path).store("ci-smoke", "ab" * 32, SecretStr(FAKE_SECRET))
    keys = KeySource(path, environ={"CI_KEY": "from-env"})
    assert keys.secret("ci-smoke") == FAKE_SECRET
    assert keys.secret("env:CI_KEY") == "from-env"
    with pytest.raises(SecretLookupError, match="no secret for key 'other'"):
        keys.secret("other")
    with pytest.raises(SecretLookupError, match="environment variable MISSING is not set"):
        keys.secret("env:MISSING")


def test_dotenv_secrets_files_are_read_too(tmp_path):
    path = tmp_path / "keys.env"
    FileSink(path).store("ci-smoke", "ab" * 32, SecretStr(FAKE_SECRET))
    assert KeySource(path).secret("ci-smoke") == FAKE_SECRET


def test_secret_lookup_errors_never_show_a_secret(tmp_path):
    path = tmp_path / "secrets.json"
    path.write_text(json.dumps({"ci-smoke": FAKE_SECRET}))  # not apply's format
    with pytest.raises(SecretLookupError) as failed:
        KeySource(path).secret("ci-smoke")
    assert FAKE_SECRET not in str(failed.value) and "not a secrets file" in str(failed.value)
    with pytest.raises(SecretLookupError, match="give --secrets-file"):
        KeySource(None).secret("ci-smoke")
    with pytest.raises(SecretLookupError, match="cannot read secrets file"):
        KeySource(tmp_path / "absent.json").secret("ci-smoke")
