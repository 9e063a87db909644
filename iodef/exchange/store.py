"""Durable storage of received documents (SQLAlchemy Core): SQLite by default, PostgreSQL by URL.

One row per accepted document: the bytes exactly as received plus the index columns the feeds
and the idempotency rules need. :meth:`Store.add` commits before it returns, so a ``201`` sent
after it never announces a document that a crash could lose.

Who sees what: ``restriction_rank`` is the document's strictest part (readers cleared that high get
it whole), ``visible_rank`` the lowest clearance that gets anything; in between, the redacted
views (:mod:`iodef.exchange.redact`) computed once when the document arrives are stored beside it
(``iodef_views``), so that any worker serves any reader without parsing.

Feeds are read newest first by a keyset over ``(received, seq)``: a page continues strictly
after the last row of the previous one, whatever arrived meanwhile, with no state in a process.

Idempotency: ``(feed, sender, digest)`` is unique, the digest being SHA-256 over the document's
canonical form (C14N 1.0, comments dropped; C14N 2.0 for rows stored by earlier versions), so a
client's retry finds the first row. A changed document with the same ``IncidentID@name`` +
``IncidentID`` from the same sender becomes the next version of that incident and points at the
previous one.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ._loopwrite import LoopHandOver
from ._policy import PRIVATE_RANK, RESTRICTION_RANK, restriction_rank
from ._schema import META_COLUMNS as _META_COLUMNS
from ._schema import (
    REPEAT_KEY,
    VERSION_KEY,
    Entry,
    NewDocument,
    StorageUnavailableError,
    entries,
    metadata,
    received_table,
    views,
)
from ._write import GroupWriter, Outcome, add_raw

__all__ = [
    "RESTRICTION_RANK",
    "Entry",
    "NewDocument",
    "StorageUnavailableError",
    "Store",
    "entries",
    "metadata",
    "received_table",
    "restriction_rank",
    "views",
]


#: PostgreSQL: documents a store writes before it analyses a table never analysed (Store._note_written).
ANALYSE_AFTER: Final = 200

#: An index earlier versions made and no query uses (dropped on opening: see Store._upgrade).
_UNUSED_INDEX = "ix_iodef_entries_feed_seq"


def _sqlite_pragmas(synchronous: str) -> Any:
    def connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.close()

    return connect


def _sqlite_begin(conn: Any) -> None:
    # Writers take the write lock at BEGIN so that the read-then-insert of add() cannot
    # interleave with another writer; readers begin deferred and never block anyone in WAL mode.
    if conn.get_execution_options().get("sqlite_immediate"):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    else:
        conn.exec_driver_sql("BEGIN")


def _normalise_url(url: str) -> str:
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


class Store:
    """The entries table behind one database URL (``sqlite:///path`` or ``postgresql://...``)."""

    def __init__(
        self, url: str, *, busy_timeout: float = 5.0, create: bool = True, sqlite_synchronous: str = "full"
    ) -> None:
        """Open (and by default create) the store at *url*.

        ``sqlite_synchronous``: ``full`` (default) syncs each commit to disk before add() returns,
        so an acknowledged document survives a power loss; ``normal`` (WAL) survives a crash or
        kill of the process but may lose the last commits on a power loss, and is faster where
        a sync to disk is slow.
        """
        if sqlite_synchronous not in ("full", "normal"):
            raise ValueError("sqlite_synchronous must be 'full' or 'normal'")
        self.url = _normalise_url(url)
        self._writer: GroupWriter | None = None
        self._hand_over: LoopHandOver | None = None
        self._writer_lock = threading.Lock()
        #: PostgreSQL: documents written, until the young table's first analysis (None: done or SQLite)
        self._young: int | None = None
        self._analyser: threading.Thread | None = None
        self.is_sqlite = self.url.startswith("sqlite")
        self.sqlite_synchronous = sqlite_synchronous
        self.busy_timeout = busy_timeout
        engine_args: dict[str, Any] = {}
        if self.is_sqlite:
            engine_args["connect_args"] = {"timeout": busy_timeout, "check_same_thread": False}
            engine_args["poolclass"] = sa.pool.QueuePool
            engine_args["pool_size"] = 8
            engine_args["max_overflow"] = 8
        else:
            # No ping before each use (a round trip per request): a connection the server dropped
            # fails once, is discarded by the pool, and the request is answered 503 and retried.
            engine_args["connect_args"] = {"connect_timeout": max(1, int(busy_timeout))}
        self.engine: Engine = sa.create_engine(self.url, **engine_args)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas(sqlite_synchronous.upper()))
            # pysqlite's own transaction handling is switched off so BEGIN IMMEDIATE is ours.
            event.listen(
                self.engine, "connect", lambda dbapi_conn, _rec: setattr(dbapi_conn, "isolation_level", None)
            )
            event.listen(self.engine, "begin", _sqlite_begin)
        if create:
            try:
                metadata.create_all(self.engine)
                self._upgrade()
            except (OperationalError, DBAPIError) as exc:
                raise StorageUnavailableError(f"cannot prepare the database: {exc.orig}") from None
        if not self.is_sqlite:
            self._young = 0

    def _upgrade(self) -> None:
        """Bring a store written by an older iodef up to date.

        It may lack ``visible_rank`` (whole-document sharing only), and may carry the index over
        ``(feed, seq)`` that no query uses (every feed and TAXII page reads by ``(feed, received,
        seq)``, a document by ``entry_id``): each insert paid for keeping it.
        """
        inspector = sa.inspect(self.engine)
        if any(ix["name"] == _UNUSED_INDEX for ix in inspector.get_indexes("iodef_entries")):
            with self.engine.begin() as conn:
                conn.exec_driver_sql(f"DROP INDEX IF EXISTS {_UNUSED_INDEX}")
        if not self.is_sqlite:
            self._reorder_unique_keys(inspector)
        columns = {c["name"] for c in inspector.get_columns("iodef_entries")}
        if "visible_rank" in columns:
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "ALTER TABLE iodef_entries ADD COLUMN visible_rank SMALLINT NOT NULL DEFAULT 0"
            )
            conn.exec_driver_sql("UPDATE iodef_entries SET visible_rank = restriction_rank")

    def _reorder_unique_keys(self, inspector: Any) -> None:
        """PostgreSQL: rebuild unique keys of an older store that lead with ``(feed, sender)``.

        Their lookups could then take the wrong key on a table not yet analysed (see
        ``_schema.REPEAT_KEY``). SQLite chooses by the number of columns a lookup names, right with
        either order, and cannot change a key without copying the table: its stores stay as they are.
        Several processes may open the store at once: the table's lock is taken first and the order
        looked at again under it, so the keys are rebuilt once.
        """
        wanted = {"uq_iodef_entries_repeat": REPEAT_KEY, "uq_iodef_entries_version": VERSION_KEY}
        keys = inspector.get_unique_constraints("iodef_entries")
        found = {u["name"]: tuple(u["column_names"]) for u in keys}
        if all(found.get(name, key) == key for name, key in wanted.items()):
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql("LOCK TABLE iodef_entries IN ACCESS EXCLUSIVE MODE")
            rows = conn.exec_driver_sql(
                "SELECT c.conname, a.attname FROM pg_constraint c"
                " CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)"
                " JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum"
                " WHERE c.conrelid = 'iodef_entries'::regclass AND c.contype = 'u' ORDER BY c.conname, k.n"
            )
            now: dict[str, tuple[str, ...]] = {}
            for name, column in rows:
                now[name] = (*now.get(name, ()), column)
            for name, key in wanted.items():
                if name in now and now[name] != key:
                    conn.exec_driver_sql(
                        f"ALTER TABLE iodef_entries DROP CONSTRAINT {name},"
                        f" ADD CONSTRAINT {name} UNIQUE ({', '.join(key)})"
                    )

    def close(self) -> None:
        if self._hand_over is not None:
            self._hand_over.close()
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------------

    def add(self, doc: NewDocument) -> tuple[Entry, bool]:
        """Store *doc* and return ``(entry, created)``; ``created`` is False for a repeat.

        The row is committed when this returns.
        """
        for attempt in range(5):
            try:
                outcome = self._add_once(doc, again=attempt > 0)
                if self._young is not None:
                    self._note_written()
                return outcome
            except IntegrityError:
                # A concurrent writer inserted the same document or took the same version number:
                # look again (the repeat is then found, or the next version number is free).
                continue
            except (OperationalError, DBAPIError) as exc:
                raise StorageUnavailableError(f"storage unavailable: {exc.orig}") from None
        raise StorageUnavailableError("storage busy: could not settle a concurrent write")

    def submit(self, doc: NewDocument) -> Future[tuple[Entry, bool]]:
        """Like :meth:`add`, from any thread, without waiting: the future resolves after the commit.

        Documents submitted at the same time are written by one writer thread in one transaction
        (group commit: one sync to disk for the lot). With PostgreSQL the batch first takes the
        advisory locks of all its incidents in sorted order, so that the batches of several
        processes cannot deadlock.
        """
        return self._group_writer().submit(doc)

    def submit_many(self, docs: list[NewDocument], deliver: Callable[[list[Outcome]], None]) -> None:
        """Like :meth:`submit` for several documents: *deliver* gets their outcomes after the commit.

        See :meth:`GroupWriter.submit_many <iodef.exchange._write.GroupWriter.submit_many>`.
        """
        self._group_writer().submit_many(docs, deliver)

    async def write(self, doc: NewDocument, *, alone: bool = False) -> tuple[Entry, bool]:
        """Like :meth:`add`, from a coroutine, without waiting for the database on the event loop.

        The documents written during one turn of the loop are written together
        (:class:`iodef.exchange._loopwrite.LoopHandOver`) and come back together after their commit:
        with SQLite in one transaction on the loop, when it can be done at once (never waiting for
        another process's lock) and commits have not been slow lately, else by the writer thread.
        *alone*: the caller's request is the only one in flight, so its document is written at
        once instead of at the end of the turn.
        """
        loop = asyncio.get_running_loop()
        hand_over = self._hand_over
        if hand_over is None or hand_over.loop is not loop:
            if hand_over is not None:
                hand_over.close()
            hand_over = self._hand_over = LoopHandOver(self, loop)
        outcome = await hand_over.write(doc, alone=alone)
        if self._young is not None:
            self._note_written()
        return outcome

    def _note_written(self) -> None:
        """PostgreSQL: analyse a table never analysed once this store has written some rows to it.

        Until its first ``ANALYZE`` (autovacuum's comes up to ``autovacuum_naptime``, a minute,
        after the table has enough rows), PostgreSQL knows nothing of the columns' values and may
        answer a key lookup from the feed pages' index ``(feed, received, seq)``, reading every row
        of the feed (seen up to some 2,000 rows). Analysed, it knows that all rows share one feed.
        Once per store, in a thread of its own: never on the event loop nor in a write's way.
        """
        young = self._young
        if young is None:
            return
        # (Two threads may both count the last one: the second thread's check then finds it analysed.)
        self._young = young + 1
        if young + 1 >= ANALYSE_AFTER:
            self._young = None
            self._analyser = threading.Thread(
                target=self._analyse_if_never, name="iodef-analyse", daemon=True
            )
            self._analyser.start()

    def _analyse_if_never(self) -> None:
        never = (
            "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL FROM pg_stat_user_tables"
            " WHERE relid = 'iodef_entries'::regclass"
        )
        # Not the owner, or the database gone meanwhile: autovacuum will see to it.
        with contextlib.suppress(Exception), self.engine.connect() as conn:
            if conn.exec_driver_sql(never).scalar():
                conn.exec_driver_sql("ANALYZE iodef_entries")
                conn.commit()

    def _group_writer(self) -> GroupWriter:
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = GroupWriter(self)
        return self._writer

    def _writing(self) -> Any:
        engine = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        return engine.begin()

    def _add_once(self, doc: NewDocument, *, again: bool = False) -> tuple[Entry, bool]:
        with self._writing() as conn:
            return self._add_in(conn, doc, again=again)

    def _add_in(self, conn: Any, doc: NewDocument, *, again: bool = False) -> tuple[Entry, bool]:
        """Add *doc* inside the open transaction *conn* (committed by the caller), by the driver."""
        dbapi = self.engine.dialect.loaded_dbapi
        try:
            cur = conn.connection.dbapi_connection.cursor()
            try:
                return add_raw(cur, doc, sqlite=self.is_sqlite, again=again)
            finally:
                cur.close()
        except dbapi.IntegrityError as exc:
            raise IntegrityError("", None, exc) from None
        except dbapi.Error as exc:
            raise OperationalError("", None, exc) from None

    # -- reading ---------------------------------------------------------------------------------

    def _visible(self, reader: str | None, max_rank: int) -> Any:
        clause = entries.c.visible_rank <= min(max_rank, PRIVATE_RANK - 1)
        if reader is not None:
            clause = sa.or_(clause, entries.c.sender == reader)
        return clause

    def list_entries(
        self,
        feed: str,
        *,
        reader: str | None,
        max_rank: int,
        limit: int = 100,
        after: tuple[datetime, int] | None = None,
        since: datetime | None = None,
    ) -> list[Entry]:
        """Entries of *feed* that *reader* may see (whole or redacted), newest first.

        *after* is the keyset ``(received, seq)`` of the last entry of the previous page; the
        page holds the entries strictly older. ``since`` keeps only entries received at or after
        that instant. ``private``/``red`` parts are visible to their sender only, whatever
        *max_rank* says. An entry served redacted says how many parts were withheld.
        """
        query = sa.select(*_META_COLUMNS).where(entries.c.feed == feed, self._visible(reader, max_rank))
        if after is not None:
            received, seq = after
            query = query.where(
                sa.or_(
                    entries.c.received < received,
                    sa.and_(entries.c.received == received, entries.c.seq < seq),
                )
            )
        if since is not None:
            query = query.where(entries.c.received >= since)
        query = query.order_by(entries.c.received.desc(), entries.c.seq.desc()).limit(limit)
        try:
            with self.engine.connect() as conn:
                rows = [Entry._from_row(r) for r in conn.execute(query)]
                return self._for_reader(conn, rows, reader, max_rank)
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailableError(f"storage unavailable: {exc.orig}") from None

    @staticmethod
    def _redacted_for(entry: Entry, reader: str | None, max_rank: int) -> int | None:
        """The view rank *reader* gets of *entry*, or None when it gets the document whole."""
        if entry.sender == reader or entry.restriction_rank <= max_rank:
            return None
        return min(max_rank, PRIVATE_RANK - 1)

    def _for_reader(self, conn: Any, rows: list[Entry], reader: str | None, max_rank: int) -> list[Entry]:
        wanted = [e.seq for e in rows if self._redacted_for(e, reader, max_rank) is not None]
        if not wanted:
            return rows
        rank = min(max_rank, PRIVATE_RANK - 1)
        query = sa.select(views.c.seq, views.c.withheld, views.c.restriction).where(
            views.c.seq.in_(wanted), views.c.rank == rank
        )
        found = {int(r.seq): (int(r.withheld), r.restriction) for r in conn.execute(query)}
        out = []
        for e in rows:
            if e.seq in found:
                out.append(e.for_reader(*found[e.seq]))
            elif e.seq not in wanted:
                out.append(e)
        return out

    def bodies_for_reader(
        self, conn: Any, rows: list[Any], reader: str | None, max_rank: int
    ) -> list[tuple[Entry, bytes, int | None]]:
        """For rows of entries with their ``body``: what *reader* may have of each, in order.

        Each item is ``(entry, bytes, view rank)``: the stored bytes (view rank None) when the
        reader is cleared for the whole document, else the redacted view computed on arrival;
        an entry with no view for that clearance is left out. Every face that serves bodies (ROLIE,
        TAXII) goes through here or :meth:`get`, so none can serve more than the reader's clearance.
        """
        found = [(Entry._from_row(row), bytes(row.body)) for row in rows]
        wanted = {e.seq for e, _ in found if self._redacted_for(e, reader, max_rank) is not None}
        rank = min(max_rank, PRIVATE_RANK - 1)
        views_of: dict[int, Any] = {}
        if wanted:
            query = sa.select(views.c.seq, views.c.withheld, views.c.restriction, views.c.body).where(
                views.c.seq.in_(sorted(wanted)), views.c.rank == rank
            )
            views_of = {int(r.seq): r for r in conn.execute(query)}
        out: list[tuple[Entry, bytes, int | None]] = []
        for entry, body in found:
            if entry.seq not in wanted:
                out.append((entry, body, None))
            elif entry.seq in views_of:
                view = views_of[entry.seq]
                out.append((entry.for_reader(int(view.withheld), view.restriction), bytes(view.body), rank))
        return out

    def get(
        self, feed: str, entry_id: str, *, reader: str | None, max_rank: int
    ) -> tuple[Entry, bytes] | None:
        """One entry and the bytes *reader* may have (redacted below its strictest part), or None
        when it does not exist or *reader* may see nothing of it."""
        query = sa.select(*_META_COLUMNS, entries.c.body).where(
            entries.c.feed == feed, entries.c.entry_id == entry_id, self._visible(reader, max_rank)
        )
        try:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
                if row is None:
                    return None
                entry = Entry._from_row(row)
                rank = self._redacted_for(entry, reader, max_rank)
                if rank is None:
                    return entry, bytes(row.body)
                view = conn.execute(
                    sa.select(views.c.withheld, views.c.restriction, views.c.body).where(
                        views.c.seq == entry.seq, views.c.rank == rank
                    )
                ).first()
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailableError(f"storage unavailable: {exc.orig}") from None
        if view is None:
            return None
        return entry.for_reader(int(view.withheld), view.restriction), bytes(view.body)

    def received(
        self, feed: str, entry_id: str, *, reader: str | None, max_rank: int
    ) -> tuple[str, bytes] | None:
        """``(media type, bytes)`` of an entry as its sender sent them, or None.

        None when the entry was stored as received (an IODEF v2 XML document), does not exist, or
        *reader* is not cleared for the whole document: the bytes as received are never redacted,
        so only a reader who may have everything gets them.
        """
        query = (
            sa.select(*_META_COLUMNS, received_table.c.media_type, received_table.c.body)
            .join(received_table, received_table.c.seq == entries.c.seq)
            .where(entries.c.feed == feed, entries.c.entry_id == entry_id, self._visible(reader, max_rank))
        )
        try:
            with self.engine.connect() as conn:
                row = conn.execute(query).first()
        except (OperationalError, DBAPIError) as exc:
            raise StorageUnavailableError(f"storage unavailable: {exc.orig}") from None
        if row is None or self._redacted_for(Entry._from_row(row), reader, max_rank) is not None:
            return None
        return str(row.media_type), bytes(row.body)

    def count(self, feed: str | None = None) -> int:
        query = sa.select(sa.func.count()).select_from(entries)
        if feed is not None:
            query = query.where(entries.c.feed == feed)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def iter_versions(self, feed: str, sender: str, name: str, incident_id: str) -> Iterator[Entry]:
        query = (
            sa.select(*_META_COLUMNS)
            .where(
                entries.c.feed == feed,
                entries.c.sender == sender,
                entries.c.incident_name == name,
                entries.c.incident_id == incident_id,
            )
            .order_by(entries.c.version)
        )
        with self.engine.connect() as conn:
            rows = list(conn.execute(query))
        for row in rows:
            yield Entry._from_row(row)
