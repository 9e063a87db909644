"""The sender's durable outbox: documents accepted for sending and not yet delivered.

A SQLite file (WAL): documents are written to it, in one transaction per
batch, *before* the first is sent, and each leaves it only once the peer has answered 2xx (or
refused it for good). A sender killed mid-run, a peer down for the night, a dropped network: the
documents wait here for ``iodef outbox flush``. Re-sending one that had in fact arrived is
harmless: the receiver recognises the repeat.

A refusal that is about the request rather than the document (401, 403, 404, 408, …: a rotated
token, a renamed feed, a timeout) leaves the document waiting, its error recorded, like a
connection failure. Only a refusal of the content itself (400, 413, 415, 422 and the other 4xx)
takes it out of the queue, into the ``dead_letters`` table, where ``iodef outbox list`` shows it.

Each document keeps its destination and the credentials it was queued with (a token given with
``--token`` or ``$IODEF_TOKEN``, the client config it came from, the TLS files): a flush sends it
with those, or with the config entry for its destination, never with another peer's. Because it
may hold tokens, the outbox file is created mode 0600 (and tightened to it when found looser).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import sqlite3
import stat
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Final

from ..errors import ExchangeError, ExchangeRejectedError
from .client import Receipt
from .credentials import Credentials

__all__ = [
    "DeadLetter",
    "DeliveryResult",
    "Outbox",
    "OutboxItem",
    "default_outbox_path",
    "deliver",
    "refuses_content",
]

#: 4xx answers that say nothing about the document: the credentials, the URL or the timing were
#: wrong. The document keeps waiting; fixing the token or the URL and flushing again delivers it.
NOT_ABOUT_CONTENT: Final = frozenset({401, 403, 404, 407, 408, 421, 423, 425, 429})


def refuses_content(status: int) -> bool:
    """Whether a 4xx answer refuses the document itself, so that sending it again cannot help."""
    return 400 <= status < 500 and status not in NOT_ABOUT_CONTENT


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
    credentials TEXT,
    UNIQUE (url, sha256)
);
CREATE TABLE IF NOT EXISTS dead_letters (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    url TEXT NOT NULL,
    source TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    body BLOB NOT NULL,
    created TEXT NOT NULL,
    refused TEXT NOT NULL,
    status INTEGER NOT NULL,
    error TEXT NOT NULL,
    credentials TEXT,
    UNIQUE (url, sha256)
);
"""
_COLUMNS_ADDED: Final = (("outbox", "credentials TEXT"), ("dead_letters", "credentials TEXT"))


def default_outbox_path() -> Path:
    """``outbox.sqlite`` in the user's data directory for iodef."""
    import platformdirs

    return Path(platformdirs.user_data_dir("iodef", appauthor=False)) / "outbox.sqlite"


