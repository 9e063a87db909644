"""The event loop's side of the store's writes: one hand-over per turn of the loop, not per document.

Handing each document to the writer thread (:class:`._write.GroupWriter`) on its own cost more CPU
than the statements that store it: a ``concurrent.futures.Future`` (with its lock and condition)
chained to an asyncio future, a wake-up of the writer, and for each answer a write to the loop's
self-pipe and a turn of the loop. :class:`LoopHandOver` collects the documents of one turn of the
loop and hands them over together: one wake-up of the writer, one call back into the loop with all
their outcomes (taken after the commit that stored them, as before).

Most writes do without the thread:

- SQLite, with ``--sqlite-sync full`` or ``normal``: a lone request's document is written on the
  loop at once, and the documents of one turn of the loop together, in one transaction (at most
  ``MAX_BATCH`` each) at the end of the turn, by a connection that never waits for the database's
  lock (``busy_timeout`` 0). The thread's hand-over cost more than the commit it moved off the loop:
  with ``full`` and one request in flight, server CPU went from 1.69-1.77 to 1.39-1.46 ms a
  document (three runs side by side with the old code, ``docs/exchange.md``), the commit on the
  loop taking a median 0.49-0.54 ms of wall time. ``normal`` alone was on the loop already. With
  eight in flight CPU moved within the runs' spread, but ``full``'s rate ratio to the floor was
  0.02-0.08 lower in seven of eight runs: a turn of the loop rarely holds more than one document
  (1.02-1.03 a transaction), so ``full`` then syncs once a document on the loop where the thread
  shared its syncs.
- PostgreSQL, whatever is in flight: an asyncio psycopg connection in autocommit mode adds new
  incidents, the loop free while the database works. One document is one statement (its advisory
  lock, the repeat and version checks, the row and its views), committed before its answer
  arrives; the documents that arrive while that connection is busy go together next, in one
  statement (one row of parameters each), pipelined behind one statement that takes their locks
  (sorted, as the thread's batches do) and one Sync: the protocol runs everything before a Sync as
  one implicit transaction, committed at the Sync or rolled back whole on an error. (One statement
  per document cost the driver a cursor, a send and a result each, more than the rows' own work.)
  One round trip per batch either way, and no thread: with eight
  requests in flight, the thread's hand-overs, its connection's two round trips per batch (the
  pipeline, then the COMMIT) and the GIL passed back and forth between it and the loop (some 20
  futex calls per document) cost more CPU than the statements. A repeat or a next version (which
  those statements do not add) and a document kept as received go to the thread, which looks them
  up under the lock.

The writer thread stays the fallback. A locked SQLite database (another process holds it), a
conflict with another process, a lost connection or any other error sends the documents to it
(an SQLite transaction on the loop that fails is rolled back whole first), and it waits for locks,
settles conflicts and reports an unreachable database as before. While it holds documents, those
that come after go to it too: the loop never overtakes them (a next version is numbered after the
one before it). After an error other than a locked database, the loop leaves SQLite alone for a
pause (:data:`_DirectSqlite.PAUSE`).

A slow disk must not stall every request: each SQLite transaction on the loop is timed (wall
time), and when the moving average (weight 1/4 for the last) passes :data:`_DirectSqlite.SLOW`,
2 ms, the loop stops writing for a second, then tries again; slow again soon after, the pause
doubles, up to 30 s. 2 ms is four to five times the median ``full`` transaction on the loop under
the benchmark's load (0.39-0.54 ms, p99 0.7-0.9 ms; ``normal`` 0.22-0.26 ms) and about seven times
the thread's hand-over (0.26-0.29 ms a document): above it the stall of every other request costs
more than the hand-over saves, while a single hiccup (one commit of 4-5 ms now and then) does not
move the average past it. A disk that syncs in milliseconds (a rotating disk, many network volumes)
trips it within a few commits. A transaction during which the process was pushed off the CPU (an
involuntary context switch, ``getrusage``) is left out of the average: the thread would not have
been faster. On the 2-core benchmark machine, before that and with the checkpoints still inside
commits, the loop's writes paused up to 9 times in a 4,000-document run; with both, in none of
six runs.

Checkpoints: SQLite's auto-checkpoint runs inside the COMMIT that takes the write-ahead log past
1,000 pages, and writes and syncs the database file: 1.5-2.5 ms (``full``) and 4.5-5.5 ms
(``normal``) every ~135 documents here, measured on 4,000 single-document transactions. Timed as
part of a commit, that would trip the slow-disk pause now and then. So the loop's connection does
not checkpoint in its commits (``wal_autocheckpoint`` 0) but runs a PASSIVE checkpoint itself
every :data:`_DirectSqlite.CHECKPOINT_EVERY` (128) documents, between two transactions, timed on
its own: one over :data:`_DirectSqlite.CHECKPOINT_SLOW` (20 ms) pauses the loop's writes as slow
commits do. The same work as the auto-checkpoint (4,000 transactions: 0.37-0.66 s of CPU with it,
0.41-0.69 s this way; the log stays at 4 MB either way). Handing the checkpoints to
the writer thread instead was measured and not kept: run beside a writer that never stops, a
PASSIVE checkpoint never catches up with the log, which is then never restarted: it grew to 119 MB
in 4,000 documents and each commit cost more (CPU for the 4,000: 0.56-0.74 s -> 0.61-1.21 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final

from ._schema import Entry, NewDocument
from ._write import LOCK_MANY, Outcome, lock_key, pg_add_new_many, pg_add_new_statement, transaction

if TYPE_CHECKING:
    from .store import Store

__all__ = ["LoopHandOver"]

_log = logging.getLogger(__name__)
#: the clock of the transactions' wall time and of the pauses (a name of its own: tests replace it)
_clock = time.perf_counter


def _switched_out() -> int:
    """How often this thread has been made to leave the CPU for another (0 where not known)."""
    return 0


with contextlib.suppress(ImportError, AttributeError):
    import resource

    _THREAD: Final = resource.RUSAGE_THREAD  # Linux

    def _switched_out() -> int:
        return resource.getrusage(_THREAD).ru_nivcsw


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
        self._direct = _DirectSqlite(store) if store.is_sqlite else None
        self._pg = None if store.is_sqlite else _DirectPostgres(store, loop)
        #: documents waiting for the PostgreSQL connection, and whether a task is writing them
        self._pg_jobs: list[_Job] = []
        self._pg_draining = False
        self._tasks: set[asyncio.Task[None]] = set()

    def write(self, doc: NewDocument, *, alone: bool = False) -> asyncio.Future[tuple[Entry, bool]]:
        """*doc*'s outcome, after its commit; *alone*: its request is the only one in flight."""
        future: asyncio.Future[tuple[Entry, bool]] = self.loop.create_future()
        if self._pg is not None and self._pg.usable():
            self._pg_jobs.append((doc, future))
            if not self._pg_draining:
                self._pg_draining = True
                # Its own task: a request that goes away does not interrupt the connection's exchange.
                task = self.loop.create_task(self._pg_drain(self._pg))
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
            return future
        direct = self._direct
        if not self._pending and self._in_thread == 0:
            on_loop = direct is not None and direct.usable()
            if alone and on_loop:
                assert direct is not None
                outcomes = direct.write([doc])
                if outcomes is not None:
                    future.set_result(outcomes[0])
                    return future
            if alone or not on_loop:
                # The writer is idle: it starts at once (what arrives meanwhile waits for its next turn).
                self._hand_over([(doc, future)])
                return future
        # The end of this turn writes it with the others of the turn (on the loop if it may).
        self._pending.append((doc, future))
        if not self._scheduled:
            self._scheduled = True
            self.loop.call_soon(self._flush)
        return future

    async def _pg_drain(self, pg: _DirectPostgres) -> None:
        """Write the waiting documents on the loop's PostgreSQL connection, a batch at a time."""
        try:
            while self._pg_jobs:
                # A request that went away before its turn came is not written.
                jobs = [job for job in self._pg_jobs[: self.MAX_BATCH] if not job[1].cancelled()]
                del self._pg_jobs[: self.MAX_BATCH]
                outcomes = await pg.write([doc for doc, _ in jobs]) if jobs and pg.usable() else []
                # What the connection did not add (or, paused after a failure, did not try) is the thread's.
                rest = jobs[len(outcomes) :]
                for job, outcome in zip(jobs, outcomes, strict=False):
                    if outcome is None:
                        rest.append(job)
                    elif not job[1].done():
                        job[1].set_result(outcome)
                if rest:
                    self._hand_over(rest)
        finally:
            self._pg_draining = False

    def _flush(self) -> None:
        self._scheduled = False
        pending, self._pending = self._pending, []
        # A request that went away before its turn came is not written (as with the single hand-over).
        jobs = [job for job in pending if not job[1].cancelled()]
        direct = self._direct
        # On the loop only while the thread has nothing in hand: what it holds was handed over
        # first, and is written first (a next version is numbered after the one before it).
        while jobs and direct is not None and self._in_thread == 0 and direct.usable():
            chunk = jobs[: self.MAX_BATCH]
            outcomes = direct.write([doc for doc, _ in chunk])
            if outcomes is None:
                break  # locked, failed or rolled back: the thread writes this chunk and the rest
            del jobs[: self.MAX_BATCH]
            for (_, future), outcome in zip(chunk, outcomes, strict=True):
                if not future.done():
                    future.set_result(outcome)
        if jobs:
            self._hand_over(jobs)

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
        if self._pg is not None:
            self._pg.close()


