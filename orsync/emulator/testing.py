"""An emulator on a loopback port for tests (orsync's own, and users' of their org files).

```python
with running_emulator(seed) as emu:
    client = emu.client()          # an OpenRouterClient on the emulator
    ...
    assert emu.write_count() == 0
    emu.reset()                    # back to the seed, no faults, counts zeroed
```

The emulator speaks plain HTTP on loopback, so the raw httpx clients handed out here load no
CA bundle (httpx spends about 0.1 s per client doing so, more than a request takes).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

from orsync.emulator.app import EmulatorApp
from orsync.emulator.server import EmulatorServer
from orsync.emulator.store.state import EmulatorState

if TYPE_CHECKING:
    from orsync.api.client import OpenRouterClient

TEST_MANAGEMENT_KEY = "sk-or-v1-fake-mgmt-key"


class RunningEmulator:
    """A started server plus helpers; `close()` stops it and the clients it handed out."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.app = server.app
        self.base_url = server.base_url
        self.control_url = server.control_url
        self.management_key = server.app.management_key
        self._started_with = (server.app.faults.settings, server.app.latency_ms)
        self._closables: list[Any] = []
        self._control = _plain_http_client(self.management_key, base_url=self.control_url)

    @property
    def state(self) -> EmulatorState:
        return self.app.state

    def client(self, **options: Any) -> OpenRouterClient:
        from orsync.api.client import OpenRouterClient

        options = {"base_url": self.base_url, "management_key": self.management_key, **options}
        client = OpenRouterClient(**options)
        self._closables.append(client)
        return client

    def http(self, key: str | None = None, **options: Any) -> httpx.Client:
        """A raw httpx client on the API, sending `key` (default: the management key)."""
        client = _plain_http_client(self.management_key if key is None else key,
                                    **{"base_url": self.base_url, **options})
        self._closables.append(client)
        return client

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        response = self._control.request(method, path, json=payload)
        response.raise_for_status()
        return response.json()

    def request_counts(self) -> dict[str, int]:
        return self.control("GET", "/requests")["counts"]

    def write_count(self) -> int:
        return self.control("GET", "/requests")["writes"]

    def reset_counts(self) -> None:
        self.control("POST", "/requests/reset")

    def set_faults(self, rate: float, seed: int = 0, kinds: list[str] | None = None,
                   latency_ms: float | None = None, retry_after: float | None = None) -> dict:
        payload: dict[str, Any] = {"rate": rate, "seed": seed, "kinds": kinds}
        if latency_ms is not None:
            payload["latency_ms"] = latency_ms
        if retry_after is not None:
            payload["retry_after"] = retry_after
        return self.control("POST", "/faults", payload)

    def reset(self) -> None:
        """Back to the state, faults and latency it started with; request counts zeroed."""
        faults, latency_ms = self._started_with
        self.control("POST", "/reset")
        self.control("POST", "/faults", {**faults.public(), "latency_ms": latency_ms})
        self.reset_counts()

    def close_clients(self) -> None:
        """Close the clients handed out so far (their connections hold server threads)."""
        for closable in reversed(self._closables):
            closable.close()
        self._closables.clear()

    def close(self) -> None:
        self.close_clients()
        self._control.close()
        self.server.stop()


def start_emulator(seed: dict | None = None, **app_options: Any) -> RunningEmulator:
    """A running emulator seeded with `seed` (default: the default org). Call `close()`."""
    seed = EmulatorState.default_seed() if seed is None else seed
    app_options.setdefault("management_key", seed.get("management_key") or TEST_MANAGEMENT_KEY)
    app_options.setdefault("retry_after", 0.0)  # injected 429s must not slow tests down
    app = EmulatorApp(EmulatorState.from_seed(seed), **app_options)
    return RunningEmulator(EmulatorServer(app).start())


@contextmanager
def running_emulator(seed: dict | None = None, **app_options: Any) -> Iterator[RunningEmulator]:
    emulator = start_emulator(seed, **app_options)
    try:
        yield emulator
    finally:
        emulator.close()


def _plain_http_client(key: str | None, **options: Any) -> httpx.Client:
    """An httpx client for one of the emulator's plain-HTTP loopback URLs, sending `key`."""
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    # verify=False only skips loading the CA bundle: no TLS is spoken to http:// URLs.
    return httpx.Client(**{"headers": headers, "timeout": 10.0, "verify": False, **options})
