"""The floor of a plan: every listing page fetched once, at the tool's concurrency, plus
turning the bytes into Python objects.

floor = pages x latency / concurrency + json.loads of every page's bytes

On a busy machine, or with an emulator slower than its injected latency, no client gets each
page in `latency`: `served_s` is what the same pages take fetched `concurrency` at a time by a
bare httpx client with the latency on (no parsing), the floor this emulator actually serves.

The pages are the ones a complete inventory needs (API-NOTES "Workspaces"): the workspaces,
then each workspace's keys (disabled and expired included) and guardrails, then the org-wide
key and member assignments and the members. They are fetched here with a plain httpx client,
the injected latency switched off meanwhile (it is added back by the formula), and parsed
with the standard library's C json module: nothing orsync does can cost less.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import httpx

from bench.emulator_process import BenchEmulator

PAGE = 100
KEY_FLAGS = {"include_disabled": "true", "include_expired": "true"}


@dataclass(frozen=True)
class Floor:
    pages: int
    bytes: int
    loads_s: float        # CPU time of json.loads over every page (least of a few runs)
    latency_ms: float
    concurrency: int
    served_s: float = 0.0 # the same pages, `concurrency` at a time with the latency on

    @property
    def network_s(self) -> float:
        return self.pages * self.latency_ms / 1000 / self.concurrency

    @property
    def seconds(self) -> float:
        return self.network_s + self.loads_s


def measure_floor(emulator: BenchEmulator, latency_ms: float, concurrency: int, runs: int = 3) -> Floor:
    """Fetch every page once (latency off meanwhile), then time json.loads over them."""
    emulator.control("POST", "/faults", {"rate": 0.0, "latency_ms": 0.0})
    requested: list[tuple[str, dict[str, Any]]] = []
    try:
        with _client(emulator, concurrency) as http:
            bodies = list(_every_page(_Recording(http, requested)))
    finally:
        emulator.control("POST", "/faults", {"rate": 0.0, "latency_ms": latency_ms})
    served = _served_s(emulator, requested, concurrency)
    least = float("inf")
    for _ in range(max(1, runs)):
        began = time.process_time()
        for body in bodies:
            json.loads(body)
        least = min(least, time.process_time() - began)
    return Floor(pages=len(bodies), bytes=sum(map(len, bodies)), loads_s=least, latency_ms=latency_ms,
                 concurrency=concurrency, served_s=served)


def _client(emulator: BenchEmulator, concurrency: int) -> httpx.Client:
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.Client(base_url=emulator.base_url, timeout=60.0, limits=limits,
                        headers={"Authorization": f"Bearer {emulator.management_key}"})


class _Recording:
    """An httpx client that notes every GET it sends (path and query)."""

    def __init__(self, http: httpx.Client, requested: list[tuple[str, dict[str, Any]]]) -> None:
        self.http, self.requested = http, requested

    def get(self, path: str, params: dict[str, Any]) -> httpx.Response:
        response = self.http.get(path, params=params)
        if response.is_success:
            self.requested.append((path, params))
        return response


def _served_s(emulator: BenchEmulator, requested: list[tuple[str, dict[str, Any]]], concurrency: int) -> float:
    """Wall time of the same GETs, `concurrency` at a time, latency on, bodies not parsed."""
    with _client(emulator, concurrency) as http, ThreadPoolExecutor(max_workers=concurrency) as pool:
        began = time.perf_counter()
        for response in pool.map(lambda request: http.get(request[0], params=request[1]), requested):
            response.raise_for_status()
        return time.perf_counter() - began


def _every_page(http: "_Recording") -> Iterator[bytes]:
    listing = list(_counted_pages(http, "/workspaces", {}, missing_ok=True))
    yield from listing
    # A server without workspaces: the unscoped listings are the whole org.
    workspaces = [row["id"] for body in listing for row in json.loads(body)["data"]] or [None]
    for workspace in workspaces:
        scope = {"workspace_id": workspace} if workspace else {}
        yield from _fixed_pages(http, "/keys", {**KEY_FLAGS, **scope})
        yield from _counted_pages(http, "/guardrails", scope)
    for path in ("/guardrails/assignments/keys", "/guardrails/assignments/members", "/organization/members"):
        yield from _counted_pages(http, path, {})


def _get(http: "_Recording", path: str, params: dict[str, Any], missing_ok: bool = False) -> bytes | None:
    response = http.get(path, params=params)
    if missing_ok and response.status_code == 404:
        return None
    response.raise_for_status()
    return response.content


def _fixed_pages(http: "_Recording", path: str, params: dict[str, Any]) -> Iterator[bytes]:
    """GET /keys: pages of 100 without a total; the first short page is the last."""
    offset = 0
    while True:
        body = _get(http, path, {**params, "offset": offset})
        yield body
        if len(json.loads(body)["data"]) < PAGE:
            return
        offset += PAGE


def _counted_pages(http: "_Recording", path: str, params: dict[str, Any],
                   missing_ok: bool = False) -> Iterator[bytes]:
    offset, total = 0, 1
    while offset < total:
        body = _get(http, path, {**params, "offset": offset, "limit": PAGE}, missing_ok)
        if body is None:
            return
        yield body
        total = json.loads(body).get("total_count") or 0
        offset += PAGE