class _DirectSqlite:
    """SQLite written on the event loop by a connection that never waits for the lock.

    It does not checkpoint the write-ahead log inside a commit (``wal_autocheckpoint`` 0): every
    :data:`CHECKPOINT_EVERY` documents it runs a PASSIVE checkpoint between two transactions.
    Each transaction's wall time goes into a moving average; above :data:`SLOW` the loop stops
    writing for :data:`PAUSE` seconds (doubled, up to :data:`MAX_PAUSE`, when it is slow again soon
    after) and the thread writes meanwhile.
    """

    #: seconds: a moving average of the transactions' wall time above this is a slow disk (see the module)
    SLOW: Final = 0.002
    #: the weight of the last transaction in that average
    WEIGHT: Final = 0.25
    #: seconds without writing on the loop after it was slow or failed, at first and at most
    PAUSE: Final = 1.0
    MAX_PAUSE: Final = 30.0
    #: documents written on the loop between two checkpoints of its own, and a checkpoint too slow
    CHECKPOINT_EVERY: Final = 128
    CHECKPOINT_SLOW: Final = 0.02

    def __init__(self, store: Store) -> None:
        self._store = store
        self._raw: Any = None
        self._dbapi = store.engine.dialect.loaded_dbapi
        #: the moving average of the transactions' wall time, in seconds
        self.average = 0.0
        self._paused_until = -math.inf
        self._pause = self.PAUSE
        self._since_checkpoint = 0

    def usable(self) -> bool:
        """False for a while after slow transactions or an error."""
        return _clock() >= self._paused_until

    def write(self, docs: list[NewDocument]) -> list[tuple[Entry, bool]] | None:
        """*docs* stored and committed in one transaction, or None: the writer thread is to store them
        (nothing of them was stored: the transaction was rolled back or never began)."""
        try:
            if self._raw is None:
                self._raw = self._store.engine.raw_connection()
                conn = self._raw.driver_connection
                conn.execute("PRAGMA busy_timeout = 0")
                conn.execute("PRAGMA wal_autocheckpoint = 0")
            switched, start = _switched_out(), _clock()
            outcomes = transaction(self._raw.driver_connection, docs, sqlite=True)
        except Exception as exc:
            if not isinstance(exc, self._dbapi.Error) or getattr(exc, "_iodef_broken", False):
                self.close()
            if not isinstance(exc, self._dbapi.IntegrityError) and not _busy(exc):
                self._pause_writes()  # the thread reports it (a locked database is tried again at once)
            return None
        took = _clock() - start
        # A transaction during which the process was pushed off the CPU says nothing about the disk
        # (on a busy machine that is a few in a hundred, of several ms): the thread would not help.
        if _switched_out() == switched:
            self.average += (took - self.average) * self.WEIGHT
        if self.average > self.SLOW:
            average, pause = self.average, self._pause_writes()
            _log.info(
                "SQLite commits on the event loop took %.1f ms (moving average): "
                "the writer thread writes for %.0f s",
                average * 1000,
                pause,
            )
        self._since_checkpoint += len(docs)
        if self._since_checkpoint >= self.CHECKPOINT_EVERY:
            self._since_checkpoint = 0
            self._checkpoint()
        return outcomes

    def _checkpoint(self) -> None:
        """Copy the write-ahead log into the database, between two transactions (see the module)."""
        start = _clock()
        try:
            _run_checkpoint(self._raw.driver_connection)
        except Exception:  # the writer thread's connection checkpoints too (on its own commits)
            self.close()
            return
        took = _clock() - start
        if took > self.CHECKPOINT_SLOW:
            _log.info(
                "a checkpoint of SQLite's log took %.1f ms on the event loop: "
                "the writer thread writes for %.0f s",
                took * 1000,
                self._pause_writes(),
            )

    def _pause_writes(self) -> float:
        """Stop writing on the loop for a while; the seconds of the pause."""
        now = _clock()
        # Slow again soon after the last pause: pause twice as long (a disk that stays slow is probed
        # less and less often); otherwise the first pause again.
        again = now - self._paused_until < 2 * self._pause
        self._pause = min(self._pause * 2, self.MAX_PAUSE) if again else self.PAUSE
        self._paused_until = now + self._pause
        self.average = 0.0  # measured afresh when the loop writes again
        return self._pause

    def close(self) -> None:
        if self._raw is not None:
            raw, self._raw = self._raw, None
            with contextlib.suppress(Exception):
                raw.invalidate()  # not back to the pool: its busy_timeout is 0


