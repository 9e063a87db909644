"""The 201 of a POST leaves in one write to the socket under uvicorn (server._one_write).

uvicorn's own HTTP protocol is driven here with a transport that records each write, the way
uvicorn's tests drive it: the writes are then seen one by one, which a real socket (where two
segments may arrive together) cannot show.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest
from exchange_helpers import make_doc
from uvicorn.config import Config
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from iodef.exchange.server import ServerSettings, _one_write, create_app


class _Recording(asyncio.Transport):
    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if data:  # as asyncio's socket transports do, an empty write writes nothing
            self.writes.append(bytes(data))

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name, default)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def pause_reading(self) -> None:
        pass

    def resume_reading(self) -> None:
        pass


async def _exchange(app: Any, request: bytes) -> _Recording:
    """*request* through uvicorn's h11 protocol into *app*; the transport once the answer is complete."""
    config = Config(app=app, lifespan="off", log_level="warning", access_log=False)
    protocol = H11Protocol(config=config, server_state=ServerState(), app_state={})
    transport = _Recording()
    protocol.connection_made(transport)
    protocol.data_received(request)
    for _ in range(2000):
        data = b"".join(transport.writes)
        head, sep, body = data.partition(b"\r\n\r\n")
        length = next(
            (
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ),
            None,
        )
        if sep and length is not None and len(body) >= length:
            break
        await asyncio.sleep(0.005)
    protocol.connection_lost(None)
    return transport


def _post(body: bytes, *, content_type: bytes = b"application/xml", extra: bytes = b"") -> bytes:
    return (
        b"POST /feeds/incidents HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
        + content_type
        + b"\r\n"
        + extra
        + b"Content-Length: "
        + str(len(body)).encode()
        + b"\r\n\r\n"
        + body
    )


@pytest.fixture
def app(tmp_path: Path) -> Any:
    app = create_app(ServerSettings(db_url=f"sqlite:///{tmp_path / 'one.db'}", anonymous=True))
    yield app
    store = app.state.iodef.store
    if store is not None:
        store.close()


def test_a_stored_document_is_answered_in_one_write(app: Any) -> None:
    transport = asyncio.run(_exchange(app, _post(make_doc(1))))
    assert len(transport.writes) == 1, [w[:40] for w in transport.writes]
    head, _, body = transport.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 ")
    assert b"location: http://127.0.0.1/feeds/incidents/" in head.lower()
    assert body.startswith(b"<?xml")
    assert body.rstrip().endswith(b"</entry>")
    assert "write" not in vars(transport)  # the transport's own write is back


def test_a_minimal_answer_is_one_write_too(app: Any) -> None:
    transport = asyncio.run(_exchange(app, _post(make_doc(2), extra=b"Prefer: return=minimal\r\n")))
    assert len(transport.writes) == 1, [w[:40] for w in transport.writes]
    head, _, body = transport.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 201 ")
    assert b"content-length: 0" in head.lower()
    assert b"preference-applied: return=minimal" in head.lower()
    assert body == b""


def test_a_refusal_is_answered_in_one_write_too(app: Any) -> None:
    transport = asyncio.run(_exchange(app, _post(b"<not-iodef/>")))
    assert len(transport.writes) == 1
    assert transport.writes[0].startswith(b"HTTP/1.1 422 ")
    assert b"application/problem+json" in transport.writes[0]


def test_a_head_never_followed_by_a_body_is_still_written_and_write_restored() -> None:
    class Cycle:
        def __init__(self) -> None:
            self.transport = _Recording()

        async def send(self, message: dict[str, Any]) -> None:
            self.transport.write(b"HTTP/1.1 201 Created\r\n\r\n")
            raise RuntimeError("the app failed after the head")

    cycle = Cycle()

    async def run() -> None:
        with _one_write(cycle.send):
            await cycle.send({"type": "http.response.start"})

    with pytest.raises(RuntimeError):
        asyncio.run(run())
    assert cycle.transport.writes == [b"HTTP/1.1 201 Created\r\n\r\n"]
    assert "write" not in vars(cycle.transport)


def test_a_send_without_a_transport_is_left_alone() -> None:
    seen: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        seen.append(message)

    async def run() -> None:
        with _one_write(send):
            await send({"type": "http.response.start"})

    asyncio.run(run())
    assert seen == [{"type": "http.response.start"}]
