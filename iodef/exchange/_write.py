"""The store's write path: one document's rows (:func:`add_raw`) and the group-commit writer.

Everything here talks to the database driver (sqlite3, psycopg) directly: SQLAlchemy's per-statement
and per-transaction machinery (events, pool checkout, result proxies) cost more than the
statements themselves. The writer thread keeps one connection of its own for its lifetime and
writes whatever documents are waiting in one transaction; each request hears about its document
only after that transaction's commit (``--sqlite-sync full``: after the sync to disk), so group
commit weakens no durability promise: it only shares one commit among documents that arrived
together.
"""

from __future__ import annotations

import contextlib
import hashlib
import queue
import threading
import uuid
from collections import namedtuple
from collections.abc import Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy.exc import DBAPIError

from ._policy import PRIVATE_RANK, restriction_rank
from ._schema import META_COLUMNS, Entry, NewDocument, StorageUnavailableError, entries, views

if TYPE_CHECKING:
    from .store import Store

__all__ = [
    "LOCK_MANY",
    "GroupWriter",
    "Outcome",
    "add_raw",
    "lock_key",
    "pg_add_new_many",
    "pg_add_new_statement",
    "transaction",
]

_META_NAMES: Final = [c.name for c in META_COLUMNS]
_RawRow = namedtuple("_RawRow", _META_NAMES)  # type: ignore[misc]
_INSERT_NAMES: Final = [n for n in _META_NAMES if n != "seq"]
# add_raw lists the values in this order
assert _INSERT_NAMES == [
    "entry_id",
    "feed",
    "sender",
    "digest",
    "incident_name",
    "incident_id",
    "purpose",
    "restriction",
    "restriction_rank",
    "visible_rank",
    "generation_time",
    "report_time",
    "received",
    "version",
    "previous_entry_id",
    "size",
], _INSERT_NAMES


class _Statements:
    """The write path's statements in one driver's parameter style."""

    def __init__(self, mark: str) -> None:
        def q(sql: str) -> str:
            return sql.replace("?", mark)

        self.repeat = q(
            f"SELECT {', '.join(_META_NAMES)} FROM iodef_entries WHERE feed = ? AND sender = ? AND digest = ?"
        )
        self.last_version = q(
            "SELECT entry_id, version FROM iodef_entries WHERE feed = ? AND sender = ?"
            " AND incident_name = ? AND incident_id = ? ORDER BY version DESC LIMIT 1"
        )
        self.insert = q(
            f"INSERT INTO iodef_entries ({', '.join(_INSERT_NAMES)}, body)"
            f" VALUES ({', '.join('?' for _ in _INSERT_NAMES)}, ?) RETURNING seq"
        )
        self.insert_view = q(
            "INSERT INTO iodef_views (seq, rank, withheld, restriction, body) VALUES (?, ?, ?, ?, ?)"
        )
        self.insert_received = q("INSERT INTO iodef_received (seq, media_type, body) VALUES (?, ?, ?)")


_SQLITE: Final = _Statements("?")
#: SQLite: the row of a new incident, only if it is neither a repeat nor a next version: the common
#: case in one statement instead of the two looks and the insert (as PostgreSQL's _pg_add_new_sql).
_SQLITE_ADD_NEW: Final = (
    f"INSERT INTO iodef_entries ({', '.join(_INSERT_NAMES)}, body)"
    f" SELECT {', '.join('?' for _ in _INSERT_NAMES)}, ?"
    " WHERE NOT EXISTS (SELECT 1 FROM iodef_entries WHERE feed = ? AND sender = ? AND digest = ?)"
    " AND NOT EXISTS (SELECT 1 FROM iodef_entries WHERE feed = ? AND sender = ?"
    " AND incident_name = ? AND incident_id = ?) RETURNING seq"
)
_POSTGRES: Final = _Statements("%s")
#: PostgreSQL: a batch's advisory locks in one round trip, in the order of the (sorted) array.
LOCK_MANY: Final = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS k"


def lock_key(doc: NewDocument) -> int:
    """The advisory lock of *doc*'s incident (or, without one, of the document itself)."""
    key = f"{doc.feed}\0{doc.sender}\0{doc.incident_name}\0{doc.incident_id}"
    if doc.incident_id is None:
        key += "\0" + doc.digest
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


