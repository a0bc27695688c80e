"""Usage accounting: what each call costs whom, the limits that refuse a call, and the records
GET /generation and GET /activity read.

- A key's `limit` counts the spend of its `limit_reset` window (UTC day, week from Monday,
  month; all time when null). Spent means 402, with the real API's message and metadata.
- Guardrail budgets are per entity, as the real API documents: a guardrail assigned to a key
  counts that key's spend; one assigned to a member counts the spend of every key that member
  created in the workspace; a workspace budget counts every key of the workspace. Each layer
  (`budgets.py`) is checked on its own. Spent means 403.
- Usage windows roll lazily (`KeyRecord.roll_windows`): a key's daily, weekly and monthly
  figures are zeroed when a window has turned since `last_used_at`, its last charge; every
  check, charge and rendering of a key rolls it first.
- Activity is kept as one row per UTC day, key, model and endpoint in `state.activity` (plain
  JSON, persisted with the state), and reported aggregated per day, model and endpoint for the
  last 30 completed UTC days, as the reference spec describes GET /activity.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from orsync.emulator.catalog.entries import Endpoint, Model, endpoint_stats
from orsync.emulator.inference.budgets import API_KEY, DEFAULT_KEY, KEY_LIMIT, WORKSPACE, spend_layers
from orsync.emulator.inference.fakes import Usage
from orsync.emulator.routes.dispatch import ApiFailure
from orsync.emulator.store.windows import iso_time, next_reset

if TYPE_CHECKING:
    from orsync.emulator.store.records import KeyRecord
    from orsync.emulator.store.state import EmulatorState

ACTIVITY_DAYS = 30
KEYS_URL = "https://openrouter.ai/settings/keys"
ALPHANUMERIC = string.ascii_letters + string.digits


@dataclass(frozen=True)
class Served:
    """Who answered a call and how, for its generation record."""

    model: Model
    endpoint: Endpoint
    api_type: str            # "completions" | "embeddings" | "rerank"
    streamed: bool
    finish_reason: str | None
    origin: str = ""
    user_agent: str | None = None
    external_user: str | None = None
    session_id: str | None = None


def check_key_limit(key: KeyRecord, now: datetime) -> None:
    """402 when the key's limit for its current window is spent (a limit of 0 refuses all)."""
    if key.limit is None:
        return
    key.roll_windows(now)
    spent = key.window_spend(key.limit_reset, key.include_byok_in_limit)
    if key.limit - spent > 0:
        return
    scope = key.limit_reset or "total"
    raise ApiFailure(402, f"Key limit exceeded ({scope} limit). Manage it using {KEYS_URL}", {
        "limit_source": "openrouter_key_limit", "limit_usd": key.limit, "spend_usd": spent,
        "resets_at": _iso_or_none(next_reset(key.limit_reset, now)),
        "remedy_hint": f"Raise the key's limit or wait for its {scope} reset at {KEYS_URL}.",
    })


def check_budgets(state: EmulatorState, key: KeyRecord, now: datetime) -> None:
    """403 when a guardrail budget or a workspace budget over the key is spent (the key's own
    limit is `check_key_limit`'s 402)."""
    for layer in spend_layers(state, key, now):
        if layer.scope == KEY_LIMIT or layer.spend_usd < layer.limit_usd:
            continue
        window = layer.reset_interval or "total"
        if layer.scope == WORKSPACE:
            message = f"Budget limit exceeded: the workspace allows ${layer.limit_usd:g} ({window})"
            source = "openrouter_workspace_budget"
        else:
            guardrail = state.guardrails[layer.guardrail_id]
            message = (f"Budget limit exceeded: guardrail {guardrail.name!r} allows "
                       f"${layer.limit_usd:g} ({window}) per {_entity(layer.scope)}")
            source = "openrouter_guardrail_budget"
        raise ApiFailure(403, message, {
            "limit_source": source, "scope": layer.scope, "guardrail_id": layer.guardrail_id,
            "budget_id": layer.budget_id, "limit_usd": layer.limit_usd, "spend_usd": layer.spend_usd,
            "resets_at": _iso_or_none(next_reset(layer.reset_interval, now)),
        })


def charge(state: EmulatorState, key: KeyRecord, usage: Usage, served: Served,
           now: datetime) -> str:
    """Book one successful call: key usage, org credits, activity, generation. Its id.
    One transaction (the request's, or its own): the rows it changes are written together."""
    with state.lock:
        state.record_usage(key, usage.cost, now)
        _add_activity(state, key, usage, served, now)
        generation_id = new_generation_id(now)
        state.generations[generation_id] = {
            "key_hash": key.hash, "user_id": key.creator_user_id,
            "data": _generation(generation_id, key, usage, served, now),
        }
    return generation_id


def new_generation_id(now: datetime) -> str:
    return f"gen-{int(now.timestamp())}-" + "".join(secrets.choice(ALPHANUMERIC) for _ in range(20))


def generation(state: EmulatorState, generation_id: str) -> dict | None:
    record = state.generations.get(generation_id)
    return record["data"] if record else None


