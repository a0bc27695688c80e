"""Retries: which calls are retried, how long the client waits, and when a write is never repeated.

Waits are asserted on the durations the injected sleep recorded, never on the wall clock.
"""

from __future__ import annotations

import random
import time
from email.utils import formatdate

import httpx
import pytest

from orsync.api.errors import (NotFoundError, OutcomeUnknownError, RateLimitedError, ServerError,
                               TransportError, ValidationError)
from orsync.api.retry import RetryPolicy, parse_retry_after
from test_client_fakes import (GUARDRAIL_ID, FakeTime, Script, error_body, guardrail_row,
                               key_hash, key_row, make_client)

HASH = key_hash(7)
CREATED = httpx.Response(201, json={"data": key_row(7), "key": "sk-or-v1-fake-new-secret"})
OK_KEY = httpx.Response(200, json={"data": key_row(7)})


def rate_limited(retry_after: str) -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": retry_after},
                          json=error_body(429, "Rate limit exceeded"))


def status(code: int) -> httpx.Response:
    return httpx.Response(code, json=error_body(code, f"status {code}"))


def test_a_429_waits_at_least_retry_after_seconds():
    fake_time = FakeTime()
    script = Script(rate_limited("7"), OK_KEY)
    with make_client(script, fake_time, backoff_base=0.01) as client:
        assert client.get_key(HASH).hash == HASH
    assert client.request_count == 2
    assert len(fake_time.sleeps) == 1 and fake_time.sleeps[0] >= 7


def test_retry_after_as_an_http_date_is_honoured():
    fake_time = FakeTime()
    script = Script(rate_limited(formatdate(time.time() + 30, usegmt=True)), OK_KEY)
    with make_client(script, fake_time, backoff_base=0.01) as client:
        client.get_key(HASH)
    assert 28 <= fake_time.sleeps[0] <= 31


def test_no_retry_beyond_max_attempts():
    fake_time = FakeTime()
    script = Script(status(503))
    with make_client(script, fake_time, max_attempts=3) as client:
        with pytest.raises(ServerError) as caught:
            client.list_guardrails()
    assert caught.value.status == 503
    assert len(script.requests) == 3 and client.request_count == 3
    assert len(fake_time.sleeps) == 2


def test_total_retry_time_is_bounded():
    fake_time = FakeTime()
    script = Script(status(502))
    with make_client(script, fake_time, max_attempts=50, max_retry_seconds=3.0,
                     backoff_base=1.0, backoff_cap=2.0) as client:
        with pytest.raises(ServerError):
            client.get_key(HASH)
    assert sum(fake_time.sleeps) <= 3.0
    assert len(script.requests) < 50


def test_a_retry_after_beyond_the_budget_is_not_waited_for():
    fake_time = FakeTime()
    script = Script(rate_limited("3600"), OK_KEY)
    with make_client(script, fake_time, max_retry_seconds=60) as client:
        with pytest.raises(RateLimitedError) as caught:
            client.get_key(HASH)
    assert caught.value.retry_after == 3600
    assert fake_time.sleeps == [] and len(script.requests) == 1


@pytest.mark.parametrize("code", [408, 429, 500, 502, 503, 524, 529])
def test_reads_are_retried_on_transient_statuses(code):
    script = Script(status(code), OK_KEY)
    with make_client(script) as client:
        client.get_key(HASH)
    assert len(script.requests) == 2


@pytest.mark.parametrize("code", [400, 401, 403, 404, 501])
def test_other_statuses_are_not_retried(code):
    script = Script(status(code), OK_KEY)
    with make_client(script) as client, pytest.raises(Exception):
        client.get_key(HASH)
    assert len(script.requests) == 1


def test_404_is_not_found():
    script = Script(httpx.Response(404, json=error_body(404, "Key not found")))
    with make_client(script) as client, pytest.raises(NotFoundError) as caught:
        client.get_key(HASH)
    assert caught.value.status == 404 and caught.value.message == "Key not found"


