"""Shared fakes for the client's unit tests (no tests here): API rows, a scripted transport, a
fake clock whose sleep records its durations instead of waiting."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import httpx

from orsync.api.client import OpenRouterClient

FAKE_MANAGEMENT_KEY = "sk-or-v1-fake-mgmt-key"
FAKE_API_KEY = "sk-or-v1-fake-inference-key"
BASE_URL = "https://openrouter.test/api/v1"
GUARDRAIL_ID = "550e8400-e29b-41d4-a716-446655440000"


def key_hash(number: int) -> str:
    return f"{number:064x}"


def key_row(number: int, *, disabled: bool = False, **fields: Any) -> dict[str, Any]:
    """A key as the API lists it, every documented field present."""
    return {
        "hash": key_hash(number), "name": f"key-{number}", "label": f"sk-or-v1-{number:03x}...fff",
        "disabled": disabled, "limit": None, "limit_remaining": None, "limit_reset": None,
        "include_byok_in_limit": False, "usage": 0, "usage_daily": 0, "usage_weekly": 0,
        "usage_monthly": 0, "byok_usage": 0, "byok_usage_daily": 0, "byok_usage_weekly": 0,
        "byok_usage_monthly": 0, "created_at": "2026-01-01T00:00:00Z", "updated_at": None,
        "expires_at": None, "creator_user_id": None, "workspace_id": "default", **fields,
    }


def guardrail_row(number: int = 0, **fields: Any) -> dict[str, Any]:
    return {"id": f"{number:08x}-0000-4000-8000-000000000000", "name": f"guardrail-{number}",
            "description": None, "limit_usd": 10, "reset_interval": "monthly",
            "allowed_models": None, "allowed_providers": None, "ignored_providers": None,
            "enforce_zdr": False, "include_byok_in_budgets": False,
            "created_at": "2026-01-01T00:00:00Z", "updated_at": None, "workspace_id": None, **fields}


def key_assignment_row(number: int, guardrail_id: str = GUARDRAIL_ID) -> dict[str, Any]:
    return {"id": f"ka-{number}", "key_hash": key_hash(number), "key_name": f"key-{number}",
            "key_label": "sk-or-v1-abc...123", "guardrail_id": guardrail_id, "assigned_by": None,
            "created_at": "2026-01-01T00:00:00Z"}


def member_assignment_row(number: int, guardrail_id: str = GUARDRAIL_ID) -> dict[str, Any]:
    return {"id": f"ma-{number}", "user_id": f"user_{number}", "organization_id": "org_1",
            "guardrail_id": guardrail_id, "assigned_by": None, "created_at": "2026-01-01T00:00:00Z"}


def member_row(number: int) -> dict[str, Any]:
    return {"id": f"user_{number}", "email": f"m{number}@example.com", "first_name": None,
            "last_name": None, "role": "org:member"}


def current_key_row(**fields: Any) -> dict[str, Any]:
    return {"label": "sk-or-v1-abc...123", "limit": None, "usage": 0, "usage_daily": 0,
            "usage_weekly": 0, "usage_monthly": 0, "byok_usage": 0, "byok_usage_daily": 0,
            "byok_usage_weekly": 0, "byok_usage_monthly": 0, "is_free_tier": False,
            "is_management_key": True, "is_provisioning_key": True, "limit_remaining": None,
            "limit_reset": None, "include_byok_in_limit": False, "creator_user_id": None,
            "rate_limit": {"requests": -1, "interval": "10s", "note": "deprecated"}, **fields}


def error_body(status: int, message: str, metadata: Any = None) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "metadata": metadata}, "user_id": None}


class FakeTime:
    """clock() and sleep() for RetryPolicy: sleeping records the duration and advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


Step = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


class Script:
    """A transport handler answering with the given steps in order (the last one repeats).

    A step is a response, an exception to raise (raised with the request attached, as httpx
    does) or a function of the request. Every request is recorded.
    """

    def __init__(self, *steps: Step) -> None:
        self.steps = list(steps)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        step = self.steps.pop(0) if len(self.steps) > 1 else self.steps[0]
        if isinstance(step, Exception):
            if isinstance(step, httpx.RequestError):
                step.request = request
            raise step
        return step(request) if callable(step) else step

    def paths(self) -> list[str]:
        return [f"{request.method} {request.url.path.removeprefix('/api/v1')}" for request in self.requests]


def make_client(handler: Callable[[httpx.Request], httpx.Response], fake_time: FakeTime | None = None,
                **kw: Any) -> OpenRouterClient:
    """A client over a mock transport with fake keys and (by default) a fake clock."""
    fake_time = fake_time or FakeTime()
    options: dict[str, Any] = {"management_key": FAKE_MANAGEMENT_KEY, "api_key": FAKE_API_KEY,
                               "transport": httpx.MockTransport(handler),
                               "sleep": fake_time.sleep, "clock": fake_time.clock, **kw}
    return OpenRouterClient(BASE_URL, **options)


def route_regex(template: str) -> re.Pattern[str]:
    """/keys/{hash} -> a regex matching /keys/<anything but a slash>."""
    return re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
