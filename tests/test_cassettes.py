"""Recorded HTTP interactions, one cassette per endpoint family, replayed offline.

Each scenario below runs the client through one family's calls and checks the answers. Normally
it replays `cassettes/<family>.yaml` with record_mode="none" (no network at all). With
ORSYNC_RECORD=1 it records them again: against a fresh emulator on loopback, or against
ORSYNC_RECORD_BASE_URL with OPENROUTER_MANAGEMENT_KEY (a real org; see cassettes/README.md).
Before anything is written, the Authorization header and every key secret are scrubbed.

Replay matches on method, path, query and body, never on scheme, host or port: the emulator's
port changes per run. Ids in paths come from the recorded responses, so they match by
construction.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import vcr

from orsync.api.errors import GoneError, NotFoundError, ValidationError
from orsync.api.client import OpenRouterClient

CASSETTES = Path(__file__).resolve().parent.parent / "cassettes"
RECORD = os.environ.get("ORSYNC_RECORD") == "1"
REPLAY_BASE_URL = "http://127.0.0.1/api/v1"  # nothing is dialled: vcr answers every request
REPLAY_MANAGEMENT_KEY = "sk-or-v1-fake-mgmt-key"
SCRUBBED_SECRET = "sk-or-v1-scrubbed"
FULL_SECRET = re.compile(r"sk-or-v1-[0-9a-f]{64}")
LOOPBACK_ORIGIN = re.compile(r"^http://127\.0\.0\.1:\d+")
# Headers worth keeping; all others go: Authorization above all, then cookies, ports, request ids.
KEPT_REQUEST_HEADERS = {"content-type"}
KEPT_RESPONSE_HEADERS = {"content-type", "retry-after"}


# --- scenarios: the same calls and checks whether recording or replaying --------------------------

def keys_scenario(client: OpenRouterClient) -> None:
    created = client.create_key({"name": "orsync-cassette-key", "limit": 5, "limit_reset": "daily"})
    assert created.key.get_secret_value().startswith("sk-or-v1-")
    key_hash = created.data.hash
    assert client.get_key(key_hash).name == "orsync-cassette-key"
    updated = client.update_key(key_hash, {"limit": None, "disabled": True})
    assert updated.limit is None and updated.disabled and updated.limit_reset == "daily"
    assert key_hash in {key.hash for key in client.list_keys()}
    client.delete_key(key_hash)
    with pytest.raises(NotFoundError):
        client.get_key(key_hash)


def guardrails_scenario(client: OpenRouterClient) -> None:
    guardrail = client.create_guardrail({"name": "orsync-cassette-guardrail", "limit_usd": 2,
                                         "reset_interval": "monthly",
                                         "allowed_models": ["openai/gpt-4o-mini"]})
    assert client.get_guardrail(guardrail.id).allowed_models == ["openai/gpt-4o-mini"]
    updated = client.update_guardrail(guardrail.id, {"allowed_models": None, "description": "cassette"})
    assert updated.allowed_models is None and updated.description == "cassette"
    assert guardrail.id in {live.id for live in client.list_guardrails()}
    with pytest.raises(ValidationError):
        client.update_guardrail(guardrail.id, {"limit_usd": 0})
    client.delete_guardrail(guardrail.id)
    with pytest.raises(NotFoundError):
        client.get_guardrail(guardrail.id)


def assignments_scenario(client: OpenRouterClient) -> None:
    guardrail = client.create_guardrail({"name": "orsync-cassette-assignments"})
    key = client.create_key({"name": "orsync-cassette-assigned"}).data
    member = client.list_members()[0]
    assert client.assign_keys(guardrail.id, [key.hash]) == 1
    assert client.assign_members(guardrail.id, [member.id]) == 1
    assert [row.key_hash for row in client.list_guardrail_key_assignments(guardrail.id)] == [key.hash]
    assert [row.user_id for row in client.list_guardrail_member_assignments(guardrail.id)] == [member.id]
    assert (key.hash, guardrail.id) in {(row.key_hash, row.guardrail_id)
                                        for row in client.list_key_assignments()}
    assert (member.id, guardrail.id) in {(row.user_id, row.guardrail_id)
                                         for row in client.list_member_assignments()}
    assert client.unassign_keys(guardrail.id, [key.hash]) == 1
    assert client.unassign_members(guardrail.id, [member.id]) == 1
    client.delete_key(key.hash)
    client.delete_guardrail(guardrail.id)


def account_scenario(client: OpenRouterClient) -> None:
    assert all(member.id and member.email for member in client.list_members())
    assert client.get_current_key().is_management_key
    credits = client.get_credits()
    assert credits.total_credits >= 0 and credits.total_usage >= 0
    with pytest.raises(GoneError):
        client.coinbase_charge()


SCENARIOS = {"keys": keys_scenario, "guardrails": guardrails_scenario,
             "assignments": assignments_scenario, "members_credits_key": account_scenario}


# --- scrubbing ----------------------------------------------------------------------------------

def scrub_text(text: str) -> str:
    """Full-shaped secrets and the management key in use, replaced."""
    text = FULL_SECRET.sub(SCRUBBED_SECRET, text)
    for secret in {REPLAY_MANAGEMENT_KEY, os.environ.get("OPENROUTER_MANAGEMENT_KEY")} - {None, ""}:
        text = text.replace(secret, SCRUBBED_SECRET)
    return text


def scrub_json(value):
    """Every `key` member that holds a string (a new key's secret) replaced."""
    if isinstance(value, dict):
        return {name: SCRUBBED_SECRET if name == "key" and isinstance(item, str) else scrub_json(item)
                for name, item in value.items()}
    if isinstance(value, list):
        return [scrub_json(item) for item in value]
    return value


def scrub_body(body: bytes | str | None) -> bytes | None:
    if not body:
        return body
    text = body.decode() if isinstance(body, bytes) else body
    try:
        text = json.dumps(scrub_json(json.loads(text)))
    except ValueError:
        pass
    return scrub_text(text).encode()


def kept(headers, names: set[str]) -> dict:
    return {name: value for name, value in headers.items() if name.lower() in names}


def scrub_request(request):
    request.headers = kept(request.headers, KEPT_REQUEST_HEADERS)
    request.uri = LOOPBACK_ORIGIN.sub("http://127.0.0.1", request.uri)
    request.body = scrub_body(request.body)
    return request


def scrub_response(response: dict) -> dict:
    response["headers"] = kept(response["headers"], KEPT_RESPONSE_HEADERS)
    response["body"]["string"] = scrub_body(response["body"]["string"])
    return response


def cassette_recorder(record_mode: str) -> vcr.VCR:
    return vcr.VCR(cassette_library_dir=str(CASSETTES), record_mode=record_mode,
                   match_on=["method", "path", "query", "body"],
                   before_record_request=scrub_request, before_record_response=scrub_response,
                   decode_compressed_response=True)


# --- tests --------------------------------------------------------------------------------------

def recording_client(request: pytest.FixtureRequest) -> OpenRouterClient:
    """A client on the real API when ORSYNC_RECORD_BASE_URL is set, else on a fresh emulator."""
    base_url = os.environ.get("ORSYNC_RECORD_BASE_URL")
    if base_url:
        return OpenRouterClient.from_env(base_url, max_attempts=1)
    return request.getfixturevalue("make_emulator")().client(max_attempts=1)


@pytest.mark.parametrize("family", sorted(SCENARIOS))
def test_cassette(family, request):
    name = f"{family}.yaml"
    if RECORD:
        client = recording_client(request)
        (CASSETTES / name).unlink(missing_ok=True)  # "all" would append to the old recording
        with cassette_recorder("all").use_cassette(name):
            SCENARIOS[family](client)
        return
    assert (CASSETTES / name).exists(), f"no cassette {name}: record with ORSYNC_RECORD=1"
    with OpenRouterClient(REPLAY_BASE_URL, management_key=REPLAY_MANAGEMENT_KEY, max_attempts=1) as client:
        with cassette_recorder("none").use_cassette(name) as cassette:
            SCENARIOS[family](client)
        assert cassette.all_played, f"{name} has interactions the scenario no longer makes"


def test_cassettes_hold_no_secret():
    files = sorted(CASSETTES.glob("*.yaml"))
    assert len(files) == len(SCENARIOS)
    secrets = {REPLAY_MANAGEMENT_KEY, os.environ.get("OPENROUTER_MANAGEMENT_KEY"),
               os.environ.get("OPENROUTER_API_KEY")} - {None, ""}
    for path in files:
        text = path.read_text()
        assert not FULL_SECRET.search(text), f"{path.name} holds a full secret"
        assert not any(secret in text for secret in secrets), f"{path.name} holds a credential"
        assert "authorization" not in text.lower(), f"{path.name} holds an Authorization header"


def test_scrubbing_removes_new_secrets_and_the_management_key():
    fake_secret = "sk-or-v1-" + "ab" * 32
    body = json.dumps({"data": {"label": "sk-or-v1-abc...123"}, "key": fake_secret,
                       "note": f"echo {fake_secret} {REPLAY_MANAGEMENT_KEY}"}).encode()
    scrubbed = json.loads(scrub_body(body))
    assert scrubbed["key"] == SCRUBBED_SECRET
    assert scrubbed["data"]["label"] == "sk-or-v1-abc...123"
    assert scrubbed["note"] == f"echo {SCRUBBED_SECRET} {SCRUBBED_SECRET}"
