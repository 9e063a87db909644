"""``Prefer: return=minimal`` (RFC 7240): iodef's client asks for it, and the server's reading of the header.

The server's answers to it are tested on a real ``iodef serve`` in ``test_exchange_server.py``.
Here the client's requests are recorded by a plain HTTP server (the standard library's), which
answers as a repository that ignores the preference would.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from exchange_helpers import make_doc
from starlette.requests import Request

from iodef.exchange import AsyncClient, Client
from iodef.exchange._http import prefers_minimal


class _Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, str]] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append({k.lower(): v for k, v in self.headers.items()})
        entry = b"<entry xmlns='http://www.w3.org/2005/Atom'/>"
        self.send_response(201)
        self.send_header("Location", f"http://127.0.0.1:{self.server.server_address[1]}/feeds/incidents/1")
        self.send_header("Content-Type", "application/atom+xml;type=entry")
        self.send_header("Content-Length", str(len(entry)))
        self.end_headers()
        self.wfile.write(entry)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[tuple[str, list[dict[str, str]]]]:
    seen: list[dict[str, str]] = []
    handler = type("Handler", (_Recorder,), {"seen": seen})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/feeds/incidents", seen
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_the_client_asks_for_a_minimal_answer_and_takes_a_full_one_too(
    recorder: tuple[str, list[dict[str, str]]],
) -> None:
    url, seen = recorder
    with Client(url, token="t", validate=False) as c:
        receipt = c.send(make_doc(1, restriction="green"))
    assert receipt.status == 201
    assert receipt.location == url + "/1"  # a peer that ignores the preference: the receipt is the same

    async def send() -> None:
        async with AsyncClient(url, token="t", validate=False) as ac:
            assert (await ac.send(make_doc(2, restriction="green"))).location == url + "/1"

    asyncio.run(send())
    assert [h.get("prefer") for h in seen] == ["return=minimal", "return=minimal"]
    assert all(h["content-type"].startswith("application/xml") for h in seen)


def _request(*prefer: bytes) -> Request:
    headers = [(b"host", b"x")] + [(b"prefer", value) for value in prefer]
    return Request({"type": "http", "method": "POST", "path": "/", "headers": headers})


@pytest.mark.parametrize(
    ("fields", "minimal"),
    [
        ((), False),
        ((b"return=minimal",), True),
        ((b'return="minimal"',), True),
        ((b"Return = Minimal",), True),
        ((b"respond-async, wait=10, return=minimal; foo=bar",), True),
        ((b"handling=strict", b"return=minimal"), True),  # two Prefer fields read as one list
        ((b"return=representation",), False),
        ((b"return=representation, return=minimal",), False),  # the first counts (RFC 7240 section 2)
        ((b"return=minimalist",), False),
        ((b"returns=minimal",), False),
    ],
)
def test_prefers_minimal_reads_rfc_7240_lists(fields: tuple[bytes, ...], minimal: bool) -> None:
    assert prefers_minimal(_request(*fields)) is minimal
