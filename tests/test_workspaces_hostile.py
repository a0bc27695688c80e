"""A hostile but ordinary user against the whole-org features (issue 16), through the CLI over
loopback: each test is a way to make workspaces delete, duplicate, move or replace what the
file did not ask for, and what orsync must do instead."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest

from tests.cli_runner import point_at, run_cli
from tests.test_apply_support import write_config


@pytest.fixture
def orsync(capsys, monkeypatch, reset_emulator):
    """`orsync(*args)` against the reset session emulator (the default seed)."""
    flags = point_at(monkeypatch, reset_emulator)
    return lambda *args: run_cli(capsys, *flags, "--no-color", *args)


def workspaces(emulator) -> dict:
    return {row.slug: row for row in emulator.client().list_workspaces()}


def every_key(emulator) -> list[tuple[str, str, str]]:
    """(workspace slug, name, hash) of every live key, in every workspace."""
    client = emulator.client()
    return sorted((row.slug, key.name, key.hash) for row in client.list_workspaces()
                  for key in client.list_keys(workspace_id=row.id))


def every_guardrail(emulator) -> list[tuple[str, str, str]]:
    client = emulator.client()
    return sorted((row.slug, guardrail.name, guardrail.id) for row in client.list_workspaces()
                  for guardrail in client.list_guardrails(workspace_id=row.id)
                  if guardrail.id != row.default_guardrail_id)


def plan_json(orsync, path) -> dict:
    result = orsync("plan", str(path), "--format", "json")
    assert result.code == 0, result.err
    return json.loads(result.out)


def actions(plan: dict) -> dict[str, list[str]]:
    return {change["address"]: change["change"]["actions"] for change in plan["resource_changes"]}


# --- renaming a workspace's slug (an `id:` pin) --------------------------------------------------

def renamed_research(emulator) -> str:
    research = workspaces(emulator)["research"]
    return f"""
workspaces:
  - slug: lab
    id: {research.id}
    name: Research
    default_guardrail: {{limit_usd: 7, reset_interval: daily}}
    members: [bob@example.com]
guardrails:
  - {{name: research-policy, workspace: lab, limit_usd: 40, reset_interval: weekly}}
keys:
  - {{name: research-notebook, workspace: lab, guardrail: research-policy}}
"""


def test_renaming_a_workspace_slug_renames_it_and_leaves_its_keys_and_guardrails_in_place(
        orsync, reset_emulator, tmp_path):
    """The file pins `research` by id and calls it `lab`, and its objects `workspace: lab`: the
    one change is the slug. It used to replace the guardrail (deleting the live one and what
    the file does not assign to it) and 'move' the key into the workspace it is already in."""
    path = write_config(tmp_path, renamed_research(reset_emulator))
    keys_before, guardrails_before = every_key(reset_emulator), every_guardrail(reset_emulator)
    assert actions(plan_json(orsync, path)) == {"workspace.lab": ["update"], "default_guardrail.lab": ["update"]}
    applied = orsync("apply", str(path), "--yes", "--secrets-out", str(tmp_path / "secrets.json"))
    assert applied.code == 0, applied.err
    rename = lambda rows: [("lab" if slug == "research" else slug, name, id_) for slug, name, id_ in rows]
    assert every_key(reset_emulator) == rename(keys_before)
    assert every_guardrail(reset_emulator) == rename(guardrails_before)
    assert actions(plan_json(orsync, path)) == {}


def test_renaming_the_default_workspace_slug_moves_nothing(orsync, reset_emulator, tmp_path):
    default = workspaces(reset_emulator)["default"]
    path = write_config(tmp_path, f"""
workspaces:
  - {{slug: main, id: {default.id}}}
keys:
  - {{name: ci-smoke, workspace: main, limit: 5}}
