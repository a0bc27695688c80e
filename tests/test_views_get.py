"""Every `orsync get` view, as a table and as --json, against an emulator on loopback."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from orsync.views.table import ELLIPSIS
from tests.cli_runner import point_at, run_cli

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "org.yaml"
CHEAP = "openai/gpt-4o-mini"


@pytest.fixture(autouse=True)
def _clean_environment(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "200")
    for name in ("OPENROUTER_API_KEY", "OPENROUTER_BASE_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli(emulator, capsys, monkeypatch):
    flags = point_at(monkeypatch, emulator)
    return lambda *args: run_cli(capsys, *flags, *args)


def both_forms(cli, *args):
    """(table lines, parsed JSON) of one view; both must succeed."""
    text, raw = cli("get", *args), cli("get", *args, "--json")
    assert text.code == 0, text.err
    assert raw.code == 0, raw.err
    return text.out.splitlines(), json.loads(raw.out)


def header(lines: list[str]) -> list[str]:
    return lines[0].split()


@pytest.mark.parametrize(("view", "first_columns", "expected_id"), [
    (["models"], ["ID", "NAME", "CONTEXT"], CHEAP),
    (["embedding-models"], ["ID", "NAME", "CONTEXT"], "openai/text-embedding-3-small"),
    (["rerank-models"], ["ID", "NAME", "CONTEXT"], "cohere/rerank-v3.5"),
])
def test_model_listings(cli, view, first_columns, expected_id):
    lines, data = both_forms(cli, *view)
    assert header(lines)[:3] == first_columns
    ids = [row["id"] for row in data]
    assert expected_id in ids
    assert [line.split()[0] for line in lines[1:]] == ids
    assert len(lines) == len(data) + 1


def test_model_filters_reach_the_api(cli):
    lines, data = both_forms(cli, "models", "--output-modalities", "embeddings")
    assert data and all("embeddings" in row["architecture"]["output_modalities"] for row in data)
    assert all(line.split()[0] in {row["id"] for row in data} for line in lines[1:])
    lines, data = both_forms(cli, "models", "--supported-parameters", "tools", "--category", "programming")
    assert all("tools" in row["supported_parameters"] for row in data)


def test_one_model_and_its_endpoints(cli):
    lines, data = both_forms(cli, "model", CHEAP)
    assert data["id"] == CHEAP
    assert lines[0].split() == ["id", CHEAP]
    table = lines[lines.index("") + 1:]
    assert header(table)[:2] == ["PROVIDER", "TAG"]
    assert [row.split()[0] for row in table[1:]] == [e["provider_name"] for e in data["endpoints"]]
    assert any("$0.15" in row for row in table[1:])  # $0.00000015 per token is $0.15 per million


def test_a_model_id_needs_an_author(cli):
    result = cli("get", "model", "gpt-4o")
    assert result.code == 1 and "AUTHOR/SLUG" in result.err
    missing = cli("get", "model", "nobody/nothing")
    assert missing.code == 1 and missing.err.startswith("orsync: error: GET /models/nobody/nothing/endpoints: 404")


def test_providers_and_zdr_endpoints(cli):
    lines, data = both_forms(cli, "providers")
    assert header(lines) == ["SLUG", "NAME", "HQ", "DATACENTERS", "STATUS", "PAGE"]
    assert [line.split()[0] for line in lines[1:]] == [p["slug"] for p in data]

    lines, data = both_forms(cli, "zdr-endpoints")
    assert header(lines)[:2] == ["MODEL", "PROVIDER"]
    assert len(lines) == len(data) + 1 and data[0]["model_id"] in lines[1]


def test_credits(cli, emulator):
    lines, data = both_forms(cli, "credits")
    credits = emulator.client().get_credits()
    assert data == {"total_credits": credits.total_credits, "total_usage": credits.total_usage}
    assert lines == ["total credits  $150.00", "total usage    $44.77", "remaining      $105.23"]


def test_the_current_key_is_the_management_key_unless_another_is_named(cli, emulator, monkeypatch):
    lines, data = both_forms(cli, "key")
    assert data["is_management_key"] is True
    assert "kind              management" in lines

    created = emulator.client().create_key({"name": "probe", "limit": 2, "limit_reset": "weekly"})
    monkeypatch.setenv("PROBE_KEY", created.key.get_secret_value())
    lines, data = both_forms(cli, "key", "--key-env", "PROBE_KEY")
    assert data["is_management_key"] is False and data["limit"] == 2
    assert "kind              inference" in lines and "limit             $2.00" in lines
    assert created.key.get_secret_value() not in "\n".join(lines)


def test_activity_and_generation(cli, emulator, monkeypatch):
    created = emulator.client().create_key({"name": "caller"})
    secret = created.key.get_secret_value()
    answer = emulator.client().chat_completions(
        {"model": CHEAP, "messages": [{"role": "user", "content": "hi"}]}, api_key=secret)

    monkeypatch.setenv("OPENROUTER_API_KEY", secret)
    lines, data = both_forms(cli, "generation", answer["id"])
    assert data["id"] == answer["id"] and data["model"] == CHEAP
    assert f"id                 {answer['id']}" in lines
    assert any(line.startswith("provider") and "OpenAI" in line for line in lines)

    # Activity covers completed days only: move today's call to yesterday.
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    with emulator.state.lock:
        for row in emulator.state.activity:
            row["date"] = yesterday
    lines, data = both_forms(cli, "activity", "--date", yesterday)
    assert [(row["date"], row["model"], row["requests"]) for row in data] == [(yesterday, CHEAP, 1)]
    assert header(lines)[:3] == ["DATE", "MODEL", "PROVIDER"]
    assert lines[1].split()[:4] == [yesterday, CHEAP, "OpenAI", "1"]

    lines, data = both_forms(cli, "activity", "--key-hash", "0" * 64)
    assert data == [] and lines == ["(no activity)"]


def test_org_views_show_which_guardrail_governs_what(cli, emulator):
    lines, data = both_forms(cli, "keys")
    # Every workspace: research-notebook lives in the research workspace.
    assert {k["name"] for k in data} == {"ci-smoke", "prod-backend", "old-prototype", "research-notebook"}
    assert header(lines) == ["NAME", "WORKSPACE", "HASH", "STATE", "LIMIT", "RESET", "USAGE", "GUARDRAIL", "EXPIRES"]
    rows = {line.split()[0]: line.split() for line in lines[1:]}
    ci = next(k for k in data if k["name"] == "ci-smoke")
    assert rows["ci-smoke"][1:8] == ["default", ci["hash"][:12], "active", "$5.00", "daily", "$0.42", "ci-policy"]
    assert rows["old-prototype"][3] == "disabled"
    assert rows["research-notebook"][1] == "research" and rows["research-notebook"][7] == "research/research-policy"

    lines, data = both_forms(cli, "guardrails")
    assert {g["name"] for g in data} == {"ci-policy", "prod-budget", "research-policy"}
    ci_row = next(line for line in lines if line.startswith("ci-policy"))
    # As the API keeps them: canonical slugs.
    assert "$25.00 monthly" in ci_row and "openai/gpt-4o-mini-2024-07-18, anthropic/claude-3-5-haiku" in ci_row
    assert ci_row.split()[-2:] == ["1", "1"]  # one key, one member
    assert next(line for line in lines if line.startswith("research-policy")).split()[1] == "research"

    lines, data = both_forms(cli, "members")
    assert [m["email"] for m in data] == [line.split()[0] for line in lines[1:]]
    carol = next(line for line in lines if line.startswith("carol@"))
    assert carol.split()[-1] == "ci-policy" and "Carol Silva" in carol
    bob = next(line for line in lines if line.startswith("bob@"))
    assert "default, research" in bob


SEED = {
    "settings": {"enterprise": True},
    "members": [{"id": "user_one", "email": "one@example.com"}, {"id": "user_two", "email": "two@example.com"}],
    "workspaces": [{"slug": "research", "name": "Research", "budgets": {"monthly": 300, "daily": 25},
                    "members": ["one@example.com", "two@example.com"],
                    "default_guardrail": {"limit_usd": 50, "reset_interval": "weekly",
                                          "allowed_models": ["openai/gpt-4o-mini"], "enforce_zdr": True,
                                          "content_filter_builtins": [{"slug": "email", "action": "redact"}]}}],
    "keys": [{"name": "ci", "workspace": "research"}, {"name": "ci"}],
    "guardrails": [{"name": "policy", "workspace": "research", "content_filters": [{"pattern": "a+", "action": "flag"}]}],
}


def test_workspaces_show_what_each_holds_and_its_budgets(make_emulator, capsys, monkeypatch):
    emulator = make_emulator(SEED)
    flags = point_at(monkeypatch, emulator)
    text, raw = run_cli(capsys, *flags, "get", "workspaces"), run_cli(capsys, *flags, "get", "workspaces", "--json")
    assert text.code == 0 and raw.code == 0, text.err + raw.err
    lines = text.out.splitlines()

    assert header(lines)[:7] == ["SLUG", "NAME", "ID", "KEYS", "GUARDRAILS", "MEMBERS", "BUDGETS"]
    assert [line.split()[0] for line in lines[1:]] == ["default", "research"]
    research = lines[2]
    assert research.split()[3:6] == ["1", "1", "2"]   # the default guardrail is not counted
    assert "monthly $300.00, daily $25.00" in research and "$50.00 weekly; 1 model" in research
    assert "(not set)" in lines[1]
    assert {w["slug"] for w in json.loads(raw.out)} == {"default", "research"}

    guardrails = run_cli(capsys, *flags, "get", "guardrails").out.splitlines()
    default_row = next(line for line in guardrails if line.startswith("(default)"))
    assert default_row.split()[1] == "research" and "all" in default_row.split() and "email (redact)" in default_row
    assert "1 regex" in next(line for line in guardrails if line.startswith("policy"))


def test_budgets_the_org_cannot_read_show_as_not_available(make_emulator, capsys, monkeypatch):
    emulator = make_emulator({**SEED, "settings": {"enterprise": False}})
    flags = point_at(monkeypatch, emulator)
    result = run_cli(capsys, *flags, "get", "workspaces")
    assert result.code == 0, result.err
    assert result.out.splitlines()[2].split()[6] == "n/a"


def test_tables_fit_a_narrow_terminal(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "60")
    result = cli("get", "models")
    assert all(len(line) <= 60 for line in result.out.splitlines())
    assert ELLIPSIS in result.out


def test_org_views_need_a_management_key(cli, monkeypatch):
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", "")
    result = cli("get", "keys")
    assert result.code == 1 and "needs a management key" in result.err