def lock_all(cur: Any, docs: list[NewDocument]) -> None:
    """PostgreSQL: take the advisory locks of *docs*, sorted, so that batches cannot deadlock."""
    cur.execute(LOCK_MANY, (sorted({lock_key(d) for d in docs}),))


def _repeat(cur: Any, sql: _Statements, feed: str, sender: str, digest: str) -> Entry | None:
    cur.execute(sql.repeat, (feed, sender, digest))
    return _stored(cur.fetchone())


def _stored(row: Any) -> Entry | None:
    if row is None:
        return None
    values = dict(zip(_META_NAMES, row, strict=True))
    if isinstance(values["received"], str):
        values["received"] = datetime.fromisoformat(values["received"])
    return Entry._from_row(_RawRow(**values))


def add_raw(
    cur: Any, doc: NewDocument, *, sqlite: bool, locked: bool = False, again: bool = False
) -> tuple[Entry, bool]:
    """Add *doc* with the driver cursor *cur*, inside a transaction the caller commits.

    PostgreSQL: writers of the same incident queue behind one transaction-scoped advisory lock
    (taken here unless *locked*); SQLite gets the same from ``BEGIN IMMEDIATE``. *again*: this is
    another attempt after a conflict.
    """
    if not sqlite:
        if again and not locked:
            # After a conflict: wait for the lock first, so that the look sees what its holder wrote
            # (taken in the look itself, a busy incident could conflict on every attempt).
            cur.execute("SELECT pg_advisory_xact_lock(%s)", (lock_key(doc),))
            locked = True
        if not again and doc.received is None:
            added = _pg_add_new(cur, doc)
            if added is not None:
                return added
            locked = True  # the statement took the incident's lock
        return _pg_add(cur, doc, locked=locked)
    sql = _SQLITE
    row, values, now = _sqlite_add_new(cur, doc)
    if row is not None:
        return _added(cur, sql, doc, int(row[0]), values, now)
    # A repeat or a next version (BEGIN IMMEDIATE keeps the table as that statement saw it).
    found = _repeat(cur, sql, doc.feed, doc.sender, doc.digest)
    if found is not None:
        return found, False
    version, previous = 1, None
    if doc.incident_name is not None and doc.incident_id is not None:
        cur.execute(sql.last_version, (doc.feed, doc.sender, doc.incident_name, doc.incident_id))
        last = cur.fetchone()
        if last is not None:
            if doc.legacy_digest is not None:
                # A re-send of a document stored by an earlier version, under its older digest.
                earlier = _repeat(cur, sql, doc.feed, doc.sender, doc.legacy_digest())
                if earlier is not None:
                    return earlier, False
            version, previous = int(last[1]) + 1, str(last[0])
    return _insert(cur, sql, doc, version, previous, sqlite=True)


def _sqlite_add_new(cur: Any, doc: NewDocument) -> tuple[Any, list[Any], datetime]:
    """SQLite: :data:`_SQLITE_ADD_NEW` for *doc*; its row (None: not added), values and time of arrival.

    Every row it returns has been fetched: in autocommit mode the statement commits when it is
    stepped to its end, and a failed commit is raised here.
    """
    values, now = _new_row(doc, 1, None, sqlite=True)
    cur.execute(
        _SQLITE_ADD_NEW,
        (*values, doc.feed, doc.sender, doc.digest, doc.feed, doc.sender, doc.incident_name, doc.incident_id),
    )
    rows = cur.fetchall()
    return (rows[0] if rows else None), values, now


def _sqlite_add_alone(cur: Any, doc: NewDocument) -> tuple[Entry, bool] | None:
    """SQLite, a transaction of one document: a new incident without views or bytes as received added by
    its one statement alone, in autocommit mode (committed, and with ``full`` synced, before this returns).

    Without ``BEGIN IMMEDIATE`` and ``COMMIT``, :func:`transaction` of such a document takes 243,000
    instructions instead of 268,000 (callgrind, 1,000 documents; the server, one in flight: 1.70 ->
    1.67 million a document), and the same system calls. The statement takes the write lock as it
    starts, waiting for it as ``BEGIN IMMEDIATE`` does, and checks and inserts under it.
    None: it is not that (a repeat, a next version, rows beside it), and nothing was written.
    """
    if doc.views or doc.received is not None:
        return None
    row, values, now = _sqlite_add_new(cur, doc)
    return None if row is None else (_entry(int(row[0]), values, now), True)


