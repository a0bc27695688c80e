"""Views of the model catalog and of usage records: models, endpoints, providers, activity."""

from __future__ import annotations

from typing import Any

from orsync.views import format as fmt
from orsync.views.layout import Field, RecordView, TableView, milliseconds, number, price, text, usd

R = "right"


def _uptime(row: dict[str, Any]) -> str:
    value = row.get("uptime_last_30m")
    return f"{value:.1f}%" if isinstance(value, (int, float)) else fmt.MISSING


MODELS = TableView((
    Field("ID", text("id")),
    Field("NAME", text("name")),
    Field("CONTEXT", number("context_length"), R),
    Field("$/M IN", price("pricing", "prompt"), R),
    Field("$/M OUT", price("pricing", "completion"), R),
    Field("OUTPUT", text("architecture", "output_modalities")),
), empty="(no models match)")

# Embedding and rerank models are priced per input token or per request, not per output token.
INPUT_MODELS = TableView((
    Field("ID", text("id")),
    Field("NAME", text("name")),
    Field("CONTEXT", number("context_length"), R),
    Field("$/M IN", price("pricing", "prompt"), R),
    Field("$/REQUEST", usd("pricing", "request"), R),
))

MODEL = RecordView((
    Field("id", text("id")),
    Field("name", text("name")),
    Field("modality", text("architecture", "modality")),
    Field("endpoints", lambda model: str(len(model.get("endpoints") or []))),
))

ENDPOINTS = TableView((
    Field("PROVIDER", text("provider_name")),
    Field("TAG", text("tag")),
    Field("CONTEXT", number("context_length"), R),
    Field("MAX OUT", number("max_completion_tokens"), R),
    Field("$/M IN", price("pricing", "prompt"), R),
    Field("$/M OUT", price("pricing", "completion"), R),
    Field("QUANT", text("quantization")),
    Field("UPTIME 30M", _uptime, R),
), empty="(no endpoints)")

ZDR_ENDPOINTS = TableView((
    Field("MODEL", text("model_id")),
    Field("PROVIDER", text("provider_name")),
    Field("TAG", text("tag")),
    Field("CONTEXT", number("context_length"), R),
    Field("$/M IN", price("pricing", "prompt"), R),
    Field("$/M OUT", price("pricing", "completion"), R),
), empty="(no zero-data-retention endpoints)")

PROVIDERS = TableView((
    Field("SLUG", text("slug")),
    Field("NAME", text("name")),
    Field("HQ", text("headquarters")),
    Field("DATACENTERS", text("datacenters")),
    Field("STATUS PAGE", text("status_page_url")),
))

ACTIVITY = TableView((
    Field("DATE", text("date")),
    Field("MODEL", text("model")),
    Field("PROVIDER", text("provider_name")),
    Field("REQUESTS", number("requests"), R),
    Field("PROMPT", number("prompt_tokens"), R),
    Field("COMPLETION", number("completion_tokens"), R),
    Field("REASONING", number("reasoning_tokens"), R),
    Field("USAGE", usd("usage"), R),
    Field("BYOK", usd("byok_usage_inference"), R),
), empty="(no activity)")

GENERATION = RecordView((
    Field("id", text("id")),
    Field("model", text("model")),
    Field("provider", text("provider_name")),
    Field("created", text("created_at")),
    Field("api type", text("api_type")),
    Field("streamed", text("streamed")),
    Field("finish reason", text("finish_reason")),
    Field("prompt tokens", number("tokens_prompt")),
    Field("completion tokens", number("tokens_completion")),
    Field("total cost", usd("total_cost")),
    Field("latency", milliseconds("latency")),
    Field("generation time", milliseconds("generation_time")),
    Field("byok", text("is_byok")),
))
