"""Every endpoint in scope, driven over loopback HTTP, answers bodies (errors, failure shapes and
server-sent events included) that the official OpenAPI schemas accept, with today's newer
fields required (tests/openapi_newer.py). In scope: the .lap's 39 endpoints, every operation of
/workspaces*, /keys*, /guardrails*, /organization/* and /key in the reference document, and
GET|PATCH /organization/settings.

One case per documented status the emulator produces. JSON bodies go through
`tests/openapi_schema.validate_response`; each server-sent event is checked against the
operation's `text/event-stream` schema (`{"data": ...}`, plus `event` for /messages).
GET /rerank/models is absent from the reference document; its body is checked against the
schema of its twin GET /embeddings/models.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from tests.openapi_schema import DOCUMENT_URI, SCOPE_FILE, validate_response

CHAT = {"model": "openai/gpt-4o-mini", "messages": [{"role": "user", "content": "Reply with OK"}]}
SCHEMA_TWINS = {"/rerank/models": "/embeddings/models"}  # not in the reference document


MISSING_KEY = "0" * 64
MISSING_GUARDRAIL = "00000000-0000-4000-8000-000000000000"
EMBED = {"model": "openai/text-embedding-3-small", "input": "a"}
RERANK = {"model": "cohere/rerank-v3.5", "query": "apple", "documents": ["apple pie", "pear"]}
HAIKU = {**CHAT, "model": "anthropic/claude-3.5-haiku"}
CALLBACK = {"callback_url": "https://example.com/cb"}


class Env:
    """Clients for each kind of caller, and the values case paths and bodies refer to.

    The session's emulator serves the whole module, reset to its seed before each case:
    starting a server per case would cost more than all the cases together.
    """

    def __init__(self, emulator) -> None:
        self.emulator = emulator
        self._made: dict[str, httpx.Client] = {}

    def reset(self) -> None:
        self.emulator.reset()

    def close(self) -> None:
        for client in self._made.values():
            client.close()

    def client(self, caller: str) -> httpx.Client:
        """`management`, `ci` (ci-smoke: guardrail ci-policy), `prod` (prod-backend),
        `spent` (prod-backend with a $0 limit) or `anonymous`."""
        if caller == "spent":
            self._clients("management").patch(f"/keys/{self.value('prod')}", json={"limit": 0})
            caller = "prod"
        return self._clients(caller)

    def value(self, name: str) -> str:
        """What `{name}` stands for in a case's path or body."""
        state = self.emulator.state
        if name in ("ci", "prod"):
            return state.key_named({"ci": "ci-smoke", "prod": "prod-backend"}[name]).hash
        if name == "guardrail":
            return next(g.id for g in state.guardrails.values() if g.name == "ci-policy")
        if name == "bob":
            return next(m.id for m in state.members.values() if m.email == "bob@example.com")
        if name == "code":
            created = self.client("ci").post("/auth/keys/code", json=CALLBACK)
            return created.json()["data"]["id"]
        if name == "generation":
            return self.client("ci").post("/chat/completions", json=CHAT).json()["id"]
        if name == "ws":
            return self.workspace()["id"]
        if name == "ws_guardrail":
            return self.workspace()["default_guardrail_id"]
        if name == "default_ws":
            return state.default_workspace_id
        raise KeyError(name)

    def workspace(self) -> dict:
        """The workspace `schema-ws` (made on first use after a reset), with bob as a member."""
        client = self._clients("management")
        found = client.get("/workspaces/schema-ws")
        if found.status_code == 200:
            return found.json()["data"]
        made = client.post("/workspaces", json={"name": "Schema", "slug": "schema-ws"}).json()["data"]
        client.post("/workspaces/schema-ws/members/add", json={"user_ids": [self.value("bob")]})
        return made

    def budget(self) -> None:
        self.workspace()
        self._clients("management").put("/workspaces/schema-ws/budgets/monthly", json={"limit_usd": 50})

    def without_enterprise(self) -> None:
        self.emulator.control("PATCH", "/org", {"enterprise": False})

    def short_pages(self) -> None:
        """ci-smoke deleted while assignment pages come back short: its row still counts."""
        self.emulator.control("POST", "/failures", {"switch": "short_assignment_pages", "enabled": True})
        self._clients("management").delete(f"/keys/{self.value('ci')}")

    def materialised_default(self) -> None:
        self._clients("management").patch(f"/guardrails/{self.value('ws_guardrail')}", json={"enforce_zdr": True})

    def activity_yesterday(self) -> None:
        """One call, booked as made yesterday: GET /activity reports completed days only."""
        self.client("prod").post("/chat/completions", json=CHAT).raise_for_status()
        yesterday = (datetime.now(timezone.utc) - timedelta(days=1)).date().isoformat()
        with self.emulator.state.lock:
            for row in self.emulator.state.activity:
                row["date"] = yesterday

    def _clients(self, caller: str) -> httpx.Client:
        """One client per caller, kept: the seed's secrets survive a reset."""
        if caller not in self._made:
            self._made[caller] = self.emulator.http(self._secret(caller))
        return self._made[caller]

    def _secret(self, caller: str) -> str:
        if caller == "anonymous":
            return ""
        if caller == "management":
            return self.emulator.management_key
        return self.emulator.state.key_named({"ci": "ci-smoke", "prod": "prod-backend"}[caller]).secret