""")
    assert actions(plan_json(orsync, path)) == {"workspace.main": ["update"]}


# --- a proxy that answers the workspace listing with nothing --------------------------------------

class _EmptyWorkspacesProxy(ThreadingHTTPServer):
    """Forwards to the emulator, except GET /workspaces, which it answers `{"data": []}` with
    status 200 (a caching proxy or a stub gateway does this), or 404 (a gateway that does not
    route it, which looks like a server older than workspaces)."""

    def __init__(self, upstream: str, status: int = 200) -> None:
        self.upstream = httpx.Client(base_url=upstream.removesuffix("/api/v1"), verify=False)
        self.status = status
        super().__init__(("127.0.0.1", 0), _Forward)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/api/v1"

    def handle_error(self, request, client_address) -> None:
        pass   # a client closing its keep-alive connection is not the test's business


class _Forward(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def _forward(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        if self.command == "GET" and self.path.split("?")[0].rstrip("/") == "/api/v1/workspaces":
            empty = {"data": [], "total_count": 0} if self.server.status == 200 else {
                "error": {"code": 404, "message": "Not Found"}}
            status, content = self.server.status, json.dumps(empty).encode()
        else:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
            answer = self.server.upstream.request(self.command, self.path, content=body, headers=headers)
            status, content = answer.status_code, answer.content
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(content)))
        self.end_headers()
        self.wfile.write(content)

    do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _forward


@pytest.fixture(params=[200, 404])
def empty_workspaces_proxy(request, reset_emulator):
    proxy = _EmptyWorkspacesProxy(reset_emulator.base_url, request.param)
    thread = threading.Thread(target=proxy.serve_forever, daemon=True)
    thread.start()
    yield proxy
    proxy.shutdown()
    proxy.server_close()
    proxy.upstream.close()
    thread.join()


def test_an_empty_workspace_listing_is_an_error_not_a_second_key(capsys, monkeypatch, reset_emulator,
                                                                  empty_workspaces_proxy, tmp_path):
    """Every org has at least its default workspace: a listing of none is a proxy talking, and
    taken at its word it hides every other workspace, so a key moved there by hand is planned
    as a create (a second key, a second secret)."""
    research = workspaces(reset_emulator)["research"]
    ci_smoke = next(key for key in reset_emulator.client().list_keys() if key.name == "ci-smoke")
    reset_emulator.control("PATCH", f"/keys/{ci_smoke.hash}", {"workspace": research.id})
    path = write_config(tmp_path, "keys:\n  - {name: ci-smoke, limit: 5}\n")
    monkeypatch.setenv("OPENROUTER_MANAGEMENT_KEY", reset_emulator.management_key)
    result = run_cli(capsys, "--base-url", empty_workspaces_proxy.base_url, "plan", str(path), "--offline")
    assert result.code == 1
    assert "workspaces" in result.err and "Traceback" not in result.err
    assert "key.ci-smoke" not in result.out


# --- model lists without the catalog -------------------------------------------------------------

def test_offline_plan_says_why_a_model_named_by_id_shows_as_a_change(orsync, tmp_path):
    """The API stores canonical slugs; without the catalog (--offline) the lists compare as
    written, so a file naming a model by id shows a change on every run. The plan must say so,
    not show it silently (an apply would then write it again on every run)."""
    path = write_config(tmp_path, "guardrails:\n"
                                  "  - {name: ci-policy, allowed_models: [openai/gpt-4o-mini]}\n")
    assert orsync("apply", str(path), "--yes").code == 0
    assert actions(plan_json(orsync, path)) == {}
    offline = orsync("plan", str(path), "--offline")
    assert "~ guardrail.ci-policy" in offline.out
    assert "compared as written" in offline.out


def test_offline_plan_without_model_list_changes_warns_of_nothing(orsync, tmp_path):
    path = write_config(tmp_path, "guardrails:\n"
                                  "  - {name: ci-policy, allowed_models: [openai/gpt-4o-mini-2024-07-18, anthropic/claude-3-5-haiku],"
                                  " limit_usd: 9,"
                                  " reset_interval: monthly}\n")
    offline = orsync("plan", str(path), "--offline")
    assert "limit_usd" in offline.out and "Warning" not in offline.out


def test_drift_with_an_unreadable_catalog_is_an_error_not_drift(orsync, monkeypatch, tmp_path):
    """A nightly `drift` must not report a model named by id as drift because GET /models
    failed: without the catalog it cannot tell naming from change, so it says so (exit 1)."""
    from orsync.api.client import OpenRouterClient
    from orsync.api.errors import ServerError

    path = write_config(tmp_path, "guardrails:\n"
                                  "  - {name: ci-policy, allowed_models: [openai/gpt-4o-mini]}\n")
    assert orsync("apply", str(path), "--yes").code == 0
    assert orsync("drift", str(path)).code == 0

    def unreadable(self, *args, **kwargs):
        raise ServerError(method="GET", path="/models", status=503, message="Service Unavailable")

    monkeypatch.setattr(OpenRouterClient, "list_catalog_models", unreadable)
    result = orsync("drift", str(path))
    assert result.code == 1
    assert "cannot tell drift from naming" in result.err and "~ guardrail.ci-policy" not in result.out


def test_a_key_taken_from_another_workspace_whose_secret_the_sink_lacks_is_named(orsync, reset_emulator, tmp_path):
    """The declared key was deleted by hand and a colleague's namesake lives in another
    workspace: the plan moves that one in (DESIGN: moved by hand), but the secrets file holds
    the deleted key's secret under the name. Apply must say so before writing, not leave a dead
    secret to be found by a failing request (issue 13: no secret lost without a word)."""
    secrets = tmp_path / "s.json"
    path = write_config(tmp_path, "keys:\n  - {name: web-chat, limit: 60}\n")
    assert orsync("apply", str(path), "--yes", "--secrets-out", str(secrets)).code == 0
    stored = json.loads(secrets.read_text())["web-chat"]["hash"]
    reset_emulator.client().delete_key(stored)
    reset_emulator.control("POST", "/keys", {"name": "web-chat", "workspace": "research"})
    result = orsync("apply", str(path), "--yes", "--secrets-out", str(secrets))
    assert result.code == 0
    warning = next(line for line in result.err.splitlines() if "key.web-chat" in line and "warning" in line)
    assert stored[:8] in warning and "does not hold" in warning


# --- pins across workspaces ----------------------------------------------------------------------

def test_a_key_pinned_by_hash_in_another_workspace_is_moved_to_the_file_s_workspace(orsync, reset_emulator, tmp_path):
    """A `hash:` pin matches the key wherever it is; the file (no `workspace:`) places it in the
    default workspace, as it would an entry matched by name. Left where it was, the guardrail
    the file gives it (a default-workspace one) is refused by the API on every apply."""
    notebook = next(key for key in every_key(reset_emulator) if key[1] == "research-notebook")
    path = write_config(tmp_path, f"guardrails:\n  - {{name: ci-policy}}\n"
                                  f"keys:\n  - {{name: notebook, hash: {notebook[2]}, guardrail: ci-policy}}\n")
    assert actions(plan_json(orsync, path)) == {"key.notebook": ["update"], "key_assignment.notebook": ["update"]}
    applied = orsync("apply", str(path), "--yes")
    assert applied.code == 0, applied.err + applied.out
    assert ("default", "notebook", notebook[2]) in every_key(reset_emulator)
    assert actions(plan_json(orsync, path)) == {}


def test_a_guardrail_pinned_by_id_in_another_workspace_is_refused_not_replaced(orsync, reset_emulator, tmp_path):
    policy = next(row for row in every_guardrail(reset_emulator) if row[1] == "research-policy")
    path = write_config(tmp_path, f"guardrails:\n  - {{name: research-policy, id: {policy[2]}}}\n")
    result = orsync("plan", str(path))
    assert result.code == 1 and "guardrails[0].workspace" in result.err and "pin" in result.err
    assert policy in every_guardrail(reset_emulator)


# --- workspaces that are not there ---------------------------------------------------------------

def test_a_key_kept_in_a_workspace_the_file_deletes_is_a_validate_error(orsync, reset_emulator, tmp_path):
    """Planned as written, the key is created (a new secret) and then deleted with its workspace."""
    path = write_config(tmp_path, """
