"""The API's failures: one exception type per meaning, each with a one-line str().

Every error names the call (`PATCH /keys/3f2a…`), the HTTP status and the API's own message, so a
user reading one line knows what failed and why. Nothing here ever sees a request header, so no
credential can reach a message; secrets the server might echo back are redacted all the same.
"""

from __future__ import annotations

import json
import re
from typing import Any

from orsync.errors import OrsyncError

MAX_MESSAGE_CHARS = 300
# Key hashes are 64 hex characters and guardrail ids are UUIDs: shortened in messages so a line
# stays readable (the full id is on the exception's .path).
_HEX_ID = re.compile(r"^[0-9a-f]{16,}$")
_UUID = re.compile(r"^([0-9a-f]{8})-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_SECRET = re.compile(r"sk-or-[A-Za-z0-9_-]{8,}")
_TAG = re.compile(r"<[^>]*>")


class ClientSetupError(OrsyncError):
    """The client cannot be used as configured (no credential, insecure base URL)."""


class InsecureBaseUrlError(ClientSetupError):
    """A base URL that would send credentials in clear text over a network."""


class MissingCredentialError(ClientSetupError):
    """A call needs a key that the client was not given."""


class ApiError(OrsyncError):
    """A call that did not succeed; carries what a caller needs to decide what to do next."""

    def __init__(self, method: str, path: str, status: int | None = None, message: str = "",
                 metadata: dict[str, Any] | None = None, *, error_type: str | None = None,
                 retry_after: float | None = None) -> None:
        self.method = method
        self.path = path
        self.status = status
        self.message = one_line(message)
        self.metadata = metadata
        self.error_type = error_type
        self.retry_after = retry_after
        super().__init__(str(self))

    def __str__(self) -> str:
        status = f" {self.status}" if self.status is not None else ""
        return f"{self.method} {short_path(self.path)}:{status} {self.message}".rstrip()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self)!r})"

    def __reduce__(self) -> tuple:
        # It crosses the live read child's socket (planner/live_child.py) with every attribute; the
        # default would call __init__ with the message alone.
        return _rebuilt, (type(self), self.__dict__)


def _rebuilt(cls: type[ApiError], attributes: dict[str, Any]) -> ApiError:
    error = cls.__new__(cls)
    error.__dict__.update(attributes)
    Exception.__init__(error, str(error))
    return error


class ValidationError(ApiError):
    """400/422: the server refused the request as malformed; nothing changed."""


class AuthenticationError(ApiError):
    """401: the key is missing, wrong or revoked."""


class PaymentRequiredError(ApiError):
    """402: not enough credits."""


class ForbiddenError(ApiError):
    """403: the key may not do this (not a management key, or a guardrail blocked it)."""

    @property
    def blocked_by_guardrail(self) -> bool:
        return self.message.startswith("Request blocked")


class NotFoundError(ApiError):
    """404: the object does not exist (any more)."""


class GoneError(ApiError):
    """410: the endpoint was retired."""


class RateLimitedError(ApiError):
    """429: too many requests; `.retry_after` says how long the server asked to wait."""


class ServerError(ApiError):
    """5xx (including Cloudflare's 524 and the provider-overloaded 529)."""


class UnexpectedResponseError(ApiError):
    """A success status whose body is not what the API documents (not JSON, missing fields)."""


class OutcomeUnknownError(ApiError):
    """A write that is never retried blindly was sent, but whether it took effect is unknown.

    Raised for POST /keys and POST /guardrails when the response was lost (timeout, dropped
    connection) or was a 5xx; the caller finds out by reading live state.
    """


class TransportError(ApiError):
    """The server could not be reached or did not answer, and retries are exhausted."""


_BY_STATUS: dict[int, type[ApiError]] = {
    400: ValidationError, 422: ValidationError, 401: AuthenticationError,
    402: PaymentRequiredError, 403: ForbiddenError, 404: NotFoundError, 410: GoneError,
    429: RateLimitedError,
}


def error_class(status: int) -> type[ApiError]:
    """The exception type that means what this status means."""
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    return ServerError if status >= 500 else ApiError


def error_from_response(method: str, path: str, status: int, body: bytes, reason: str,
                        retry_after: float | None = None) -> ApiError:
    """The typed error for an unsuccessful response, whatever shape its body has."""
    message, metadata, error_type = parse_error_body(body)
    return error_class(status)(method, path, status, message or reason, metadata,
                               error_type=error_type, retry_after=retry_after)


def parse_error_body(body: bytes) -> tuple[str, dict[str, Any] | None, str | None]:
    """(message, metadata, error type) from an error body.

    Handles OpenRouter's `{"error": {"code", "message", "metadata"}}` (code may be a string),
    the Anthropic form `{"type": "error", "error": {"type", "message"}}` of /messages, a bare
    `{"error": "text"}` or `{"message": ...}`, and bodies that are not JSON at all (HTML pages
    from a proxy, plain text).
    """
    text = body.decode("utf-8", errors="replace").strip()
    try:
        payload = json.loads(text) if text else None
    except ValueError:
        return _plain_text(text), None, None
    if not isinstance(payload, dict):
        return _plain_text(text), None, None
    error = payload.get("error", payload)
    if isinstance(error, str):
        return error, None, None
    if not isinstance(error, dict):
        return _plain_text(text), None, None
    metadata = error.get("metadata")
    error_type = error.get("type")
    return (str(error.get("message") or ""),
            metadata if isinstance(metadata, dict) else None,
            error_type if isinstance(error_type, str) else None)


def _plain_text(text: str) -> str:
    """The readable part of a non-JSON body: an HTML page's text, stripped of markup."""
    return _TAG.sub(" ", text)


def one_line(text: str) -> str:
    """Whitespace collapsed, control characters replaced (a server's text must not drive the
    terminal), secrets redacted, length capped: fit for a one-line message."""
    text = "".join(c if c.isprintable() else "\ufffd" for c in " ".join(text.split()))
    text = _SECRET.sub("sk-or-…", text)
    if len(text) > MAX_MESSAGE_CHARS:
        text = text[:MAX_MESSAGE_CHARS - 1] + "…"
    return text


def short_path(path: str) -> str:
    """The path with long ids shortened: /keys/3f2a…, /guardrails/550e8400…/assignments/keys."""
    return "/".join(_short_segment(segment) for segment in path.split("/"))


def _short_segment(segment: str) -> str:
    uuid = _UUID.match(segment)
    if uuid:
        return uuid.group(1) + "…"
    if _HEX_ID.match(segment):
        return segment[:4] + "…"
    return segment
