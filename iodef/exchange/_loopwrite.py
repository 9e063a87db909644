"""The event loop's side of the store's writes: one hand-over per turn of the loop, not per document.

Handing each document to the writer thread (:class:`._write.GroupWriter`) on its own cost more CPU
than the statements that store it: a ``concurrent.futures.Future`` (with its lock and condition)
chained to an asyncio future, a wake-up of the writer, and for each answer a write to the loop's
self-pipe and a turn of the loop. :class:`LoopHandOver` collects the documents of one turn of the
loop and hands them over together: one wake-up of the writer, one call back into the loop with all
their outcomes (taken after the commit that stored them, as before).

With SQLite and ``--sqlite-sync normal`` (a commit that does not wait for the disk), the document
of a request that is the only one in flight is written on the loop itself, by a connection that
never waits for the database's lock (``busy_timeout`` 0): the hand-over would cost more CPU than the
write. A locked database (another process writing) or any error sends it to the writer thread,
which waits for the lock, settles conflicts and reports an unreachable database as before. With
``full`` (a sync to disk in each commit), and whenever other requests are in flight, the writes
stay in the thread, where the database's own work runs without the GIL beside the next requests'
checks (writing every batch on the loop was measured: less CPU, but fewer documents a second with
eight requests in flight).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ._schema import Entry, NewDocument
from ._write import Outcome, transaction

if TYPE_CHECKING:
    from .store import Store

__all__ = ["LoopHandOver"]

_Job = tuple[NewDocument, "asyncio.Future[tuple[Entry, bool]]"]


class LoopHandOver:
    """Collects the documents written during one turn of *loop* and hands them to the writer together."""

    MAX_BATCH: Final = 256

    def __init__(self, store: Store, loop: asyncio.AbstractEventLoop) -> None:
        self._store = store
        self.loop = loop
        self._pending: list[_Job] = []
        self._scheduled = False
        #: documents handed to the writer thread whose outcomes have not come back
        self._in_thread = 0
        # Only where a commit does not wait for the disk: a sync to disk on the loop would stall it.
        direct = store.is_sqlite and store.sqlite_synchronous == "normal"
        self._direct = _DirectSqlite(store) if direct else None

    def write(self, doc: NewDocument, *, alone: bool = False) -> asyncio.Future[tuple[Entry, bool]]:
        """*doc*'s outcome, after its commit; *alone*: its request is the only one in flight."""
        future: asyncio.Future[tuple[Entry, bool]] = self.loop.create_future()
        if not self._pending and self._in_thread == 0:
            if alone and self._direct is not None:
                outcome = self._direct.write(doc)
                if outcome is not None:
                    future.set_result(outcome)
                    return future
            # The writer is idle: it starts at once (what arrives meanwhile waits for its next turn).
            self._hand_over([(doc, future)])
            return future
        self._pending.append((doc, future))
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._flush)
        return future

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        # A request that went away before its turn came is not written (as with the single hand-over).
        self._hand_over([job for job in pending if not job[1].cancelled()])

    def _hand_over(self, jobs: list[_Job]) -> None:
        self._in_thread += len(jobs)
        for start in range(0, len(jobs), self.MAX_BATCH):
            chunk = jobs[start : start + self.MAX_BATCH]
            self._store.submit_many([doc for doc, _ in chunk], self._deliverer(chunk))

    def _deliverer(self, jobs: list[_Job]) -> Callable[[list[Outcome]], None]:
        loop = self.loop

        def deliver(outcomes: list[Outcome]) -> None:  # in the writer thread, after the commit
            loop.call_soon_threadsafe(self._settle, jobs, outcomes)

        return deliver

    def _settle(self, jobs: list[_Job], outcomes: list[Outcome]) -> None:
        self._in_thread -= len(jobs)
        _settle(jobs, outcomes)

    def close(self) -> None:
        if self._direct is not None:
            self._direct.close()


class _DirectSqlite:
    """SQLite written on the event loop by a connection that never waits for the lock."""

    def __init__(self, store: Store) -> None:
        self._store = store
        self._raw: Any = None
        self._dbapi = store.engine.dialect.loaded_dbapi

    def write(self, doc: NewDocument) -> tuple[Entry, bool] | None:
        """*doc* stored and committed, or None: the writer thread is to store it."""
        try:
            if self._raw is None:
                self._raw = self._store.engine.raw_connection()
                self._raw.driver_connection.execute("PRAGMA busy_timeout = 0")
            return transaction(self._raw.driver_connection, [doc], sqlite=True)[0]
        except Exception as exc:
            if not isinstance(exc, self._dbapi.Error) or getattr(exc, "_iodef_broken", False):
                self.close()
            return None

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            with contextlib.suppress(Exception):
                raw.invalidate()  # not back to the pool: its busy_timeout is 0


def _settle(jobs: list[_Job], outcomes: list[Outcome]) -> None:
    for (_, future), outcome in zip(jobs, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