workspaces:
  - {slug: research, state: absent}
guardrails:
  - {name: research-policy, workspace: research, state: absent}
keys:
  - {name: research-notebook, workspace: research, state: absent}
  - {name: fresh, workspace: research}
""")
    for verb in ("validate", "plan"):
        result = orsync(verb, str(path))
        said = result.out + result.err       # validate lists problems on stdout, plan on stderr
        assert result.code == 1, said
        assert "org.yaml:9:" in said and "keys[1].workspace" in said and "state: absent" in said
    assert ("research", "research-notebook") in [row[:2] for row in every_key(reset_emulator)]


def test_a_key_in_a_workspace_that_neither_exists_nor_is_declared_stops_the_plan(orsync, reset_emulator, tmp_path):
    """The API would refuse the create (400 Workspace not found) on every apply."""
    path = write_config(tmp_path, "keys:\n  - {name: fresh, workspace: nowhere}\n")
    assert orsync("validate", str(path)).code == 0     # the workspace may exist: only the org knows
    result = orsync("plan", str(path))
    assert result.code == 1 and "keys[0].workspace" in result.err and "nowhere" in result.err
    applied = orsync("apply", str(path), "--yes", "--secrets-out", str(tmp_path / "s.json"))
    assert applied.code == 1 and reset_emulator.write_count() == 0


# --- a name found in several other workspaces ----------------------------------------------------

def test_a_name_found_in_two_other_workspaces_is_created_with_a_warning_naming_both(orsync, reset_emulator, tmp_path):
    """Which one (if any) was moved by hand cannot be known: nothing is moved or deleted, the
    entry is created (ADR 0004), and the plan names both so that a reviewer can pin one."""
    reset_emulator.client().create_workspace({"name": "Sandbox", "slug": "sandbox"})
    for slug in ("research", "sandbox"):
        reset_emulator.control("POST", "/keys", {"name": "batch", "workspace": slug})
    before = every_key(reset_emulator)
    path = write_config(tmp_path, "keys:\n  - {name: batch, limit: 5}\n")
    result = orsync("plan", str(path))
    assert result.code == 0 and "+ key.batch" in result.out
    hashes = [row[2] for row in before if row[1] == "batch"]
    warning = next(line for line in result.out.splitlines() if line.startswith("Warning:") and "batch" in line)
    assert all(key_hash in warning for key_hash in hashes) and "hash:" in warning
    assert "research/batch" not in result.out.split("Unmanaged")[0]    # neither moved nor deleted


# --- what must stay refused ----------------------------------------------------------------------

def test_protect_globs_match_names_within_any_workspace_under_prune(orsync, reset_emulator, tmp_path):
    reset_emulator.control("POST", "/keys", {"name": "prod-db", "workspace": "research"})
    before = every_key(reset_emulator)
    path = write_config(tmp_path, "policy: {prune: true, protect: ['prod-*']}\n"
                                  "keys:\n  - {name: ci-smoke}\n  - {name: old-prototype}\n"
                                  "  - {name: research-notebook, workspace: research}\n")
    result = orsync("apply", str(path), "--yes")
    assert result.code == 1 and "key.research/prod-db is protected by 'prod-*'" in result.err
    assert every_key(reset_emulator) == before


def test_a_guardrail_pin_onto_a_workspace_default_guardrail_is_refused(orsync, reset_emulator, tmp_path):
    """A default guardrail is never renamed (the API refuses it), never deleted, never assigned."""
    default_guardrail = workspaces(reset_emulator)["research"].default_guardrail_id
    path = write_config(tmp_path, f"guardrails:\n  - {{name: mine, id: {default_guardrail}, workspace: research}}\n")
    result = orsync("plan", str(path))
    assert result.code == 1 and "guardrails[0].id" in result.err and default_guardrail in result.err


def test_deleting_the_default_workspace_through_a_pin_under_another_slug_is_refused(orsync, reset_emulator, tmp_path):
    default = workspaces(reset_emulator)["default"]
    path = write_config(tmp_path, f"workspaces:\n  - {{slug: spare, id: {default.id}, state: absent}}\n")
    result = orsync("apply", str(path), "--yes")
    assert result.code == 1 and "default workspace" in result.err
    assert reset_emulator.write_count() == 0


def test_a_slug_freed_by_a_rename_is_taken_only_after_the_rename(orsync, reset_emulator, tmp_path):
    """Renaming `research` to `lab` and creating a new `research` in one plan: run together, the
    create races the rename for the slug (the API refuses a taken slug), and a key sent to
    `research` by slug could land in the old workspace."""
    from orsync.apply.executor import phases
    from orsync.planner.plan import Plan

    research = workspaces(reset_emulator)["research"]
    path = write_config(tmp_path, f"""
