"""Time in the emulator: UTC timestamps in the API's form, and the windows usage resets on.

A key's `limit_reset` and a guardrail's `reset_interval` name a UTC window: the day, the week
from Monday, or the month; null means all time. The `usage_daily`/`_weekly`/`_monthly` fields
of a key are its spend in the current window of each kind.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

INTERVALS = ("daily", "weekly", "monthly")
# The suffix of the key fields that hold a window's spend (`usage_daily`, `byok_usage_weekly`).
WINDOW_SUFFIXES = {"daily": "_daily", "weekly": "_weekly", "monthly": "_monthly", None: ""}


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def iso_time(moment: datetime) -> str:
    """A UTC timestamp in the API's form, with milliseconds so that creation order shows."""
    moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso_time(utc_now())


def parse_iso(value: str) -> datetime:
    """An ISO-8601 timestamp (with `Z` or an offset) as an aware datetime."""
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


def window_start(interval: str | None, now: datetime) -> datetime | None:
    """Start of the UTC window `now` falls in; None for all time."""
    day = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    if interval == "daily":
        return day
    if interval == "weekly":
        return day - timedelta(days=day.weekday())
    if interval == "monthly":
        return day.replace(day=1)
    return None


def next_reset(interval: str | None, now: datetime) -> datetime | None:
    start = window_start(interval, now)
    if start is None:
        return None
    if interval == "monthly":
        return (start + timedelta(days=32)).replace(day=1)
    return start + timedelta(days=1 if interval == "daily" else 7)


def turned_windows(since: datetime, now: datetime) -> list[str]:
    """The intervals whose window has turned between two moments."""
    return [i for i in INTERVALS if window_start(i, since) < window_start(i, now)]
