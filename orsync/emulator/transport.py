"""The emulator as an httpx transport: the client's requests answered in-process, no socket."""

from __future__ import annotations

from collections.abc import Iterator

import httpx

from orsync.emulator.app import EmulatorApp


class _ChunkStream(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks


class EmulatorTransport(httpx.BaseTransport):
    def __init__(self, app: EmulatorApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        answer = self.app.handle(request.method, request.url.path, request.url.query.decode(),
                                 dict(request.headers), request.read())
        if answer.drop:
            # What a client sees when the server closes the connection without answering.
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request)
        if answer.is_stream:
            return httpx.Response(answer.status, headers=answer.headers,
                                  stream=_ChunkStream(answer.body), request=request)
        return httpx.Response(answer.status, headers=answer.headers, content=answer.body,
                              request=request)
