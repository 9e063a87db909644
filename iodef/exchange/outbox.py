"""The sender's durable outbox: documents accepted for sending and not yet delivered.

A SQLite file (WAL): documents are written to it, in one transaction per
batch, *before* the first is sent, and each leaves it only once the peer has answered 2xx (or
refused it for good). A sender killed mid-run, a peer down for the night, a dropped network: the
documents wait here for ``iodef outbox flush``. Re-sending one that had in fact arrived is
harmless: the receiver recognises the repeat.
"""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..errors import ExchangeError, ExchangeRejectedError
from .client import Receipt

__all__ = ["DeliveryResult", "Outbox", "OutboxItem", "default_outbox_path", "deliver"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    created TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    UNIQUE (url, sha256)
)
"""


def default_outbox_path() -> Path:
    """``outbox.sqlite`` in the user's data directory for iodef."""
    import platformdirs

    return Path(platformdirs.user_data_dir("iodef", appauthor=False)) / "outbox.sqlite"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    url: str
    source: str
    sha256: str
    created: str
    attempts: int
    last_error: str | None
    size: int


class Outbox:
    """One outbox file. Not shared between threads; several processes may use the same file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Removing a delivered item need not reach the disk before the next send: if it is lost
            # (power cut), the item is sent again and the receiver recognises the repeat. Adding
            # one must: add_many() switches to FULL for its transaction.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise ExchangeError(f"cannot open the outbox: {exc}", source=str(path)) from None

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def add_many(self, url: str, documents: Sequence[tuple[str, bytes]]) -> list[int]:
        """Queue (source, body) pairs for *url* in one transaction; return their ids in order.

        A document already waiting for the same URL keeps its row (and its id is returned).
        """
        now = datetime.now(UTC).isoformat()
        ids: list[int] = []
        try:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            for source, body in documents:
                digest = hashlib.sha256(body).hexdigest()
                self._db.execute(
                    "INSERT OR IGNORE INTO outbox (url, source, sha256, body, created)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (url, source, digest, body, now),
                )
                row = self._db.execute(
                    "SELECT id FROM outbox WHERE url = ? AND sha256 = ?", (url, digest)
                ).fetchone()
                ids.append(int(row[0]))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise ExchangeError(f"cannot write to the outbox: {exc}", source=str(self.path)) from None
        finally:
            if not self._db.in_transaction:
                self._db.execute("PRAGMA synchronous=NORMAL")
        return ids

    def items(self, url: str | None = None) -> list[OutboxItem]:
        query = "SELECT id, url, source, sha256, created, attempts, last_error, length(body) FROM outbox"
        params: tuple[str, ...] = ()
        if url is not None:
            query += " WHERE url = ?"
            params = (url,)
        rows = self._db.execute(query + " ORDER BY id", params).fetchall()
        return [OutboxItem(*row) for row in rows]

    def body(self, item_id: int) -> bytes | None:
        row = self._db.execute("SELECT body FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def remove(self, item_id: int) -> None:
        self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def record_failure(self, item_id: int, error: str) -> None:
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + 1, last_error = ? WHERE id = ?", (error[:2000], item_id)
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    """What happened to one outbox item: delivered (receipt), refused for good, or still waiting."""

    item: OutboxItem
    receipt: Receipt | None = None
    refused: ExchangeRejectedError | None = None
    waiting: ExchangeError | None = None


async def deliver(
    outbox: Outbox,
    items: Sequence[OutboxItem],
    send: Callable[[OutboxItem, bytes], Awaitable[Receipt]],
    *,
    concurrency: int = 1,
    on_result: Callable[[DeliveryResult], None] | None = None,
) -> list[DeliveryResult]:
    """Send *items* with at most *concurrency* in flight through *send* (an async POST).

    A delivered item leaves the outbox; one the peer refused for good (a 4xx) leaves it too and
    its refusal is reported; one that could not be delivered stays, with its error recorded.
    """
    results: list[DeliveryResult] = []
    queue: asyncio.Queue[OutboxItem] = asyncio.Queue()
    for item in items:
        queue.put_nowait(item)

    async def worker() -> None:
        while True:
            try:
                item = queue.get_nowait()
            except asyncio.QueueEmpty:
                return
            body = outbox.body(item.id)
            if body is None:  # delivered meanwhile by another flush
                continue
            try:
                receipt = await send(item, body)
            except ExchangeRejectedError as exc:
                outbox.remove(item.id)
                result = DeliveryResult(item, refused=exc)
            except ExchangeError as exc:
                outbox.record_failure(item.id, str(exc))
                result = DeliveryResult(item, waiting=exc)
            else:
                outbox.remove(item.id)
                result = DeliveryResult(item, receipt=receipt)
            results.append(result)
            if on_result is not None:
                on_result(result)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return results
