"""SQLite written on the event loop (:mod:`iodef.exchange._loopwrite`), and the writer thread as its fallback.

Which way a document went is observed, not timed: the loop's transactions are counted by wrapping
the ``transaction`` the loop calls, the thread's by wrapping :meth:`GroupWriter._transaction`, and a
slow disk is simulated by a clock that the loop's transactions move forward.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_exchange_store import doc

from iodef.exchange import _loopwrite, _write
from iodef.exchange.store import Entry, NewDocument, Store

SYNCS = ["full", "normal"]


class Clock:
    """A clock that stands still unless moved (the loop's transactions move it by ``per_transaction``)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.per_transaction = 0.0
        #: involuntary context switches of the thread, and whether each transaction adds one
        self.switches = 0
        self.preempted = False

    def __call__(self) -> float:
        return self.now


class Ways:
    """The documents of each transaction, on the loop and in the writer thread."""

    def __init__(self) -> None:
        self.loop: list[list[str]] = []
        self.thread: list[list[str]] = []


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(_loopwrite, "_clock", fake)
    monkeypatch.setattr(_loopwrite, "_switched_out", lambda: fake.switches)
    return fake


@pytest.fixture
def ways(monkeypatch: pytest.MonkeyPatch, clock: Clock) -> Ways:
    seen = Ways()
    on_loop = _loopwrite.transaction
    in_thread = _write.GroupWriter._transaction

    def loop_transaction(conn: Any, docs: list[NewDocument], **kw: Any) -> Any:
        seen.loop.append([d.incident_id or "" for d in docs])
        try:
            return on_loop(conn, docs, **kw)
        finally:
            clock.now += clock.per_transaction
            clock.switches += clock.preempted

    def thread_transaction(self: Any, docs: list[NewDocument], **kw: Any) -> Any:
        seen.thread.append([d.incident_id or "" for d in docs])
        return in_thread(self, docs, **kw)

    monkeypatch.setattr(_loopwrite, "transaction", loop_transaction)
    monkeypatch.setattr(_write.GroupWriter, "_transaction", thread_transaction)
    return seen


@contextlib.contextmanager
def _store(tmp_path: Path, sync: str) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'store.db'}", busy_timeout=10, sqlite_synchronous=sync)
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(params=SYNCS)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    with _store(tmp_path, request.param) as store:
        yield store


def _write_alone(store: Store, *docs: NewDocument) -> list[tuple[Entry, bool]]:
    async def run() -> list[tuple[Entry, bool]]:
        return await _alone(store, *docs)

    return asyncio.run(run())


async def _alone(store: Store, *docs: NewDocument) -> list[tuple[Entry, bool]]:
    """*docs* written one after the other, each by a request alone in flight."""
    return [await store.write(d, alone=True) for d in docs]


def test_a_lone_document_is_committed_on_the_loop_and_the_writer_thread_never_starts(
    store: Store, ways: Ways
) -> None:
    (entry, created), (again, created2) = _write_alone(store, doc(1), doc(1))
    assert (created, created2) == (True, False)
    assert again.entry_id == entry.entry_id
    assert ways.loop == [["T-1"], ["T-1"]]
    assert ways.thread == []
    assert store._writer is None  # no thread was started for it
    assert store.count("incidents") == 1


def test_the_documents_of_one_turn_are_committed_together_in_one_transaction_on_the_loop(
    store: Store, ways: Ways
) -> None:
    async def together() -> list[tuple[Entry, bool]]:
        # new incidents, a repeat inside the turn and three versions of one incident
        docs = [doc(1), doc(2), doc(1), doc(10, incident="G"), doc(11, incident="G"), doc(12, incident="G")]
        return list(await asyncio.gather(*(store.write(d) for d in docs)))

    results = asyncio.run(together())
    assert ways.loop == [["T-1", "T-2", "T-1", "G", "G", "G"]]
    assert ways.thread == []
    assert store._writer is None
    assert [c for _, c in results] == [True, True, False, True, True, True]
    assert results[2][0].entry_id == results[0][0].entry_id
    assert [e.version for e, _ in results[3:]] == [1, 2, 3]
    assert store.count("incidents") == 5


def test_a_turn_larger_than_a_batch_is_written_in_transactions_of_max_batch(
    store: Store, ways: Ways, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_loopwrite.LoopHandOver, "MAX_BATCH", 3)

    async def together() -> list[tuple[Entry, bool]]:
        return list(await asyncio.gather(*(store.write(doc(n)) for n in range(7))))

    assert all(created for _, created in asyncio.run(together()))
    assert [len(t) for t in ways.loop] == [3, 3, 1]
    assert store.count("incidents") == 7