def _insert(
    cur: Any, sql: _Statements, doc: NewDocument, version: int, previous: str | None, *, sqlite: bool
) -> tuple[Entry, bool]:
    values, now = _new_row(doc, version, previous, sqlite=sqlite)
    cur.execute(sql.insert, values)
    return _added(cur, sql, doc, int(cur.fetchone()[0]), values, now)


def _added(
    cur: Any, sql: _Statements, doc: NewDocument, seq: int, values: list[Any], now: datetime
) -> tuple[Entry, bool]:
    """*doc*'s entry, its row (*values*) inserted as *seq*, after adding its views and bytes as received."""
    if doc.views:
        cur.executemany(sql.insert_view, [(seq, r, w, restr, body) for r, w, restr, body in doc.views])
    if doc.received is not None:
        cur.execute(sql.insert_received, (seq, *doc.received))
    return _entry(seq, values, now), True


def _new_row(
    doc: NewDocument, version: int, previous: str | None, *, sqlite: bool
) -> tuple[list[Any], datetime]:
    """The values of the INSERT of *doc*, and its time of arrival (see :func:`_entry`)."""
    rank = restriction_rank(doc.restriction)
    visible = min(rank, PRIVATE_RANK) if doc.visible_rank is None else doc.visible_rank
    now = datetime.now(UTC)
    # In _INSERT_NAMES order (the columns of the table but seq and body).
    values: list[Any] = [
        str(uuid.uuid4()),
        doc.feed,
        doc.sender,
        doc.digest,
        doc.incident_name,
        doc.incident_id,
        doc.purpose,
        doc.restriction,
        rank,
        visible,
        doc.generation_time,
        doc.report_time,
        # SQLite: the text form SQLAlchemy's DateTime reads back
        now.replace(tzinfo=None).isoformat(" ", "microseconds") if sqlite else now,
        version,
        previous,
        len(doc.body),
        doc.body,
    ]
    return values, now


def _entry(seq: int, values: list[Any], received: datetime) -> Entry:
    """The entry of the row *values* (from :func:`_new_row`) that the database numbered *seq*.

    Built once the number is known, instead of made with seq 0 and numbered afterwards with
    ``dataclasses.replace`` (two constructions of a frozen dataclass and a walk over its fields).
    """
    v = values
    # Entry's fields: seq, then _INSERT_NAMES but visible_rank (last) and body, received as a datetime.
    return Entry(
        seq,
        v[0],
        v[1],
        v[2],
        v[3],
        v[4],
        v[5],
        v[6],
        v[7],
        v[8],
        v[10],
        v[11],
        received,
        v[13],
        v[14],
        v[15],
        v[9],
    )


def _pg_look(locked: bool) -> str:
    """PostgreSQL: the repeat and the incident's last version in one statement, after the lock.

    The advisory lock is taken by the same statement (a round trip less). Its snapshot may then
    predate the commit of a writer it waited for; what that writer stored is then found by the
    unique keys instead (an IntegrityError, and :meth:`GroupWriter._settle` looks again).
    """
    first = "(SELECT 1) AS l" if locked else "(SELECT pg_advisory_xact_lock(%s)) AS l"
    return (
        f"SELECT e.seq, lv.entry_id, lv.version FROM {first}"
        " LEFT JOIN iodef_entries e ON e.feed = %s AND e.sender = %s AND e.digest = %s"
        " LEFT JOIN LATERAL (SELECT entry_id, version FROM iodef_entries WHERE feed = %s"
        " AND sender = %s AND incident_name = %s AND incident_id = %s ORDER BY version DESC LIMIT 1)"
        " AS lv ON true"
    )


_PG_LOOK: Final = _pg_look(False)
_PG_LOOK_LOCKED: Final = _pg_look(True)


