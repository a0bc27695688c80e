"""The client against a hostile server: malformed JSON, wrong types, missing fields, HTML error
pages, huge and endless bodies, answers cut short, connections closed unanswered.

- Every call ends in its documented return type or an OrsyncError whose message is one
  printable line; never another exception, never a secret echoed back.
- POST /keys is never sent twice (except after 429s, which the server refused before acting),
  and a create whose answer cannot be read is "outcome unknown", so apply checks the org.
- `orsync apply --yes` against a server whose reads fail sends no write at all.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from orsync.api.errors import OutcomeUnknownError
from orsync.api.client import OpenRouterClient
from orsync.errors import OrsyncError
from tests.test_apply_support import FAST_CLIENT

from .figures import FIGURES
from .harness import HANG_SECONDS, assert_one_line_error, bounded, fast_cli_clients, orsync
from .hostile import HostileServer, Reply
from .profiles import examples

MANAGEMENT_KEY = "sk-or-v1-fake-mgmt-key"
# Built at run time (never a secret-shaped literal in a file): a secret a server might echo.
ECHOED_SECRET = "sk-or-v1-" + "5e" * 32
KEY_ROW = {"hash": "ab" * 32, "name": "k", "label": "sk-or-v1-abc...123", "disabled": False, "limit": None,
           "limit_remaining": None, "limit_reset": None, "include_byok_in_limit": False, "usage": 0,
           "usage_daily": 0, "usage_weekly": 0, "usage_monthly": 0, "byok_usage": 0, "byok_usage_daily": 0,
           "byok_usage_weekly": 0, "byok_usage_monthly": 0, "created_at": "2025-01-01T00:00:00Z",
           "updated_at": None, "expires_at": None, "creator_user_id": None}
HTML_PAGE = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1><p>cloudflare</p></body></html>"


# --- what a hostile server answers ---------------------------------------------------------------

JSON = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
              st.just(ECHOED_SECRET)),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(
        st.sampled_from(["data", "total_count", "error", "code", "message", "metadata", "key", "hash",
                         "name", "id", "assigned_count", "deleted"]) | st.text(max_size=8), children, max_size=4),
    max_leaves=12)


@st.composite
def broken_rows(draw) -> dict:
    """A valid key row with one field removed or retyped."""
    row = dict(KEY_ROW)
    field = draw(st.sampled_from(sorted(row)))
    if draw(st.booleans()):
        del row[field]
    else:
        row[field] = draw(JSON)
    return row


def open_paging_bug(value) -> bool:
    """Bodies kept out of the generated ones, each with its own test below: a huge total (one
    under the client's bound of a million, on pages that repeat a row, is read page by page to
    the end: slow, not wrong), or one of another type (`false` must not pass for 0)."""
    if not isinstance(value, dict) or "total_count" not in value:
        return False
    try:
        total = TypeAdapter(int).validate_python(value["total_count"])
    except PydanticValidationError:
        return False
    return total > 10**5 or type(value["total_count"]) is not int


BODIES = st.one_of(
    JSON.filter(lambda value: not open_paging_bug(value)).map(lambda value: json.dumps(value).encode()),
    st.fixed_dictionaries({"data": st.one_of(JSON, st.lists(broken_rows(), max_size=2))},
                          optional={"total_count": JSON, "key": JSON})
    .filter(lambda value: not open_paging_bug(value)).map(lambda v: json.dumps(v).encode()),
    st.binary(max_size=200),
    st.just(HTML_PAGE),
    st.just(json.dumps({"data": [KEY_ROW], "total_count": 1}).encode()).flatmap(
        lambda body: st.integers(0, len(body) - 1).map(lambda cut: body[:cut])),  # truncated JSON
    st.just(json.dumps({"error": {"code": "boom", "message": f"echo {ECHOED_SECRET}"}}).encode()),
    st.just(b"{" * 100_000),
)
STATUSES = st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 408, 410, 418, 422, 429, 500, 502, 503,
                            524, 529, 599])
CONTENT_TYPES = st.sampled_from(["application/json", "text/html", "text/plain", "application/octet-stream"])
CALLS = {
    "list_keys": lambda c: c.list_keys(),
    "list_guardrails": lambda c: c.list_guardrails(),
    "list_members": lambda c: c.list_members(),
    "list_key_assignments": lambda c: c.list_key_assignments(),
    "list_member_assignments": lambda c: c.list_member_assignments(),
    "get_key": lambda c: c.get_key("ab" * 32),
    "get_current_key": lambda c: c.get_current_key(),
    "get_credits": lambda c: c.get_credits(),
    "create_key": lambda c: c.create_key({"name": "k"}),
    "create_guardrail": lambda c: c.create_guardrail({"name": "g"}),
    "update_key": lambda c: c.update_key("ab" * 32, {"limit": 1}),
    "delete_key": lambda c: c.delete_key("ab" * 32),
    "assign_keys": lambda c: c.assign_keys("g", ["ab" * 32]),
}


def mock_client(status: int, body: bytes, content_type: str, sent: list[httpx.Request]) -> OpenRouterClient:
    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if len(sent) > 200:  # a client that loops is stopped by a hard error (the test then fails)
            return httpx.Response(400, json={"error": {"code": 400, "message": "too many requests in one call"}})
        return httpx.Response(status, content=body, headers={"Content-Type": content_type})

    return OpenRouterClient("http://127.0.0.1/api/v1", management_key=MANAGEMENT_KEY, max_attempts=3,
                            transport=httpx.MockTransport(answer), **FAST_CLIENT)


def check_error(error: OrsyncError) -> None:
    message = str(error)
    assert message and "\n" not in message and message.isprintable(), repr(message)
    assert len(message) <= 600, f"a message of {len(message)} characters"
    assert ECHOED_SECRET not in message and MANAGEMENT_KEY not in message


@examples(300)
@given(call=st.sampled_from(sorted(CALLS)), status=STATUSES, body=BODIES, content_type=CONTENT_TYPES)
def test_every_call_ends_in_a_result_or_a_one_line_error(call, status, body, content_type):
    sent: list[httpx.Request] = []
    with mock_client(status, body, content_type, sent) as client, bounded():
        try:
            CALLS[call](client)
            outcome = "result"
        except OrsyncError as error:
            check_error(error)
            outcome = type(error).__name__
            if call.startswith("create_") and (status >= 500 or 200 <= status < 300):
                # The server may have acted: apply must look before creating again.
                assert isinstance(error, OutcomeUnknownError), f"{status}: {error!r}"
    FIGURES.add("hostile.client_cases")
    FIGURES.add(f"hostile.client_outcome.{outcome}")
    assert len(sent) <= 100, f"{call} sent {len(sent)} requests"
    if call.startswith("create_") and status != 429:
        assert len(sent) == 1, f"{call} was sent {len(sent)} times ({status})"


HUGE_TOTAL = """
import httpx
from orsync.api.client import OpenRouterClient
from orsync.errors import OrsyncError
answer = lambda request: httpx.Response(200, json={"data": [], "total_count": 10**9})
client = OpenRouterClient("http://127.0.0.1/api/v1", management_key="sk-or-v1-fake-mgmt-key",
                          transport=httpx.MockTransport(answer), max_attempts=1)
