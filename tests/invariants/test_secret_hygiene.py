"""Invariant 6: secrets stay out of every output except the chosen sink.

Every verb runs at -vv against an emulator on loopback, with the root logger at DEBUG (httpx and
httpcore included) into pytest's caplog and into a log file. The run creates keys (and replaces
one, so a second secret is issued), uses their secrets for inference (run --suite, run chat),
and records the apply's HTTP traffic as a cassette through the project's own scrubbers. Then
every output is searched for every secret the emulator holds (the new ones, read back from the
sink and from the emulator's state, and the seeded ones) and for the management key: stdout,
stderr, log records, the log file, the plan file, Markdown (stdout and the GitHub step
summary), JSON plans, the exported file, JUnit XML, the graph, the recorded cassette and
cassettes/.
"""

from __future__ import annotations

import json
import logging
from contextlib import contextmanager
from pathlib import Path

import pytest

from .figures import FIGURES
from .harness import CliResult, orsync

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
ORG = """version: 1
guardrails:
  - name: hygiene-policy
    limit_usd: 10
    reset_interval: monthly
    allowed_models: [openai/gpt-4o-mini, openai/text-embedding-3-small]
keys:
  - name: hygiene-a
    limit: 2
    guardrail: hygiene-policy
  - name: hygiene-b
    disabled: false
  - name: ci-smoke                      # seeded: its new expiry replaces it (a new secret)
    expires_at: "2031-01-01T00:00:00Z"
    guardrail: hygiene-policy
smoke:
  - name: allowed model
    key: hygiene-a
    endpoint: chat
    model: openai/gpt-4o-mini
    input: "Reply with OK"
    expect: {status: 200}
  - name: blocked model
    key: hygiene-a
    endpoint: chat
    model: openai/gpt-4o
    input: "Reply with OK"
    expect: {status: 403}
  - name: embeddings
    key: ci-smoke
    endpoint: embeddings
    model: openai/text-embedding-3-small
    input: "hello"
    expect: {status: 200}
"""


class Run:
    """Runs `orsync -vv ...` against the emulator and keeps every output."""

    def __init__(self, emulator, workdir: Path) -> None:
        self.emulator, self.workdir = emulator, workdir
        self.results: list[tuple[str, CliResult]] = []

    def __call__(self, *args: str, env: dict[str, str] | None = None, expect: tuple[int, ...] = (0,)) -> CliResult:
        result = orsync("-vv", "--no-color", "--base-url", self.emulator.base_url, *args,
                        env={"OPENROUTER_MANAGEMENT_KEY": self.emulator.management_key, **(env or {})})
        self.results.append((" ".join(args), result))
        assert result.code in expect, f"orsync {' '.join(args)} exited {result.code}: {result.err[-1500:]}"
        return result


def secrets_of(emulator, sink: Path) -> dict[str, str]:
    """Every secret to look for, by where it came from."""
    stored = json.loads(sink.read_text())
    found = {f"sink:{name}": entry["key"] for name, entry in stored.items()}
    found.update({f"emulator:{key.name}:{key.hash[:8]}": key.secret for key in emulator.state.keys.values()})
    found["management key"] = emulator.management_key
    return found


def leaks(text: str, secrets: dict[str, str]) -> list[str]:
    """Which secrets the text holds, whole or as their 64-hex body (a secret with its prefix cut)."""
    return [where for where, secret in secrets.items()
            if secret in text or (len(secret) > 40 and secret[-40:] in text)]


def not_vcr(record: logging.LogRecord) -> bool:
    # vcrpy, recording the test's cassette, logs whole responses (secrets included) at INFO,
    # before scrubbing: the test tool's own log, not orsync's, so it is left out of the scan.
    return not record.name.startswith("vcr")


