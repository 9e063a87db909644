"""The store suite, run against SQLite and against a real PostgreSQL (``.ci/run`` starts one)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from iodef.exchange._write import Outcome
from iodef.exchange.store import Entry, NewDocument, Store, entries, metadata

PG_ENV = "IODEF_TEST_POSTGRES_URL"


def _postgres_url() -> str:
    url = os.environ.get(PG_ENV)
    if url:
        return url
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {PG_ENV} is not set: the PostgreSQL store suite must run in CI")
    pytest.skip(f"no PostgreSQL: set {PG_ENV} (bash .ci/run installs and starts one)")


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "sqlite":
        s = Store(f"sqlite:///{tmp_path / 'store.db'}")
    else:
        url = _postgres_url()
        engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
        try:
            metadata.drop_all(engine)
        except sa.exc.OperationalError as exc:
            pytest.fail(f"PostgreSQL at {PG_ENV} is not reachable: {exc.orig}")
        finally:
            engine.dispose()
        s = Store(url)
    yield s
    s.close()


def doc(
    n: int,
    *,
    sender: str = "alpha",
    feed: str = "incidents",
    restriction: str | None = "green",
    incident: str | None = None,
    body: bytes | None = None,
) -> NewDocument:
    return NewDocument(
        feed=feed,
        sender=sender,
        digest=f"{n:064x}",
        body=body if body is not None else f"<doc n='{n}'/>".encode(),
        incident_name="csirt.example.org",
        incident_id=incident if incident is not None else f"T-{n}",
        purpose="reporting",
        restriction=restriction,
        generation_time="2026-11-20T08:15:00Z",
        report_time=None,
    )


def test_add_commits_and_get_returns_the_bytes(store: Store) -> None:
    body = b"<IODEF-Document>\x00\xff bytes kept as received</IODEF-Document>"
    entry, created = store.add(doc(1, body=body))
    assert created
    assert entry.version == 1
    assert entry.previous_entry_id is None
    got = store.get("incidents", entry.entry_id, reader="alpha", max_rank=2)
    assert got is not None
    assert got[0].entry_id == entry.entry_id
    assert got[1] == body
    assert got[0].received.tzinfo is not None


def test_same_digest_same_sender_is_one_entry(store: Store) -> None:
    first, created1 = store.add(doc(7))
    again, created2 = store.add(doc(7))
    assert created1
    assert not created2
    assert again.entry_id == first.entry_id
    assert store.count("incidents") == 1


def test_same_digest_other_sender_or_feed_is_another_entry(store: Store) -> None:
    a, _ = store.add(doc(7, sender="alpha"))
    b, created_b = store.add(doc(7, sender="beta"))
    c, created_c = store.add(doc(7, feed="other"))
    assert created_b
    assert created_c
    assert len({a.entry_id, b.entry_id, c.entry_id}) == 3


def test_changed_document_with_same_incident_id_is_a_linked_version(store: Store) -> None:
    v1, _ = store.add(doc(1, incident="INC-1"))
    v2, _ = store.add(doc(2, incident="INC-1"))
    v3, _ = store.add(doc(3, incident="INC-1"))
    other, _ = store.add(doc(4, incident="INC-1", sender="beta"))
    assert (v1.version, v2.version, v3.version) == (1, 2, 3)
    assert v2.previous_entry_id == v1.entry_id
    assert v3.previous_entry_id == v2.entry_id
    assert other.version == 1
    assert other.previous_entry_id is None
    versions = list(store.iter_versions("incidents", "alpha", "csirt.example.org", "INC-1"))
    assert [v.entry_id for v in versions] == [v1.entry_id, v2.entry_id, v3.entry_id]


def _page_through(store: Store, limit: int, during: Callable[[int], None] | None = None) -> list[str]:
    seen: list[str] = []
    after = None
    for n in range(10_000):
        page = store.list_entries("incidents", reader="alpha", max_rank=2, limit=limit, after=after)
        if not page:
            break
        seen.extend(e.entry_id for e in page)
        after = (page[-1].received, page[-1].seq)
        if during is not None:
            during(n)
    return seen


def test_listing_is_newest_first_and_pages_without_gaps(store: Store) -> None:
    added = [store.add(doc(n))[0].entry_id for n in range(12)]
    assert _page_through(store, 5) == list(reversed(added))


def test_keyset_paging_is_stable_when_a_thousand_share_one_time_and_more_arrive(store: Store) -> None:
    added = [store.add(doc(n))[0].entry_id for n in range(1000)]
    same = datetime(2026, 11, 20, 8, 15, tzinfo=UTC)
    with store.engine.begin() as conn:
        conn.execute(sa.update(entries).values(received=same))
    # New documents arrive between pages: they are newer, so they do not shift the pages being read.
    seen = _page_through(store, 7, during=lambda n: store.add(doc(5000 + n)) if n < 20 else None)
    older = [e for e in seen if e in set(added)]
    assert sorted(older) == sorted(added)  # every one, none twice
    assert len(older) == len(set(older)) == 1000


def test_since_keeps_only_newer_entries(store: Store) -> None:
    store.add(doc(1))
    cut = datetime.now(UTC)
    later = [store.add(doc(n))[0].entry_id for n in (2, 3)]
    got = store.list_entries("incidents", reader="alpha", max_rank=2, since=cut)
    assert sorted(e.entry_id for e in got) == sorted(later)
    assert store.list_entries("incidents", reader="alpha", max_rank=2, since=cut + timedelta(hours=1)) == []


@pytest.mark.parametrize(
    ("max_rank", "visible"),
    [(-1, set()), (0, {"public"}), (1, {"public", "green"}), (2, {"public", "green", "amber", None})],
)
def test_restriction_filter_for_other_readers(store: Store, max_rank: int, visible: set[str | None]) -> None:
    # None stands for a document whose restriction is unknown here: ranked need-to-know ("default").
    labels = {"public": 1, "green": 2, "amber": 3, "red": 4, "private": 5, "default": 6}
    for label, n in labels.items():
        store.add(doc(n, restriction=label))
    got = {e.restriction for e in store.list_entries("incidents", reader="beta", max_rank=max_rank)}
    expected = {("default" if v is None else v) for v in visible}
    assert got == expected
    assert "red" not in got
    assert "private" not in got


def test_private_and_red_are_visible_to_their_sender_only(store: Store) -> None:
    red, _ = store.add(doc(1, restriction="red"))
    private, _ = store.add(doc(2, restriction="private", sender="alpha"))
    absent, _ = store.add(doc(3, restriction=None))  # absent on Incident means private
    for e in (red, private, absent):
        assert store.get("incidents", e.entry_id, reader="beta", max_rank=2) is None
        assert store.get("incidents", e.entry_id, reader="alpha", max_rank=-1) is not None
    assert {e.entry_id for e in store.list_entries("incidents", reader="alpha", max_rank=-1)} == {
        red.entry_id,
        private.entry_id,
        absent.entry_id,
    }


def test_concurrent_repeats_and_versions_settle(store: Store) -> None:
    # Eight threads post the same document and eight new versions of one incident at once.
    errors: list[BaseException] = []

    def work(i: int) -> None:
        try:
            store.add(doc(999))
            store.add(doc(100 + i, incident="RACE"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    assert store.count("incidents") == 1 + 8
    versions = [v.version for v in store.iter_versions("incidents", "alpha", "csirt.example.org", "RACE")]
    assert versions == list(range(1, 9))


def test_two_servers_behind_a_balancer_share_one_postgresql(tmp_path: Path) -> None:
    """Two ``iodef serve`` processes on one PostgreSQL: a retry that lands on the other is still a repeat."""
    import httpx
    from exchange_helpers import Server, make_doc

    url = _postgres_url()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.drop_all(engine)
    except sa.exc.OperationalError as exc:
        pytest.fail(f"PostgreSQL at {PG_ENV} is not reachable: {exc.orig}")
    finally:
        engine.dispose()
    args = ["--db", url, "--insecure-http", "--no-auth", "--anonymous-read", "amber"]
    with (
        Server(args, log=tmp_path / "a.log") as a,
        Server(args, log=tmp_path / "b.log") as b,
        httpx.Client(timeout=30) as http,
    ):
        headers = {"Content-Type": "application/xml"}
        first = http.post(f"http://127.0.0.1:{a.port}/feeds/incidents", content=make_doc(1), headers=headers)
        again = http.post(f"http://127.0.0.1:{b.port}/feeds/incidents", content=make_doc(1), headers=headers)
        newer = http.post(
            f"http://127.0.0.1:{b.port}/feeds/incidents",
            content=make_doc(1, description="Fixed"),
            headers=headers,
        )
        assert (first.status_code, again.status_code, newer.status_code) == (201, 200, 201)
        assert again.headers["location"].rsplit("/", 1)[1] == first.headers["location"].rsplit("/", 1)[1]
        feed = http.get(f"http://127.0.0.1:{a.port}/feeds/incidents").text
        assert feed.count("<entry>") == 2
        assert "predecessor-version" in feed


def test_a_document_stored_under_the_older_digest_is_still_a_repeat(store: Store) -> None:
    from dataclasses import replace

    old = doc(7)  # stored by an earlier version, under its C14N 2.0 digest
    first, _ = store.add(old)
    resent = replace(old, digest=f"{99:064x}", legacy_digest=lambda: old.digest)
    again, created = store.add(resent)
    assert (again.entry_id, created) == (first.entry_id, False)
    changed = replace(old, digest=f"{98:064x}", legacy_digest=lambda: f"{97:064x}")
    newer, created = store.add(changed)
    assert (created, newer.version) == (True, 2)


def test_documents_written_together_share_a_commit_and_still_settle_repeats_and_versions(
    store: Store,
) -> None:
    """Store.write (the server's path): one transaction for what arrives together, each answered after it."""
    import asyncio

    async def together() -> list[tuple[object, bool]]:
        # a repeat inside the batch, three versions of one incident, and new documents
        docs = [doc(1), doc(2), doc(1), doc(10, incident="G"), doc(11, incident="G"), doc(12, incident="G")]
        return list(await asyncio.gather(*(store.write(d) for d in docs)))

    results = asyncio.run(together())
    created = [c for _, c in results]
    assert created == [True, True, False, True, True, True]
    first, _ = results[0]
    repeat, _ = results[2]
    assert repeat.entry_id == first.entry_id  # type: ignore[attr-defined]
    assert store.count("incidents") == 5
    versions = [v.version for v in store.iter_versions("incidents", "alpha", "csirt.example.org", "G")]
    assert versions == [1, 2, 3]
    # and what was written is what is read back
    seqs = {e.seq for e, _ in results}  # type: ignore[attr-defined]
    listed = store.list_entries("incidents", reader=None, max_rank=3, limit=10)
    assert {e.seq for e in listed} == seqs


@pytest.mark.parametrize("sync", ["full", "normal"])
def test_a_write_waits_for_another_process_holding_the_sqlite_database(tmp_path: Path, sync: str) -> None:
    """The event loop never waits for SQLite's lock: the writer thread does.

    With ``normal``, a lone request's document is first tried on the loop (never waiting for the lock).
    """
    import asyncio
    import sqlite3

    db = tmp_path / "store.db"
    store = Store(f"sqlite:///{db}", busy_timeout=10, sqlite_synchronous=sync)
    try:
        store.add(doc(1))
        lock = sqlite3.connect(str(db), isolation_level=None, check_same_thread=False)
        lock.execute("BEGIN IMMEDIATE")
        released = threading.Timer(0.5, lambda: lock.execute("COMMIT"))

        async def write_while_locked() -> tuple[object, bool]:
            released.start()
            ticks = 0

            async def tick() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.01)
                    ticks += 1

            ticker = asyncio.create_task(tick())
            try:
                return await store.write(doc(2), alone=True)
            finally:
                ticker.cancel()
                assert ticks >= 10  # the loop went on while the write waited for the lock

        _, created = asyncio.run(write_while_locked())
        released.join()
        lock.close()
        assert created
        assert store.count("incidents") == 2

        async def alone_again() -> tuple[Entry, bool]:
            return await store.write(doc(3), alone=True)  # unlocked now: on the loop with normal

        assert asyncio.run(alone_again())[1]
        assert store.count("incidents") == 3
    finally:
        store.close()


