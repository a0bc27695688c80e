"""`orsync --emulator`: the emulator in-process, its state kept in a directory between runs.

The first use creates the database `DIR/emulator-state.db` from the default seed, with a fresh
management key stored in it; later runs (and other processes at the same time) open the same
database, so `plan` then `apply` then `plan` see one org, and two `apply` runs lose nothing.
A 0.1 state file (`DIR/emulator-state.json`) is imported once. Does not import the client: it
returns the client's options.
"""

from __future__ import annotations

from collections import Counter
from os import PathLike
from pathlib import Path
from typing import Any

from orsync.emulator.app import EmulatorApp
from orsync.emulator.store.legacy import import_file
from orsync.emulator.store.state import EmulatorState
from orsync.emulator.transport import EmulatorTransport

STATE_FILE_NAME = "emulator-state.db"
LEGACY_STATE_FILE_NAME = "emulator-state.json"
EMBEDDED_BASE_URL = "http://127.0.0.1/api/v1"  # never dialled: the transport answers in-process


def embedded_app(directory: str | PathLike) -> EmulatorApp:
    """An app over the state kept in `directory` (created from the default seed)."""
    path = Path(directory) / STATE_FILE_NAME
    legacy = Path(directory) / LEGACY_STATE_FILE_NAME
    if legacy.is_file() and not path.exists():
        import_file(EmulatorState, legacy, path)
    # The seed is only used when the database does not exist yet: when it does, it wins.
    return EmulatorApp(EmulatorState.open(path, EmulatorState.default_seed()))


def embedded_client_options(directory: str | PathLike) -> dict[str, Any]:
    """OpenRouterClient keyword arguments that talk to the embedded emulator."""
    app = embedded_app(directory)
    return {"base_url": EMBEDDED_BASE_URL, "management_key": app.management_key,
            "transport": EmulatorTransport(app)}


def embedded_key_secrets(directory: str | PathLike) -> dict[str, str]:
    """Name -> secret of the embedded org's seeded inference keys whose name is unique.

    The real API shows a secret once, to whoever created the key. The seeded keys were created
    by the emulator, so their secrets are its own to hand out (`orsync --emulator run` uses
    this for them); a key made by an `apply` has its secret only in the sink that apply wrote.
    """
    keys = [key for key in embedded_app(directory).state.api_keys_newest_first() if key.seeded]
    names = Counter(key.name for key in keys)
    return {key.name: key.secret for key in keys if names[key.name] == 1}
