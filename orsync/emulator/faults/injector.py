"""Injected failures: a seeded share of requests answered with the errors real APIs give.

Writes may also be "dropped": the write is applied, then the connection closes without an
answer, so that clients learn to find out whether a write they never heard back from took place.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass, field

from orsync.emulator.routes.dispatch import ApiFailure

# The message each status carries in the reference spec's examples.
FAULT_MESSAGES = {
    "429": "Rate limit exceeded",
    "500": "Internal Server Error",
    "502": "Provider returned error",
    "503": "Service temporarily unavailable",
    "524": "Request timed out. Please try again later.",
    "529": "Provider returned error",
}
FAULT_KINDS = (*FAULT_MESSAGES, "drop")


@dataclass
class FaultSettings:
    rate: float = 0.0
    seed: int = 0
    kinds: tuple[str, ...] = FAULT_KINDS
    retry_after: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.rate <= 1.0:
            raise ValueError(f"fault rate must be between 0 and 1, not {self.rate}")
        unknown = [k for k in self.kinds if k not in FAULT_KINDS]
        if unknown:
            raise ValueError(f"unknown fault kind {unknown[0]!r}; known: {', '.join(FAULT_KINDS)}")
        if self.retry_after < 0:
            raise ValueError("retry_after must be >= 0")

    def public(self) -> dict:
        return {"rate": self.rate, "seed": self.seed, "kinds": list(self.kinds),
                "retry_after": self.retry_after}


@dataclass
class FaultInjector:
    """Decides, request by request, whether to fail; deterministic for a seed and call order."""

    settings: FaultSettings = field(default_factory=FaultSettings)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._rng = random.Random(self.settings.seed)

    def configure(self, settings: FaultSettings) -> None:
        with self._lock:
            self.settings = settings
            self._rng = random.Random(settings.seed)

    def pick(self, is_write: bool) -> str | None:
        """The fault for this request, or None. Only writes can be dropped."""
        with self._lock:
            if self.settings.rate <= 0.0:
                return None
            hit = self._rng.random() < self.settings.rate
            kinds = [k for k in self.settings.kinds if is_write or k != "drop"]
            choice = self._rng.choice(kinds) if kinds else None
        return choice if hit else None

    def failure(self, kind: str) -> ApiFailure:
        """The error a non-drop fault answers (in the format of the route it hits)."""
        status = int(kind)
        if status == 429:  # as the real API limits: the X-RateLimit-* headers and error_type
            return ApiFailure(429, FAULT_MESSAGES[kind], {"error_type": "rate_limit_exceeded"},
                              headers={**rate_limit_headers(),
                                       "retry-after": f"{self.settings.retry_after:g}"})
        headers = {"retry-after": f"{self.settings.retry_after:g}"} if status == 503 else None
        return ApiFailure(status, FAULT_MESSAGES[kind], headers=headers)


RATE_LIMIT_REQUESTS = 20


def rate_limit_headers() -> dict[str, str]:
    """`X-RateLimit-*` of a spent limit; the reset is in epoch milliseconds (docs "limits")."""
    reset_ms = int((time.time() + 10) * 1000)
    return {"x-ratelimit-limit": str(RATE_LIMIT_REQUESTS), "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": str(reset_ms)}