@dataclass(frozen=True)
class Case:
    """One request and the status it must get. `{name}` in `path` and in string values of
    `body` or `params` is filled from `Env.value`; `template` defaults to the path."""

    name: str
    status: int
    caller: str
    method: str
    path: str
    body: Any = None
    params: dict | None = None
    template: str | None = None
    stream: bool = False
    before: Callable[[Env], None] | None = None

    def send(self, env: Env) -> httpx.Response:
        if self.before:
            self.before(env)
        return env.client(self.caller).request(self.method, _filled(self.path, env),
                                               json=_filled(self.body, env),
                                               params=_filled(self.params, env))

    @property
    def schema_path(self) -> str:
        template = self.template or self.path
        return SCHEMA_TWINS.get(template, template)


def shape(name: str) -> Callable[[Env], None]:
    """A `before` hook: the case's request gets this failure shape (`/_emulator/failures`)."""
    return lambda env: env.emulator.control("POST", "/failures", {"shape": name})


def fault(kind: str) -> Callable[[Env], None]:
    """A `before` hook: every API request of the case fails with this injected fault."""
    return lambda env: env.emulator.set_faults(1.0, kinds=[kind])


def management_only(name: str, method: str, path: str, body: Any = None, **options: Any) -> list[Case]:
    """A management endpoint refusing an API key (403) and no key at all (401)."""
    return [Case(f"{name} with an API key", 403, "ci", method, path, body, **options),
            Case(f"{name} without auth", 401, "anonymous", method, path, body, **options)]


def _filled(value: Any, env: Env) -> Any:
    if isinstance(value, str):
        return re.sub(r"\{(\w+)\}", lambda m: env.value(m.group(1)), value)
    if isinstance(value, dict):
        return {k: _filled(v, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, env) for v in value]
    return value


