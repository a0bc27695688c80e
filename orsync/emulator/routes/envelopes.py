"""The two error bodies the API answers with: OpenRouter's everywhere, Anthropic's on /messages.

A route declares which one it speaks (`@route(..., errors="anthropic")`); failures raised before
a handler runs (unknown path, wrong method, authentication, injected faults) use the format of
the route family the path belongs to, so a client of /messages only ever sees Anthropic's.
"""

from __future__ import annotations

from typing import Literal

ErrorFormat = Literal["openrouter", "anthropic"]
ERROR_FORMATS = ("openrouter", "anthropic")

# HTTP status -> (Anthropic error.type, OpenRouter's canonical error_type), per the API docs.
ANTHROPIC_ERROR_TYPES = {
    400: ("invalid_request_error", "invalid_request"),
    401: ("authentication_error", "authentication"),
    402: ("billing_error", "payment_required"),
    403: ("permission_error", "permission_denied"),
    404: ("not_found_error", "not_found"),
    405: ("invalid_request_error", "invalid_request"),
    408: ("timeout_error", "timeout"),
    413: ("invalid_request_error", "payload_too_large"),
    429: ("rate_limit_error", "rate_limit_exceeded"),
    502: ("api_error", "provider_unavailable"),
    503: ("overloaded_error", "provider_overloaded"),
    524: ("timeout_error", "timeout"),
    529: ("overloaded_error", "provider_overloaded"),
}


def error_body(status: int, message: str, metadata: dict | None = None) -> dict:
    """OpenRouter's error body: `{"error": {"code", "message", "metadata"}, "user_id"}`."""
    return {"error": {"code": status, "message": message, "metadata": metadata}, "user_id": None}


def anthropic_error(status: int, message: str, request_id: str | None = None) -> dict:
    """Anthropic's error body: `{"type": "error", "error": {"type", "message", ...}}`."""
    kind, error_type = ANTHROPIC_ERROR_TYPES.get(status, ("api_error", "server"))
    return {"type": "error", "error": {"type": kind, "message": message, "error_type": error_type},
            "request_id": request_id}


def error_in(format_: ErrorFormat, status: int, message: str, metadata: dict | None = None) -> dict:
    """The error body of a route family's format."""
    if format_ == "anthropic":
        return anthropic_error(status, message)
    return error_body(status, message, metadata)
