"""How numbers read in tables and summary lines: money, tokens, durations, fractions."""

from __future__ import annotations

import json
import math
from typing import Any

MISSING = "-"
MAX_DECIMALS = 10


def money(value: float | str | None) -> str:
    """USD: cents for amounts of a dollar or more, three significant digits below that, so
    an inference cost reads $0.0000203 rather than $0.00. Accepts the API's numeric strings."""
    if value is None:
        return MISSING
    try:
        amount = float(value)
    except (TypeError, ValueError):
        return str(value)
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if amount >= 1 or amount == 0:
        return f"{sign}${amount:,.2f}"
    decimals = min(max(2, 2 - math.floor(math.log10(amount))), MAX_DECIMALS)
    whole, _, fraction = f"{amount:.{decimals}f}".partition(".")
    return f"{sign}${whole}.{fraction.rstrip('0').ljust(2, '0')}"


def count(value: int | float | None) -> str:
    """A whole number with thousands separators."""
    if value is None:
        return MISSING
    return f"{int(value):,}"


def duration_ms(value: float | None) -> str:
    """312 ms, or 12.4 s past ten seconds."""
    if value is None:
        return MISSING
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    return f"{value:.0f} ms"


def percent(fraction: float | None) -> str:
    if fraction is None:
        return MISSING
    return f"{fraction * 100:.0f}%"


def per_million(price: Any) -> str:
    """A per-token price (the API sends strings such as "0.00000015") as USD per million tokens."""
    try:
        value = float(price)
    except (TypeError, ValueError):
        return MISSING
    return money(value * 1_000_000)


def text(value: Any) -> str:
    """Any cell value as text: lists joined, None as a dash, booleans as yes/no."""
    if value is None:
        return MISSING
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(text(item) for item in value) if value else MISSING
    if isinstance(value, dict):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


def plain(value: Any) -> Any:
    """API objects (pydantic models, or lists and dicts of them) as JSON-ready Python data."""
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    return value


def to_json(value: Any) -> str:
    """Pretty JSON of API data, for every `--json` flag."""
    return json.dumps(plain(value), indent=2, ensure_ascii=False, default=str)
