"""The control surface under `/_emulator`: reset, reseed, request counts, faults, state dump.

Management key only. These requests are never counted, delayed or failed.
"""

from __future__ import annotations

from orsync.emulator.faults.injector import FAULT_KINDS, FaultSettings
from orsync.emulator.routes.dispatch import ApiFailure, Call, route
from orsync.emulator.store.state import EmulatorState

ROUTES: list = []


@route("POST", "/reset", auth="management")
def reset_state(call: Call) -> dict:
    """Back to the state the app started with, with no failure shape queued."""
    call.state.restore(call.app.initial_state)
    call.app.shapes.clear()
    return {"ok": True}


@route("POST", "/seed", auth="management")
def load_seed(call: Call) -> dict:
    """Replace the org with a seed document; the management keys in use keep working."""
    try:
        fresh = EmulatorState.from_seed(call.json_body())
        for record in call.state.management_keys():
            if fresh.find_key_by_secret(record.secret) is None:
                fresh.add_key(record.name, secret=record.secret, key_hash=record.hash,
                              is_management=True, created_at=record.created_at,
                              creator_user_id=record.creator_user_id)
    except (ValueError, TypeError) as exc:
        raise ApiFailure(400, str(exc)) from None
    _replace_org(call, fresh)
    return {"members": len(fresh.members), "keys": fresh.api_key_count(),
            "guardrails": len(fresh.guardrails)}


def _replace_org(call: Call, fresh: EmulatorState) -> None:
    """Swap the org in place (handlers and tests hold the state object), in one transaction."""
    call.state.replace_with(fresh)


@route("GET", "/requests", auth="management")
def request_counts(call: Call) -> dict:
    counts = call.app.request_counts()
    return {"counts": counts, "writes": call.app.write_count(), "total": sum(counts.values())}


@route("POST", "/requests/reset", auth="management")
def reset_request_counts(call: Call) -> dict:
    call.app.reset_counts()
    return {"ok": True}


@route("GET", "/faults", auth="management")
def fault_settings(call: Call) -> dict:
    return {**call.app.faults.settings.public(), "latency_ms": call.app.latency_ms}


@route("POST", "/faults", auth="management")
def set_faults(call: Call) -> dict:
    """`{"rate", "seed", "kinds", "latency_ms", "retry_after"}`; absent latency is unchanged."""
    body = call.json_body()
    current = call.app.faults.settings
    try:
        settings = FaultSettings(rate=float(body.get("rate", 0.0)), seed=int(body.get("seed", 0)),
                                 kinds=tuple(body.get("kinds") or FAULT_KINDS),
                                 retry_after=float(body.get("retry_after", current.retry_after)))
        latency = float(body.get("latency_ms", call.app.latency_ms))
    except (ValueError, TypeError) as exc:
        raise ApiFailure(400, str(exc)) from None
    if latency < 0:
        raise ApiFailure(400, "latency_ms must be >= 0")
    call.app.faults.configure(settings)
    call.app.latency_ms = latency
    return fault_settings(call)


@route("GET", "/state", auth="management")
def state_dump(call: Call) -> dict:
    return call.state.to_dict()
