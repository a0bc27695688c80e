"""An emulator on a loopback port for tests (orsync's own, and users' of their org files).

```python
with running_emulator(seed) as emu:
    client = emu.client()          # an OpenRouterClient on the emulator
    ...
    assert emu.write_count() == 0
```
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import httpx

from orsync.emulator.app import EmulatorApp
from orsync.emulator.server import EmulatorServer
from orsync.emulator.state import EmulatorState

if TYPE_CHECKING:
    from orsync.client import OpenRouterClient

TEST_MANAGEMENT_KEY = "sk-or-v1-fake-mgmt-key"


class RunningEmulator:
    """A started server plus helpers; `close()` stops it and the clients it handed out."""

    def __init__(self, server: EmulatorServer) -> None:
        self.server = server
        self.app = server.app
        self.base_url = server.base_url
        self.control_url = server.control_url
        self.management_key = server.app.management_key
        self._closables: list[Any] = []
        self._control = self.http(base_url=self.control_url)

    @property
    def state(self) -> EmulatorState:
        return self.app.state

    def client(self, **options: Any) -> OpenRouterClient:
        from orsync.client import OpenRouterClient

        options = {"base_url": self.base_url, "management_key": self.management_key, **options}
        client = OpenRouterClient(**options)
        self._closables.append(client)
        return client

    def http(self, key: str | None = None, **options: Any) -> httpx.Client:
        """A raw httpx client on the API, sending `key` (default: the management key)."""
        secret = self.management_key if key is None else key
        headers = {"Authorization": f"Bearer {secret}"} if secret else {}
        client = httpx.Client(**{"base_url": self.base_url, "headers": headers, "timeout": 10.0,
                                 **options})
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

    def close(self) -> None:
        for closable in reversed(self._closables):
            closable.close()
        self._closables.clear()
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