def _pg_not_stored(feed: str, sender: str, digest: str, name: str, incident_id: str) -> str:
    """PostgreSQL: the condition that a document is neither stored (a repeat) nor of a stored incident."""
    return (
        f"NOT EXISTS (SELECT 1 FROM iodef_entries WHERE feed = {feed} AND sender = {sender}"
        f" AND digest = {digest}) AND NOT EXISTS (SELECT 1 FROM iodef_entries WHERE feed = {feed}"
        f" AND sender = {sender} AND incident_name = {name} AND incident_id = {incident_id})"
    )


def _pg_add_new_sql() -> str:
    """PostgreSQL: add a document, and its views, only if it is neither a repeat nor a next version.

    The common case (a new incident) in one statement, its advisory lock included, instead of a
    look, an insert and the views' insert, each a round trip. Its snapshot may predate the commit
    of a writer whose lock it waited for, as with :func:`_pg_look`: the unique keys then refuse the
    row (an IntegrityError, and :meth:`GroupWriter._settle` looks again under the lock).
    """
    return (
        f"WITH ins AS (INSERT INTO iodef_entries ({', '.join(_INSERT_NAMES)}, body)"
        f" SELECT {', '.join('%s' for _ in _INSERT_NAMES)}, %s FROM (SELECT pg_advisory_xact_lock(%s)) AS l"
        f" WHERE {_pg_not_stored(*['%s'] * 5)} RETURNING seq),"
        " v AS (INSERT INTO iodef_views (seq, rank, withheld, restriction, body)"
        " SELECT ins.seq, x.rank, x.withheld, x.restriction, x.body FROM ins,"
        " unnest(%s::smallint[], %s::integer[], %s::varchar[], %s::bytea[])"
        " AS x(rank, withheld, restriction, body))"
        " SELECT seq FROM ins"
    )


_PG_ADD_NEW: Final = _pg_add_new_sql()


_REPEAT_KEYS: Final = ("feed", "sender", "digest", "incident_name", "incident_id")


def _pg_values(columns: list[tuple[Any, str]], rows: int, first: int) -> str:
    """PostgreSQL: ``VALUES`` of *rows* rows of placeholders ``$first``, ... for *columns* (table,
    name), the first row cast to the columns' types (which the others then take, even all NULL)."""
    from sqlalchemy.dialects import postgresql  # here: SQLite stores need not import it

    dialect = postgresql.dialect()  # type: ignore[no-untyped-call]
    types = [t.c[n].type.compile(dialect=dialect) for t, n in columns]
    out = []
    for row in range(rows):
        at = first + row * len(columns)
        out.append(", ".join(f"${at + i}" + (f"::{t}" if row == 0 else "") for i, t in enumerate(types)))
    return "VALUES " + ", ".join(f"({row})" for row in out)


_NEW_COLUMNS: Final = [*_INSERT_NAMES, "body"]
_VIEW_COLUMNS: Final = ["rank", "withheld", "restriction", "body"]


@lru_cache(maxsize=64)
def _pg_add_new_many_sql(rows: int, view_rows: int) -> str:
    """PostgreSQL: the adds of *rows* new incidents, and *view_rows* views of them, in one statement
    (the caller holds their locks). A document whose row it does not return was not added.

    Rows of parameters rather than one array per column: psycopg dumps an array element by
    element in Python, some twenty times the CPU of the same values as parameters. Numbered
    (``$1``) for psycopg's ``RawCursor``: a statement of more than 50 ``%s`` is split by a regular
    expression at each execution (psycopg caches only smaller ones).
    """
    names = ", ".join(_NEW_COLUMNS)
    sql = (
        f"WITH x ({names}) AS ({_pg_values([(entries, n) for n in _NEW_COLUMNS], rows, 1)}),"
        f" ins AS (INSERT INTO iodef_entries ({names}) SELECT * FROM x"
        f" WHERE {_pg_not_stored(*(f'x.{n}' for n in _REPEAT_KEYS))} RETURNING entry_id, seq)"
    )
    if view_rows:
        y = [(entries, "entry_id"), *((views, n) for n in _VIEW_COLUMNS)]
        sql += (
            f", y (entry_id, {', '.join(_VIEW_COLUMNS)}) AS"
            f" ({_pg_values(y, view_rows, 1 + rows * len(_NEW_COLUMNS))}),"
            f" v AS (INSERT INTO iodef_views (seq, {', '.join(_VIEW_COLUMNS)})"
            f" SELECT ins.seq, {', '.join(f'y.{n}' for n in _VIEW_COLUMNS)} FROM ins"
            " JOIN y ON y.entry_id = ins.entry_id)"
        )
    return sql + " SELECT entry_id, seq FROM ins"


