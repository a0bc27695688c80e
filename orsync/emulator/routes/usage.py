"""What calls cost and did: GET /activity (management key) and GET /generation (any key).

Rows of GET /activity cover the last 30 completed UTC days, as the reference spec says: a call
made today shows up tomorrow. GET /generation finds any call the org made by its id (the `id`
of the inference response, also sent as the `X-Generation-Id` header).
"""

from __future__ import annotations

from datetime import date, datetime

from orsync.emulator.inference.ledger import activity_report, activity_window, generation
from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.routes.validation import fail, missing

ROUTES: list = []


@route("GET", "/activity", auth="management")
def get_activity(call: Call) -> dict:
    now = call.now
    return {"data": activity_report(call.state, now, day=_activity_day(call.query.get("date"), now),
                                    api_key_hash=call.query.get("api_key_hash") or None,
                                    user_id=call.query.get("user_id") or None)}


@route("GET", "/generation", auth="any")
def get_generation(call: Call) -> dict:
    generation_id = call.query.get("id", "")
    if not generation_id:
        raise missing(["id"], "string")
    found = generation(call.state, generation_id)
    if found is None:
        raise ApiFailure(404, f"Generation {generation_id} not found")
    return {"data": found}


def _activity_day(value: str | None, now: datetime) -> date | None:
    """The `date` filter: a UTC day (YYYY-MM-DD) among the last 30 completed ones."""
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise fail(["date"], "Invalid date: expected YYYY-MM-DD", "invalid_format") from None
    first, last = activity_window(now)
    if not first <= day <= last:
        raise fail(["date"], f"Date must be within the last 30 completed UTC days "
                             f"({first.isoformat()} to {last.isoformat()})", "custom")
    return day