workspaces:
  - {{slug: lab, id: {research.id}}}
  - {{slug: research, name: New Research}}
keys:
  - {{name: research-notebook, workspace: lab}}
  - {{name: fresh, workspace: research}}
""")
    saved = tmp_path / "plan.json"
    assert orsync("plan", str(path), "--out", str(saved)).code == 0
    order = [[step.change.address for step in phase] for phase in phases(Plan.from_json(json.loads(saved.read_text())))]
    assert order.index(["workspace.lab"]) < order.index(["workspace.research"])
    applied = orsync("apply", str(saved), "--secrets-out", str(tmp_path / "s.json"))
    assert applied.code == 0, applied.err
    keys = every_key(reset_emulator)
    assert ("lab", "research-notebook") in [row[:2] for row in keys]
    assert ("research", "fresh") in [row[:2] for row in keys]
    assert workspaces(reset_emulator)["lab"].id == research.id


def test_swapping_two_workspace_slugs_in_one_plan_is_refused_before_any_write(orsync, reset_emulator, tmp_path):
    """The API renames one workspace at a time and refuses a taken slug: both renames would fail
    on every apply (or one would, leaving the org half renamed)."""
    rows = workspaces(reset_emulator)
    path = write_config(tmp_path, f"workspaces:\n  - {{slug: research, id: {rows['default'].id}}}\n"
                                  f"  - {{slug: default, id: {rows['research'].id}}}\n")
    result = orsync("apply", str(path), "--yes")
    assert result.code == 1 and "workspaces[0].slug" in result.err and "research" in result.err
    assert reset_emulator.write_count() == 0


def test_two_entries_missing_from_their_workspaces_do_not_race_for_one_key_found_elsewhere(
        orsync, reset_emulator, tmp_path):
    """`ci-smoke` was moved by hand to research; the file declares a `ci-smoke` in the default
    workspace and another in sandbox. Either could be the one moved: file order must not decide
    which key is moved where. Nothing is moved; both are created, and the plan says why."""
    reset_emulator.client().create_workspace({"name": "Sandbox", "slug": "sandbox"})
    ci_smoke = next(row for row in every_key(reset_emulator) if row[1] == "ci-smoke")
    reset_emulator.control("PATCH", f"/keys/{ci_smoke[2]}", {"workspace": "research"})
    for entries in ("  - {name: ci-smoke}\n  - {name: ci-smoke, workspace: sandbox}\n",
                    "  - {name: ci-smoke, workspace: sandbox}\n  - {name: ci-smoke}\n"):
        path = write_config(tmp_path, "keys:\n" + entries)
        plan = plan_json(orsync, path)
        assert actions(plan) == {"key.ci-smoke": ["create"], "key.sandbox/ci-smoke": ["create"]}
        assert any(ci_smoke[2] in warning for warning in plan["warnings"])


# --- namesakes in other workspaces are left alone -----------------------------------------------

def test_a_namesake_in_another_workspace_is_neither_moved_nor_deleted(orsync, reset_emulator, tmp_path):
    """The declared `ci-smoke` is live in the default workspace; a hand-made `ci-smoke` in
    research is another key, unmanaged. An `absent` entry deletes only its own workspace's."""
    reset_emulator.control("POST", "/keys", {"name": "ci-smoke", "workspace": "research"})
    reset_emulator.control("POST", "/keys", {"name": "gone", "workspace": "research"})
    before = every_key(reset_emulator)
    path = write_config(tmp_path, "keys:\n  - {name: ci-smoke, limit: 5}\n  - {name: gone, state: absent}\n")
    assert actions(plan_json(orsync, path)) == {}
    assert orsync("apply", str(path), "--yes").code == 0
    assert every_key(reset_emulator) == before
