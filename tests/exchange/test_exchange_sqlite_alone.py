"""SQLite: a transaction of one new document is its one statement in autocommit mode (``_sqlite_add_alone``).

What the connection executes is observed with SQLite's trace callback; that a document is committed
when ``transaction`` returns is observed from a second connection.
"""

from __future__ import annotations

import dataclasses
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_exchange_store import doc

from iodef.exchange._write import transaction
from iodef.exchange.store import Store


@pytest.fixture(params=["full", "normal"])
def conn(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    store = Store(f"sqlite:///{tmp_path / 'alone.db'}", sqlite_synchronous=request.param)
    raw = store.engine.raw_connection()
    try:
        yield raw.driver_connection
    finally:
        raw.close()
        store.close()


def _traced(conn: Any) -> list[str]:
    statements: list[str] = []
    conn.set_trace_callback(lambda sql: statements.append(" ".join(sql.split()[:2])))
    return statements


def _path(conn: Any) -> str:
    path: str = conn.execute("PRAGMA database_list").fetchone()[2]
    return path


def _rows(conn: Any) -> list[tuple[str, int, str | None]]:
    """The stored rows, read by a connection of its own (so only what was committed)."""
    with sqlite3.connect(_path(conn)) as other:
        return other.execute("SELECT incident_id, version, previous_entry_id FROM iodef_entries").fetchall()


def test_a_lone_new_document_is_one_statement_committed_when_transaction_returns(conn: Any) -> None:
    statements = _traced(conn)
    [(entry, created)] = transaction(conn, [doc(1)], sqlite=True)
    assert created
    assert statements == ["INSERT INTO"]  # no BEGIN IMMEDIATE, no COMMIT
    assert not conn.in_transaction
    assert _rows(conn) == [("T-1", 1, None)]
    assert (entry.incident_id, entry.version, entry.seq) == ("T-1", 1, 1)


def test_a_repeat_a_next_version_and_views_take_the_whole_transaction(conn: Any) -> None:
    [(first, _)] = transaction(conn, [doc(1)], sqlite=True)
    statements = _traced(conn)
    # A repeat: the statement adds nothing; the transaction looks it up under the lock.
    [(again, created)] = transaction(conn, [doc(1)], sqlite=True)
    assert (created, again.entry_id) == (False, first.entry_id)
    assert statements[:2] == ["INSERT INTO", "BEGIN IMMEDIATE"]
    assert statements[-1] == "COMMIT"
    # A changed document of the same incident: the next version.
    statements.clear()
    [(second, created)] = transaction(conn, [doc(2, incident="T-1")], sqlite=True)
    assert created
    assert (second.version, second.previous_entry_id) == (2, first.entry_id)
    assert statements[:2] == ["INSERT INTO", "BEGIN IMMEDIATE"]
    assert statements[-1] == "COMMIT"
    # Views to store beside the row: one transaction from the start.
    statements.clear()
    viewed = dataclasses.replace(doc(3), views=((1, 2, "green", b"<view/>"),))
    [(_, created)] = transaction(conn, [viewed], sqlite=True)
    assert created
    assert statements[0] == "BEGIN IMMEDIATE"
    assert statements[-1] == "COMMIT"
    with sqlite3.connect(_path(conn)) as other:
        views = other.execute("SELECT rank, withheld, body FROM iodef_views").fetchall()
    assert views == [(1, 2, b"<view/>")]
    assert sorted(_rows(conn)) == [("T-1", 1, None), ("T-1", 2, first.entry_id), ("T-3", 1, None)]


def test_a_lone_document_refused_by_a_locked_database_leaves_nothing_and_no_transaction_open(
    conn: Any,
) -> None:
    conn.execute("PRAGMA busy_timeout = 0")
    holder = sqlite3.connect(_path(conn), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            transaction(conn, [doc(1)], sqlite=True)
        assert not conn.in_transaction
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _rows(conn) == []
    # Once the lock is free, the same document goes in (nothing of the first try was left behind).
    assert transaction(conn, [doc(1)], sqlite=True)[0][1]
    assert _rows(conn) == [("T-1", 1, None)]


def test_a_lone_document_waits_for_the_lock_as_begin_immediate_does(conn: Any) -> None:
    """The writer thread's connection waits up to its busy timeout, then sees what the holder committed."""
    conn.execute("PRAGMA busy_timeout = 5000")
    holder = sqlite3.connect(_path(conn), isolation_level=None, check_same_thread=False)
    holder.execute("BEGIN IMMEDIATE")
    # Meanwhile the holder stores the very document: once it has the lock, the lone statement must see
    # that row and add nothing (a stale view would add a second row, or fail on the unique key).
    holder.execute(
        "INSERT INTO iodef_entries (entry_id, feed, sender, digest, incident_name, incident_id, purpose,"
        " restriction, restriction_rank, visible_rank, received, version, size, body)"
        " VALUES ('held', 'incidents', 'alpha', ?, 'csirt.example.org', 'T-9', 'reporting', 'green', 1, 1,"
        " '2026-12-01 00:00:00.000000', 1, 1, x'00')",
        (doc(9).digest,),
    )
    release = threading.Timer(0.3, lambda: holder.execute("COMMIT"))
    release.start()
    try:
        [(entry, created)] = transaction(conn, [doc(9)], sqlite=True)
    finally:
        release.join()
        holder.close()
    assert (entry.entry_id, created) == ("held", False)
    assert _rows(conn) == [("T-9", 1, None)]