def test_a_writer_that_cannot_reach_the_database_reports_storage_unavailable() -> None:
    """A database that cannot be reached is a StorageUnavailableError (the server's 503), nothing else."""
    from iodef.exchange.store import StorageUnavailableError

    # Nothing listens on port 1: connecting fails at once (no PostgreSQL needed for this test).
    store = Store("postgresql://iodef:iodef@127.0.0.1:1/iodef", create=False, busy_timeout=1)
    try:
        with pytest.raises(StorageUnavailableError, match="storage unavailable"):
            store.submit(doc(1)).result(timeout=30)
    finally:
        store.close()


def test_a_new_incident_written_with_its_views_serves_each_reader_its_view(store: Store) -> None:
    """The server's path (Store.write): a new incident and its redacted views land together."""
    import asyncio
    from dataclasses import replace

    views = ((0, 3, "public", b"<view rank='0'/>"), (1, 1, "green", b"<view rank='1'/>"))
    new = replace(doc(40, restriction="amber"), visible_rank=0, views=views)
    again = replace(doc(41, restriction="amber", incident="T-40"), visible_rank=0, views=views)

    async def write() -> list[tuple[Entry, bool]]:
        first = await store.write(new, alone=True)
        return [first, await store.write(again)]  # a next version: looked up, then added

    (first, created), (second, created2) = asyncio.run(write())
    assert (created, created2) == (True, True)
    assert (first.version, second.version) == (1, 2)
    for entry in (first, second):
        for rank, withheld, restriction, body in views:
            got = store.get("incidents", entry.entry_id, reader=None, max_rank=rank)
            assert got is not None
            assert (got[0].withheld, got[0].restriction, got[1]) == (withheld, restriction, body)
        whole = store.get("incidents", entry.entry_id, reader=None, max_rank=2)
        assert whole is not None
        assert whole[0].withheld == 0

    async def repeat() -> tuple[Entry, bool]:
        return await store.write(new, alone=True)  # not added by the one statement: looked up

    found, created3 = asyncio.run(repeat())
    assert (found.entry_id, created3) == (first.entry_id, False)
    assert store.count("incidents") == 2


