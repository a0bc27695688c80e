"""The client's engine: one pooled httpx.Client, credentials, retries, typed errors, logging.

Credentials live in SecretStr and are put on a request only as its Authorization header; no log
line, repr or error message is built from headers or bodies.
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Self, TypeVar

import httpx
import pydantic
from pydantic import SecretStr

from orsync import __version__
from orsync.api.endpoints import Auth, Endpoint
from orsync.api.limits import MAX_BODY_BYTES, BodyTooLarge, BoundedBody
from orsync.api.models import Envelope
from orsync.api.paging import WindowShare
from orsync.api.errors import (ApiError, ClientSetupError, InsecureBaseUrlError, MissingCredentialError,
                               OutcomeUnknownError, TransportError, UnexpectedResponseError,
                               error_from_response)
from orsync.api.retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger("orsync.api.client")

DEFAULT_BASE_URL = "https://openrouter.ai/api/v1"
# Failures that happen before a byte of the request reaches the server: always safe to retry.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
Model = TypeVar("Model", bound=pydantic.BaseModel)
Item = TypeVar("Item")
Result = TypeVar("Result")


def checked_base_url(url: str) -> str:
    """The base URL without a trailing slash; plain http only to this machine (keys travel in it)."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL:
        parsed = None
    if parsed is None or not parsed.scheme or not parsed.host:
        raise ClientSetupError(f"base URL {url!r} is not a URL (from --base-url or OPENROUTER_BASE_URL); "
                          "expected e.g. https://openrouter.ai/api/v1")
    if parsed.scheme == "https" and parsed.host:
        return url.rstrip("/")
    if parsed.scheme == "http" and is_loopback(parsed.host):
        return url.rstrip("/")
    raise InsecureBaseUrlError(
        f"refusing base URL {parsed.scheme}://{parsed.host}: use https "
        "(plain http is allowed only for localhost, 127.0.0.0/8 and ::1)")


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def as_secret(value: str | SecretStr | None) -> SecretStr | None:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return SecretStr(value) if value else None


