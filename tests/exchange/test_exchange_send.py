"""``iodef send``, ``outbox``, ``pull`` and the library client against a real plain-HTTP ``iodef serve``."""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from exchange_helpers import Server, free_port, make_doc, run_iodef

from iodef import (
    ExchangeError,
    ExchangeTransportError,
    ExchangeUnavailableError,
    RestrictedDocumentError,
    SchemaValidationError,
)
from iodef.exchange import Client, RetryPolicy, prepare_document
from iodef.exchange.outbox import refuses_content

FAST = ["--retries", "2", "--backoff", "0.02", "--connect-timeout", "2", "--timeout", "20"]


def plain_args(db: Path, *extra: str) -> list[str]:
    return ["--db", f"sqlite:///{db}", "--insecure-http", "--no-auth", "--anonymous-read", "amber", *extra]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("plain-server")
    with Server(plain_args(base / "store.db", "--page-size", "7"), log=base / "server.log") as srv:
        yield srv


def feed_url(server: Server, feed: str = "incidents") -> str:
    return f"http://127.0.0.1:{server.port}/feeds/{feed}"


def json_lines(out: bytes) -> list[dict[str, object]]:
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


def stored_ids(db: Path) -> list[str]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return [r[0] for r in conn.execute("SELECT incident_id FROM iodef_entries")]