def test_a_request_that_went_away_before_its_turn_is_not_written(store: Store, ways: Ways) -> None:
    async def run() -> None:
        kept = asyncio.create_task(store.write(doc(1)))
        gone = asyncio.create_task(store.write(doc(2)))
        await asyncio.sleep(0)  # both are waiting for the end of the turn
        gone.cancel()
        await kept
        with pytest.raises(asyncio.CancelledError):
            await gone

    asyncio.run(run())
    assert ways.loop == [["T-1"]]
    assert [e.incident_id for e in store.list_entries("incidents", reader=None, max_rank=3)] == ["T-1"]


@pytest.mark.parametrize("sync", SYNCS)
def test_while_another_process_holds_the_database_a_turn_goes_to_the_thread_and_the_loop_goes_on(
    tmp_path: Path, sync: str, ways: Ways
) -> None:
    with _store(tmp_path, sync) as store:
        store.add(doc(0))
        lock = sqlite3.connect(str(tmp_path / "store.db"), isolation_level=None, check_same_thread=False)
        lock.execute("BEGIN IMMEDIATE")
        released = threading.Timer(0.5, lambda: lock.execute("COMMIT"))
        ticks = 0

        async def run() -> list[tuple[Entry, bool]]:
            nonlocal ticks

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            released.start()
            ticker = asyncio.create_task(tick())
            try:
                return list(await asyncio.gather(*(store.write(doc(n, incident="L")) for n in (1, 2, 3))))
            finally:
                ticker.cancel()

        results = asyncio.run(run())
        released.join()
        lock.close()
        assert ticks >= 10  # the loop went on while the thread waited for the lock
        assert ways.loop == [["L", "L", "L"]]  # tried once, without waiting
        assert ways.thread == [["L", "L", "L"]]
        assert [(e.version, c) for e, c in results] == [(1, True), (2, True), (3, True)]
        assert _write_alone(store, doc(4))[0][1]  # unlocked: on the loop again, paused by nothing
        assert ways.loop[-1] == ["T-4"]
        assert store.count("incidents") == 5


def test_slow_commits_send_the_next_writes_to_the_thread_until_the_pause_is_over(
    store: Store, ways: Ways, clock: Clock
) -> None:
    pause = _loopwrite._DirectSqlite.PAUSE

    async def run() -> None:  # one loop: the pause belongs to its hand-over
        clock.per_transaction = 0.05  # a 50 ms commit: the moving average is past SLOW at once
        await _alone(store, doc(1))
        clock.per_transaction = 0.0
        assert ways.loop == [["T-1"]]
        await _alone(store, doc(2), doc(3))
        assert ways.loop == [["T-1"]]
        assert ways.thread == [["T-2"], ["T-3"]]  # paused: the thread wrote them
        clock.now += pause - 0.01
        await _alone(store, doc(4))
        assert ways.thread[-1] == ["T-4"]  # still paused
        clock.now += 0.02
        await _alone(store, doc(5), doc(6))
        assert ways.loop[1:] == [["T-5"], ["T-6"]]  # the pause is over: on the loop again
        # Slow again soon after: a pause twice as long.
        clock.per_transaction = 0.05
        await _alone(store, doc(7))
        clock.per_transaction = 0.0
        clock.now += pause + 0.01
        await _alone(store, doc(8))
        assert ways.thread[-1] == ["T-8"]
        clock.now += pause
        await _alone(store, doc(9))
        assert ways.loop[-1] == ["T-9"]

    asyncio.run(run())
    assert store.count("incidents") == 9


def test_commits_a_little_slower_now_and_then_keep_the_writes_on_the_loop(
    store: Store, ways: Ways, clock: Clock
) -> None:
    """One commit of 1.5 ms among fast ones (a scheduling hiccup) moves the average, not past SLOW."""

    async def run() -> None:
        for n in range(1, 21):
            clock.per_transaction = 0.0015 if n % 5 == 0 else 0.0002
            await _alone(store, doc(n))

    asyncio.run(run())
    assert ways.thread == []
    assert len(ways.loop) == 20


def test_a_slow_transaction_while_the_process_was_pushed_off_the_cpu_does_not_count(
    store: Store, ways: Ways, clock: Clock
) -> None:
    """Descheduled by another process, the loop would be as slow with the thread: it keeps writing."""

    async def run() -> None:
        clock.per_transaction, clock.preempted = 0.05, True
        await _alone(store, doc(1), doc(2), doc(3))
        clock.preempted = False
        await _alone(store, doc(4))  # a slow one of its own: now it counts

    asyncio.run(run())
    assert ways.loop == [["T-1"], ["T-2"], ["T-3"], ["T-4"]]
    assert ways.thread == []
    hand_over = store._hand_over
    assert hand_over is not None
    assert hand_over._direct is not None
    assert not hand_over._direct.usable()


