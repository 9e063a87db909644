"""``iodef serve``'s HTTP/1.1 under uvicorn: h11, with a response's head sent together with its body.

uvicorn's h11 protocol writes a response's status line and headers to the socket as soon as the
application starts the response, and the body when it comes: a ``201`` with its Atom entry costs
two ``send`` calls, and the client two wake-ups and two reads, where a response without a body
costs one. :class:`OneSendH11Protocol` holds a final response's head until the next write on the
connection (the body, or the empty write uvicorn makes for an empty one) and sends both at once.

Nothing else changes: the bytes on the wire are the same, an informational response (``100
Continue``) is sent at once (a client may wait for it before sending its body), and a held head is
sent before the connection is closed. A streamed response's head waits for its first chunk.

uvicorn picks httptools over h11 where httptools is installed; :func:`http_protocol` then leaves
that choice alone.
"""

from __future__ import annotations

import asyncio
import importlib.util
from typing import Any, Final

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["OneSendH11Protocol", "http_protocol"]

#: How h11 starts a response's head; the next byte is the status code's first digit.
_HEAD: Final = b"HTTP/1.1 "


class _HeadWithBody:
    """A transport that holds a final response's head until the next write, and sends them together."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        head, self._head = self._head, None
        if head is None and data[:9] == _HEAD and data[9:10] != b"1":
            self._head = bytes(data)
        elif head is not None:
            self._transport.write(head + data)
        elif data:
            self._transport.write(data)

    def close(self) -> None:
        head, self._head = self._head, None
        if head is not None:
            self._transport.write(head)
        self._transport.close()

    def abort(self) -> None:
        self._head = None
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        # everything else (reading, flow control, extra info) is the socket transport's own
        return getattr(self._transport, name)


class OneSendH11Protocol(H11Protocol):
    """uvicorn's h11 protocol, sending each final response's head together with its body."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(_HeadWithBody(transport))  # type: ignore[arg-type]


def http_protocol() -> type[asyncio.Protocol] | str:
    """uvicorn's ``http`` setting for ``iodef serve``: the one-send h11 protocol unless httptools is there."""
    if importlib.util.find_spec("httptools") is not None:
        return "auto"
    return OneSendH11Protocol
