"""What `orsync emulator` does: build the app from its options, serve, stop on a signal."""

from __future__ import annotations

import signal
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

from orsync.emulator.app import EmulatorApp
from orsync.emulator.store.seeding import load_seed_file
from orsync.emulator.server import EmulatorServer
from orsync.emulator.store.state import EmulatorState
from orsync.errors import OrsyncError


def build_app(*, state_path: str | None, seed_path: str | None, management_key: str | None,
              latency_ms: float, fault_rate: float, fault_seed: int) -> EmulatorApp:
    """The app the options describe; bad seeds and state files become one-line errors."""
    try:
        seed = None
        if not (state_path and Path(state_path).exists()):  # an existing state wins over a seed
            seed = load_seed_file(seed_path) if seed_path else EmulatorState.default_seed()
            management_key = management_key or seed.get("management_key")
        if state_path:
            state = EmulatorState.open(state_path, seed)  # the database is created at exactly F
        else:
            state = EmulatorState.from_seed(seed or {})
        return EmulatorApp(state, management_key=management_key, latency_ms=latency_ms,
                           fault_rate=fault_rate, fault_seed=fault_seed)
    except (OSError, ValueError, TypeError, KeyError, sqlite3.DatabaseError) as exc:
        source = state_path if state_path and Path(state_path).exists() else seed_path or "seed"
        raise OrsyncError(f"cannot start the emulator from {source}: {exc}") from None


def serve(*, host: str, port: int, echo: Callable[[str], None], **options) -> None:
    """Serve until SIGINT or SIGTERM, then stop cleanly."""
    app = build_app(**options)
    try:
        server = EmulatorServer(app, host=host, port=port)
    except OSError as exc:
        raise OrsyncError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from None
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    server.start()
    try:
        echo(f"orsync emulator serving {server.base_url}")
        echo(f"management key: {app.management_key}")  # the emulator's own fake key, by design
        echo(f"control surface: {server.control_url}  (Ctrl-C to stop)")
        while not stop.wait(0.5):
            pass
    finally:
        server.stop()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    echo("orsync emulator stopped")