@pytest.mark.parametrize("call", [
    lambda client: client.update_key(HASH, {"disabled": True}),
    lambda client: client.delete_key(HASH),
    lambda client: client.assign_keys(GUARDRAIL_ID, [HASH]),
    lambda client: client.unassign_members(GUARDRAIL_ID, ["user_1"]),
], ids=["patch", "delete", "assign", "unassign"])
def test_idempotent_writes_are_retried_after_a_lost_response(call):
    answer = {"data": key_row(7), "deleted": True, "assigned_count": 1, "unassigned_count": 1}
    script = Script(httpx.RemoteProtocolError("Server disconnected"), status(503),
                    httpx.Response(200, json=answer))
    with make_client(script) as client:
        call(client)
    assert len(script.requests) == 3


@pytest.mark.parametrize("lost", [httpx.RemoteProtocolError("Server disconnected without response"),
                                  httpx.ReadTimeout("timed out"), httpx.ReadError("reset by peer")])
def test_create_key_is_sent_once_when_the_response_is_lost(lost):
    script = Script(lost, CREATED)
    with make_client(script) as client, pytest.raises(OutcomeUnknownError) as caught:
        client.create_key({"name": "key-7"})
    assert len(script.requests) == 1
    assert str(caught.value).startswith("POST /keys: outcome unknown")


@pytest.mark.parametrize("code", [500, 502, 503, 524, 529, 408])
def test_create_key_is_not_retried_after_a_server_error(code):
    script = Script(status(code), CREATED)
    with make_client(script) as client, pytest.raises(OutcomeUnknownError) as caught:
        client.create_key({"name": "key-7"})
    assert caught.value.status == code and len(script.requests) == 1


def test_create_guardrail_is_sent_once_when_the_response_is_lost():
    script = Script(httpx.RemoteProtocolError("dropped"), httpx.Response(201, json={"data": guardrail_row()}))
    with make_client(script) as client, pytest.raises(OutcomeUnknownError):
        client.create_guardrail({"name": "g"})
    assert len(script.requests) == 1


def test_create_key_is_retried_on_429_because_nothing_was_processed():
    fake_time = FakeTime()
    script = Script(rate_limited("2"), CREATED)
    with make_client(script, fake_time) as client:
        created = client.create_key({"name": "key-7"})
    assert created.data.hash == HASH and len(script.requests) == 2
    assert fake_time.sleeps[0] >= 2


def test_create_key_is_retried_when_the_connection_was_never_made():
    script = Script(httpx.ConnectError("connection refused"), CREATED)
    with make_client(script) as client:
        client.create_key({"name": "key-7"})
    assert len(script.requests) == 2


def test_a_refused_create_is_a_definite_failure():
    script = Script(status(400), CREATED)
    with make_client(script) as client, pytest.raises(ValidationError):
        client.create_key({"name": ""})
    assert len(script.requests) == 1


def test_unreachable_server_is_a_transport_error_after_the_attempts():
    script = Script(httpx.ConnectError("connection refused"))
    with make_client(script, max_attempts=4) as client, pytest.raises(TransportError) as caught:
        client.list_members()
    assert len(script.requests) == 4
    assert str(caught.value) == ("GET /organization/members: no response from the server "
                                 "(ConnectError: connection refused)")


def test_backoff_is_jittered_exponential_and_capped():
    policy = RetryPolicy(backoff_base=0.5, backoff_cap=4.0, rng=random.Random(1))
    for attempt, ceiling in [(1, 0.5), (2, 1.0), (3, 2.0), (4, 4.0), (8, 4.0)]:
        delays = {policy.delay(attempt, None) for _ in range(50)}
        assert all(0 <= delay <= ceiling for delay in delays) and len(delays) > 1
    assert policy.delay(1, retry_after=10) >= 10


@pytest.mark.parametrize(("header", "seconds"), [
    ("12", 12.0), ("0.5", 0.5), ("-3", 0.0), (None, None), ("soon", None),
    ("Wed, 21 Oct 2015 07:28:10 GMT", 10.0), ("Wed, 21 Oct 2015 07:27:00 GMT", 0.0),
])
def test_parse_retry_after(header, seconds):
    now = 1445412480.0  # 2015-10-21 07:28:00 UTC
    assert parse_retry_after(header, now=now) == seconds