@dataclass(frozen=True, slots=True)
class OutboxItem:
    """A document waiting in the outbox: its peer URL, where it came from, and how delivery went."""

    id: int
    url: str
    source: str
    sha256: str
    created: str
    attempts: int
    last_error: str | None
    size: int
    #: The credentials it was queued with (JSON), None for a document queued by an older iodef.
    credentials: str | None = None

    def queued_credentials(self) -> Credentials | None:
        return None if self.credentials is None else Credentials.from_json(self.credentials)


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A document the peer refused for its content: kept, never sent again by a flush."""

    id: int
    url: str
    source: str
    sha256: str
    created: str
    refused: str
    status: int
    error: str
    size: int
    credentials: str | None = None


class Outbox:
    """One outbox file. Not shared between threads; several processes may use the same file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            _private_file(path)
            self._db = sqlite3.connect(str(path), timeout=30.0, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # Removing a delivered item need not reach the disk before the next send: if it is lost
            # (power cut), the item is sent again and the receiver recognises the repeat. Adding
            # one must: add_many() switches to FULL for its transaction.
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.executescript(_SCHEMA)
            for table, column in _COLUMNS_ADDED:  # an outbox written by an older iodef
                names = {r[1] for r in self._db.execute(f"PRAGMA table_info({table})")}
                if column.split()[0] not in names:
                    self._db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            for suffix in ("-wal", "-shm"):
                _tighten(Path(str(path) + suffix))
        except (OSError, sqlite3.Error) as exc:
            raise ExchangeError(f"cannot open the outbox: {exc}", source=str(path)) from None

    def close(self) -> None:
        """Close the outbox file (``with Outbox(path)`` does it on leaving)."""
        self._db.close()

    def __enter__(self) -> Outbox:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def add_many(
        self,
        url: str,
        documents: Sequence[tuple[str, bytes]],
        credentials: Credentials | None = None,
    ) -> list[int]:
        """Queue (source, body) pairs for *url* in one transaction; return their ids in order.

        *credentials* are those the documents are to be delivered with (kept with each). A
        document already waiting for the same URL keeps its row (its credentials are updated, and
        its id is returned); one refused before leaves the dead letters.
        """
        creds = (credentials or Credentials()).to_json()
        now = datetime.now(UTC).isoformat()
        ids: list[int] = []
        try:
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("BEGIN IMMEDIATE")
            for source, body in documents:
                digest = hashlib.sha256(body).hexdigest()
                self._db.execute(
                    "INSERT INTO outbox (url, source, sha256, body, created, credentials)"
                    " VALUES (?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (url, sha256) DO UPDATE SET credentials = excluded.credentials",
                    (url, source, digest, body, now, creds),
                )
                # Sent anew: no longer a dead letter (refused again, it becomes one again).
                self._db.execute("DELETE FROM dead_letters WHERE url = ? AND sha256 = ?", (url, digest))
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

    def items(self, url: str | None = None, *, older_than: timedelta | None = None) -> list[OutboxItem]:
        """The waiting documents, oldest first (only those for *url* / queued before *older_than* ago)."""
        query = (
            "SELECT id, url, source, sha256, created, attempts, last_error, length(body), credentials"
            " FROM outbox"
        )
        where, params = _filters(url, older_than)
        rows = self._db.execute(query + where + " ORDER BY id", params).fetchall()
        return [OutboxItem(*row) for row in rows]

    def body(self, item_id: int) -> bytes | None:
        """The bytes of a waiting document, or None when it is no longer in the outbox."""
        row = self._db.execute("SELECT body FROM outbox WHERE id = ?", (item_id,)).fetchone()
        return None if row is None else bytes(row[0])

    def remove(self, item_id: int) -> None:
        """Forget a document (it was delivered)."""
        self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))

    def dead_letters(
        self, url: str | None = None, *, older_than: timedelta | None = None
    ) -> list[DeadLetter]:
        """The documents peers refused for their content, oldest refusal first."""
        query = (
            "SELECT id, url, source, sha256, created, refused, status, error, length(body), credentials"
            " FROM dead_letters"
        )
        where, params = _filters(url, older_than, column="refused")
        rows = self._db.execute(query + where + " ORDER BY id", params).fetchall()
        return [DeadLetter(*row) for row in rows]

    # -- housekeeping ----------------------------------------------------------------------------

    def drop(self, url: str | None = None, *, older_than: timedelta | None = None) -> int:
        """Remove waiting documents (for *url*, queued before *older_than* ago); return how many."""
        where, params = _filters(url, older_than)
        return self._write("DELETE FROM outbox" + where, params)

    def purge_dead(self, url: str | None = None, *, older_than: timedelta | None = None) -> int:
        """Remove dead letters (for *url*, refused before *older_than* ago); return how many."""
        where, params = _filters(url, older_than, column="refused")
        return self._write("DELETE FROM dead_letters" + where, params)

    def requeue(self, url: str | None = None, *, older_than: timedelta | None = None) -> int:
        """Put dead letters back in the queue (attempts from zero); return how many."""
        where, params = _filters(url, older_than, column="refused")
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR IGNORE INTO outbox (url, source, sha256, body, created, credentials)"
                " SELECT url, source, sha256, body, created, credentials FROM dead_letters" + where,
                params,
            )
            moved = self._db.execute("DELETE FROM dead_letters" + where, params).rowcount
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise ExchangeError(f"cannot write to the outbox: {exc}", source=str(self.path)) from None
        return int(moved)

    def _write(self, statement: str, params: tuple[str, ...]) -> int:
        try:
            return int(self._db.execute(statement, params).rowcount)
        except sqlite3.Error as exc:
            raise ExchangeError(f"cannot write to the outbox: {exc}", source=str(self.path)) from None

    def move_to_dead_letters(self, item_id: int, status: int, error: str) -> None:
        """Take an item out of the queue into the dead letters (one transaction)."""
        now = datetime.now(UTC).isoformat()
        try:
            self._db.execute("BEGIN IMMEDIATE")
            self._db.execute(
                "INSERT OR REPLACE INTO dead_letters"
                " (url, source, sha256, body, created, refused, status, error, credentials)"
                " SELECT url, source, sha256, body, created, ?, ?, ?, credentials FROM outbox WHERE id = ?",
                (now, status, error[:2000], item_id),
            )
            self._db.execute("DELETE FROM outbox WHERE id = ?", (item_id,))
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                self._db.execute("ROLLBACK")
            raise ExchangeError(f"cannot write to the outbox: {exc}", source=str(self.path)) from None

    def record_failure(self, item_id: int, error: str, attempts: int = 1) -> None:
        """Note a failed delivery run that made *attempts* requests (the retries count too)."""
        self._db.execute(
            "UPDATE outbox SET attempts = attempts + ?, last_error = ? WHERE id = ?",
            (max(1, attempts), error[:2000], item_id),
        )

    def __len__(self) -> int:
        return int(self._db.execute("SELECT count(*) FROM outbox").fetchone()[0])


def _filters(
    url: str | None, older_than: timedelta | None, *, column: str = "created"
) -> tuple[str, tuple[str, ...]]:
    clauses: list[str] = []
    params: list[str] = []
    if url is not None:
        clauses.append("url = ?")
        params.append(url)
    if older_than is not None:
        clauses.append(f"{column} < ?")
        params.append((datetime.now(UTC) - older_than).isoformat())
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(params)


def _private_file(path: Path) -> None:
    """Create *path* mode 0600 if it does not exist; tighten it to 0600 if others may read it."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    _tighten(path)


def _tighten(path: Path) -> None:
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    if stat.S_ISREG(mode) and mode & 0o077:
        path.chmod(stat.S_IMODE(mode) & 0o700)


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

    A delivered item leaves the outbox. One the peer refused for its content (see
    :func:`refuses_content`) moves to the dead letters and its refusal is reported. Any other
    failure (the network, 5xx, or a 4xx such as 401/403/404/408 that is not about the document)
    leaves it waiting, with its error recorded.
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
                if refuses_content(exc.status):
                    outbox.move_to_dead_letters(item.id, exc.status, str(exc))
                    result = DeliveryResult(item, refused=exc)
                else:
                    outbox.record_failure(item.id, str(exc), exc.attempts)
                    result = DeliveryResult(item, waiting=exc)
            except ExchangeError as exc:
                outbox.record_failure(item.id, str(exc), exc.attempts)
                result = DeliveryResult(item, waiting=exc)
            else:
                outbox.remove(item.id)
                result = DeliveryResult(item, receipt=receipt)
            results.append(result)
            if on_result is not None:
                on_result(result)

    await asyncio.gather(*(worker() for _ in range(max(1, concurrency))))
    return results
