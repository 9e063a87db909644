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

import hashlib
import queue
import threading
import uuid
from collections import namedtuple
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from ._policy import PRIVATE_RANK, RESTRICTION_RANK, restriction_rank

__all__ = [
    "RESTRICTION_RANK",
    "Entry",
    "NewDocument",
    "StorageUnavailableError",
    "Store",
    "restriction_rank",
]

metadata = sa.MetaData()

entries = sa.Table(
    "iodef_entries",
    metadata,
    sa.Column(
        "seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True, autoincrement=True
    ),
    sa.Column("entry_id", sa.String(36), nullable=False, unique=True),
    sa.Column("feed", sa.String(100), nullable=False),
    sa.Column("sender", sa.String(200), nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("incident_name", sa.String(500), nullable=True),
    sa.Column("incident_id", sa.String(500), nullable=True),
    sa.Column("purpose", sa.String(100), nullable=True),
    sa.Column("restriction", sa.String(100), nullable=True),
    sa.Column("restriction_rank", sa.SmallInteger(), nullable=False),
    sa.Column("visible_rank", sa.SmallInteger(), nullable=False, server_default="0"),
    sa.Column("generation_time", sa.String(64), nullable=True),
    sa.Column("report_time", sa.String(64), nullable=True),
    sa.Column("received", sa.DateTime(timezone=True), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("previous_entry_id", sa.String(36), nullable=True),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
    sa.UniqueConstraint("feed", "sender", "digest", name="uq_iodef_entries_repeat"),
    sa.UniqueConstraint(
        "feed", "sender", "incident_name", "incident_id", "version", name="uq_iodef_entries_version"
    ),
    sa.Index("ix_iodef_entries_feed_seq", "feed", "seq"),
    sa.Index("ix_iodef_entries_feed_received", "feed", "received", "seq"),
)

views = sa.Table(
    "iodef_views",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("rank", sa.SmallInteger(), primary_key=True),
    sa.Column("withheld", sa.Integer(), nullable=False),
    sa.Column("restriction", sa.String(100), nullable=True),
    sa.Column("body", sa.LargeBinary(), nullable=False),
)

#: The bytes a peer sent when the stored document is not them (RFC 8727 JSON or CBOR, an IODEF v1
#: document stored upgraded): kept as received, served only to readers cleared for the whole document.
received_table = sa.Table(
    "iodef_received",
    metadata,
    sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
    sa.Column("media_type", sa.String(100), nullable=False),
    sa.Column("body", sa.LargeBinary(), nullable=False),
)

_META_COLUMNS: Final = [c for c in entries.c if c.name != "body"]

# The write path's statements, as the drivers take them (qmark; %s for psycopg by _q).
_META_NAMES: Final = [c.name for c in _META_COLUMNS]
_RawRow = namedtuple("_RawRow", _META_NAMES)  # type: ignore[misc]
_RAW_REPEAT: Final = (
    f"SELECT {', '.join(_META_NAMES)} FROM iodef_entries WHERE feed = ? AND sender = ? AND digest = ?"
)
_RAW_LAST_VERSION: Final = (
    "SELECT entry_id, version FROM iodef_entries WHERE feed = ? AND sender = ? AND incident_name = ?"
    " AND incident_id = ? ORDER BY version DESC LIMIT 1"
)
_RAW_INSERT_NAMES: Final = [n for n in _META_NAMES if n != "seq"]
_RAW_INSERT: Final = (
    f"INSERT INTO iodef_entries ({', '.join(_RAW_INSERT_NAMES)}, body)"
    f" VALUES ({', '.join('?' for _ in _RAW_INSERT_NAMES)}, ?) RETURNING seq"
)
_RAW_INSERT_VIEW: Final = (
    "INSERT INTO iodef_views (seq, rank, withheld, restriction, body) VALUES (?, ?, ?, ?, ?)"
)
_RAW_INSERT_RECEIVED: Final = "INSERT INTO iodef_received (seq, media_type, body) VALUES (?, ?, ?)"


class StorageUnavailableError(Exception):
    """The database cannot be reached or is busy; the request may be retried later."""


@dataclass(frozen=True, slots=True)
class NewDocument:
    """What the server hands the store for one accepted document."""

    feed: str
    sender: str
    digest: str
    body: bytes
    incident_name: str | None
    incident_id: str | None
    purpose: str | None
    restriction: str | None
    generation_time: str | None
    report_time: str | None
    #: The lowest reader rank that gets anything of it (its strictest rank when no view exists).
    visible_rank: int | None = None
    #: Redacted views by reader rank: (parts withheld, the view's restriction, its bytes).
    views: tuple[tuple[int, int, str | None, bytes], ...] = ()
    #: The digest earlier versions computed (called only when the incident is already stored).
    legacy_digest: Callable[[], str] | None = None
    #: ``(media type, bytes)`` as the peer sent them, when *body* is not those bytes (JSON, CBOR, v1).
    received: tuple[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    """One stored document's index (without its bytes)."""

    seq: int
    entry_id: str
    feed: str
    sender: str
    digest: str
    incident_name: str | None
    incident_id: str | None
    purpose: str | None
    restriction: str | None
    restriction_rank: int
    generation_time: str | None
    report_time: str | None
    received: datetime
    version: int
    previous_entry_id: str | None
    size: int
    visible_rank: int = 0
    #: Parts withheld from the reader this entry was read for (0: served whole).
    withheld: int = 0

    @classmethod
    def _from_row(cls, row: Any) -> Entry:
        received: datetime = row.received
        if received.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
            received = received.replace(tzinfo=UTC)
        return cls(
            seq=int(row.seq),
            entry_id=row.entry_id,
            feed=row.feed,
            sender=row.sender,
            digest=row.digest,
            incident_name=row.incident_name,
            incident_id=row.incident_id,
            purpose=row.purpose,
            restriction=row.restriction,
            restriction_rank=int(row.restriction_rank),
            generation_time=row.generation_time,
            report_time=row.report_time,
            received=received,
            version=int(row.version),
            previous_entry_id=row.previous_entry_id,
            size=int(row.size),
            visible_rank=int(row.visible_rank),
        )

    def for_reader(self, withheld: int, restriction: str | None) -> Entry:
        return replace(self, withheld=withheld, restriction=restriction)


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
        self._writer: _GroupWriter | None = None
        self._writer_lock = threading.Lock()
        self.is_sqlite = self.url.startswith("sqlite")
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

    def _upgrade(self) -> None:
        """Add what a store written by an older iodef lacks (whole-document sharing only)."""
        columns = {c["name"] for c in sa.inspect(self.engine).get_columns("iodef_entries")}
        if "visible_rank" in columns:
            return
        with self.engine.begin() as conn:
            conn.exec_driver_sql(
                "ALTER TABLE iodef_entries ADD COLUMN visible_rank SMALLINT NOT NULL DEFAULT 0"
            )
            conn.exec_driver_sql("UPDATE iodef_entries SET visible_rank = restriction_rank")

    def close(self) -> None:
        if self._writer is not None:
            self._writer.stop()
            self._writer = None
        self.engine.dispose()

    # -- writing ---------------------------------------------------------------------------------

    def add(self, doc: NewDocument) -> tuple[Entry, bool]:
        """Store *doc* and return ``(entry, created)``; ``created`` is False for a repeat.

        The row is committed when this returns.
        """
        for _attempt in range(5):
            try:
                return self._add_once(doc)
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
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = _GroupWriter(self)
        return self._writer.submit(doc)

    def _writing(self) -> Any:
        engine = self.engine.execution_options(sqlite_immediate=True) if self.is_sqlite else self.engine
        return engine.begin()

    def _add_once(self, doc: NewDocument) -> tuple[Entry, bool]:
        with self._writing() as conn:
            return self._add_in(conn, doc)

    def _add_in(self, conn: Any, doc: NewDocument) -> tuple[Entry, bool]:
        """Add *doc* inside the open transaction *conn* (committed by the caller).

        The write path talks to the driver directly, in the transaction SQLAlchemy opened:
        SQLAlchemy's per-statement overhead was four fifths of the time of a write.
        """
        raw = conn.connection.dbapi_connection
        dbapi = self.engine.dialect.loaded_dbapi
        statement = ""
        try:
            cur = raw.cursor()
            try:
                return self._add_raw(cur, doc)
            finally:
                cur.close()
        except dbapi.IntegrityError as exc:
            raise IntegrityError(statement, None, exc) from None
        except dbapi.Error as exc:
            raise OperationalError(statement, None, exc) from None

    def _q(self, sql: str) -> str:
        return sql if self.is_sqlite else sql.replace("?", "%s")

    def lock_all(self, conn: Any, docs: list[NewDocument]) -> None:
        """PostgreSQL: take the advisory locks of *docs* (sorted) in the transaction *conn*."""
        if self.is_sqlite:
            return
        cur = conn.connection.dbapi_connection.cursor()
        try:
            for lock in sorted({_lock_key(d) for d in docs}):
                cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock,))
        finally:
            cur.close()

    def _add_raw(self, cur: Any, doc: NewDocument) -> tuple[Entry, bool]:
        if not self.is_sqlite:
            # Writers of the same incident (or, without one, of the same document) queue up
            # behind one transaction-scoped lock: SQLite gets the same from BEGIN IMMEDIATE.
            # (Taken again when lock_all took it already: advisory locks stack.)
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (_lock_key(doc),))
        found = self._repeat(cur, doc.feed, doc.sender, doc.digest)
        if found is not None:
            return found, False
        version, previous = 1, None
        if doc.incident_name is not None and doc.incident_id is not None:
            cur.execute(
                self._q(_RAW_LAST_VERSION), (doc.feed, doc.sender, doc.incident_name, doc.incident_id)
            )
            last = cur.fetchone()
            if last is not None:
                if doc.legacy_digest is not None:
                    # A re-send of a document stored by an earlier version, under its older digest.
                    earlier = self._repeat(cur, doc.feed, doc.sender, doc.legacy_digest())
                    if earlier is not None:
                        return earlier, False
                version, previous = int(last[1]) + 1, str(last[0])
        entry = Entry(
            seq=0,
            entry_id=str(uuid.uuid4()),
            feed=doc.feed,
            sender=doc.sender,
            digest=doc.digest,
            incident_name=doc.incident_name,
            incident_id=doc.incident_id,
            purpose=doc.purpose,
            restriction=doc.restriction,
            restriction_rank=restriction_rank(doc.restriction),
            generation_time=doc.generation_time,
            report_time=doc.report_time,
            received=datetime.now(UTC),
            version=version,
            previous_entry_id=previous,
            size=len(doc.body),
            visible_rank=0,
        )
        visible = min(entry.restriction_rank, PRIVATE_RANK) if doc.visible_rank is None else doc.visible_rank
        received: Any = entry.received
        if self.is_sqlite:  # the text form SQLAlchemy's DateTime reads back
            received = received.strftime("%Y-%m-%d %H:%M:%S.%f")
        values = [getattr(entry, name) for name in _RAW_INSERT_NAMES]
        values[_RAW_INSERT_NAMES.index("received")] = received
        values[_RAW_INSERT_NAMES.index("visible_rank")] = visible
        cur.execute(self._q(_RAW_INSERT), (*values, doc.body))
        seq = int(cur.fetchone()[0])
        if doc.views:
            cur.executemany(
                self._q(_RAW_INSERT_VIEW),
                [(seq, r, w, restr, body) for r, w, restr, body in doc.views],
            )
        if doc.received is not None:
            cur.execute(self._q(_RAW_INSERT_RECEIVED), (seq, *doc.received))
        return replace(entry, seq=seq, visible_rank=visible), True

    def _repeat(self, cur: Any, feed: str, sender: str, digest: str) -> Entry | None:
        cur.execute(self._q(_RAW_REPEAT), (feed, sender, digest))
        row = cur.fetchone()
        if row is None:
            return None
        values = dict(zip(_META_NAMES, row, strict=True))
        if isinstance(values["received"], str):
            values["received"] = datetime.fromisoformat(values["received"])
        return Entry._from_row(_RawRow(**values))

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