def test_opening_a_store_drops_the_index_no_query_uses_and_keeps_it_working(store: Store) -> None:
    # A store made by an earlier version carries an index over (feed, seq) that every insert paid for.
    store.add(doc(60))
    with store.engine.begin() as conn:
        conn.exec_driver_sql("CREATE INDEX ix_iodef_entries_feed_seq ON iodef_entries (feed, seq)")
    url = store.engine.url.render_as_string(hide_password=False)
    again = Store(url)
    try:
        names = {ix["name"] for ix in sa.inspect(again.engine).get_indexes("iodef_entries")}
        assert "ix_iodef_entries_feed_seq" not in names
        assert "ix_iodef_entries_feed_received" in names
        assert again.count("incidents") == 1
        again.add(doc(61))
        assert [e.incident_id for e in again.list_entries("incidents", reader=None, max_rank=2)] == [
            "T-61",
            "T-60",
        ]
    finally:
        again.close()


def test_documents_written_together_get_what_one_at_a_time_gets(store: Store) -> None:
    # One batch of the writer (PostgreSQL: pipelined) holding new incidents, a next version of an
    # incident stored before, a next version of one in the same batch, and repeats of both kinds.
    first, _ = store.add(doc(70))
    batch = [doc(71), doc(72, incident="T-71"), doc(70), doc(73), doc(74, incident="T-70"), doc(71)]
    done = threading.Event()
    outcomes: list[tuple[Entry, bool]] = []

    def deliver(got: list[Outcome]) -> None:
        errors = [o for o in got if isinstance(o, BaseException)]
        assert not errors, errors
        outcomes.extend(o for o in got if isinstance(o, tuple))
        done.set()

    store.submit_many(batch, deliver)
    assert done.wait(30)
    expected = [("T-71", 1, True), ("T-71", 2, True), ("T-70", 1, False), ("T-73", 1, True)]
    expected += [("T-70", 2, True), ("T-71", 1, False)]
    assert [(e.incident_id, e.version, created) for e, created in outcomes] == expected
    entries = [e for e, _ in outcomes]
    assert entries[2].entry_id == first.entry_id
    assert entries[4].previous_entry_id == first.entry_id
    assert entries[1].previous_entry_id == entries[0].entry_id
    assert entries[5].entry_id == entries[0].entry_id
    assert len({e.entry_id for e in entries}) == 5
    assert store.count("incidents") == 5
    for entry in entries:
        assert store.get("incidents", entry.entry_id, reader="alpha", max_rank=2) is not None