def pg_add_new_statement(doc: NewDocument) -> tuple[str, tuple[Any, ...], Callable[[int], Entry]]:
    """PostgreSQL: the statement that adds *doc* if it is a new incident, its parameters, and its entry.

    The statement takes the incident's advisory lock and returns the new row's ``seq`` (the entry
    is made of it by the callable), or no row when *doc* is a repeat or a next version (to be
    looked up: :func:`add_raw`).
    """
    values, now = _new_row(doc, 1, None, sqlite=False)
    views = doc.views
    params = (
        *values,
        lock_key(doc),
        doc.feed,
        doc.sender,
        doc.digest,
        doc.feed,
        doc.sender,
        doc.incident_name,
        doc.incident_id,
        [v[0] for v in views],
        [v[1] for v in views],
        [v[2] for v in views],
        [v[3] for v in views],
    )
    return _PG_ADD_NEW, params, partial(_entry, values=values, received=now)


#: What a batch's statement came to, per document: its entry, or None (not added: look it up).
_Added = list[tuple[Entry, bool] | None]


def pg_add_new_many(
    docs: list[NewDocument],
) -> tuple[str, tuple[Any, ...], Callable[[list[Any]], _Added]] | None:
    """PostgreSQL: one statement that adds those of *docs* that are new incidents, under locks the
    caller took (:data:`LOCK_MANY`); its parameters; and what makes the outcomes of its rows.
    The statement's parameters are numbered: it is for a ``psycopg.RawCursor``.

    One statement instead of one per document: each statement costs the driver a cursor, a send
    and a result to parse, more than the database's work for a row. A document kept as received
    (its bytes go to a table of their own) and one whose repeat or incident an earlier document
    of the batch carries (the statement cannot see rows it inserts itself) are left out, for the
    caller to look up after the others: None when none is left.
    """
    made: list[tuple[list[Any], datetime] | None] = []  # per document: its row and time, if in
    seen: set[tuple[str | None, ...]] = set()
    view_rows: list[tuple[Any, ...]] = []
    for doc in docs:
        keys: list[tuple[str | None, ...]] = [(doc.feed, doc.sender, doc.digest)]
        if doc.incident_name is not None and doc.incident_id is not None:
            keys.append((doc.feed, doc.sender, doc.incident_name, doc.incident_id))
        if doc.received is not None or not seen.isdisjoint(keys):
            made.append(None)
            continue
        seen.update(keys)
        values, now = _new_row(doc, 1, None, sqlite=False)
        made.append((values, now))
        view_rows.extend((values[0], *view) for view in doc.views)  # by entry_id
    rows = [m[0] for m in made if m is not None]
    if not rows:
        return None
    params = (*(v for row in rows for v in row), *(v for row in view_rows for v in row))

    def outcomes(found: list[Any]) -> _Added:
        seqs = dict(found)  # entry_id -> seq
        return [
            None if m is None or (seq := seqs.get(m[0][0])) is None else (_entry(int(seq), *m), True)
            for m in made
        ]

    return _pg_add_new_many_sql(len(rows), len(view_rows)), params, outcomes


def _pg_add_new(cur: Any, doc: NewDocument) -> tuple[Entry, bool] | None:
    """PostgreSQL: *doc* added in one statement if it is a new incident (or None: look it up)."""
    sql, params, entry = pg_add_new_statement(doc)
    cur.execute(sql, params)
    row = cur.fetchone()
    if row is None:
        return None
    return entry(int(row[0])), True