class HttpCore:
    """Sends requests; the method mixins (management, inference) build on its helpers."""

    def __init__(self, base_url: str | None = None, management_key: str | SecretStr | None = None,
                 api_key: str | SecretStr | None = None, *, timeout: float = 30.0,
                 max_attempts: int = 5, max_retry_seconds: float = 60.0, concurrency: int = 8,
                 transport: httpx.BaseTransport | None = None, backoff_base: float = 0.5,
                 backoff_cap: float = 8.0, sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.monotonic, max_body_bytes: int = MAX_BODY_BYTES,
                 response_seconds: float | None = None) -> None:
        self.base_url = checked_base_url(base_url or DEFAULT_BASE_URL)
        # A response must be whole within twice the per-read timeout (see orsync.api.limits).
        self.max_body_bytes = max_body_bytes
        self.response_seconds = 2 * timeout if response_seconds is None else response_seconds
        self._management_key = as_secret(management_key)
        self._api_key = as_secret(api_key)
        self.concurrency = max(1, concurrency)
        self.retry = RetryPolicy(max_attempts=max_attempts, max_retry_seconds=max_retry_seconds,
                                 backoff_base=backoff_base, backoff_cap=backoff_cap,
                                 sleep=sleep, clock=clock)
        # Pages run in `concurrency` threads, and callers' own threads (the planner reads five
        # listings at once, apply runs its workers) need connections too: hence twice as many.
        connections = 2 * self.concurrency
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        # No transport of our own by default: httpx then reads HTTP(S)_PROXY, ALL_PROXY,
        # NO_PROXY, SSL_CERT_FILE and SSL_CERT_DIR (trust_env), which passing any transport
        # turns off. Corporate CI runs behind proxies and TLS-inspecting CA bundles.
        self._http = httpx.Client(base_url=self.base_url, transport=transport, timeout=timeout,
                                  limits=limits, trust_env=True,
                                  headers={"User-Agent": f"orsync/{__version__}"})
        self._lock = threading.Lock()
        self._sent = 0
        self._pool: ThreadPoolExecutor | None = None
        self.own_transport = transport is not None
        # For the live read's child (orsync.planner.live_child): told (model, body, value) of
        # every body validated into a model, it sends the listings' pages on; `parse_as(model)`
        # is what a body is validated into instead (there: a page's identities only).
        self.watch_bodies: Callable[[type, bytes, Any], None] | None = None
        self.parse_as: Callable[[type], type] | None = None
        # Listings without a total (GET /keys per workspace) read at once share the pool fairly.
        self._window_share = WindowShare(self.concurrency)

    # --- lifecycle and introspection ----------------------------------------------------------

    @property
    def request_count(self) -> int:
        """HTTP requests sent so far, retries included."""
        with self._lock:
            return self._sent

    @property
    def has_management_key(self) -> bool:
        return self._management_key is not None

    @property
    def has_api_key(self) -> bool:
        return self._api_key is not None

    def close(self) -> None:
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        def state(key: SecretStr | None) -> str:
            return "set" if key else "unset"
        return (f"{type(self).__name__}(base_url={self.base_url!r}, "
                f"management_key={state(self._management_key)}, api_key={state(self._api_key)})")

    # --- helpers for the method mixins ---------------------------------------------------------

    def _call(self, endpoint: Endpoint, path_params: dict[str, str] | None = None, **kw: Any) -> Any:
        """Send one call (with retries) and return its parsed JSON body.

        Keywords: params (query), json (body), api_key (an explicit key for this call).
        """
        return self._json(endpoint, endpoint.path(**(path_params or {})), **kw)

    def _data_of(self, endpoint: Endpoint, path_params: dict[str, str] | None = None, **kw: Any) -> Any:
        """The `data` member of the call's JSON body."""
        path = endpoint.path(**(path_params or {}))
        return self._member(self._json(endpoint, path, **kw), "data", endpoint, path)

    def _data(self, model: type[Model], endpoint: Endpoint, path_params: dict[str, str] | None = None,
              **kw: Any) -> Model:
        """The call's `data` object, as `model`."""
        path = endpoint.path(**(path_params or {}))
        return self._model(Envelope[model], endpoint, path, **kw).data

    def _model(self, model: type[Model], endpoint: Endpoint, path: str, **kw: Any) -> Model:
        """The call's whole body as `model`, validated straight from the bytes (for 10,000
        keys this halves the CPU time of json.loads followed by validation)."""
        response = self._send(endpoint, path, **kw)
        parsed_as = model if self.parse_as is None else self.parse_as(model)
        try:
            value = parsed_as.model_validate_json(response.content)
        except pydantic.ValidationError as exc:
            # Field locations and kinds only: the input could hold a secret.
            first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
            if first["type"] == "json_invalid":
                raise self._unexpected(endpoint, path, "body is not JSON") from None
            where = ".".join(str(part) for part in first["loc"]) or "body"
            raise self._unexpected(endpoint, path, f"{where}: {first['msg']}") from None
        if self.watch_bodies is not None:
            self.watch_bodies(model, response.content, value)
        return value

    def _json(self, endpoint: Endpoint, path: str, **kw: Any) -> Any:
        response = self._send(endpoint, path, **kw)
        try:
            return response.json()
        except ValueError:
            raise self._unexpected(endpoint, path, "body is not JSON") from None

    def _member(self, payload: Any, name: str, endpoint: Endpoint, path: str) -> Any:
        if not isinstance(payload, dict) or name not in payload:
            raise self._unexpected(endpoint, path, f"no {name} in response")
        return payload[name]

    @staticmethod
    def _unexpected(endpoint: Endpoint, path: str, problem: str) -> ApiError:
        """A success status with a body not as documented; for a create, the object may exist
        while what it returned (a new key's secret) is lost, so the outcome counts as unknown."""
        if endpoint.creates:
            return OutcomeUnknownError(endpoint.method, path, None,
                                       f"outcome unknown, unreadable response: {problem}")
        return UnexpectedResponseError(endpoint.method, path, None, f"unexpected response: {problem}")

    def _map_concurrently(self, func: Callable[[Item], Result], items: Iterable[Item]) -> list[Result]:
        """func over items in the client's bounded thread pool, results in the order of items."""
        items = list(items)
        if len(items) <= 1:
            return [func(item) for item in items]
        return list(self._executor().map(func, items))

    def _submit(self, func: Callable[..., Result], *args: Any) -> Future[Result]:
        """func(*args) in the client's bounded thread pool."""
        return self._executor().submit(func, *args)

    def _executor(self) -> ThreadPoolExecutor:
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.concurrency,
                                                thread_name_prefix="orsync-http")
            return self._pool

    # --- sending ------------------------------------------------------------------------------

    def _send(self, endpoint: Endpoint, path: str, *, params: dict[str, Any] | None = None,
              json: Any = None, api_key: str | None = None, stream: bool = False) -> httpx.Response:
        """A successful response, after retries; a typed ApiError otherwise.

        With stream=True the body is not read yet; the caller must close the response.
        """
        headers = self._auth_header(endpoint, path, api_key)
        request = self._http.build_request(endpoint.method, path, params=params, json=json,
                                           headers=headers)
        started = self.retry.clock()
        attempt = 0
        while True:
            attempt += 1
            outcome = self._attempt(endpoint, path, request, attempt, stream)
            if isinstance(outcome, httpx.Response):
                return outcome
            wait = self.retry.next_delay(attempt, started, outcome.retry_after)
            if wait is None:
                raise outcome
            log.info("%s %s failed (%s); retry %d in %.2f s", endpoint.method, path,
                     outcome.status or type(outcome.__cause__).__name__, attempt + 1, wait)
            self.retry.sleep(wait)

    def _attempt(self, endpoint: Endpoint, path: str, request: httpx.Request, attempt: int,
                 stream: bool) -> httpx.Response | ApiError:
        """One try: the response if it succeeded, else a retryable error; raises the others."""
        with self._lock:
            self._sent += 1
        began = time.perf_counter()
        deadline = time.monotonic() + self.response_seconds
        try:
            response = self._http.send(request, stream=True)
            if not (stream and response.is_success):  # a stream the caller reads is not bounded
                self._read_bounded(response, deadline)
        except httpx.TransportError as exc:
            self._log_attempt(endpoint, path, type(exc).__name__, attempt, began)
            return self._transport_failure(endpoint, path, exc)
        except BodyTooLarge as exc:
            self._log_attempt(endpoint, path, "body too large", attempt, began)
            raise self._unexpected(endpoint, path, str(exc)) from None
        self._log_attempt(endpoint, path, response.status_code, attempt, began)
        if response.is_success:
            return response
        return self._status_failure(endpoint, path, response)

    def _read_bounded(self, response: httpx.Response, deadline: float) -> None:
        """The whole body, within the size cap and the deadline; the connection is dropped
        (not reused) when either stops it."""
        response.stream = BoundedBody(response.stream, max_bytes=self.max_body_bytes, deadline=deadline)
        try:
            response.read()
        except BaseException:
            response.close()
            raise

    def _transport_failure(self, endpoint: Endpoint, path: str, exc: httpx.TransportError) -> ApiError:
        """A retryable TransportError; raises OutcomeUnknownError for a create that may have landed."""
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if endpoint.creates and not isinstance(exc, NOT_SENT):
            raise OutcomeUnknownError(
                endpoint.method, path, None,
                f"outcome unknown, no response after sending ({detail}); not retried") from exc
        error = TransportError(endpoint.method, path, None, f"no response from the server ({detail})")
        error.__cause__ = exc
        return error

    def _status_failure(self, endpoint: Endpoint, path: str, response: httpx.Response) -> ApiError:
        """A retryable ApiError for this response; raises the ones that must not be retried."""
        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        error = error_from_response(endpoint.method, path, status, response.content,
                                    response.reason_phrase, retry_after)
        if status not in RETRYABLE_STATUSES:
            if endpoint.creates and status >= 500:
                raise self._outcome_unknown(error)
            raise error
        # A 429 means the request was refused before it was processed, so even a create may be
        # sent again; any other retryable status on a create may follow a write that happened.
        if endpoint.creates and status != 429:
            raise self._outcome_unknown(error)
        return error

    @staticmethod
    def _outcome_unknown(error: ApiError) -> OutcomeUnknownError:
        return OutcomeUnknownError(error.method, error.path, error.status,
                                   f"outcome unknown, not retried: {error.message}", error.metadata)

    def _log_attempt(self, endpoint: Endpoint, path: str, outcome: int | str, attempt: int,
                     began: float) -> None:
        log.debug("%s %s -> %s (attempt %d, %.0f ms)", endpoint.method, path, outcome, attempt,
                  (time.perf_counter() - began) * 1000)

    def _auth_header(self, endpoint: Endpoint, path: str, explicit: str | None) -> dict[str, str]:
        key = self._credential(endpoint, path, as_secret(explicit))
        return {"Authorization": f"Bearer {key.get_secret_value()}"} if key else {}

    def _credential(self, endpoint: Endpoint, path: str, explicit: SecretStr | None) -> SecretStr | None:
        """The key this call is sent with; a clear error, before sending, when it is missing."""
        auth = endpoint.auth
        if auth is Auth.NONE:
            return None
        if auth is Auth.MANAGEMENT:
            key = self._management_key
            hint = "a management key (set OPENROUTER_MANAGEMENT_KEY)"
        elif auth is Auth.INFERENCE:
            key = explicit or self._api_key
            hint = ("an inference key (set OPENROUTER_API_KEY; management keys cannot call "
                    "inference endpoints)")
        elif auth is Auth.ANY:
            key = explicit or self._management_key or self._api_key
            hint = "a key (set OPENROUTER_MANAGEMENT_KEY or OPENROUTER_API_KEY)"
        else:
            return explicit or self._api_key
        if key is None:
            raise MissingCredentialError(f"{endpoint.method} {path} needs {hint}")
        return key