@pytest.mark.parametrize("way", ["loop", "thread"])
def test_documents_written_together_each_keep_their_own_views(store: Store, way: str) -> None:
    # One batch (PostgreSQL: one statement for all its new incidents) of documents with and without
    # views: each view is stored with its own document, none with another.
    from dataclasses import replace

    a_views = ((0, 3, "public", b"<view of='a' rank='0'/>"), (1, 1, "green", b"<view of='a' rank='1'/>"))
    c_views = ((0, 2, "public", b"<view of='c' rank='0'/>"),)
    batch = [
        replace(doc(80, restriction="amber"), visible_rank=0, views=a_views),
        doc(81),
        replace(doc(82, restriction="amber"), visible_rank=0, views=c_views),
    ]
    if way == "loop":
        import asyncio

        async def together() -> list[tuple[Entry, bool]]:
            return list(await asyncio.gather(*(store.write(d) for d in batch)))

        outcomes = asyncio.run(together())
    else:
        done = threading.Event()
        got: list[Outcome] = []

        def deliver(results: list[Outcome]) -> None:
            got.extend(results)
            done.set()

        store.submit_many(batch, deliver)
        assert done.wait(30)
        outcomes = [o for o in got if isinstance(o, tuple)]
    assert [created for _, created in outcomes] == [True, True, True]
    a, b, c = (entry.entry_id for entry, _ in outcomes)
    for entry_id, views in ((a, a_views), (c, c_views)):
        for rank, withheld, restriction, body in views:
            found = store.get("incidents", entry_id, reader=None, max_rank=rank)
            assert found is not None
            assert (found[0].withheld, found[0].restriction, found[1]) == (withheld, restriction, body)
    assert store.get("incidents", c, reader=None, max_rank=1) is None  # c has no view for rank 1
    assert store.get("incidents", b, reader=None, max_rank=0) is None  # green, no views
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM iodef_views")).scalar_one() == 3


