"""Bounds on one response as a whole: its size, and how long reading it may take.

httpx's `timeout` bounds each network operation, not a response: a server that streams without
end, or drips a byte just faster than the read timeout, would hold a run (and its memory)
forever. The client reads bodies through `BoundedBody`, which stops such a response and drops
its connection.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator

import httpx

# The largest answer the API gives is the model catalog, a few MB; a page of 100 keys is ~50 kB.
MAX_BODY_BYTES = 16 * 2**20


class BodyTooLarge(Exception):
    """A response body past the client's cap (the caller knows the endpoint)."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(f"response body over {max_bytes / 2**20:g} MiB")


class BoundedBody(httpx.SyncByteStream):
    """`stream`, stopped once past `max_bytes` (BodyTooLarge) or past `deadline` on `clock`
    (httpx.ReadTimeout, which retries treat as any other read timeout)."""

    def __init__(self, stream: httpx.SyncByteStream, *, max_bytes: int, deadline: float,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._stream, self._max_bytes, self._deadline, self._clock = stream, max_bytes, deadline, clock

    def __iter__(self) -> Iterator[bytes]:
        size = 0
        for chunk in self._stream:
            size += len(chunk)
            if size > self._max_bytes:
                raise BodyTooLarge(self._max_bytes)
            if self._clock() > self._deadline:
                raise httpx.ReadTimeout("the whole response took longer than the client allows")
            yield chunk

    def close(self) -> None:
        self._stream.close()
