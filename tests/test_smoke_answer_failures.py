"""`orsync run` and smoke suites count an answer that fails after its 200 as a failure.

API-NOTES "Failure shapes": errors can arrive after a stream has started and, rarely, inside a
200 body; "A smoke test that only checks the status passes on such failures" (docs
"streaming", "errors"; OpenRouterTeam/python-sdk issue 44). The emulator serves both shapes
on request (`/_emulator/failures`), over loopback.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from orsync.smoke.calls import call
from orsync.smoke.replies import AnswerFailed, StreamCollector, read_reply
from tests.cli_runner import point_at, run_cli

CHEAP = "openai/gpt-4o-mini"


@pytest.fixture
def org(reset_emulator):
    return reset_emulator


@pytest.fixture
def cli(org, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENROUTER_API_KEY", org.state.key_named("prod-backend").secret)
    flags = point_at(monkeypatch, org)
    return lambda *args: run_cli(capsys, *flags, *args)


def test_run_fails_when_the_stream_breaks_after_it_began(cli, org):
    org.control("POST", "/failures", {"shape": "error_mid_stream"})
    result = cli("run", "chat", "--model", CHEAP, "--stream", "Tell me a story")
    assert result.code == 1
    assert "stream failed: Provider disconnected unexpectedly" in result.err
    assert result.out  # the text that came before the failure was shown as it arrived


@pytest.mark.parametrize("endpoint", ["chat", "responses"])
def test_run_fails_on_an_error_inside_a_200_answer(cli, org, endpoint):
    org.control("POST", "/failures", {"shape": "error_in_200"})
    result = cli("run", endpoint, "--model", CHEAP, "Tell me a story")
    assert result.code == 1
    assert "error in a 200 answer" in result.err


def test_a_suite_test_expecting_200_fails_on_an_error_inside_a_200_answer(cli, org, monkeypatch):
    monkeypatch.setenv("PROD_KEY", org.state.key_named("prod-backend").secret)
    Path("suite.yaml").write_text(
        "version: 1\nsmoke:\n"
        "  - {name: answers, key: 'env:PROD_KEY', endpoint: chat,\n"
        f"     model: {CHEAP}, input: hi, expect: {{status: 200}}}}\n")
    org.control("POST", "/failures", {"shape": "error_in_200"})
    failed = cli("run", "--suite", "suite.yaml")
    assert failed.code == 1 and "0 passed, 1 failed" in failed.out
    assert "expected status 200, got 502 (error in a 200 answer: Provider disconnected" in failed.out
    passed = cli("run", "--suite", "suite.yaml")  # the shape was queued once
    assert passed.code == 0 and "1 passed, 0 failed" in passed.out


def test_the_outcome_of_a_broken_stream_keeps_the_errors_code(org):
    org.control("POST", "/failures", {"shape": "error_mid_stream"})
    body = {"model": CHEAP, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    outcome = call(org.client(), "chat", body, api_key=org.state.key_named("prod-backend").secret)
    assert (outcome.ok, outcome.status) == (False, 502)
    assert outcome.error.startswith("stream failed:")


@pytest.mark.parametrize("body", [
    {"error": {"code": 502, "message": "boom"}, "user_id": None},
    {"id": "x", "choices": [{"finish_reason": "error", "message": {"content": ""}}]},
    {"type": "error", "error": {"type": "api_error", "message": "boom"}},
    {"id": "r", "status": "failed", "error": {"code": "server_error", "message": "boom"}, "output": []},
])
def test_every_in_body_error_shape_is_read_as_a_failure(body):
    with pytest.raises(AnswerFailed):
        read_reply("chat" if "choices" in body else "responses", body)


def test_a_chunk_that_finishes_with_error_fails_the_stream_even_without_an_error_object():
    with pytest.raises(AnswerFailed, match="finished with an error"):
        StreamCollector("chat").feed({"choices": [{"delta": {"content": ""}, "finish_reason": "error"}]})
