"""The emulator the benchmark talks to, over real HTTP on 127.0.0.1.

By default it runs in a separate process, so that its CPU time (rendering 10,000 keys page by
page, sleeping the injected latency) is not counted as orsync's and does not compete with it
for the GIL. A thread is offered for the small run in the test suite, where start-up matters
more than fairness.

Run as a script, this file is that process: it loads a seed file, serves, prints one JSON line
with its base URL, and stops when its standard input closes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Protocol

READY_TIMEOUT = 600.0   # seconds to seed 100,000 keys and start listening, with room to spare
STOP_TIMEOUT = 10.0


class BenchEmulator(Protocol):
    base_url: str
    management_key: str

    def control(self, method: str, path: str, payload: Any = None) -> Any: ...
    def request_counts(self) -> dict[str, int]: ...
    def write_count(self) -> int: ...
    def reset_counts(self) -> None: ...
    def close(self) -> None: ...


class EmulatorProcess:
    """A child process serving the emulator; its control surface is reached over HTTP."""

    def __init__(self, seed_file: Path, latency_ms: float) -> None:
        import httpx

        self._process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(seed_file), str(latency_ms)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=_emulator_env())
        try:
            ready = json.loads(self._ready_line())
        except BaseException:
            self.close()
            raise
        self.base_url: str = ready["base_url"]
        self.management_key: str = ready["management_key"]
        self.pid = self._process.pid
        self._control = httpx.Client(base_url=ready["control_url"], timeout=60.0,
                                     headers={"Authorization": f"Bearer {self.management_key}"})

    def _ready_line(self) -> str:
        import selectors

        with selectors.DefaultSelector() as selector:
            selector.register(self._process.stdout, selectors.EVENT_READ)
            if not selector.select(READY_TIMEOUT):
                raise RuntimeError(f"the emulator process did not start within {READY_TIMEOUT:.0f} s")
        line = self._process.stdout.readline()
        if not line:
            raise RuntimeError(f"the emulator process exited with status {self._process.wait()}")
        return line

    def control(self, method: str, path: str, payload: Any = None) -> Any:
        """A call to the control surface (`/_emulator...`), e.g. POST /faults."""
        response = self._control.request(method, path, json=payload)
        response.raise_for_status()
        return response.json()

    def _get(self, path: str) -> dict[str, Any]:
        return self.control("GET", path)

    def request_counts(self) -> dict[str, int]:
        return self._get("/requests")["counts"]

    def write_count(self) -> int:
        return self._get("/requests")["writes"]

    def reset_counts(self) -> None:
        self._control.post("/requests/reset").raise_for_status()

    def close(self) -> None:
        """Close its stdin (the signal to stop); kill it by pid only if it does not exit."""
        if hasattr(self, "_control"):
            self._control.close()
        if self._process.stdin and not self._process.stdin.closed:
            self._process.stdin.close()
        try:
            self._process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait(STOP_TIMEOUT)
        if self._process.stdout:
            self._process.stdout.close()


def _emulator_env() -> dict[str, str]:
    """ORSYNC_BENCH_EMULATOR_SOURCE=DIR serves the emulator from another source tree (say, a
    released one), so that changes to orsync are measured against a fixed emulator."""
    env = dict(os.environ)
    source = env.pop("ORSYNC_BENCH_EMULATOR_SOURCE", "")
    if source:
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [source, env.get("PYTHONPATH", "")]))
    return env


def start_emulator(seed: dict[str, Any], latency_ms: float, *, mode: str, workdir: Path) -> BenchEmulator:
    """A running emulator with `seed` and `latency_ms` per request: mode "process" or "thread"."""
    if mode == "thread":
        from orsync.emulator.testing import start_emulator as start_in_thread

        return start_in_thread(seed, latency_ms=latency_ms)
    if mode != "process":
        raise ValueError(f"unknown emulator mode {mode!r}")
    seed_file = workdir / "seed.json"
    seed_file.write_text(json.dumps(seed), encoding="utf-8")
    return EmulatorProcess(seed_file, latency_ms)


def _serve(seed_file: str, latency_ms: str) -> None:
    # The same entry point as `orsync emulator --seed FILE`, whatever the store behind it.
    from orsync.emulator.serve import build_app
    from orsync.emulator.server import EmulatorServer

    app = build_app(state_path=None, seed_path=seed_file, management_key=None,
                    latency_ms=float(latency_ms), fault_rate=0.0, fault_seed=0)
    with EmulatorServer(app, host="127.0.0.1", port=0) as server:
        print(json.dumps({"base_url": server.base_url, "control_url": server.control_url,
                          "management_key": app.management_key}), flush=True)
        sys.stdin.read()  # returns when the harness closes the pipe (or exits)


if __name__ == "__main__":
    _serve(*sys.argv[1:3])
