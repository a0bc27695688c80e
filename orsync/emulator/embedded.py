"""`orsync --emulator`: the emulator in-process, its state kept in a directory between runs.

The first use creates `DIR/emulator-state.json` from the default seed with a fresh management
key stored in it; later runs (and other processes) load and save the same file, so `plan` then
`apply` then `plan` see one org. Does not import the client: it returns the client's options.
"""

from __future__ import annotations

from collections import Counter
from os import PathLike
from pathlib import Path
from typing import Any

from orsync.emulator.app import EmulatorApp
from orsync.emulator.state import EmulatorState
from orsync.emulator.transport import EmulatorTransport

STATE_FILE_NAME = "emulator-state.json"
EMBEDDED_BASE_URL = "http://127.0.0.1/api/v1"  # never dialled: the transport answers in-process


def embedded_app(directory: str | PathLike) -> EmulatorApp:
    """An app over the state persisted in `directory` (created from the default seed)."""
    path = Path(directory) / STATE_FILE_NAME
    # The seed is only used when the file does not exist yet: when it does, the file wins.
    state = EmulatorState() if path.exists() else EmulatorState.from_seed(EmulatorState.default_seed())
    return EmulatorApp(state, persist_path=path)


def embedded_client_options(directory: str | PathLike) -> dict[str, Any]:
    """OpenRouterClient keyword arguments that talk to the embedded emulator."""
    app = embedded_app(directory)
    return {"base_url": EMBEDDED_BASE_URL, "management_key": app.management_key,
            "transport": EmulatorTransport(app)}


def embedded_key_secrets(directory: str | PathLike) -> dict[str, str]:
    """Name -> secret of the embedded org's inference keys whose name is unique.

    The emulator is the one place a key's secret can be read again: `orsync --emulator run`
    uses this for keys the default seed made, which apply never saw being created.
    """
    keys = [key for key in embedded_app(directory).state.keys.values() if not key.is_management]
    names = Counter(key.name for key in keys)
    return {key.name: key.secret for key in keys if names[key.name] == 1}