def _lock_key(doc: NewDocument) -> int:
    key = f"{doc.feed}\0{doc.sender}\0{doc.incident_name}\0{doc.incident_id}"
    if doc.incident_id is None:
        key += "\0" + doc.digest
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


_Job = tuple[NewDocument, "Future[tuple[Entry, bool]]"]


class _GroupWriter:
    """One thread that writes whatever documents are waiting in one transaction."""

    MAX_BATCH: Final = 256

    def __init__(self, store: Store) -> None:
        self._store = store
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="iodef-sqlite-writer", daemon=True)
        self._thread.start()

    def submit(self, doc: NewDocument) -> Future[tuple[Entry, bool]]:
        future: Future[tuple[Entry, bool]] = Future()
        self._queue.put((doc, future))
        return future

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            stop = False
            while len(batch) < self.MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    stop = True
                    break
                batch.append(more)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[_Job]) -> None:
        jobs = [(doc, fut) for doc, fut in batch if fut.set_running_or_notify_cancel()]
        try:
            with self._store._writing() as conn:
                if len(jobs) > 1:
                    self._store.lock_all(conn, [doc for doc, _ in jobs])
                results = [self._store._add_in(conn, doc) for doc, _ in jobs]
        except IntegrityError:
            # Another process wrote one of these meanwhile: settle each on its own.
            for doc, fut in jobs:
                try:
                    fut.set_result(self._store.add(doc))
                except StorageUnavailableError as exc:
                    fut.set_exception(exc)
            return
        except (OperationalError, DBAPIError) as exc:
            error = StorageUnavailableError(f"storage unavailable: {exc.orig}")
            for _, fut in jobs:
                fut.set_exception(error)
            return
        except BaseException as exc:  # never leave a request waiting
            for _, fut in jobs:
                fut.set_exception(exc)
            return
        # Committed: only now may anyone hear about it.
        for (_, fut), result in zip(jobs, results, strict=True):
            fut.set_result(result)