def activity_report(state: EmulatorState, now: datetime, *, day: date | None = None,
                    api_key_hash: str | None = None, user_id: str | None = None) -> list[dict]:
    """GET /activity rows: per day, model and endpoint, newest day first."""
    first, last = activity_window(now)
    totals: dict[tuple, dict] = {}
    for row in state.activity:
        row_day = date.fromisoformat(row["date"])
        if not first <= row_day <= last or (day is not None and row_day != day):
            continue
        if (api_key_hash and row["key_hash"] != api_key_hash) or (user_id and row["user_id"] != user_id):
            continue
        group = (row["date"], row["model"], row["endpoint_id"])
        total = totals.setdefault(group, {**_activity_identity(row), **dict.fromkeys(ACTIVITY_SUMS, 0)})
        for name in ACTIVITY_SUMS:
            total[name] += row[name]
    return sorted(totals.values(), key=lambda r: (r["date"], r["model"], r["provider_name"]),
                  reverse=True)


def free_requests_today(state: EmulatorState, key_hash: str, now: datetime) -> int:
    """How many requests the key made to `:free` models this UTC day (GET /key's allowance)."""
    today = now.astimezone(timezone.utc).date().isoformat()
    return sum(row["requests"] for row in state.activity
               if row["date"] == today and row["key_hash"] == key_hash and row["model"].endswith(":free"))


def activity_window(now: datetime) -> tuple[date, date]:
    """The first and last day GET /activity covers: the last 30 completed UTC days."""
    today = now.astimezone(timezone.utc).date()
    return today - timedelta(days=ACTIVITY_DAYS), today - timedelta(days=1)


ACTIVITY_SUMS = ("usage", "byok_usage_inference", "requests", "prompt_tokens",
                 "completion_tokens", "reasoning_tokens")


def _activity_identity(row: dict) -> dict:
    return {name: row[name] for name in ("date", "model", "model_permaslug", "endpoint_id",
                                         "provider_name")}


def _add_activity(state: EmulatorState, key: KeyRecord, usage: Usage, served: Served,
                  now: datetime) -> None:
    today = now.astimezone(timezone.utc).date().isoformat()
    row = _todays_row(state.activity, today, key.hash, served.model.id, served.endpoint.id)
    if row is None:
        row = {"date": today, "key_hash": key.hash, "user_id": key.creator_user_id,
               "model": served.model.id, "model_permaslug": served.model.canonical_slug,
               "endpoint_id": served.endpoint.id, "provider_name": served.endpoint.provider.name,
               **dict.fromkeys(ACTIVITY_SUMS, 0)}
        state.activity.append(row)
    row["usage"] = round(row["usage"] + usage.cost, 12)
    row["requests"] += 1
    row["prompt_tokens"] += usage.prompt_tokens
    row["completion_tokens"] += usage.completion_tokens


def _todays_row(rows: list[dict], today: str, key_hash: str, model: str, endpoint_id: str) -> dict | None:
    """Today's row for this key, model and endpoint; rows are appended in date order."""
    for row in reversed(rows):
        if row["date"] != today:
            return None
        if (row["key_hash"], row["model"], row["endpoint_id"]) == (key_hash, model, endpoint_id):
            return row
    return None


def _generation(generation_id: str, key: KeyRecord, usage: Usage, served: Served,
                now: datetime) -> dict[str, Any]:
    """The data object of GET /generation, every field the reference spec requires."""
    stats = endpoint_stats(served.endpoint.id)
    latency_ms = round(stats["latency"]["p50"] * 1000, 1)
    upstream_id = "upstream-" + secrets.token_hex(12)
    return {
        "id": generation_id, "upstream_id": upstream_id, "total_cost": usage.cost,
        "cache_discount": None, "upstream_inference_cost": None,
        "created_at": now.astimezone(timezone.utc).isoformat(), "model": served.model.id,
        "app_id": None, "streamed": served.streamed, "cancelled": False,
        "provider_name": served.endpoint.provider.name, "latency": latency_ms,
        "moderation_latency": None, "generation_time": latency_ms,
        "finish_reason": served.finish_reason, "native_finish_reason": served.finish_reason,
        "service_tier": None,
        "tokens_prompt": usage.prompt_tokens, "tokens_completion": usage.completion_tokens,
        "native_tokens_prompt": usage.prompt_tokens,
        "native_tokens_completion": usage.completion_tokens,
        "native_tokens_completion_images": 0, "native_tokens_reasoning": 0,
        "native_tokens_cached": 0, "num_media_prompt": 0, "num_input_audio_prompt": 0,
        "num_media_completion": 0, "num_search_results": 0, "num_fetches": 0,
        "web_search_engine": None, "origin": served.origin, "usage": usage.cost,
        "is_byok": False, "external_user": served.external_user, "api_type": served.api_type,
        "preset_id": None, "router": None,
        "provider_responses": [{
            "id": upstream_id, "endpoint_id": served.endpoint.id,
            "model_permaslug": served.model.canonical_slug,
            "provider_name": served.endpoint.provider.name, "status": 200,
            "latency": latency_ms, "is_byok": False,
        }],
        "user_agent": served.user_agent, "http_referer": served.origin or None,
        "request_id": f"req-{int(now.timestamp())}-" + secrets.token_hex(10),
        "session_id": served.session_id, "response_cache_source_id": None,
        "data_region": "global", "workspace_id": key.workspace_id,
    }


def _entity(scope: str) -> str:
    return "key" if scope in (API_KEY, DEFAULT_KEY) else "member"


def _iso_or_none(moment: datetime | None) -> str | None:
    return iso_time(moment) if moment else None
