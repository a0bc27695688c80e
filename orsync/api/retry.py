"""When to try a request again, and how long to wait first.

Capped exponential backoff with full jitter (so that many clients that failed together do not
retry together), never shorter than the server's Retry-After, within a number of attempts and a
total time budget.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timezone
from email.utils import parsedate_to_datetime

# 408 request timeout, 429 rate limited, 500/502/503 server trouble, 524 Cloudflare origin
# timeout, 529 provider overloaded: each may succeed a moment later.
RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 524, 529})


@dataclass
class RetryPolicy:
    """Bounds and pacing of retries; `sleep` and `clock` are injectable so tests need not wait."""

    max_attempts: int = 5
    max_retry_seconds: float = 60.0
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    rng: random.Random = field(default_factory=random.Random)

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        jittered = self.rng.uniform(0, ceiling)
        return max(jittered, retry_after or 0.0)

    def next_delay(self, attempt: int, started: float, retry_after: float | None) -> float | None:
        """How long to wait before another attempt, or None when the attempts or time are spent."""
        if attempt >= self.max_attempts:
            return None
        wait = self.delay(attempt, retry_after)
        if self.clock() - started + wait > self.max_retry_seconds:
            return None
        return wait


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta seconds or an HTTP date; None if absent."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is GMT by definition ("-0000" parses as naive)
        when = when.replace(tzinfo=timezone.utc)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)
