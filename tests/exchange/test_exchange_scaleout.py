"""Several ``iodef serve`` processes on one real PostgreSQL serve one consistent repository.

Server A is one process, server B runs ``--workers 2``. Documents are sent through both at once
(some twice, once through each), while a puller pulls through A with small pages and a reader
walks the feed taking each page's ``next`` cursor to the *other* server. Every document is found
exactly once, and a re-send through the other server is a repeat.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from pathlib import Path

import httpx
from exchange_helpers import Server, empty_postgres, make_doc

from iodef.exchange import Client, RetryPolicy
from iodef.exchange.pull import pull_to_directory
from iodef.exchange.rolie import parse_feed

PER_SENDER = 120


def _walk_across(a: str, b: str) -> list[str]:
    """Every entry id of the feed, newest first, each page fetched from the other server."""
    ids: list[str] = []
    url: str | None = f"{a}/feeds/incidents"
    servers = [a, b]
    turn = 0
    with httpx.Client(timeout=30) as http:
        while url is not None:
            r = http.get(url)
            assert r.status_code == 200, r.text
            parsed = parse_feed(r.content, url, max_bytes=10_000_000)
            ids.extend(e.id for e in parsed.entries)
            turn += 1
            url = parsed.next.replace(servers[(turn + 1) % 2], servers[turn % 2]) if parsed.next else None
    return ids


def test_two_servers_on_one_postgresql_send_pull_and_page_consistently(tmp_path: Path) -> None:
    db = empty_postgres()
    common = ["--db", db, "--insecure-http", "--no-auth", "--anonymous-read", "amber", "--page-size", "5"]
    with (
        Server(common, log=tmp_path / "a.log") as a,
        Server([*common, "--workers", "2"], log=tmp_path / "b.log") as b,
    ):
        url_a = f"http://127.0.0.1:{a.port}"
        url_b = f"http://127.0.0.1:{b.port}"
        receipts: dict[int, tuple[int, str | None]] = {}
        repeats: list[int] = []
        errors: list[BaseException] = []

        def sender(base: str, other: str, start: int) -> None:
            try:
                retry = RetryPolicy(attempts=5, base_delay=0.05)
                with (
                    Client(f"{base}/feeds/incidents", retry=retry) as c,
                    Client(f"{other}/feeds/incidents", retry=retry) as o,
                ):
                    for n in range(start, start + PER_SENDER):
                        r = c.send(make_doc(n))
                        receipts[n] = (r.status, r.location)
                        if n % 10 == 0:  # the same document again, through the other server
                            again = o.send(make_doc(n))
                            repeats.append(again.status)
                            assert again.location is not None
                            assert again.location.rsplit("/", 1)[1] == str(r.location).rsplit("/", 1)[1]
            except BaseException as exc:
                errors.append(exc)

        pulled: Counter[str] = Counter()
        walks: list[list[str]] = []
        done = threading.Event()

        def puller() -> None:
            try:
                with Client(f"{url_a}/feeds/incidents") as c:
                    while True:
                        finished = done.is_set()
                        pull_to_directory(
                            c, tmp_path / "inbox", on_document=lambda d, _: pulled.update([d.entry.id])
                        )
                        walks.append(_walk_across(url_a, url_b))
                        if finished:
                            return
                        time.sleep(0.05)
            except BaseException as exc:
                errors.append(exc)

        threads = [
            threading.Thread(target=sender, args=(url_a, url_b, 0)),
            threading.Thread(target=sender, args=(url_b, url_a, 10_000)),
        ]
        reader = threading.Thread(target=puller)
        reader.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=600)
        done.set()
        reader.join(timeout=600)
        assert errors == []
    total = 2 * PER_SENDER
    assert len(receipts) == total
    assert all(status == 201 for status, _ in receipts.values())
    assert repeats
    assert all(status == 200 for status in repeats)  # idempotent across processes
    assert len(pulled) == total  # every document pulled ...
    assert set(pulled.values()) == {1}  # ... exactly once
    assert len(list((tmp_path / "inbox").glob("*.xml"))) == total
    assert len(walks) >= 2
    for walk in walks:
        assert len(walk) == len(set(walk))  # no entry twice in one walk, pages taken across servers
    assert len(walks[-1]) == total