@pytest.fixture
def debug_logs(caplog, tmp_path):
    """Root logger at DEBUG into caplog and into a file, as `-vv` with a log file would be."""
    caplog.set_level(logging.DEBUG)
    handler = logging.FileHandler(tmp_path / "orsync.log", encoding="utf-8")
    handler.addFilter(not_vcr)
    handler.setLevel(logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(asctime)s %(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    yield tmp_path / "orsync.log"
    logging.getLogger().removeHandler(handler)
    handler.close()


@contextmanager
def record_cassette(path: Path):
    """Records the CLI's HTTP traffic with the scrubbers the committed cassettes were made
    with (through the client's production transport, httpx's own, which vcrpy records)."""
    import vcr

    from tests.test_cassettes import scrub_request, scrub_response

    recorder = vcr.VCR(cassette_library_dir=str(path.parent), record_mode="all",
                       before_record_request=scrub_request, before_record_response=scrub_response,
                       decode_compressed_response=True)
    with recorder.use_cassette(path.name):
        yield


def test_no_verb_leaks_a_secret(emulator, tmp_path, debug_logs, caplog, monkeypatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)  # else apply prints ::add-mask:: lines
    summary = tmp_path / "step-summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    org = tmp_path / "org.yaml"
    org.write_text(ORG, encoding="utf-8")
    sink, plan_file, cassette = tmp_path / "secrets.json", tmp_path / "plan.json", tmp_path / "apply.yaml"
    exported, junit = tmp_path / "exported.yaml", tmp_path / "smoke.xml"
    run = Run(emulator, tmp_path)

    run("validate", str(org))
    run("schema")
    run("plan", str(org), "--out", str(plan_file))
    run("plan", str(org), "--format", "markdown")
    run("plan", str(org), "--format", "json")
    run("drift", str(org), expect=(2,))
    with record_cassette(cassette):
        run("apply", str(plan_file), "--secrets-out", str(sink))
    run("apply", str(org), "--yes", "--secrets-out", str(sink))
    run("drift", str(org), "--format", "markdown")
    run("run", "--suite", str(org), "--secrets-file", str(sink), "--junit", str(junit))
    run("run", "chat", "--key", "hygiene-a", "--secrets-file", str(sink), "--model", "openai/gpt-4o-mini", "hi")
    run("run", "embeddings", "--key", "ci-smoke", "--secrets-file", str(sink), "--json",
        "--model", "openai/text-embedding-3-small", "hello")
    run("get", "keys")
    run("get", "keys", "--json")
    run("get", "key")
    run("get", "key", "--key", "hygiene-a", "--secrets-file", str(sink))
    run("get", "guardrails")
    run("get", "members")
    run("usage", str(org))
    run("usage", "--format", "json")
    run("export", "--out", str(exported))
    run("export")
    run("graph", str(org))
    run("graph", "--live", "--format", "dot")

    secrets = secrets_of(emulator, sink)
    new = [name for name in secrets if name.startswith("sink:")]
    assert len(new) == 3, f"the run should have stored three new secrets, not {new}"
    outputs = {f"orsync {args} ({stream})": text for args, result in run.results
               for stream, text in (("stdout", result.out), ("stderr", result.err))}
    records = [record for record in caplog.records if not_vcr(record)]
    outputs["log records"] = "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text}" for r in records)
    for path in (debug_logs, plan_file, summary, exported, junit, cassette, *sorted(CASSETTES.glob("*"))):
        outputs[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    assert len(records) > 50 and "-> 201" in outputs["log records"], "DEBUG logging was not on"
    assert "POST" in outputs[str(cassette)], "the cassette recorded nothing"

    found = {where: leaks(text, secrets) for where, text in outputs.items()}
    assert {where: names for where, names in found.items() if names} == {}
    FIGURES.add("secret_hygiene.outputs_scanned", len(outputs))
    FIGURES.add("secret_hygiene.secrets_searched", len(secrets))
    FIGURES.add("secret_hygiene.verbs_run", len(run.results))


def test_under_github_actions_a_secret_appears_only_in_its_add_mask_line(emulator, tmp_path, monkeypatch):
    """The one place a secret is printed: `::add-mask::SECRET`, which the runner consumes and
    masks in every later line of the log."""
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    org = tmp_path / "org.yaml"
    org.write_text(ORG.split("smoke:")[0], encoding="utf-8")
    sink = tmp_path / "secrets.json"
    result = Run(emulator, tmp_path)("apply", str(org), "--yes", "--secrets-out", str(sink))
    stored = {name: entry["key"] for name, entry in json.loads(sink.read_text()).items()}
    masks = [line for line in result.out.splitlines() if line.startswith("::add-mask::")]
    assert sorted(line.removeprefix("::add-mask::") for line in masks) == sorted(stored.values())
    rest = "\n".join(line for line in result.text.splitlines() if not line.startswith("::add-mask::"))
    assert leaks(rest, {**stored, "management key": emulator.management_key}) == []
