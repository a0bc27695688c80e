"""Fixtures shared by the whole suite (contract: docs/architecture.md, "Test fixtures")."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from orsync.emulator.testing import RunningEmulator, start_emulator


@pytest.fixture
def make_emulator() -> Iterator[Callable[..., RunningEmulator]]:
    """`make_emulator(seed=None, **app_options)`: a seeded emulator on loopback; several may run."""
    started: list[RunningEmulator] = []

    def make(seed: dict | None = None, **app_options) -> RunningEmulator:
        emulator = start_emulator(seed, **app_options)
        started.append(emulator)
        return emulator

    yield make
    for emulator in started:
        emulator.close()


@pytest.fixture
def emulator(make_emulator) -> RunningEmulator:
    """An emulator with the default seed on a free loopback port, stopped after the test."""
    return make_emulator()
