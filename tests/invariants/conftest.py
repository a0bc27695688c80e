"""Fixtures of the invariant suites: one emulator per module, reseeded per example; hypothesis
profiles; the figures each suite records for docs/reliability.md.

- `ORSYNC_SLOW=1` runs many more examples (profile `orsync-slow`); the default profile
  (`orsync-ci`) keeps tests/invariants/ well under a few minutes on two cores.
- `ORSYNC_RELIABILITY_REPORT=PATH` writes the figures of the run (cases generated, faults
  injected, bad inputs tried, ...) as JSON to PATH at the end of the session.
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from orsync.emulator.testing import RunningEmulator, start_emulator

from .figures import FIGURES
from .harness import Org


@pytest.fixture(scope="module")
def shared_emulator() -> Iterator[RunningEmulator]:
    """One emulator for a whole module: hypothesis examples reseed it through /_emulator/seed."""
    emulator = start_emulator()
    yield emulator
    emulator.close()


@pytest.fixture(scope="module")
def org(shared_emulator, tmp_path_factory) -> Org:
    return Org(shared_emulator, tmp_path_factory.mktemp("invariants"))


@pytest.fixture(scope="session", autouse=True)
def reliability_report() -> Iterator[None]:
    started = time.monotonic()
    yield
    path = os.environ.get("ORSYNC_RELIABILITY_REPORT")
    if not path:
        return
    document = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "profile": "orsync-slow" if os.environ.get("ORSYNC_SLOW") == "1" else "orsync-ci",
        "seconds": round(time.monotonic() - started, 1),
        "figures": FIGURES.as_dict(),
    }
    Path(path).write_text(json.dumps(document, indent=2, sort_keys=True) + "\n", encoding="utf-8")
