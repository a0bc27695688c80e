"""Inference and catalog methods: these use the inference key, never the management key.

Each inference method takes an explicit `api_key=` as well, so the smoke runner can call with
several keys (one per managed key under test) through one client.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from itertools import chain
from typing import Any

from pydantic import SecretStr

from orsync.api import endpoints as ep
from orsync.api.endpoints import Auth
from orsync.api.http import HttpCore
from orsync.api.errors import UnexpectedResponseError

Body = dict[str, Any]
Event = dict[str, Any]
# GET /models as the guardrail resolver sees it: with no credential at all. A credentialed call
# from an org with the filtered model catalog gets only what its own guardrails allow, which can
# leave out the very models a guardrail names (API-NOTES "Model slugs in guardrails").
PUBLIC_MODELS = replace(ep.LIST_MODELS, auth=Auth.NONE)
CATALOG_PAGE = 1000  # the largest page GET /models serves


class InferenceMethods(HttpCore):
    # --- model calls --------------------------------------------------------------------------

    def chat_completions(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        return self._infer(ep.CHAT_COMPLETIONS, body, api_key)

    def responses(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        return self._infer(ep.RESPONSES, body, api_key)

    def messages(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        """Anthropic Messages format; errors in that format are parsed too."""
        return self._infer(ep.MESSAGES, body, api_key)

    def embeddings(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        return self._infer(ep.EMBEDDINGS, body, api_key)

    def rerank(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        return self._infer(ep.RERANK, body, api_key)

    def stream_chat_completions(self, body: Body, api_key: str | None = None) -> Iterator[Event]:
        """Server-sent events of a streamed chat completion, parsed; ends at `data: [DONE]`."""
        return self._stream(ep.CHAT_COMPLETIONS, body, api_key)

    def stream_responses(self, body: Body, api_key: str | None = None) -> Iterator[Event]:
        return self._stream(ep.RESPONSES, body, api_key)

    def stream_messages(self, body: Body, api_key: str | None = None) -> Iterator[Event]:
        return self._stream(ep.MESSAGES, body, api_key)

    def _infer(self, endpoint: ep.Endpoint, body: Body, api_key: str | None) -> dict[str, Any]:
        if body.get("stream"):
            raise ValueError(f"{endpoint} with stream=true: use the stream_* method")
        return self._call(endpoint, json=body, api_key=api_key)

    def _stream(self, endpoint: ep.Endpoint, body: Body, api_key: str | None) -> Iterator[Event]:
        """Opens the stream now (so an error status raises here), reads events lazily."""
        response = self._send(endpoint, endpoint.template, json={**body, "stream": True},
                              api_key=api_key, stream=True)

        def events() -> Iterator[Event]:
            try:
                yield from sse_events(response.iter_lines(), endpoint)
            finally:
                response.close()

        return events()

    # --- per-user data ------------------------------------------------------------------------

    def get_generation(self, id: str, api_key: str | None = None) -> dict[str, Any]:
        """Cost and token counts of one generation."""
        return self._data_of(ep.GET_GENERATION, params={"id": id}, api_key=api_key)

    def list_user_models(self, api_key: str | None = None) -> list[dict[str, Any]]:
        """Models this key may use after provider preferences and guardrails."""
        return self._data_of(ep.LIST_USER_MODELS, api_key=api_key)

    def create_auth_code(self, body: Body, api_key: str | None = None) -> dict[str, Any]:
        """Start the PKCE flow (body: callback_url, code_challenge, ...)."""
        return self._data_of(ep.CREATE_AUTH_CODE, json=body, api_key=api_key)

    def exchange_auth_code(self, body: Body) -> dict[str, Any]:
        """Finish the PKCE flow; the returned `key` is a new secret, wrapped in SecretStr."""
        path = ep.EXCHANGE_AUTH_CODE.template
        payload = self._json(ep.EXCHANGE_AUTH_CODE, path, json=body)
        secret = self._member(payload, "key", ep.EXCHANGE_AUTH_CODE, path)
        return {**payload, "key": SecretStr(str(secret))}

    # --- catalog (public; the inference key is sent when there is one) --------------------------

    def list_models(self, **filters: str) -> list[dict[str, Any]]:
        """Filters: category, supported_parameters, output_modalities."""
        return self._data_of(ep.LIST_MODELS, params=filters)

    def list_catalog_models(self) -> list[dict[str, Any]]:
        """Every model of every output modality, read without credentials, all pages.

        One request for today's catalog; the pages after the first (by `total_count`) are read
        concurrently. A server that does not page answers the whole list at once.
        """
        def page(offset: int) -> dict[str, Any]:
            params = {"output_modalities": "all", "offset": offset, "limit": CATALOG_PAGE}
            return self._json(PUBLIC_MODELS, PUBLIC_MODELS.template, params=params)

        first = page(0)
        rows = list(self._member(first, "data", PUBLIC_MODELS, PUBLIC_MODELS.template))
        total = first.get("total_count")
        if isinstance(total, int) and total > len(rows):
            for later in self._map_concurrently(page, range(CATALOG_PAGE, total, CATALOG_PAGE)):
                rows += later.get("data") or []
        return rows

    def count_models(self, **filters: str) -> int:
        data = self._data_of(ep.COUNT_MODELS, params=filters)
        return self._member(data, "count", ep.COUNT_MODELS, ep.COUNT_MODELS.template)

    def get_model_endpoints(self, author: str, slug: str) -> dict[str, Any]:
        return self._data_of(ep.GET_MODEL_ENDPOINTS, {"author": author, "slug": slug})

    def list_providers(self) -> list[dict[str, Any]]:
        return self._data_of(ep.LIST_PROVIDERS)

    def list_zdr_endpoints(self) -> list[dict[str, Any]]:
        return self._data_of(ep.LIST_ZDR_ENDPOINTS)

    def list_embedding_models(self) -> list[dict[str, Any]]:
        return self._data_of(ep.LIST_EMBEDDING_MODELS)

    def list_rerank_models(self) -> list[dict[str, Any]]:
        return self._data_of(ep.LIST_RERANK_MODELS)


def sse_events(lines: Iterable[str], endpoint: ep.Endpoint) -> Iterator[Event]:
    """Parsed `data:` payloads of a server-sent event stream.

    Comment lines (OpenRouter sends `: OPENROUTER PROCESSING` while waiting) and `event:` names
    are skipped (Anthropic events repeat their type inside the data); `[DONE]` ends the stream.
    """
    data: list[str] = []
    for line in chain(lines, [""]):  # a final blank line flushes an unterminated event
        if line:
            name, _, value = line.partition(":")
            if name == "data":
                data.append(value.removeprefix(" "))
            continue
        if not data:
            continue
        text, data = "\n".join(data), []
        if text == "[DONE]":
            return
        try:
            yield json.loads(text)
        except ValueError:
            raise UnexpectedResponseError(endpoint.method, endpoint.template, None,
                                          "stream event is not JSON") from None
