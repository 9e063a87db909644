"""``iodef outbox list|drop|requeue|purge-dead``: housekeeping by destination and age, through the CLI."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from exchange_helpers import free_port, make_doc, run_iodef

from iodef.exchange.credentials import Credentials
from iodef.exchange.outbox import Outbox

A = "http://127.0.0.1:9/feeds/incidents"
B = "http://127.0.0.1:10/feeds/incidents"


def _listed(outbox: Path) -> list[dict[str, object]]:
    r = run_iodef("outbox", "list", "--outbox", str(outbox), "--format", "json")
    assert r.returncode == 0, r.stderr
    return [json.loads(line) for line in r.stdout.decode().splitlines()]


def _fill(path: Path) -> None:
    with Outbox(path) as box:
        box.add_many(A, [(f"a{n}.xml", make_doc(n)) for n in range(3)], Credentials())
        box.add_many(B, [(f"b{n}.xml", make_doc(10 + n)) for n in range(2)], Credentials())
        for item in box.items()[:2]:  # two of A's were refused by the peer for their content
            box.move_to_dead_letters(item.id, 422, "invalid")
    with sqlite3.connect(path) as conn:  # one of A's waiting documents is a week old
        conn.execute("UPDATE outbox SET created = '2026-01-01T00:00:00+00:00' WHERE source = 'a2.xml'")
        conn.execute("UPDATE dead_letters SET refused = '2026-01-01T00:00:00+00:00' WHERE source = 'a0.xml'")


def test_drop_requeue_and_purge_dead_by_destination_and_age(tmp_path: Path) -> None:
    outbox = tmp_path / "ob.sqlite"
    _fill(outbox)
    states = sorted((str(i["state"]), str(i["source"])) for i in _listed(outbox))
    assert states == [("refused", "a0.xml"), ("refused", "a1.xml"), ("waiting", "a2.xml"),
                      ("waiting", "b0.xml"), ("waiting", "b1.xml")]  # fmt: skip
    ob = ["--outbox", str(outbox)]
    dropped = run_iodef("outbox", "drop", *ob, "--to", A, "--older-than", "7d")
    assert dropped.returncode == 0
    assert b"1 waiting document(s) removed" in dropped.stderr
    purged = run_iodef("outbox", "purge-dead", *ob, "--older-than", "30d")
    assert b"1 refused document(s) removed" in purged.stderr
    requeued = run_iodef("outbox", "requeue", *ob, "--to", A)
    assert b"1 refused document(s) waiting again" in requeued.stderr
    states = sorted((str(i["state"]), str(i["source"])) for i in _listed(outbox))
    assert states == [("waiting", "a1.xml"), ("waiting", "b0.xml"), ("waiting", "b1.xml")]
    assert all(i["attempts"] == 0 for i in _listed(outbox))
    assert run_iodef("outbox", "drop", *ob, "--older-than", "soon").returncode == 2
    everything = run_iodef("outbox", "drop", *ob)
    assert b"3 waiting document(s) removed" in everything.stderr
    assert _listed(outbox) == []


def test_pull_from_a_peer_that_is_down_says_so_at_once(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/feeds/incidents"
    r = run_iodef("pull", url, "-o", str(tmp_path), "--retries", "3", "--backoff", "0.01")
    assert r.returncode == 3
    first, *_ = r.stderr.decode().splitlines()
    assert "is not answering" in first
    assert "retrying (up to 3 attempts each)" in first