KEY, GUARDRAIL = "/keys/{hash}", "/guardrails/{id}"
WS, WSB = "/workspaces/{id}", "/workspaces/{id}/budgets/{interval}"
G_KEYS, G_MEMBERS = "/guardrails/{id}/assignments/keys", "/guardrails/{id}/assignments/members"
ENDPOINTS = "/models/{author}/{slug}/endpoints"
CASES = [
    # --- keys ---
    Case("list keys", 200, "management", "GET", "/keys", params={"include_disabled": "true"}),
    Case("list keys without auth", 401, "anonymous", "GET", "/keys"),
    Case("create key", 201, "management", "POST", "/keys", {"name": "new", "limit": 1}),
    Case("create key without a name", 400, "management", "POST", "/keys", {}),
    Case("get key", 200, "management", "GET", "/keys/{ci}", template=KEY),
    Case("get missing key", 404, "management", "GET", f"/keys/{MISSING_KEY}", template=KEY),
    Case("update key", 200, "management", "PATCH", "/keys/{ci}", {"limit": 7}, template=KEY),
    Case("update key badly", 400, "management", "PATCH", "/keys/{ci}", {"limit": "seven"}, template=KEY),
    Case("update missing key", 404, "management", "PATCH", f"/keys/{MISSING_KEY}", {"limit": 7},
         template=KEY),
    Case("delete key", 200, "management", "DELETE", "/keys/{ci}", template=KEY),
    Case("delete missing key", 404, "management", "DELETE", f"/keys/{MISSING_KEY}", template=KEY),
    Case("current key", 200, "ci", "GET", "/key"),
    Case("current key without auth", 401, "anonymous", "GET", "/key"),
    # --- account ---
    Case("credits", 200, "management", "GET", "/credits"),
    Case("credits with an API key", 403, "ci", "GET", "/credits"),
    Case("coinbase", 410, "anonymous", "POST", "/credits/coinbase"),
    Case("members", 200, "management", "GET", "/organization/members"),
    Case("members without auth", 401, "anonymous", "GET", "/organization/members"),
    Case("auth code", 200, "ci", "POST", "/auth/keys/code", CALLBACK),
    Case("auth code without callback", 400, "ci", "POST", "/auth/keys/code", {}),
    Case("auth code without auth", 401, "anonymous", "POST", "/auth/keys/code", CALLBACK),
    Case("exchange code", 200, "anonymous", "POST", "/auth/keys", {"code": "{code}"}),
    Case("exchange bad code", 403, "anonymous", "POST", "/auth/keys", {"code": "nope"}),
    Case("exchange without code", 400, "anonymous", "POST", "/auth/keys", {}),
    # --- guardrails ---
    Case("list guardrails", 200, "management", "GET", "/guardrails"),
    Case("create guardrail", 201, "management", "POST", "/guardrails",
         {"name": "g", "limit_usd": 3, "reset_interval": "daily"}),
    Case("create guardrail with limit 0", 400, "management", "POST", "/guardrails",
         {"name": "g", "limit_usd": 0}),
    Case("get guardrail", 200, "management", "GET", "/guardrails/{guardrail}", template=GUARDRAIL),
    Case("get missing guardrail", 404, "management", "GET", f"/guardrails/{MISSING_GUARDRAIL}",
         template=GUARDRAIL),
    Case("update guardrail", 200, "management", "PATCH", "/guardrails/{guardrail}", {"description": "new"},
         template=GUARDRAIL),
    Case("update guardrail badly", 400, "management", "PATCH", "/guardrails/{guardrail}", {"limit_usd": -1},
         template=GUARDRAIL),
    Case("update missing guardrail", 404, "management", "PATCH", f"/guardrails/{MISSING_GUARDRAIL}",
         {"name": "x"}, template=GUARDRAIL),
    Case("delete guardrail", 200, "management", "DELETE", "/guardrails/{guardrail}", template=GUARDRAIL),
    Case("delete missing guardrail", 404, "management", "DELETE", f"/guardrails/{MISSING_GUARDRAIL}",
         template=GUARDRAIL),
    Case("all key assignments", 200, "management", "GET", "/guardrails/assignments/keys"),
    Case("all member assignments", 200, "management", "GET", "/guardrails/assignments/members"),
    Case("key assignments", 200, "management", "GET", "/guardrails/{guardrail}/assignments/keys",
         template=G_KEYS),
    Case("key assignments of missing guardrail", 404, "management", "GET",
         f"/guardrails/{MISSING_GUARDRAIL}/assignments/keys", template=G_KEYS),
    Case("assign keys", 200, "management", "POST", "/guardrails/{guardrail}/assignments/keys",
         {"key_hashes": ["{prod}"]}, template=G_KEYS),
    Case("assign no keys", 400, "management", "POST", "/guardrails/{guardrail}/assignments/keys",
         {"key_hashes": []}, template=G_KEYS),
    Case("unassign keys", 200, "management", "POST", "/guardrails/{guardrail}/assignments/keys/remove",
         {"key_hashes": ["{ci}"]}, template=G_KEYS + "/remove"),
    Case("unassign keys of missing guardrail", 404, "management", "POST",
         f"/guardrails/{MISSING_GUARDRAIL}/assignments/keys/remove", {"key_hashes": ["{ci}"]},
         template=G_KEYS + "/remove"),
    Case("member assignments", 200, "management", "GET", "/guardrails/{guardrail}/assignments/members",
         template=G_MEMBERS),
    Case("assign members", 200, "management", "POST", "/guardrails/{guardrail}/assignments/members",
         {"member_user_ids": ["{bob}"]}, template=G_MEMBERS),
    Case("assign members badly", 400, "management", "POST", "/guardrails/{guardrail}/assignments/members",
         {"member_user_ids": "x"}, template=G_MEMBERS),
    Case("unassign members", 200, "management", "POST",
         "/guardrails/{guardrail}/assignments/members/remove", {"member_user_ids": ["{bob}"]},
         template=G_MEMBERS + "/remove"),
    # --- workspaces (reference spec; API-NOTES "Workspaces") ---
    Case("list workspaces", 200, "management", "GET", "/workspaces", params={"limit": 5}),
    *management_only("list workspaces", "GET", "/workspaces"),
    Case("create workspace", 201, "management", "POST", "/workspaces", {"name": "Prod", "slug": "prod-eu"}),
    Case("create workspace with a bad slug", 400, "management", "POST", "/workspaces", {"name": "x", "slug": "Bad Slug"}),
    *management_only("create workspace", "POST", "/workspaces", {"name": "x", "slug": "x"}),
    Case("get workspace", 200, "management", "GET", "/workspaces/{ws}", template=WS),
    Case("get workspace by slug", 200, "management", "GET", "/workspaces/schema-ws", template=WS,
         before=Env.workspace),
    Case("get missing workspace", 404, "management", "GET", "/workspaces/nowhere", template=WS),
    Case("get workspace without auth", 401, "anonymous", "GET", "/workspaces/x", template=WS),
    Case("update workspace", 200, "management", "PATCH", "/workspaces/{ws}", {"description": "d"}, template=WS),
    Case("update workspace badly", 400, "management", "PATCH", "/workspaces/{ws}", {"name": ""}, template=WS),
    Case("update missing workspace", 404, "management", "PATCH", "/workspaces/nowhere", {"name": "x"}, template=WS),
    *management_only("update workspace", "PATCH", "/workspaces/x", {"name": "x"}, template=WS),
    Case("delete workspace", 200, "management", "DELETE", "/workspaces/{ws}", template=WS),
    Case("delete the default workspace unconfirmed", 400, "management", "DELETE", "/workspaces/{default_ws}",
         template=WS),
    Case("delete the default workspace", 403, "management", "DELETE", "/workspaces/{default_ws}",
         params={"confirm_default_workspace_deletion": "true"}, template=WS),
    Case("delete missing workspace", 404, "management", "DELETE", "/workspaces/nowhere", template=WS),
    Case("delete workspace without auth", 401, "anonymous", "DELETE", "/workspaces/x", template=WS),
    Case("workspace members", 200, "management", "GET", "/workspaces/{ws}/members", template=WS + "/members"),
    Case("default workspace members", 200, "management", "GET", "/workspaces/{default_ws}/members",
         template=WS + "/members"),
    Case("members of missing workspace", 404, "management", "GET", "/workspaces/nowhere/members",
         template=WS + "/members"),
    *management_only("workspace members", "GET", "/workspaces/x/members", template=WS + "/members"),
    Case("add workspace members", 200, "management", "POST", "/workspaces/{ws}/members/add",
         {"user_ids": ["user_2dHFtCarolMember0000000003"]}, template=WS + "/members/add"),
    Case("add no workspace members", 400, "management", "POST", "/workspaces/{ws}/members/add",
         {"user_ids": []}, template=WS + "/members/add"),
    Case("add members to missing workspace", 404, "management", "POST", "/workspaces/nowhere/members/add",
         {"user_ids": ["u"]}, template=WS + "/members/add"),
    *management_only("add members", "POST", "/workspaces/x/members/add", {"user_ids": ["u"]},
                     template=WS + "/members/add"),
    Case("remove workspace members", 200, "management", "POST", "/workspaces/{ws}/members/remove",
         {"user_ids": ["{bob}"]}, template=WS + "/members/remove"),
    Case("remove no workspace members", 400, "management", "POST", "/workspaces/{ws}/members/remove",
         {"user_ids": []}, template=WS + "/members/remove"),
    Case("remove members of missing workspace", 404, "management", "POST", "/workspaces/nowhere/members/remove",
         {"user_ids": ["u"]}, template=WS + "/members/remove"),
    *management_only("remove members", "POST", "/workspaces/x/members/remove", {"user_ids": ["u"]},
                     template=WS + "/members/remove"),
    Case("workspace budgets", 200, "management", "GET", "/workspaces/{ws}/budgets", template=WS + "/budgets",
         before=Env.budget),
    Case("budgets of missing workspace", 404, "management", "GET", "/workspaces/nowhere/budgets",
         template=WS + "/budgets"),
    Case("budgets without Enterprise", 403, "management", "GET", "/workspaces/{ws}/budgets",
         template=WS + "/budgets", before=Env.without_enterprise),
    Case("budgets without auth", 401, "anonymous", "GET", "/workspaces/x/budgets", template=WS + "/budgets"),
    Case("get budget", 200, "management", "GET", "/workspaces/{ws}/budgets/monthly", template=WSB,
         before=Env.budget),
    Case("get budget of a bad interval", 400, "management", "GET", "/workspaces/{ws}/budgets/yearly", template=WSB),
    Case("get unset budget", 404, "management", "GET", "/workspaces/{ws}/budgets/daily", template=WSB),
    Case("get budget without Enterprise", 403, "management", "GET", "/workspaces/{ws}/budgets/daily",
         template=WSB, before=Env.without_enterprise),
    Case("get budget without auth", 401, "anonymous", "GET", "/workspaces/x/budgets/daily", template=WSB),
    Case("put budget", 200, "management", "PUT", "/workspaces/{ws}/budgets/lifetime",
         {"limit_usd": 100, "include_byok_in_budgets": True}, template=WSB),
    Case("put budget out of order", 400, "management", "PUT", "/workspaces/{ws}/budgets/daily",
         {"limit_usd": 60}, template=WSB, before=Env.budget),
    Case("put budget in missing workspace", 404, "management", "PUT", "/workspaces/nowhere/budgets/daily",
         {"limit_usd": 1}, template=WSB),
    Case("put budget without Enterprise", 403, "management", "PUT", "/workspaces/{ws}/budgets/daily",
         {"limit_usd": 1}, template=WSB, before=Env.without_enterprise),
    Case("put budget without auth", 401, "anonymous", "PUT", "/workspaces/x/budgets/daily",
         {"limit_usd": 1}, template=WSB),
    Case("delete budget", 200, "management", "DELETE", "/workspaces/{ws}/budgets/monthly", template=WSB,
         before=Env.budget),
    Case("delete budget of a bad interval", 400, "management", "DELETE", "/workspaces/{ws}/budgets/x", template=WSB),
    Case("delete unset budget", 404, "management", "DELETE", "/workspaces/{ws}/budgets/weekly", template=WSB),
    Case("delete budget without Enterprise", 403, "management", "DELETE", "/workspaces/{ws}/budgets/weekly",
         template=WSB, before=Env.without_enterprise),
    Case("delete budget without auth", 401, "anonymous", "DELETE", "/workspaces/x/budgets/weekly", template=WSB),
    # --- organization settings (newer than the reference document) ---
    Case("org settings", 200, "management", "GET", "/organization/settings"),
    *management_only("org settings", "GET", "/organization/settings"),
    Case("update org settings", 200, "management", "PATCH", "/organization/settings",
         {"is_filtered_model_catalog_enabled": True}),
    Case("update org settings badly", 400, "management", "PATCH", "/organization/settings",
         {"is_filtered_model_catalog_enabled": 1}),
    *management_only("update org settings", "PATCH", "/organization/settings", {}),
    # --- workspaces in the key and guardrail routes ---
    Case("list keys of a workspace", 200, "management", "GET", "/keys",
         params={"workspace_id": "{ws}", "include_expired": "true"}),
    Case("list keys of a missing workspace", 400, "management", "GET", "/keys", params={"workspace_id": "nowhere"}),
    Case("create key in a workspace", 201, "management", "POST", "/keys", {"name": "w", "workspace_id": "{ws}"}),
    Case("move key", 200, "management", "PATCH", "/keys/{ci}", {"workspace_id": "{ws}"}, template=KEY),
    Case("list guardrails of a workspace", 200, "management", "GET", "/guardrails",
         params={"workspace_id": "{ws}"}, before=Env.materialised_default),
    Case("create guardrail in a workspace", 201, "management", "POST", "/guardrails",
         {"name": "w", "workspace_id": "{ws}", "allowed_models": ["openai/gpt-4o-mini"]}),
    Case("create guardrail with a lookahead", 400, "management", "POST", "/guardrails",
         {"name": "w", "content_filters": [{"pattern": "a(?=b)", "action": "block"}]}),
    Case("create guardrail with a budget but no interval", 400, "management", "POST", "/guardrails",
         {"name": "w", "limit_usd": 5}),
    Case("get unmaterialised default guardrail", 404, "management", "GET", "/guardrails/{ws_guardrail}",
         template=GUARDRAIL),
    Case("materialise default guardrail", 200, "management", "PATCH", "/guardrails/{ws_guardrail}",
         {"allowed_models": ["openai/gpt-4o-mini"]}, template=GUARDRAIL),
    Case("rename default guardrail", 400, "management", "PATCH", "/guardrails/{ws_guardrail}",
         {"name": "x"}, template=GUARDRAIL),
    Case("delete default guardrail", 403, "management", "DELETE", "/guardrails/{ws_guardrail}",
         template=GUARDRAIL, before=Env.materialised_default),
    Case("assign keys to default guardrail", 400, "management", "POST", "/guardrails/{ws_guardrail}/assignments/keys",
         {"key_hashes": ["{prod}"]}, template=G_KEYS),
    Case("assign key across workspaces", 400, "management", "POST", "/guardrails/{guardrail}/assignments/keys",
         {"key_hashes": ["{ci}"]}, template=G_KEYS, before=lambda env: env.client("management").patch(
             f"/keys/{env.value('ci')}", json={"workspace_id": env.value("ws")})),
    # --- failure shapes (API-NOTES "Failure shapes the real API produces") ---
    Case("rate-limited key listing", 429, "management", "GET", "/keys", before=shape("rate_limited")),
    Case("rate-limited chat without Retry-After", 429, "prod", "POST", "/chat/completions", CHAT,
         before=shape("rate_limited_no_retry_after")),
    Case("chat unavailable", 503, "prod", "POST", "/chat/completions", CHAT, before=shape("unavailable")),
    Case("chat with a management key", 401, "management", "POST", "/chat/completions", CHAT),
    Case("chat stream failing mid-stream", 200, "prod", "POST", "/chat/completions", {**CHAT, "stream": True},
         stream=True, before=shape("error_mid_stream")),
    Case("responses stream failing mid-stream", 200, "prod", "POST", "/responses",
         {"model": "openai/gpt-4o-mini", "input": "hi", "stream": True}, stream=True,
         before=shape("error_mid_stream")),
    Case("messages stream failing mid-stream", 200, "prod", "POST", "/messages", {**HAIKU, "stream": True},
         stream=True, before=shape("error_mid_stream")),
    Case("chat with an error inside a 200", 200, "prod", "POST", "/chat/completions", CHAT,
         before=shape("error_in_200")),
    Case("responses with an error inside a 200", 200, "prod", "POST", "/responses",
         {"model": "openai/gpt-4o-mini", "input": "hi"}, before=shape("error_in_200")),
    Case("short assignment page", 200, "management", "GET", "/guardrails/{guardrail}/assignments/keys",
         params={"limit": 1}, template=G_KEYS, before=Env.short_pages),
    # --- catalog ---
    Case("models", 200, "anonymous", "GET", "/models"),
    Case("models, filtered and paged", 200, "anonymous", "GET", "/models", params={
        "output_modalities": "all", "category": "programming", "supported_parameters": "tools", "limit": 2}),
    Case("models of an unknown category", 400, "anonymous", "GET", "/models", params={"category": "x"}),
    Case("model count", 200, "anonymous", "GET", "/models/count"),
    Case("model count of bad modality", 400, "anonymous", "GET", "/models/count",
         params={"output_modalities": "smell"}),
    Case("user models", 200, "ci", "GET", "/models/user"),
    Case("user models without auth", 401, "anonymous", "GET", "/models/user"),
    Case("model endpoints", 200, "anonymous", "GET", "/models/meta-llama/llama-3.1-8b-instruct/endpoints",
         template=ENDPOINTS),
    Case("missing model endpoints", 404, "anonymous", "GET", "/models/nobody/nothing/endpoints",
         template=ENDPOINTS),
    Case("providers", 200, "anonymous", "GET", "/providers"),
    Case("zdr endpoints", 200, "anonymous", "GET", "/endpoints/zdr"),
    Case("embedding models", 200, "anonymous", "GET", "/embeddings/models"),
    Case("rerank models", 200, "anonymous", "GET", "/rerank/models"),
    # --- inference ---
    Case("chat", 200, "ci", "POST", "/chat/completions", CHAT),
    Case("chat, streamed", 200, "ci", "POST", "/chat/completions", {**CHAT, "stream": True}, stream=True),
    Case("chat without messages", 400, "ci", "POST", "/chat/completions", {"model": "openai/gpt-4o-mini"}),
    Case("chat without auth", 401, "anonymous", "POST", "/chat/completions", CHAT),
    Case("chat over the key limit", 402, "spent", "POST", "/chat/completions", CHAT),
    Case("chat blocked by guardrail", 403, "ci", "POST", "/chat/completions",
         {**CHAT, "model": "openai/gpt-4o"}),
    Case("chat with no allowed provider", 404, "ci", "POST", "/chat/completions",
         {**CHAT, "provider": {"only": ["azure"]}}),
    Case("responses", 200, "ci", "POST", "/responses", {"model": "openai/gpt-4o-mini", "input": "hi"}),
    Case("responses, streamed", 200, "ci", "POST", "/responses",
         {"model": "openai/gpt-4o-mini", "input": "hi", "stream": True}, stream=True),
    Case("responses with a bad input", 400, "ci", "POST", "/responses",
         {"model": "openai/gpt-4o-mini", "input": 3}),
    Case("responses over the key limit", 402, "spent", "POST", "/responses",
         {"model": "openai/gpt-4o-mini", "input": "hi"}),
    Case("responses blocked by guardrail", 403, "ci", "POST", "/responses",
         {"model": "google/gemini-2.5-flash", "input": "hi"}),
    Case("messages", 200, "ci", "POST", "/messages", {**HAIKU, "max_tokens": 50}),
    Case("messages, streamed", 200, "ci", "POST", "/messages", {**HAIKU, "stream": True}, stream=True),
    Case("messages without a model", 400, "ci", "POST", "/messages", {"messages": CHAT["messages"]}),
    Case("messages of an unknown model", 400, "ci", "POST", "/messages",
         {**CHAT, "model": "anthropic/claude-99"}),
    Case("messages without auth", 401, "anonymous", "POST", "/messages", HAIKU),
    Case("messages blocked by guardrail", 403, "ci", "POST", "/messages",
         {**CHAT, "model": "anthropic/claude-sonnet-4"}),
    Case("messages at an unknown path", 404, "ci", "POST", "/messages/count_tokens", HAIKU,
         template="/messages"),
    *(Case(f"messages with an injected {status}", status, "ci", "POST", "/messages", HAIKU,
           before=fault(str(status))) for status in (429, 500, 503, 529)),
    Case("embeddings", 200, "prod", "POST", "/embeddings", {**EMBED, "input": ["a", "b"]}),
    Case("embeddings in base64", 200, "prod", "POST", "/embeddings",
         {**EMBED, "model": "openai/text-embedding-3-large", "encoding_format": "base64"}),
    Case("embeddings without input", 400, "prod", "POST", "/embeddings", {"model": EMBED["model"]}),
    Case("embeddings without auth", 401, "anonymous", "POST", "/embeddings", EMBED),
    Case("embeddings over the key limit", 402, "spent", "POST", "/embeddings", EMBED),
    Case("embeddings of an unknown provider", 404, "prod", "POST", "/embeddings",
         {**EMBED, "provider": {"only": ["cohere"]}}),
    Case("rerank", 200, "prod", "POST", "/rerank", {**RERANK, "top_n": 1}),
    Case("rerank without documents", 400, "prod", "POST", "/rerank",
         {"model": RERANK["model"], "query": "a"}),
    Case("rerank without auth", 401, "anonymous", "POST", "/rerank", RERANK),
    Case("rerank over the key limit", 402, "spent", "POST", "/rerank", RERANK),
    # --- usage ---
    Case("activity", 200, "management", "GET", "/activity", before=Env.activity_yesterday),
    Case("activity of a bad date", 400, "management", "GET", "/activity", params={"date": "2020-01-01"}),
    *management_only("activity", "GET", "/activity"),
    Case("generation", 200, "ci", "GET", "/generation", params={"id": "{generation}"}),
    Case("missing generation", 404, "ci", "GET", "/generation", params={"id": "gen-0-x"}),
    Case("generation without auth", 401, "anonymous", "GET", "/generation", params={"id": "x"}),
]