def count_rows(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT count(*) FROM iodef_entries").fetchone()[0])
    except sqlite3.OperationalError:
        return 0


# -- the sender's checks ---------------------------------------------------------------------------------


def test_prepare_refuses_invalid_and_restricted_documents() -> None:
    with pytest.raises(SchemaValidationError) as info:
        prepare_document(make_doc(1, purpose=None), source="bad.xml")
    assert info.value.source == "bad.xml"
    assert any("purpose" in i.message for i in info.value.issues)
    for restriction in ("private", "red", None):  # absent: RFC 7970's default for Incident is private
        with pytest.raises(RestrictedDocumentError):
            prepare_document(make_doc(2, restriction=restriction))
        assert prepare_document(make_doc(2, restriction=restriction), allow_restricted=True).body
    assert prepare_document(make_doc(1, purpose=None), validate=False).body


def test_prepare_judges_the_strictest_restriction_in_the_document() -> None:
    # RFC 7970 §3.3.1: a child's restriction overrides its parent's.
    doc = make_doc(3, restriction="public", contact_restriction="red")
    with pytest.raises(RestrictedDocumentError, match="'red'"):
        prepare_document(doc)
    assert prepare_document(doc, allow_restricted=True).restriction == "red"
    mixed = make_doc(3, restriction="public", contact_restriction="green")
    assert prepare_document(mixed).restriction == "green"


def test_send_reports_each_document_and_goes_on_after_a_bad_one(server: Server, tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(3):
        (docs / f"ok{n}.xml").write_bytes(make_doc(1000 + n))
    (docs / "invalid.xml").write_bytes(make_doc(1003, purpose=None))
    (docs / "private.xml").write_bytes(make_doc(1004, restriction=None))
    (docs / "broken.xml").write_bytes(b"<IODEF-Document")
    r = run_iodef(
        "send",
        str(docs),
        "--to",
        feed_url(server),
        "--outbox",
        str(tmp_path / "ob.sqlite"),
        "--format",
        "json",
        *FAST,
    )
    assert r.returncode == 1, r.stderr
    lines = {Path(str(rec["source"])).name: rec for rec in json_lines(r.stdout)}
    assert {n for n, rec in lines.items() if rec["outcome"] == "delivered"} == {
        "ok0.xml",
        "ok1.xml",
        "ok2.xml",
    }
    assert all(str(lines[f"ok{n}.xml"]["location"]).startswith(feed_url(server)) for n in range(3))
    assert {n for n, rec in lines.items() if rec["outcome"] == "invalid"} == {"invalid.xml", "broken.xml"}
    # a policy refusal is not a broken document
    assert lines["private.xml"]["outcome"] == "refused"
    assert "private" in str(lines["private.xml"]["error"])
    assert any("purpose" in p["message"] for p in lines["invalid.xml"]["issues"])  # type: ignore[union-attr]
    assert b"3 delivered, 0 repeats, 1 refused, 2 invalid" in r.stderr
    listed = run_iodef("outbox", "list", "--outbox", str(tmp_path / "ob.sqlite"), "--format", "json")
    assert json_lines(listed.stdout) == []


def test_send_again_is_a_repeat_and_allow_restricted_sends_private(server: Server, tmp_path: Path) -> None:
    doc = tmp_path / "p.xml"
    doc.write_bytes(make_doc(1100, restriction="private"))
    args = ["--to", feed_url(server), "--outbox", str(tmp_path / "ob.sqlite"), "--format", "json", *FAST]
    first = run_iodef("send", str(doc), "--allow-restricted", *args)
    again = run_iodef("send", str(doc), "--allow-restricted", *args)
    assert first.returncode == 0, first.stderr
    assert again.returncode == 0, again.stderr
    (a,), (b,) = json_lines(first.stdout), json_lines(again.stdout)
    assert (a["outcome"], a["status"]) == ("delivered", 201)
    assert (b["outcome"], b["status"]) == ("repeat", 200)
    assert a["location"] == b["location"]


def test_no_validate_lets_the_peer_refuse_with_its_problem_details(server: Server, tmp_path: Path) -> None:
    r = run_iodef(
        "send", "-", "--no-validate", "--to", feed_url(server), "--outbox", str(tmp_path / "ob.sqlite"),
        "--format", "json", *FAST,
        input=make_doc(1200, purpose=None),
    )  # fmt: skip
    assert r.returncode == 1
    (rec,) = json_lines(r.stdout)
    assert rec["outcome"] == "refused"
    assert rec["status"] == 422
    problem = rec["problem"]
    assert isinstance(problem, dict)
    assert problem["status"] == 422
    assert any("purpose" in i["message"] for i in problem["issues"])
    # a refusal of the content is not sent again, but kept and listed
    listed = run_iodef("outbox", "list", "--outbox", str(tmp_path / "ob.sqlite"), "--format", "json")
    (kept,) = json_lines(listed.stdout)
    assert (kept["state"], kept["status"], kept["source"]) == ("refused", 422, "<stdin>")
    flushed = run_iodef("outbox", "flush", "--to", feed_url(server), "--outbox", str(tmp_path / "ob.sqlite"))
    assert flushed.returncode == 0
    assert b"0 refused" in flushed.stderr


def test_token_is_never_printed(server: Server, tmp_path: Path) -> None:
    secret = "s3cr3t-token-that-must-not-show"
    doc = tmp_path / "d.xml"
    doc.write_bytes(make_doc(1300))
    for how in ("option", "env"):
        args = ["send", str(doc), "--to", feed_url(server), "--outbox", str(tmp_path / "ob.sqlite"), *FAST]
        if how == "option":
            r = run_iodef(*args, "--token", secret)
        else:
            r = run_iodef(*args, env={"IODEF_TOKEN": secret})
        # the no-auth server knows no tokens: it answers 401, and the document waits in the outbox
        assert r.returncode == 3
        assert b"401" in r.stdout
        assert secret.encode() not in r.stdout + r.stderr


# -- faults ------------------------------------------------------------------------------------------------


def test_server_down_then_outbox_flush_delivers(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/feeds/incidents"
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(5):
        (docs / f"d{n}.xml").write_bytes(make_doc(1400 + n))
    outbox = str(tmp_path / "ob.sqlite")
    r = run_iodef("send", str(docs), "--to", url, "--outbox", outbox, *FAST)
    assert r.returncode == 3, r.stderr
    assert r.stdout.count(b"queued") == 5
    listed = json_lines(run_iodef("outbox", "list", "--outbox", outbox, "--format", "json").stdout)
    assert len(listed) == 5
    # attempts count requests (FAST allows 2 per run), not runs
    assert all(item["attempts"] == 2 and item["last_error"] for item in listed)
    db = tmp_path / "store.db"
    with Server(plain_args(db), port=port, log=tmp_path / "server.log"):
        flushed = run_iodef("outbox", "flush", "--outbox", outbox, *FAST)
        assert flushed.returncode == 0, flushed.stderr
        assert flushed.stdout.count(b"delivered") == 5
    assert sorted(stored_ids(db)) == [f"T-{1400 + n:06d}" for n in range(5)]
    assert json_lines(run_iodef("outbox", "list", "--outbox", outbox, "--format", "json").stdout) == []


def test_a_refused_token_keeps_the_documents_queued_until_flushed_with_the_right_one(
    tmp_path: Path,
) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/feeds/incidents"
    for n in range(2):
        (tmp_path / f"d{n}.xml").write_bytes(make_doc(1450 + n))
    outbox = ["--outbox", str(tmp_path / "ob.sqlite")]
    queued = run_iodef(
        "send", str(tmp_path / "d0.xml"), str(tmp_path / "d1.xml"), "--to", url, *outbox, *FAST
    )
    assert queued.returncode == 3, queued.stderr  # nobody listens yet
    peers = tmp_path / "peers.toml"
    peers.write_text('[[peers]]\nname = "alpha"\ntoken = "right-token"\npost = ["*"]\nread = "green"\n')
    db = tmp_path / "store.db"
    args = ["--db", f"sqlite:///{db}", "--insecure-http", "--peers", str(peers)]
    with Server(args, port=port, log=tmp_path / "server.log"):
        none = run_iodef("outbox", "flush", *outbox, "--retries", "1")
        assert none.returncode == 3
        # queued without a token: the flush names what is missing
        assert f"no token is known for {url}: give --to {url} --token TOKEN".encode() in none.stdout
        wrong = run_iodef("outbox", "flush", *outbox, "--token", "rotated-token", *FAST)
        assert wrong.returncode == 3, wrong.stderr
        assert wrong.stdout.count(b"queued") == 2
        assert b"the token from --token was not accepted" in wrong.stdout
        listed = json_lines(run_iodef("outbox", "list", *outbox, "--format", "json").stdout)
        # 2 requests while nobody listened, then 2 answered 401 (a refusal is not retried)
        assert [(i["state"], i["attempts"]) for i in listed] == [("waiting", 4), ("waiting", 4)]
        assert all("401" in str(i["last_error"]) for i in listed)
        right = run_iodef("outbox", "flush", *outbox, "--token", "right-token", *FAST)
        assert right.returncode == 0, right.stderr
        assert right.stdout.count(b"delivered") == 2
    assert sorted(stored_ids(db)) == ["T-001450", "T-001451"]
    assert json_lines(run_iodef("outbox", "list", *outbox, "--format", "json").stdout) == []


@pytest.mark.parametrize(
    ("status", "content"),
    [
        (400, True),
        (413, True),
        (415, True),
        (422, True),
        (401, False),
        (403, False),
        (404, False),
        (408, False),
    ],
)
def test_only_a_refusal_of_the_content_takes_a_document_out_of_the_queue(status: int, content: bool) -> None:
    assert refuses_content(status) is content


def test_storage_unavailable_answers_503_and_the_client_retries_until_201(tmp_path: Path) -> None:
    db = tmp_path / "store.db"
    with Server(plain_args(db, "--db-timeout", "0.1"), log=tmp_path / "server.log") as srv:
        url = f"http://127.0.0.1:{srv.port}/feeds/incidents"
        httpx.get(url, timeout=10)  # the store exists
        lock = sqlite3.connect(str(db), timeout=5, check_same_thread=False, isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")
        try:
            r = httpx.post(
                url, content=make_doc(1500), headers={"Content-Type": "application/xml"}, timeout=10
            )
            assert r.status_code == 503
            assert r.headers["retry-after"] == "1"
            assert r.headers["content-type"] == "application/problem+json"
            with (
                Client(url, retry=RetryPolicy(attempts=1)) as once,
                pytest.raises(ExchangeUnavailableError) as info,
            ):
                once.send(make_doc(1500))
            assert info.value.status == 503

            # The database comes back while the client waits out Retry-After: released when the
            # first attempt has had its 503 (a timer raced a slow first attempt under load)
            def release(error: ExchangeError, attempt: int) -> None:
                if lock.in_transaction:
                    lock.execute("ROLLBACK")

            with Client(url, retry=RetryPolicy(attempts=6, base_delay=0.1), on_retry=release) as c:
                receipt = c.send(make_doc(1500))
        finally:
            if lock.in_transaction:
                lock.execute("ROLLBACK")
            lock.close()
        assert receipt.status == 201
        assert receipt.attempts >= 2
    assert stored_ids(db) == ["T-001500"]


def test_connection_refused_is_retried_then_a_transport_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/feeds/incidents"
    with (
        Client(url, retry=RetryPolicy(attempts=3, base_delay=0.01)) as c,
        pytest.raises(ExchangeTransportError) as info,
    ):
        c.send(make_doc(1600))
    assert info.value.attempts == 3
    assert info.value.__cause__ is None  # no raw httpx error attached


def _wait_for(predicate: object, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_server_killed_mid_send_then_flush_stores_each_document_once(tmp_path: Path) -> None:
    total = 1000
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(total):
        (docs / f"d{n:04d}.xml").write_bytes(make_doc(n))
    db = tmp_path / "store.db"
    outbox = str(tmp_path / "ob.sqlite")
    srv = Server(plain_args(db), log=tmp_path / "server.log").start()
    url = f"http://127.0.0.1:{srv.port}/feeds/incidents"
    import subprocess
    import sys

    from exchange_helpers import IODEF

    sender = subprocess.Popen(
        [*IODEF, "send", str(docs), "--to", url, "--outbox", outbox, "--concurrency", "8", *FAST],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(lambda: count_rows(db) >= 200)
        srv.kill()  # SIGKILL, mid-run
        _, err = sender.communicate(timeout=120)
        assert sender.returncode == 3, err
        before_flush = count_rows(db)
        assert 200 <= before_flush < total
        srv.start()
        flushed = run_iodef("outbox", "flush", "--outbox", outbox, "--concurrency", "8", *FAST)
        assert flushed.returncode == 0, flushed.stderr
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
        srv.stop()
    ids = stored_ids(db)
    assert len(ids) == total  # none twice
    assert set(ids) == {f"T-{n:06d}" for n in range(total)}  # none lost
    assert json_lines(run_iodef("outbox", "list", "--outbox", outbox, "--format", "json").stdout) == []
    assert sys.executable  # (the sender ran under this interpreter)


def test_sender_killed_mid_run_loses_nothing(server: Server, tmp_path: Path) -> None:
    import signal
    import subprocess

    from exchange_helpers import IODEF

    total = 150
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(total):
        (docs / f"d{n:04d}.xml").write_bytes(make_doc(5000 + n))
    outbox = str(tmp_path / "ob.sqlite")
    url = feed_url(server, "incidents")
    sender = subprocess.Popen(
        [*IODEF, "send", str(docs), "--to", url, "--outbox", outbox, "--concurrency", "1", *FAST],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert sender.stdout is not None
        for _ in range(20):  # twenty receipts, then the sender dies
            assert sender.stdout.readline().startswith(b"delivered")
        sender.send_signal(signal.SIGKILL)
        sender.wait(timeout=30)
    finally:
        if sender.poll() is None:
            sender.kill()
            sender.wait()
    waiting = json_lines(run_iodef("outbox", "list", "--outbox", outbox, "--format", "json").stdout)
    assert 0 < len(waiting) <= total - 20
    flushed = run_iodef("outbox", "flush", "--outbox", outbox, "--format", "json", *FAST)
    assert flushed.returncode == 0, flushed.stderr
    with Client(url) as c:
        titles = [e.title for e in c.iter_entries()]
    mine = [
        t for t in titles if any(t == f"Incident T-{5000 + n:06d}@csirt.example.org" for n in range(total))
    ]
    assert len(mine) == total
    assert len(set(mine)) == total


# -- pull ----------------------------------------------------------------------------------------------------


def test_pull_saves_new_documents_and_remembers_its_position(server: Server, tmp_path: Path) -> None:
    url = feed_url(server, "incidents")
    out = tmp_path / "pulled"
    with Client(url) as c:
        for n in range(9):
            c.send(make_doc(7000 + n))
    first = run_iodef("pull", url, "-o", str(out), "--format", "json", *FAST)
    assert first.returncode == 0, first.stderr
    saved = [Path(str(rec["saved"])) for rec in json_lines(first.stdout)]
    assert len(saved) >= 9  # the page size is 7: paging was followed
    assert len({p.name for p in saved}) == len(saved)
    bodies = {p.read_bytes() for p in saved}
    assert {make_doc(7000 + n) for n in range(9)} <= bodies  # byte for byte
    again = run_iodef("pull", url, "-o", str(out), "--format", "json", *FAST)
    assert again.returncode == 0
    assert json_lines(again.stdout) == []
    with Client(url) as c:
        for n in range(2):
            c.send(make_doc(7100 + n))
    third = run_iodef("pull", url, "-o", str(out), "--format", "json", *FAST)
    new = {Path(str(rec["saved"])).read_bytes() for rec in json_lines(third.stdout)}
    assert new == {make_doc(7100), make_doc(7101)}


def test_links_to_another_origin_are_not_followed_with_the_token() -> None:
    from iodef import ExchangeProtocolError
    from iodef.exchange import FeedEntry

    with Client("https://peer.example:8443/feeds/incidents", token="t") as c:
        elsewhere = FeedEntry(
            id="urn:uuid:1", title="t", updated=None, content_src="https://evil.example/x", content_type=None
        )
        with pytest.raises(ExchangeProtocolError):
            c.fetch(elsewhere)
        with pytest.raises(ExchangeProtocolError):
            c.feed("https://peer.example:9443/feeds/incidents?before=1")  # another port is another origin
