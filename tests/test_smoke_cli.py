"""`orsync run` end to end: every endpoint and the smoke suite, against an emulator on loopback."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from orsync.emulator.store.state import EmulatorState
from orsync.smoke.bodies import Prompt, build_body
from orsync.smoke.calls import call
from tests.cli_runner import point_at, run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"
CHEAP = "openai/gpt-4o-mini"


def members_only_seed() -> dict:
    """The default org's members and credits, without keys or guardrails: apply creates them
    all, so the secrets file holds every key the example's smoke tests use (an org with no
    keys and no guardrails at all: applies say so with --allow-empty-org)."""
    seed = EmulatorState.default_seed()
    for section in ("keys", "guardrails", "key_assignments", "member_assignments"):
        seed[section] = []
    return seed


def last_line(stderr: str) -> str:
    """The summary (or error) line, which orsync writes last on stderr. Earlier lines may be
    the emulator server's own noise when a client drops a finished stream's connection."""
    return stderr.strip().splitlines()[-1]


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "160")
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL", "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def org(make_emulator):
    return make_emulator(members_only_seed())


@pytest.fixture
def cli(org, capsys, monkeypatch):
    """`cli(*args)`: orsync ARGS against `org`, with its management key in the environment."""
    flags = point_at(monkeypatch, org)
    return lambda *args: run_cli(capsys, *flags, *args)


@pytest.fixture
def api_key(org, monkeypatch) -> str:
    """A fresh inference key, exported as OPENROUTER_API_KEY."""
    secret = org.client().create_key({"name": "runner"}).key.get_secret_value()
    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    return secret


@pytest.mark.parametrize(("args", "expected_text"), [
    (["chat", "--model", CHEAP, "--system", "Be brief", "--max-tokens", "20", "--temperature", "0",
      "Reply", "with", "OK"], None),
    (["responses", "--model", CHEAP, "Reply with OK"], None),
    (["messages", "--model", "anthropic/claude-3.5-haiku", "Reply with OK"], None),
    (["embeddings", "--model", "openai/text-embedding-3-small", "--dimensions", "64", "one", "two"],
     "2 vectors x 64 dimensions"),
    (["rerank", "--model", "cohere/rerank-v3.5", "--query", "capital of France", "--top-n", "1",
      "Berlin is in Germany", "Paris is the capital of France"], "1. "),
])
def test_each_endpoint_prints_its_answer_and_a_summary_line(cli, api_key, args, expected_text):
    result = cli("run", *args)
    assert result.code == 0, result.err
    assert result.out.strip()
    if expected_text:
        assert result.out.startswith(expected_text)
    summary = last_line(result.err)
    model = args[args.index("--model") + 1]
    assert summary.startswith(model)
    assert "tokens" in summary and "$" in summary and summary.endswith("ms")
    assert api_key not in result.out + result.err


def test_rerank_prints_only_the_top_n_documents(cli, api_key):
    result = cli("run", "rerank", "--model", "cohere/rerank-v3.5", "--query", "France", "--top-n", "1",
                 "Berlin", "Paris in France")
    assert result.out.count("\n") == 1 and "[" in result.out


@pytest.mark.parametrize("endpoint", ["chat", "responses", "messages"])
def test_streaming_prints_the_same_answer_piece_by_piece(cli, api_key, org, endpoint):
    whole = cli("run", endpoint, "--model", CHEAP, "Tell me about guardrails")
    streamed = cli("run", endpoint, "--model", CHEAP, "--stream", "Tell me about guardrails")
    assert streamed.code == 0, streamed.err
    assert streamed.out == whole.out  # the emulator answers a request deterministically
    assert last_line(streamed.err).startswith(CHEAP)

    pieces: list[str] = []
    body = build_body(endpoint, Prompt(model=CHEAP, texts=("Tell me about guardrails",), stream=True))
    outcome = call(org.client(), endpoint, body, api_key=api_key, on_text=pieces.append)
    assert len(pieces) > 3 and "".join(pieces) == outcome.reply.text == whole.out.rstrip("\n")


def test_json_prints_the_raw_response_or_one_event_per_line(cli, api_key):
    raw = cli("run", "chat", "--model", CHEAP, "--json", "Reply with OK")
    document = json.loads(raw.out)
    assert document["model"] == CHEAP and document["choices"][0]["message"]["content"]

    events = cli("run", "chat", "--model", CHEAP, "--json", "--stream", "Reply with OK")
    lines = [json.loads(line) for line in events.out.splitlines()]
    assert len(lines) > 2 and all(event["object"] == "chat.completion.chunk" for event in lines)


def test_input_can_come_from_stdin(cli, api_key, monkeypatch):
    import io

    monkeypatch.setattr("sys.stdin", io.StringIO("Paris is in France\nBerlin is in Germany\n"))
    result = cli("run", "rerank", "--model", "cohere/rerank-v3.5", "--query", "France")
    assert result.code == 0, result.err
    assert len(result.out.splitlines()) == 2


def test_provider_routing_and_model_fallbacks(cli, org, monkeypatch):
    client = org.client()
    guardrail = client.create_guardrail({"name": "cheap-only", "allowed_models": [CHEAP]})
    created = client.create_key({"name": "limited"})
    client.assign_keys(guardrail.id, [created.data.hash])
    monkeypatch.setenv("LIMITED_KEY", created.key.get_secret_value())

    routed = cli("run", "chat", "--key-env", "LIMITED_KEY", "--model", CHEAP,
                 "--provider-order", "azure", "--no-allow-fallbacks", "Reply with OK")
    assert routed.code == 0, routed.err
    assert last_line(routed.err).startswith(f"{CHEAP} via Azure")

    fallback = cli("run", "chat", "--key-env", "LIMITED_KEY", "--model", "openai/gpt-4o",
                   "--models", CHEAP, "Reply with OK")
    assert fallback.code == 0, fallback.err
    assert last_line(fallback.err).startswith(f"{CHEAP} via ")

    blocked = cli("run", "chat", "--key-env", "LIMITED_KEY", "--model", "openai/gpt-4o", "Reply with OK")
    assert blocked.code == 1
    assert last_line(blocked.err).startswith("orsync: error: chat call failed: 403 Request blocked")
    assert created.key.get_secret_value() not in blocked.err


def test_a_managed_key_comes_from_the_secrets_file(cli):
    assert cli("apply", str(EXAMPLE), "--yes", "--secrets-out", "secrets.json", "--allow-empty-org").code == 0
    result = cli("run", "chat", "--key", "ci-smoke", "--secrets-file", "secrets.json", "--model", CHEAP, "hi")
    assert result.code == 0, result.err
    # Group-level --secrets-file reaches the endpoint command too.
    result = cli("run", "--secrets-file", "secrets.json", "chat", "--key", "ci-smoke", "--model", CHEAP, "hi")
    assert result.code == 0, result.err


@pytest.mark.parametrize(("args", "message"), [
    (["chat", "--model", CHEAP, "hi"], "no inference key: set OPENROUTER_API_KEY"),
    (["chat", "--key-env", "NOT_SET_ANYWHERE", "--model", CHEAP, "hi"], "environment variable NOT_SET_ANYWHERE"),
    (["chat", "--key", "ci-smoke", "--model", CHEAP, "hi"], "give --secrets-file"),
    (["embeddings", "--model", "openai/text-embedding-3-small", "--stream", "x"], "No such option '--stream'"),
    (["chat", "hi"], "chat needs --model"),
    (["chat", "--key", "a", "--key-env", "B", "--model", CHEAP, "hi"], "give --key or --key-env, not both"),
])
def test_usage_mistakes_are_one_line_errors(cli, args, message):
    result = cli("run", *args)
    assert result.code == 1
    assert message in result.err and "Traceback" not in result.err


def copy_example() -> Path:
    config = Path("org.yaml")
    shutil.copy(EXAMPLE, config)
    return config


def junit_counts(path: str) -> tuple[int, int, int]:
    suite = ET.parse(path).getroot().find("testsuite")
    cases = suite.findall("testcase")
    failures = sum(case.find("failure") is not None for case in cases)
    errors = sum(case.find("error") is not None for case in cases)
    assert (int(suite.get("tests")), int(suite.get("failures")), int(suite.get("errors"))) == (
        len(cases), failures, errors)
    return len(cases), failures, errors


def test_the_example_suite_passes_after_apply(cli, org):
    config = copy_example()
    assert cli("apply", str(config), "--yes", "--secrets-out", "secrets.json", "--allow-empty-org").code == 0
    org.reset_counts()

    result = cli("run", "--suite", str(config), "--secrets-file", "secrets.json", "--junit", "report.xml")
    assert result.code == 0, result.out + result.err
    rows = result.out.splitlines()[1:6]
    assert [row.split()[0] for row in rows] == ["pass"] * 5
    assert "5 passed, 0 failed, 0 errors" in result.out
    assert junit_counts("report.xml") == (5, 0, 0)
    assert sum(org.request_counts().values()) == 5  # one inference call per test
    assert org.write_count() == 0  # a suite never changes the org

    secrets = json.loads(Path("secrets.json").read_text())
    shown = result.out + result.err + Path("report.xml").read_text()
    assert not any(entry["key"] in shown for entry in secrets.values())


def test_a_suite_expecting_a_block_fails_once_the_guardrail_is_removed(cli, org):
    config = copy_example()
    assert cli("apply", str(config), "--yes", "--secrets-out", "secrets.json", "--allow-empty-org").code == 0
    client = org.client()
    ci_policy = next(g for g in client.list_guardrails() if g.name == "ci-policy")
    client.delete_guardrail(ci_policy.id)

    result = cli("run", "--suite", str(config), "--secrets-file", "secrets.json", "--junit", "report.xml")
    assert result.code == 1
    assert "4 passed, 1 failed, 0 errors" in result.out
    assert ("FAIL  CI key may not use other models (chat openai/gpt-4o, key ci-smoke)\n"
            "      expected status 403, got 200") in result.out
    assert junit_counts("report.xml") == (5, 1, 0)
    failure = ET.parse("report.xml").getroot().find(".//failure")
    assert failure.get("message") == "expected status 403, got 200"


def test_a_management_key_refused_is_not_a_guardrail_block(cli, org, monkeypatch):
    monkeypatch.setenv("MGMT_KEY", org.management_key)
    Path("suite.yaml").write_text(
        "version: 1\nkeys: [{name: nobody}]\nsmoke:\n"
        "  - {name: management key is refused, key: 'env:MGMT_KEY', endpoint: chat,\n"
        f"     model: {CHEAP}, input: hi, expect: {{status: 403}}}}\n"
        "  - {name: missing secret, key: nobody, endpoint: chat, model: x/y, input: hi,\n"
        "     expect: {status: 200}}\n")
    result = cli("run", "--suite", "suite.yaml", "--junit", "report.xml")
    assert result.code == 1
    assert "expected status 403, got 401 (User not found)" in result.out  # the real API's answer
    assert "key 'nobody' is a managed key: give --secrets-file" in result.out
    assert junit_counts("report.xml") == (2, 1, 1)
    assert org.management_key not in result.out + result.err


def test_suite_and_endpoint_options_are_checked(cli):
    assert cli("run").code == 1
    Path("empty.yaml").write_text("version: 1\n")
    empty = cli("run", "--suite", "empty.yaml")
    assert empty.code == 1 and "declares no smoke tests" in empty.err
