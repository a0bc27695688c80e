"""Reading the live org: every listing at once, one request per page."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

LISTINGS = {
    "key_assignments": "list_key_assignments",  # first: its total tells list_keys where to stop
    "keys": "list_keys",
    "guardrails": "list_guardrails",
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
    """Fetch the independent listings concurrently; any failure is an error, never 'empty'.

    GET /keys has no total, so the key assignments' total_count (a key holds one guardrail at
    most: as many keys exist at least) tells the key listing which pages exist before it
    lands on its last one; without it, pages past the end are requested on a guess.
    """
    assigned_keys = _Count()
    hints = {"key_assignments": {"on_total": assigned_keys.set}, "keys": {"at_least": assigned_keys.get}}
    with ThreadPoolExecutor(max_workers=len(LISTINGS), thread_name_prefix="orsync-read") as pool:
        futures = {field: pool.submit(getattr(client, method), **hints.get(field, {}))
                   for field, method in LISTINGS.items()}
        return LiveState(**{field: future.result() for field, future in futures.items()})


class _Count:
    """A number one thread learns and another reads (0 until known)."""

    def __init__(self) -> None:
        self.value = 0

    def set(self, value: int) -> None:
        self.value = value

    def get(self) -> int:
        return self.value


class ReadOnlyClient:
    """Lets the planner see listings and GETs only: `drift` is read-only by construction."""

    def __init__(self, client) -> None:
        self._client = client

    def __getattr__(self, name: str):
        if not name.startswith(("list_", "get_")):
            raise AttributeError(f"{name} is not a read; drift never writes")
        return getattr(self._client, name)