def _run_checkpoint(conn: Any) -> None:
    """A PASSIVE checkpoint (waiting for no one) on the driver connection *conn*."""
    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").close()


def _busy(exc: BaseException) -> bool:
    """Whether *exc* is SQLite's "database is locked" (another connection holds it)."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in (5, 6)  # SQLITE_BUSY, SQLITE_LOCKED


class _DirectPostgres:
    """PostgreSQL written on the event loop by an asyncio psycopg connection: new incidents only."""

    #: seconds without trying again after the connection failed (the writer thread reports why)
    PAUSE: Final = 5.0

    def __init__(self, store: Store, loop: asyncio.AbstractEventLoop) -> None:
        self._url = store.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._timeout = max(1, int(store.busy_timeout))
        self._loop = loop
        self._conn: Any = None
        #: one cursor for the connection's life: a new one per document (what ``conn.execute``
        #: makes) was a tenth of the client's CPU for the statement, its adapters copied each time
        self._cur: Any = None
        #: and one with numbered parameters, for the statement of a batch (see pg_add_new_many)
        self._raw: Any = None
        self._paused_until = 0.0

    def usable(self) -> bool:
        """False for a while after the connection failed."""
        return self._loop.time() >= self._paused_until

    async def write(self, docs: list[NewDocument]) -> list[tuple[Entry, bool] | None]:
        """Each of *docs* added and committed, or None: the writer thread is to store it.

        All of them in one transaction and one round trip; after a conflict or an error, none
        of them (all None).
        """
        import psycopg

        try:
            if self._conn is None:
                # Autocommit: a statement, or a pipeline up to its Sync, is its own transaction,
                # committed (and its locks released) before its answer arrives.
                self._conn = await psycopg.AsyncConnection.connect(
                    self._url, autocommit=True, connect_timeout=self._timeout
                )
                self._cur = self._conn.cursor()
                self._raw = psycopg.AsyncRawCursor(self._conn)
            if len(docs) == 1:
                return [await self._add(docs[0])]
            return await self._add_pipelined(docs)
        except psycopg.IntegrityError:
            # Another process wrote one of them, or its incident, meanwhile: the thread looks under the lock.
            return [None] * len(docs)
        except Exception:
            # A lost connection, a failed commit: the thread's way reports it (a document committed
            # after all is then found as a repeat, never stored twice).
            await self._discard()
            self._paused_until = self._loop.time() + self.PAUSE
            return [None] * len(docs)

    async def _add(self, doc: NewDocument) -> tuple[Entry, bool] | None:
        if doc.received is not None:
            return None  # its bytes as received go in a table of their own: the thread's way
        sql, params, entry = pg_add_new_statement(doc)
        await self._cur.execute(sql, params)
        row = await self._cur.fetchone()
        return None if row is None else (entry(int(row[0])), True)

    async def _add_pipelined(self, docs: list[NewDocument]) -> list[tuple[Entry, bool] | None]:
        """The locks of all *docs*, then the one statement that adds the new incidents, before one Sync."""
        statement = pg_add_new_many(docs)
        if statement is None:
            return [None] * len(docs)
        async with self._conn.pipeline() as pipeline:
            await self._cur.execute(LOCK_MANY, (sorted({lock_key(d) for d in docs}),))
            await self._raw.execute(statement[0], statement[1])
            await pipeline.sync()  # the commit
            return statement[2](await self._raw.fetchall())

    async def _discard(self) -> None:
        conn, self._conn, self._cur, self._raw = self._conn, None, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                await conn.close()

    def close(self) -> None:
        conn, self._conn, self._cur, self._raw = self._conn, None, None, None
        if conn is not None:
            with contextlib.suppress(Exception):
                conn.pgconn.finish()


def _settle(jobs: list[_Job], outcomes: list[Outcome]) -> None:
    for (_, future), outcome in zip(jobs, outcomes, strict=True):
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)
