"""Usage bars: how much of a limit is spent, at a glance."""

from __future__ import annotations

import sys

BAR_WIDTH = 20
UNICODE_CELLS = ("█", "░")
ASCII_CELLS = ("#", ".")


def supports_unicode(stream=None) -> bool:
    """Whether block characters survive the output encoding (a cron mail may be ASCII)."""
    encoding = getattr(stream or sys.stdout, "encoding", None) or "ascii"
    try:
        "".join(UNICODE_CELLS).encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


def bar(fraction: float | None, width: int = BAR_WIDTH, *, unicode: bool = True) -> str:
    """`width` cells, filled in proportion to `fraction` (clamped to 0..1); blank without a limit.

    Any spend at all fills at least one cell, and only a spent limit fills them all, so the
    bar never reads as empty or full when it is not.
    """
    if fraction is None:
        return " " * width
    full, empty = UNICODE_CELLS if unicode else ASCII_CELLS
    clamped = min(max(fraction, 0.0), 1.0)
    filled = round(clamped * width)
    if clamped > 0:
        filled = max(filled, 1)
    if clamped < 1:
        filled = min(filled, width - 1)
    return full * filled + empty * (width - filled)