def _pg_add(cur: Any, doc: NewDocument, *, locked: bool) -> tuple[Entry, bool]:
    """PostgreSQL: *doc* in three statements (look, insert, commit by the caller), plus its views."""
    params: tuple[Any, ...] = (doc.feed, doc.sender, doc.digest)
    params += (doc.feed, doc.sender, doc.incident_name, doc.incident_id)
    cur.execute(_PG_LOOK_LOCKED if locked else _PG_LOOK, params if locked else (lock_key(doc), *params))
    row = cur.fetchone()  # few columns: psycopg's cost grows with each column of a result
    if row[0] is not None:
        found = _repeat(cur, _POSTGRES, doc.feed, doc.sender, doc.digest)
        if found is not None:
            return found, False
    version, previous = 1, None
    if row[-1] is not None:
        if doc.legacy_digest is not None:
            # A re-send of a document stored by an earlier version, under its older digest.
            earlier = _repeat(cur, _POSTGRES, doc.feed, doc.sender, doc.legacy_digest())
            if earlier is not None:
                return earlier, False
        version, previous = int(row[-1]) + 1, str(row[-2])
    return _insert(cur, _POSTGRES, doc, version, previous, sqlite=False)


def _pg_pipelined(conn: Any, cur: Any, docs: list[NewDocument]) -> list[tuple[Entry, bool]]:
    """PostgreSQL, several documents in the open transaction: the locks and the one statement that
    adds the new incidents (:func:`pg_add_new_many`) sent together (psycopg's pipeline mode), one
    round trip.

    What that statement did not add (a repeat, a next version, a document kept as received) is
    then looked up under the locks, as :func:`add_raw` does, in the same transaction.
    """
    import psycopg

    statement = pg_add_new_many(docs)
    with conn.pipeline() as pipeline, psycopg.RawCursor(conn) as raw:
        lock_all(cur, docs)
        if statement is not None:
            raw.execute(statement[0], statement[1])
        pipeline.sync()
        added = [None] * len(docs) if statement is None else statement[2](raw.fetchall())
    return [_pg_add(cur, doc, locked=True) if a is None else a for doc, a in zip(docs, added, strict=True)]


def transaction(
    conn: Any, docs: list[NewDocument], *, sqlite: bool, again: bool = False
) -> list[tuple[Entry, bool]]:
    """Write *docs* with the driver connection *conn* in one transaction and commit.

    SQLite, one new document with nothing beside its row: its one statement in autocommit mode
    (:func:`_sqlite_add_alone`). On an error the transaction is rolled back and the driver's error
    raised; when even the rollback failed, the error carries ``_iodef_broken`` (the connection is to
    be discarded).
    """
    cur = conn.cursor()
    try:
        if sqlite:
            if len(docs) == 1 and not again and (alone := _sqlite_add_alone(cur, docs[0])) is not None:
                return [alone]
            cur.execute("BEGIN IMMEDIATE")
        elif len(docs) > 1:
            if not again:
                results = _pg_pipelined(conn, cur, docs)
                conn.commit()
                return results
            lock_all(cur, docs)
        results = [add_raw(cur, d, sqlite=sqlite, locked=len(docs) > 1, again=again) for d in docs]
        if sqlite:
            cur.execute("COMMIT")
        else:
            conn.commit()
        return results
    except Exception as exc:
        try:
            if not sqlite:
                conn.rollback()
            elif conn.in_transaction:
                cur.execute("ROLLBACK")
        except Exception:
            exc._iodef_broken = True  # type: ignore[attr-defined]
        raise
    finally:
        with contextlib.suppress(Exception):
            cur.close()


#: What one document's write came to: its entry and whether it was new, or why it was not stored.
Outcome = tuple[Entry, bool] | BaseException
#: Documents handed over together, and what to call (in the writer thread) with their outcomes.
_Batch = tuple[list[NewDocument], Callable[[list[Outcome]], None]]


