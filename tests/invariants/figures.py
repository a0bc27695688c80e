"""Counts the suites record as they run (examples, applies, faults, bad inputs, ...), written to
ORSYNC_RELIABILITY_REPORT at the end of the session and quoted in docs/reliability.md."""

from __future__ import annotations

import threading
from collections import Counter


class Figures:
    def __init__(self) -> None:
        self._counts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def add(self, name: str, amount: int = 1) -> None:
        with self._lock:
            self._counts[name] += amount

    def add_all(self, prefix: str, counts: dict[str, int]) -> None:
        for name, amount in counts.items():
            self.add(f"{prefix}.{name}", amount)

    def as_dict(self) -> dict[str, int]:
        with self._lock:
            return dict(sorted(self._counts.items()))


FIGURES = Figures()