try:
    client.list_guardrails()
except OrsyncError as error:
    print("refused:", error)
"""


def test_a_huge_total_count_is_refused_not_paged():
    """{"data": [], "total_count": 10**9} on every page: reading on means ten million page
    requests, all queued at once (hours, and gigabytes of futures): a hang. Run in a child
    process, killed after HANG_SECONDS: a hung client cannot be stopped from inside (closing
    it waits for every queued page)."""
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-c", HUGE_TOTAL], capture_output=True, text=True,
                              timeout=HANG_SECONDS // 4)
    except subprocess.TimeoutExpired:
        pytest.fail(f"list_guardrails still paging after {HANG_SECONDS // 4} s")
    assert done.stdout.startswith("refused:"), done.stdout + done.stderr


@pytest.mark.parametrize("total", [False, "0", 0.0])
def test_a_total_count_of_another_type_is_refused(total):
    """`"total_count": false` is read as 0: a malformed answer passes for an empty listing."""
    sent: list[httpx.Request] = []
    body = json.dumps({"data": [], "total_count": total}).encode()
    with mock_client(200, body, "application/json", sent) as client, bounded():
        with pytest.raises(OrsyncError):
            client.list_guardrails()


# --- a real socket: bodies cut short, hang-ups, endless and dripping bodies -----------------------

def endless(chunk: bytes, limit_bytes: int, pause: float = 0.0):
    """A stream of `chunk` until `limit_bytes` (the server's bound; a capped client stops first)."""
    def chunks() -> Iterator[bytes]:
        import time

        sent = 0
        while sent < limit_bytes:
            if pause:
                time.sleep(pause)
            yield chunk
            sent += len(chunk)
    return chunks


SOCKET_REPLIES = {
    "cut short": Reply(body=b'{"data": [', claimed_length=10_000),
    "hang-up": Reply(hang_up=True),
    "HTML 503": Reply(status=503, body=HTML_PAGE, content_type="text/html"),
    "redirect elsewhere": Reply(status=301, headers={"Location": "http://203.0.113.9/api/v1/keys"}),
    "no content": Reply(status=204),
    "8 MB of junk": Reply(body=b"x" * (8 * 2**20)),
    "endless JSON (bounded at 32 MB)": Reply(body=b'{"data": [', stream=endless(b"0," * 32_768, 32 * 2**20)),
}


@pytest.mark.parametrize("name", sorted(SOCKET_REPLIES))
def test_listing_over_a_socket(name):
    with HostileServer(lambda method, path: SOCKET_REPLIES[name]) as server:
        client = OpenRouterClient(server.base_url, management_key=MANAGEMENT_KEY, timeout=2.0, max_attempts=2,
                                  **FAST_CLIENT)
        with client, bounded(), pytest.raises(OrsyncError) as failed:
            client.list_guardrails()
    check_error(failed.value)
    FIGURES.add("hostile.socket_cases")


def test_an_endless_body_is_cut_off_by_the_client():
    """A 2xx body that never ends: the client stops at its size cap (orsync.api.limits) long
    before the server's bound (32 MB here), instead of reading all it is sent: a server that
    streams forever would hold a run forever, growing its memory."""
    reply = SOCKET_REPLIES["endless JSON (bounded at 32 MB)"]
    with HostileServer(lambda method, path: reply) as server:
        with OpenRouterClient(server.base_url, management_key=MANAGEMENT_KEY, max_attempts=1) as client, bounded():
            with pytest.raises(OrsyncError, match="response body over 16 MiB"):
                client.list_guardrails()
        server.wait_for_streams(1)
    assert server.streams_cut_by_client == 1, "the client read the whole stream"


def test_a_dripping_body_is_cut_off_by_the_client():
    """A byte every 50 ms (slowloris): each read arrives within the client's 0.5 s timeout, but
    the whole response must arrive within twice that (orsync.api.limits), long before the
    server's bound (2 s here)."""
    reply = Reply(body=b'{"data": [', stream=endless(b" ", 40, pause=0.05))
    with HostileServer(lambda method, path: reply) as server:
        with OpenRouterClient(server.base_url, management_key=MANAGEMENT_KEY, timeout=0.5,
                              max_attempts=1) as client, bounded():
            with pytest.raises(OrsyncError, match="ReadTimeout: the whole response took longer"):
                client.list_guardrails()
        server.wait_for_streams(1)
    assert server.streams_cut_by_client == 1, "the client waited for the whole drip"


# --- apply against a server whose reads fail: no write ------------------------------------------

EMPTY_LISTINGS = {
    "/api/v1/keys": {"data": []},
    "/api/v1/guardrails": {"data": [], "total_count": 0},
    "/api/v1/guardrails/assignments/keys": {"data": [], "total_count": 0},
    "/api/v1/guardrails/assignments/members": {"data": [], "total_count": 0},
    "/api/v1/organization/members": {"data": [], "total_count": 0},
}
BROKEN = st.one_of(
    st.builds(Reply, status=st.just(200), body=BODIES, content_type=CONTENT_TYPES),
    st.builds(Reply, status=STATUSES.filter(lambda s: s >= 300), body=BODIES, content_type=CONTENT_TYPES),
    st.sampled_from([SOCKET_REPLIES[name] for name in ("cut short", "hang-up", "HTML 503", "redirect elsewhere")]),
)
ORG_FILE = """version: 1
policy: {prune: true}
guardrails:
  - name: team
    limit_usd: 5
    reset_interval: daily
keys:
  - name: a
    guardrail: team
  - name: b
"""


@pytest.fixture(scope="module")
def org_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("hostile") / "org.yaml"
    path.write_text(ORG_FILE, encoding="utf-8")
    return path


LISTING_CALLS = {"/api/v1/keys": "list_keys", "/api/v1/guardrails": "list_guardrails",
                 "/api/v1/guardrails/assignments/keys": "list_key_assignments",
                 "/api/v1/guardrails/assignments/members": "list_member_assignments",
                 "/api/v1/organization/members": "list_members"}


def client_accepts(reply: Reply, path: str) -> bool:
    """Whether the client reads the reply as a valid listing (then the plan may go ahead and
    write). Whether it should is the business of the test above; here the question is only
    whether apply writes after a read that failed."""
    if reply.hang_up or reply.claimed_length is not None or reply.stream is not None:
        return False
    with mock_client(reply.status, reply.body, reply.content_type, []) as client:
        try:
            CALLS[LISTING_CALLS[path]](client)
        except OrsyncError:
            return False
    return True


@examples(100)
@given(broken_path=st.sampled_from(sorted(EMPTY_LISTINGS)), reply=BROKEN)
def test_apply_writes_nothing_when_a_read_fails(org_file, broken_path, reply):
    def script(method: str, path: str) -> Reply:
        if path == broken_path:
            return reply
        if method == "GET" and path in EMPTY_LISTINGS:
            return Reply(body=json.dumps(EMPTY_LISTINGS[path]).encode())
        return Reply(status=500, body=b'{"error": {"code": 500, "message": "this server takes no writes"}}')

    with HostileServer(script) as server, fast_cli_clients(lambda: 2), bounded():
        result = orsync("--base-url", server.base_url, "apply", str(org_file), "--yes",
                        "--secrets-out", str(org_file.with_name("secrets.json")),
                        env={"OPENROUTER_MANAGEMENT_KEY": MANAGEMENT_KEY})
    FIGURES.add("hostile.apply_cases")
    if client_accepts(reply, broken_path):
        return  # a listing read as valid: planning (and writing) on it is right
    assert result.code == 1, result.text[-1000:]
    assert_one_line_error(result)
    assert server.writes() == [], f"wrote after a failed read: {server.writes()}"
    assert ECHOED_SECRET not in result.text and MANAGEMENT_KEY not in result.text
    FIGURES.add("hostile.apply_refused_without_writing")