class GroupWriter:
    """One thread, with one connection of its own, that writes whatever is waiting in one transaction."""

    MAX_BATCH: Final = 256
    ATTEMPTS: Final = 5

    def __init__(self, store: Store) -> None:
        self._store = store
        self._sqlite = store.is_sqlite
        self._dbapi = store.engine.dialect.loaded_dbapi
        self._raw: Any = None  # the pool's connection, held by this thread for its lifetime
        self._queue: queue.SimpleQueue[_Batch | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="iodef-store-writer", daemon=True)
        self._thread.start()

    def submit(self, doc: NewDocument) -> Future[tuple[Entry, bool]]:
        future: Future[tuple[Entry, bool]] = Future()
        future.set_running_or_notify_cancel()

        def deliver(outcomes: list[Outcome]) -> None:
            if isinstance(outcomes[0], BaseException):
                future.set_exception(outcomes[0])
            else:
                future.set_result(outcomes[0])

        self._queue.put(([doc], deliver))
        return future

    def submit_many(self, docs: list[NewDocument], deliver: Callable[[list[Outcome]], None]) -> None:
        """Write *docs* (with whatever else is waiting); call *deliver* in this thread after the commit.

        *deliver* gets one outcome per document, in order: ``(entry, created)`` or the exception
        that kept it from being stored. It is called exactly once, only after the transaction that
        stored the documents has been committed.
        """
        self._queue.put((docs, deliver))

    def stop(self) -> None:
        self._queue.put(None)
        self._thread.join(timeout=30)

    def _run(self) -> None:
        try:
            while True:
                item = self._queue.get()
                if item is None:
                    return
                batch = [item]
                size = len(item[0])
                stop = False
                while size < self.MAX_BATCH:
                    try:
                        more = self._queue.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stop = True
                        break
                    batch.append(more)
                    size += len(more[0])
                self._write(batch)
                if stop:
                    return
        finally:
            self._drop(invalidate=False)

    # -- the connection --------------------------------------------------------------------------

    def _connection(self) -> Any:
        if self._raw is None:
            self._raw = self._store.engine.raw_connection()
        return self._raw.driver_connection

    def _drop(self, *, invalidate: bool = True) -> None:
        """Give the connection back (or, after an error, have the pool discard it)."""
        if self._raw is not None:
            with contextlib.suppress(Exception):
                if invalidate:
                    self._raw.invalidate()
                else:
                    self._raw.close()
            self._raw = None

    def _transaction(self, docs: list[NewDocument], *, again: bool = False) -> list[tuple[Entry, bool]]:
        try:
            return transaction(self._connection(), docs, sqlite=self._sqlite, again=again)
        except self._dbapi.Error as exc:
            if getattr(exc, "_iodef_broken", False):
                self._drop()
            raise

    # -- a batch ---------------------------------------------------------------------------------

    def _write(self, batch: list[_Batch]) -> None:
        docs = [doc for item in batch for doc in item[0]]
        outcomes: list[Outcome]
        try:
            outcomes = list(self._transaction(docs))
        except self._dbapi.IntegrityError:
            # Another process wrote one of these meanwhile: settle each on its own.
            outcomes = []
            for doc in docs:
                try:
                    outcomes.append(self._settle(doc))
                except BaseException as exc:  # never leave a request waiting
                    outcomes.append(exc)
        except (self._dbapi.Error, DBAPIError) as exc:  # DBAPIError: connecting failed
            self._drop()
            error = StorageUnavailableError(f"storage unavailable: {getattr(exc, 'orig', None) or exc}")
            outcomes = [error] * len(docs)
        except BaseException as exc:  # never leave a request waiting
            outcomes = [exc] * len(docs)
        # Committed (or failed): only now may anyone hear about it.
        start = 0
        for item_docs, deliver in batch:
            with contextlib.suppress(Exception):
                deliver(outcomes[start : start + len(item_docs)])
            start += len(item_docs)

    def _settle(self, doc: NewDocument) -> tuple[Entry, bool]:
        """One document in its own transaction, again after a concurrent writer's conflict."""
        for _attempt in range(self.ATTEMPTS):
            try:
                return self._transaction([doc], again=True)[0]
            except self._dbapi.IntegrityError:
                continue  # the repeat is now found, or the next version number is free
            except (self._dbapi.Error, DBAPIError) as exc:  # DBAPIError: connecting failed
                self._drop()
                raise StorageUnavailableError(
                    f"storage unavailable: {getattr(exc, 'orig', None) or exc}"
                ) from None
        raise StorageUnavailableError("storage busy: could not settle a concurrent write")