def test_what_the_thread_holds_is_written_before_what_comes_after_the_pause(
    store: Store, ways: Ways, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Versions stay in the order of arrival: the loop does not overtake documents in the thread's hands."""
    go = threading.Event()
    in_thread = _write.GroupWriter._transaction

    def held(self: Any, docs: list[NewDocument], **kw: Any) -> Any:
        assert go.wait(30)
        return in_thread(self, docs, **kw)

    monkeypatch.setattr(_write.GroupWriter, "_transaction", held)

    async def run() -> list[tuple[Entry, bool]]:
        clock.per_transaction = 0.05
        await _alone(store, doc(1, incident="V"))  # version 1, slow: paused
        clock.per_transaction = 0.0
        second = asyncio.create_task(store.write(doc(2, incident="V"), alone=True))  # to the thread, held
        await asyncio.sleep(0.05)
        clock.now += 60  # the pause is long over
        third = asyncio.create_task(store.write(doc(3, incident="V"), alone=True))
        await asyncio.sleep(0.05)
        go.set()
        return [await second, await third]

    (second, _), (third, _) = asyncio.run(run())
    assert (second.version, third.version) == (2, 3)
    assert third.previous_entry_id == second.entry_id
    assert ways.loop == [["V"]]


@pytest.mark.parametrize("error", [RuntimeError("a bug"), sqlite3.OperationalError("disk I/O error")])
def test_an_error_in_the_middle_of_a_batch_on_the_loop_leaves_nothing_and_the_thread_writes_it_all(
    store: Store, ways: Ways, clock: Clock, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    add_raw = _write.add_raw
    loop_thread = threading.current_thread()

    def failing(cur: Any, new: NewDocument, **kw: Any) -> Any:
        if new.incident_id == "T-3" and threading.current_thread() is loop_thread:
            raise error  # after T-1 and T-2 were inserted in the same transaction
        return add_raw(cur, new, **kw)

    monkeypatch.setattr(_write, "add_raw", failing)

    async def together() -> list[tuple[Entry, bool]]:
        written = list(await asyncio.gather(*(store.write(doc(n)) for n in (1, 2, 3, 4))))
        # After an error other than a locked database, the loop leaves SQLite to the thread a while,
        await store.write(doc(5), alone=True)
        clock.now += _loopwrite._DirectSqlite.PAUSE
        await store.write(doc(6), alone=True)  # and takes it back after the pause
        return written

    results = asyncio.run(together())
    assert ways.loop == [["T-1", "T-2", "T-3", "T-4"], ["T-6"]]
    assert ways.thread == [["T-1", "T-2", "T-3", "T-4"], ["T-5"]]
    assert all(created for _, created in results)
    assert len({e.seq for e, _ in results}) == 4
    assert store.count("incidents") == 6  # each once: the loop's inserts were rolled back


def test_an_error_that_the_thread_meets_too_is_every_document_s_outcome_and_nothing_is_stored(
    store: Store, ways: Ways, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_raw = _write.add_raw

    def failing(cur: Any, new: NewDocument, **kw: Any) -> Any:
        if new.incident_id == "T-3":
            raise RuntimeError("a bug")
        return add_raw(cur, new, **kw)

    monkeypatch.setattr(_write, "add_raw", failing)

    async def together() -> list[object]:
        return list(
            await asyncio.gather(*(store.write(doc(n)) for n in (1, 2, 3, 4)), return_exceptions=True)
        )

    results = asyncio.run(together())
    assert [type(r) for r in results] == [RuntimeError] * 4
    assert store.count("incidents") == 0


def test_the_loop_checkpoints_between_transactions_and_a_slow_checkpoint_pauses_it(
    store: Store, ways: Ways, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not inside a COMMIT (``wal_autocheckpoint`` 0): every CHECKPOINT_EVERY documents, timed on its own."""
    monkeypatch.setattr(_loopwrite._DirectSqlite, "CHECKPOINT_EVERY", 3)
    checkpoints: list[int] = []
    run_checkpoint = _loopwrite._run_checkpoint

    def timed(conn: Any) -> None:
        checkpoints.append(len(ways.loop))  # after how many transactions
        run_checkpoint(conn)
        clock.now += 0.001 if len(checkpoints) == 1 else 0.05  # the second one takes 50 ms

    monkeypatch.setattr(_loopwrite, "_run_checkpoint", timed)

    async def run() -> None:
        await _alone(store, doc(1), doc(2))
        hand_over = store._hand_over
        assert hand_over is not None
        assert hand_over._direct is not None
        conn = hand_over._direct._raw.driver_connection
        assert conn.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
        assert checkpoints == []
        await _alone(store, doc(3), doc(4))
        assert checkpoints == [3]  # after the third document's commit
        assert hand_over._direct.usable()  # 1 ms: fine
        await asyncio.gather(*(store.write(doc(n)) for n in (5, 6)))  # one transaction: 3 since the last
        assert checkpoints == [3, 5]
        assert not hand_over._direct.usable()  # 50 ms: paused
        await _alone(store, doc(7))

    asyncio.run(run())
    assert ways.loop == [["T-1"], ["T-2"], ["T-3"], ["T-4"], ["T-5", "T-6"]]
    assert ways.thread == [["T-7"]]
    assert store.count("incidents") == 7
