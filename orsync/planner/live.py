"""Reading the live org: every listing at once, one request per page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

LISTINGS = {
    "keys": "list_keys",
    "guardrails": "list_guardrails",
    "key_assignments": "list_key_assignments",
    "member_assignments": "list_member_assignments",
    "members": "list_members",
}


@dataclass(frozen=True)
class LiveState:
    """Everything the planner compares against, as the API's own models."""

    keys: list[Any]
    guardrails: list[Any]
    key_assignments: list[Any]
    member_assignments: list[Any]
    members: list[Any]

    def guardrail_names(self) -> dict[str, str]:
        return {guardrail.id: guardrail.name for guardrail in self.guardrails}


def read_live_state(client) -> LiveState:
    """Fetch the independent listings concurrently; any failure is an error, never 'empty'."""
    with ThreadPoolExecutor(max_workers=len(LISTINGS), thread_name_prefix="orsync-read") as pool:
        futures = {field: pool.submit(getattr(client, method)) for field, method in LISTINGS.items()}
        return LiveState(**{field: future.result() for field, future in futures.items()})


class ReadOnlyClient:
    """Lets the planner see listings and GETs only: `drift` is read-only by construction."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        if not name.startswith(("list_", "get_")):
            raise AttributeError(f"{name} is not a read; drift never writes")
        return getattr(self._client, name)