def _postgres_plan_index(store: Store, sql: str, params: tuple[str, ...]) -> set[str]:
    """The indexes PostgreSQL's plan for *sql* reads (EXPLAIN, not run)."""
    with store.engine.connect() as conn:
        plan = conn.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {sql}", params).scalar_one()
    found: set[str] = set()

    def walk(node: dict[str, object]) -> None:
        if "Index Name" in node:
            found.add(str(node["Index Name"]))
        for child in node.get("Plans", []):  # type: ignore[attr-defined]
            walk(child)

    walk(plan[0]["Plan"])
    return found


def _empty_postgres() -> str:
    """The test database's URL, its iodef tables dropped."""
    url = _postgres_url()
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    metadata.drop_all(engine)
    engine.dispose()
    return url


def _fresh_postgres_store() -> Store:
    store = Store(_empty_postgres())
    with store.engine.begin() as conn:  # no analysis but the store's own
        conn.exec_driver_sql("ALTER TABLE iodef_entries SET (autovacuum_enabled = false)")
    return store


def _rows(first: int, last: int) -> list[dict[str, object]]:
    return [
        {
            "entry_id": f"00000000-0000-4000-8000-{n:012d}",
            "feed": "incidents",
            "sender": "alpha",
            "digest": f"{n:064x}",
            "incident_name": "csirt.example.org",
            "incident_id": f"T-{n}",
            "restriction_rank": 0,
            "received": datetime.now(UTC),
            "version": 1,
            "size": 40,
            "body": b"<doc/>" * 40,
        }
        for n in range(first, last)
    ]


_REPEAT_LOOKUP = "SELECT 1 FROM iodef_entries WHERE feed = %s AND sender = %s AND digest = %s"
_VERSION_LOOKUP = (
    "SELECT version FROM iodef_entries WHERE feed = %s AND sender = %s AND incident_name = %s"
    " AND incident_id = %s ORDER BY version DESC LIMIT 1"
)