def test_every_endpoint_in_scope_is_covered():
    """The .lap's 39, every operation of /workspaces*, /keys*, /guardrails*, /organization/*
    and /key in the reference document, and GET|PATCH /organization/settings (newer)."""
    covered = {(c.method, c.template or c.path) for c in CASES}
    documented = {(m.upper(), p) for p, ops in _scope()["paths"].items() for m in ops}
    assert documented | {("GET", "/rerank/models")} == covered
    assert len(covered) == 39 + 12 + 2


@pytest.fixture(scope="module")
def env(session_emulator) -> Iterator[Env]:
    made = Env(session_emulator)
    yield made
    made.close()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_response_matches_the_official_schema(env: Env, case: Case):
    env.reset()
    response = case.send(env)
    assert response.status_code == case.status, response.text
    template = case.schema_path
    if case.stream:
        assert response.headers["content-type"].startswith("text/event-stream")
        events = server_sent_events(response.text)
        assert events, "an empty stream"
        for event in events:
            stream_validator(template).validate(event)
    else:
        validate_response(template, case.method, case.status, response.json())


def server_sent_events(text: str) -> list[dict]:
    """Each event as the spec's streaming schemas model it: `{"data": ..., "event"?: ...}`."""
    events = []
    for block in text.split("\n\n"):
        fields: dict = {}
        for line in block.splitlines():
            name, _, value = line.partition(": ")
            if name == "data" and value != "[DONE]":
                fields["data"] = json.loads(value)
            elif name == "event":
                fields["event"] = value
        if "data" in fields:
            events.append(fields)
    return events


@lru_cache(maxsize=1)
def _scope() -> dict:
    return json.loads(SCOPE_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=None)
def stream_validator(template: str) -> Draft202012Validator:
    registry = Registry().with_resource(DOCUMENT_URI, Resource(_scope(), DRAFT202012))
    pointer = f"paths/{template.replace('/', '~1')}/post/responses/200/content/text~1event-stream/schema"
    return Draft202012Validator({"$ref": f"{DOCUMENT_URI}#/{pointer}"}, registry=registry)
