"""RFC 8727 JSON and CBOR through a real ``iodef serve``: sent by ``iodef send``, stored as the XML
it holds with the bytes as received beside it, served as XML, JSON or CBOR by ``Accept``, and a
reader below the document's strictest part gets its redacted view in JSON too."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from exchange_helpers import Server, make_doc, run_iodef
from test_exchange_redact import READERS, document, flow, incident, ranks_served

import iodef
from iodef.json import to_xml_bytes
from iodef.validate import is_valid
from tests.conftest import canonical

FAST = ["--retries", "2", "--backoff", "0.02", "--connect-timeout", "2", "--timeout", "20"]
#: green, with an amber event: the green reader gets it redacted, the amber reader whole
GREEN_WITH_AMBER = document(incident(901, "green", flow(("source", "192.0.2.91", "amber"))))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("json-server")
    peers = base / "peers.toml"
    text = '[[peers]]\nname = "sender"\ntoken = "tok-sender"\npost = ["*"]\nread = "none"\n'
    for name, rank in READERS.items():
        level = {-1: "none", 0: "public", 1: "green", 2: "amber"}[rank]
        text += f'\n[[peers]]\nname = "{name}"\ntoken = "tok-{name}"\nread = "{level}"\n'
    peers.write_text(text)
    args = ["--db", f"sqlite:///{base / 'store.db'}", "--insecure-http", "--peers", str(peers)]
    with Server(args, log=base / "server.log") as srv:
        yield srv


def feed_url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}/feeds/incidents"


def as_reader(server: Server, reader: str) -> httpx.Client:
    return httpx.Client(headers={"Authorization": f"Bearer tok-{reader}"}, timeout=30)


def send(
    server: Server, tmp_path: Path, *files: Path, extra: tuple[str, ...] = ()
) -> list[dict[str, object]]:
    done = run_iodef(
        "send", *map(str, files), "--to", feed_url(server), "--token", "tok-sender",
        "--outbox", str(tmp_path / "ob.sqlite"), "--format", "json", *FAST, *extra,
    )  # fmt: skip
    assert "Traceback" not in done.stderr.decode()
    return [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]


def test_json_sent_by_iodef_send_is_served_as_xml_and_json_and_redacted_per_reader(
    server: Server, tmp_path: Path
) -> None:
    xml_file = tmp_path / "incident.xml"
    xml_file.write_bytes(GREEN_WITH_AMBER)
    made = run_iodef("fmt", "--to", "json", str(xml_file))
    assert made.returncode == 0, made.stderr
    sent = made.stdout
    json_file = tmp_path / "incident.json"
    json_file.write_bytes(sent)

    (receipt,) = send(server, tmp_path, json_file)
    assert (receipt["outcome"], receipt["status"]) == ("delivered", 201), receipt
    document_url = f"{receipt['location']}/document"

    with as_reader(server, "amb") as http:  # cleared for all of it
        as_xml = http.get(document_url)
        assert as_xml.headers["content-type"].startswith("application/xml")
        assert canonical(as_xml.content) == canonical(to_xml_bytes(sent))
        assert is_valid(as_xml.content)
        as_json = http.get(document_url, headers={"Accept": "application/json"})
        assert as_json.status_code == 200
        assert as_json.headers["content-type"].startswith("application/json")
        assert as_json.content == sent  # the bytes as received
        assert "Accept" in as_json.headers["vary"]
        assert as_json.headers["etag"] != as_xml.headers["etag"]
        received = http.get(f"{receipt['location']}/received")
        assert received.status_code == 200
        assert received.content == sent
        assert received.headers["content-type"].startswith("application/json")
        as_cbor = http.get(document_url, headers={"Accept": "application/cbor"})
        assert as_cbor.headers["content-type"].startswith("application/cbor")
        assert iodef.parse_cbor(as_cbor.content) == iodef.parse_json(sent)

    with as_reader(server, "grn") as http:  # green: the amber event is withheld
        view_xml = http.get(document_url)
        view_json = http.get(document_url, headers={"Accept": "application/json"})
        assert view_json.status_code == 200
        assert int(view_json.headers["iodef-withheld-parts"]) >= 1
        assert view_json.content != sent
        assert b"192.0.2.91" not in view_json.content
        assert b"192.0.2.91" not in view_xml.content
        from_json = iodef.dumps(iodef.parse_json(view_json.content))
        assert max(ranks_served(from_json)) <= READERS["grn"]
        assert canonical(from_json) == canonical(view_xml.content)  # the same view, in JSON
        assert is_valid(from_json)
        # the bytes as received hold the amber event: never served below the whole document
        assert http.get(f"{receipt['location']}/received").status_code == 404

    with as_reader(server, "pub") as http:  # public: nothing of it
        assert http.get(document_url, headers={"Accept": "application/json"}).status_code == 404

    # the sender's retry of the same JSON is a repeat of the first entry
    (again,) = send(server, tmp_path, json_file)
    assert (again["outcome"], again["location"]) == ("repeat", receipt["location"])


def test_pull_gets_the_json_sent_document_as_xml(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "pulled.json"
    source.write_bytes(iodef.dumps_json(iodef.parse(make_doc(902, restriction="green"))))
    (receipt,) = send(server, tmp_path, source)
    assert receipt["outcome"] == "delivered", receipt
    out = tmp_path / "in"
    pulled = run_iodef(
        "pull", feed_url(server), "-o", str(out), "--token", "tok-grn", "--format", "json", *FAST
    )
    assert pulled.returncode == 0, pulled.stderr
    saved = [json.loads(line) for line in pulled.stdout.decode().splitlines()]
    entry_id = str(receipt["location"]).rsplit("/", 1)[-1]
    (mine,) = [s for s in saved if entry_id in s["entry"]]
    assert mine["valid"]
    assert canonical(Path(mine["saved"]).read_bytes()) == canonical(to_xml_bytes(source.read_bytes()))


def test_a_directory_of_json_and_cbor_is_sent_each_with_its_content_type(
    server: Server, tmp_path: Path
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.json").write_bytes(iodef.dumps_json(iodef.parse(make_doc(903))))
    (docs / "b.cbor").write_bytes(iodef.dumps_cbor(iodef.parse(make_doc(904))))
    (docs / "c.xml").write_bytes(make_doc(905))
    receipts = send(server, tmp_path, docs)
    assert sorted(r["outcome"] for r in receipts) == ["delivered"] * 3, receipts
    with as_reader(server, "amb") as http:
        for r in receipts:
            got = http.get(f"{r['location']}/received")
            kind = Path(str(r["source"])).suffix
            if kind == ".xml":  # stored as received: no separate received form
                assert got.status_code == 404
            else:
                assert got.headers["content-type"] == f"application/{kind[1:]}"
                assert got.content == (docs / Path(str(r["source"])).name).read_bytes()


def test_redact_above_cuts_a_json_document_and_sends_it_as_json(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "cut.json"
    source.write_bytes(
        iodef.dumps_json(
            iodef.parse(document(incident(906, "green", flow(("source", "192.0.2.96", "amber")))))
        )
    )
    (receipt,) = send(server, tmp_path, source, extra=("--redact-above", "green"))
    assert receipt["outcome"] == "delivered", receipt
    with as_reader(server, "amb") as http:
        got = http.get(f"{receipt['location']}/received")
        assert got.headers["content-type"] == "application/json"
        assert b"192.0.2.96" not in got.content
        assert iodef.parse_json(got.content).incidents[0].incident_id.value == "R-906"


def test_invalid_json_is_refused_by_the_server_with_its_findings(server: Server, tmp_path: Path) -> None:
    data = json.loads(iodef.dumps_json(iodef.parse(make_doc(907))))
    data["Incident"][0]["purpose"] = "bogus"
    bad = tmp_path / "bad.json"
    bad.write_bytes(json.dumps(data).encode())
    local = send(server, tmp_path, bad)
    assert local[0]["outcome"] == "invalid"  # the sender checks JSON like XML before sending
    (refused,) = send(server, tmp_path, bad, extra=("--no-validate",))
    assert (refused["outcome"], refused["status"]) == ("refused", 422), refused
    with httpx.Client(headers={"Authorization": "Bearer tok-sender"}, timeout=30) as http:
        answer = http.post(
            feed_url(server), content=bad.read_bytes(), headers={"Content-Type": "application/json"}
        )
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"
        rules = {i["rule"] for i in answer.json()["issues"]}
        assert "json-schema" in rules
        # a body that is not what its Content-Type says, and JSON that is no IODEF document
        mismatch = http.post(
            feed_url(server), content=make_doc(908), headers={"Content-Type": "application/json"}
        )
        assert (mismatch.status_code, mismatch.json()["type"]) == (400, "urn:iodef:problem:unreadable")
        junk = http.post(
            feed_url(server), content=b'{"a": 1, "a": 2}', headers={"Content-Type": "application/json"}
        )
        assert junk.status_code == 400
        assert "twice" in junk.json()["detail"]
        other = http.post(feed_url(server), content=b"x", headers={"Content-Type": "text/plain"})
        assert other.status_code == 415
        assert "application/json" in other.headers["accept-post"]


def test_feed_entries_of_json_documents_are_atom_as_before(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "feed.json"
    source.write_bytes(iodef.dumps_json(iodef.parse(make_doc(909, restriction="public"))))
    (receipt,) = send(server, tmp_path, source)
    with as_reader(server, "pub") as http:
        parsed = feedparser.parse(http.get(feed_url(server)).content)
    assert not parsed.bozo
    assert any(str(receipt["location"]).endswith(e.id.rsplit(":", 1)[-1]) for e in parsed.entries)
    assert any("T-000909" in e.title for e in parsed.entries)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_store_keeps_the_bytes_as_received_for_whole_readers_only(backend: str, tmp_path: Path) -> None:
    from exchange_helpers import empty_postgres

    from iodef.exchange.store import NewDocument, Store

    url = f"sqlite:///{tmp_path / 's.db'}" if backend == "sqlite" else empty_postgres()
    store = Store(url)
    try:
        common = {"feed": "incidents", "sender": "alpha", "purpose": "reporting", "generation_time": None,
                  "report_time": None, "incident_name": "csirt.example.org"}  # fmt: skip
        sent = NewDocument(digest="a" * 64, body=b"<xml/>", restriction="amber", incident_id="1",
                           visible_rank=1, views=((1, 1, "green", b"<view/>"),),
                           received=("application/json", b'{"sent": 1}'), **common)  # fmt: skip
        plain = NewDocument(digest="b" * 64, body=b"<xml2/>", restriction="green", incident_id="2", **common)
        entry, _ = store.add(sent)
        other, _ = store.add(plain)
        whole = store.received("incidents", entry.entry_id, reader="amber-reader", max_rank=2)
        assert whole == ("application/json", b'{"sent": 1}')
        assert store.received("incidents", entry.entry_id, reader="alpha", max_rank=-1) == whole  # its sender
        assert store.received("incidents", entry.entry_id, reader="green-reader", max_rank=1) is None
        assert store.get("incidents", entry.entry_id, reader="green-reader", max_rank=1) is not None
        assert store.received("incidents", other.entry_id, reader="amber-reader", max_rank=2) is None
    finally:
        store.close()


def test_a_json_answer_costs_one_request_of_the_rate_limit(tmp_path: Path) -> None:
    peers = tmp_path / "peers.toml"
    peers.write_text(
        '[[peers]]\nname = "sender"\ntoken = "tok-sender"\npost = ["*"]\nread = "none"\n\n'
        '[[peers]]\nname = "slow"\ntoken = "tok-slow"\nread = "amber"\nrate = 0.001\nburst = 1\n'
    )
    args = ["--db", f"sqlite:///{tmp_path / 's.db'}", "--insecure-http", "--peers", str(peers)]
    with Server(args, log=tmp_path / "server.log") as srv:
        source = tmp_path / "one.json"
        source.write_bytes(iodef.dumps_json(iodef.parse(make_doc(910))))
        (receipt,) = send(srv, tmp_path, source)
        assert receipt["outcome"] == "delivered", receipt
        with as_reader(srv, "slow") as http:
            first = http.get(f"{receipt['location']}/document", headers={"Accept": "application/json"})
            assert first.status_code == 200, first.text
            assert first.content == source.read_bytes()
            assert http.get(f"{receipt['location']}/document").status_code == 429  # the bucket is empty
