"""Organization members, credits and the PKCE key flow.

POST /auth/keys/code stores a code with its challenge; POST /auth/keys exchanges it once, after
checking the verifier (S256: base64url of the SHA-256, unpadded; plain: equal), for a new key
whose secret is returned.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from orsync.emulator.routes.dispatch import ApiFailure, Call, EmulatorResponse, route
from orsync.emulator.routes.validation import Field, fail, page_window, validate_body
from orsync.emulator.store.rendered import json_text
from orsync.emulator.store.windows import INTERVALS, iso_time

ROUTES: list = []

COINBASE_GONE = ("The Coinbase APIs used by this endpoint have been deprecated, so the Coinbase "
                 "Commerce credits API has been removed. Use the web credits purchase flow instead.")
PKCE_METHODS = ("S256", "plain")
EMULATOR_APP_ID = 1
CODE_REQUEST = {
    "callback_url": Field("string", min_length=1),
    "code_challenge": Field("string", min_length=1),
    "code_challenge_method": Field("string", choices=PKCE_METHODS),
    "limit": Field("number", ge=0),
    "expires_at": Field("string", nullable=True, utc_datetime=True),
    "key_label": Field("string", max_length=100),
    "usage_limit_type": Field("string", choices=INTERVALS),
    "spawn_agent": Field("string"),
    "spawn_cloud": Field("string"),
    "workspace_id": Field("string"),
}
EXCHANGE_REQUEST = {
    "code": Field("string", min_length=1),
    "code_verifier": Field("string"),
    "code_challenge_method": Field("string", nullable=True, choices=PKCE_METHODS),
}


@route("GET", "/organization/members", auth="management")
def list_members(call: Call) -> EmulatorResponse:
    rows, total = call.state.member_rows(*page_window(call.query))
    return EmulatorResponse.listing(call.state.members.rendered(rows, lambda m: json_text(m.public())),
                                    total)


@route("GET", "/credits", auth="management")
def credits(call: Call) -> dict:
    return {"data": call.state.credits.to_dict()}


@route("POST", "/credits/coinbase", auth="none")
def coinbase_charge(call: Call) -> None:
    raise ApiFailure(410, COINBASE_GONE)


@route("POST", "/auth/keys/code", auth="any")
def create_auth_code(call: Call) -> dict:
    body = validate_body(call.body, CODE_REQUEST, required=("callback_url",))
    if not _allowed_callback(body["callback_url"]):
        raise fail(["callback_url"], "callback_url must be an https URL or a localhost URL", "custom")
    code = "auth_code_" + secrets.token_urlsafe(18)
    created_at = iso_time(call.now)
    call.state.auth_codes[code] = {
        "challenge": body.get("code_challenge"),
        "method": body.get("code_challenge_method", "plain"),
        "limit": body.get("limit"), "limit_reset": body.get("usage_limit_type"),
        "expires_at": body.get("expires_at"), "label": body.get("key_label"),
        "user_id": call.caller.creator_user_id or call.state.admin_user_id(),
        "created_at": created_at,
    }
    return {"data": {"id": code, "app_id": EMULATOR_APP_ID, "created_at": created_at}}


@route("POST", "/auth/keys", auth="none")
def exchange_auth_code(call: Call) -> dict:
    body = validate_body(call.body, EXCHANGE_REQUEST, required=("code",))
    grant = call.state.auth_codes.get(body["code"])
    if grant is None:
        raise ApiFailure(403, "Invalid code")
    if grant["challenge"] is not None:
        _verify(grant, body)
    del call.state.auth_codes[body["code"]]  # a code is exchanged once
    record = call.state.add_key(grant["label"] or "OAuth key", created_at=iso_time(call.now),
                                limit=grant["limit"], limit_reset=grant["limit_reset"],
                                expires_at=grant["expires_at"], creator_user_id=grant["user_id"])
    return {"key": record.secret, "user_id": grant["user_id"]}


def _verify(grant: dict, body: dict) -> None:
    method = body.get("code_challenge_method") or grant["method"]
    if method != grant["method"]:
        raise fail(["code_challenge_method"], "code_challenge_method does not match the code", "custom")
    verifier = body.get("code_verifier")
    if not verifier:
        raise fail(["code_verifier"], "code_verifier is required for this code", "custom")
    if method == "S256":
        digest = hashlib.sha256(verifier.encode()).digest()
        verifier = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    if not hmac.compare_digest(verifier, grant["challenge"]):
        raise ApiFailure(403, "Invalid code_verifier")


def _allowed_callback(url: str) -> bool:
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return True
    return parts.scheme in ("http", "https") and parts.hostname in ("localhost", "127.0.0.1")
