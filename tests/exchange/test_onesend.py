"""iodef serve's h11 protocol sends a response's head with its body, bytes unchanged."""

from __future__ import annotations

import asyncio
from typing import Any

import h11
import pytest

from iodef.exchange._onesend import OneSendH11Protocol, _HeadWithBody, http_protocol


class _Recorder:
    """A transport that records what is written to it."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"peername": ("127.0.0.1", 5), "sockname": ("127.0.0.1", 80)}.get(name, default)


def _response(status: int, body: bytes) -> list[bytes]:
    """What uvicorn writes for one response: the head, the body, the end of the message."""
    conn = h11.Connection(h11.SERVER)
    conn.receive_data(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    conn.next_event()
    head = conn.send(h11.Response(status_code=status, headers=[("content-length", str(len(body)))]))
    assert head is not None
    return [head, conn.send(h11.Data(data=body)) or b"", conn.send(h11.EndOfMessage()) or b""]


@pytest.mark.parametrize("body", [b"<entry/>", b""])
def test_a_response_is_one_write_of_the_same_bytes(body: bytes) -> None:
    recorder = _Recorder()
    transport = _HeadWithBody(recorder)  # type: ignore[arg-type]
    parts = _response(201, body)
    for part in parts:
        transport.write(part)
    assert recorder.writes == [b"".join(parts)]


def test_an_informational_response_is_not_held() -> None:
    recorder = _Recorder()
    transport = _HeadWithBody(recorder)  # type: ignore[arg-type]
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert recorder.writes == [b"HTTP/1.1 100 Continue\r\n\r\n"]


def test_a_held_head_is_sent_before_the_connection_closes() -> None:
    recorder = _Recorder()
    transport = _HeadWithBody(recorder)  # type: ignore[arg-type]
    head = _response(500, b"oops")[0]
    transport.write(head)
    assert recorder.writes == []
    transport.close()
    assert recorder.writes == [head]
    assert recorder.closed


def test_iodef_serve_runs_on_it_and_answers_the_same() -> None:
    from uvicorn.config import Config

    assert http_protocol() is OneSendH11Protocol  # httptools is not installed here

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send({"type": "http.response.start", "status": 201, "headers": [(b"content-length", b"3")]})
        await send({"type": "http.response.body", "body": b"abc"})

    async def main() -> list[bytes]:
        config = Config(app, http=OneSendH11Protocol, server_header=False, date_header=False)
        config.load()
        from uvicorn.server import ServerState

        protocol = OneSendH11Protocol(config=config, server_state=ServerState(), app_state={})
        recorder = _Recorder()
        protocol.connection_made(recorder)  # type: ignore[arg-type]
        protocol.data_received(b"POST /feeds/incidents HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        await asyncio.sleep(0.05)
        return recorder.writes

    writes = asyncio.run(main())
    assert writes == [b"HTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nabc"]