def test_postgres_key_lookups_take_their_own_key_on_a_table_never_analysed() -> None:
    """3,000 rows and no statistics: each lookup reads its own key, not every row of the feed.

    With keys that both began with (feed, sender), PostgreSQL without statistics weighed them alike
    and answered the repeat lookup from the version key, filtering every row of the peer's feed.
    """
    store = _fresh_postgres_store()
    try:
        with store.engine.begin() as conn:  # rows written around the store: it analyses nothing
            conn.execute(entries.insert(), _rows(0, 3000))
        with store.engine.connect() as conn:
            never = conn.exec_driver_sql(
                "SELECT last_analyze IS NULL AND last_autoanalyze IS NULL FROM pg_stat_user_tables"
                " WHERE relid = 'iodef_entries'::regclass"
            ).scalar()
        assert never
        repeat = ("incidents", "alpha", f"{7:064x}")
        assert _postgres_plan_index(store, _REPEAT_LOOKUP, repeat) == {"uq_iodef_entries_repeat"}
        version = ("incidents", "alpha", "csirt.example.org", "T-7")
        assert _postgres_plan_index(store, _VERSION_LOOKUP, version) == {"uq_iodef_entries_version"}
    finally:
        store.close()


def test_a_postgres_store_analyses_a_young_table_it_writes_to() -> None:
    """Below some 2,000 rows, unanalysed, the feed pages' index (feed first) looked as cheap as the key.

    The store analyses such a table once it has written ANALYSE_AFTER documents to it.
    """
    from iodef.exchange.store import ANALYSE_AFTER

    store = _fresh_postgres_store()
    try:
        with store.engine.begin() as conn:
            conn.execute(entries.insert(), _rows(0, 300))
        repeat = ("incidents", "alpha", f"{7:064x}")
        assert _postgres_plan_index(store, _REPEAT_LOOKUP, repeat) != {"uq_iodef_entries_repeat"}
        for n in range(1000, 1000 + ANALYSE_AFTER - 1):
            store.add(doc(n))
        assert store._analyser is None  # not yet

        async def last() -> None:
            await store.write(doc(999))

        import asyncio

        asyncio.run(last())
        assert store._analyser is not None
        store._analyser.join(30)
        assert _postgres_plan_index(store, _REPEAT_LOOKUP, repeat) == {"uq_iodef_entries_repeat"}
        store.add(doc(998))  # once only
        assert store._young is None
    finally:
        store.close()


def test_opening_an_older_postgres_store_reorders_its_unique_keys_and_keeps_its_rows() -> None:
    url = _empty_postgres()
    old = Store(url)
    try:
        old.add(doc(1))
        with old.engine.begin() as conn:  # the keys as earlier versions made them
            for name, columns in (
                ("uq_iodef_entries_repeat", "feed, sender, digest"),
                ("uq_iodef_entries_version", "feed, sender, incident_name, incident_id, version"),
            ):
                conn.exec_driver_sql(
                    f"ALTER TABLE iodef_entries DROP CONSTRAINT {name},"
                    f" ADD CONSTRAINT {name} UNIQUE ({columns})"
                )
        old.add(doc(2))
    finally:
        old.close()
    again = Store(url)
    try:
        keys = {
            u["name"]: u["column_names"]
            for u in sa.inspect(again.engine).get_unique_constraints("iodef_entries")
        }
        assert keys["uq_iodef_entries_repeat"] == ["digest", "feed", "sender"]
        assert keys["uq_iodef_entries_version"] == [
            "incident_id",
            "incident_name",
            "feed",
            "sender",
            "version",
        ]
        assert again.count("incidents") == 2
        assert again.add(doc(2))[1] is False  # still a repeat
        assert again.add(doc(3))[1] is True
        with again.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(
                entries.insert().values(
                    entry_id="00000000-0000-4000-8000-000000000000",
                    feed="incidents",
                    sender="alpha",
                    digest=f"{3:064x}",
                    restriction_rank=0,
                    received=datetime.now(UTC),
                    version=1,
                    size=1,
                    body=b"x",
                )
            )
        # opened once more, nothing to do: the same keys
        Store(url).close()
        assert again.count("incidents") == 3
    finally:
        again.close()
