"""Element-grain sharing: the restriction x reader matrix over feed, entry, document and pull.

A real ``iodef serve`` holds documents whose parts carry different restrictions (RFC 7970
§3.3.1); readers cleared for none, public, green and amber read everything they can through
every door. No element a reader receives may rank above its clearance; what is served redacted is
valid IODEF, says how many parts were withheld (AdditionalData and the feed entry), and the sender
still gets its document byte for byte.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from exchange_helpers import Server, make_doc, run_iodef
from lxml import etree

from iodef.validate import is_valid

NS = "urn:ietf:params:xml:ns:iodef-2.0"
RANK = {
    "public": 0,
    "white": 0,
    "partner": 1,
    "green": 1,
    "need-to-know": 2,
    "amber": 2,
    "private": 3,
    "red": 3,
}
READERS = {"nobody": -1, "pub": 0, "grn": 1, "amb": 2}
FAST = ["--retries", "2", "--backoff", "0.02", "--connect-timeout", "2", "--timeout", "20"]


def incident(n: int, restriction: str | None, inner: str = "", contact: str | None = None) -> str:
    restr = f' restriction="{restriction}"' if restriction else ""
    crestr = f' restriction="{contact}"' if contact else ""
    return (
        f'<Incident purpose="reporting"{restr}><IncidentID name="csirt.example.org">R-{n}</IncidentID>'
        "<GenerationTime>2026-11-20T08:15:00Z</GenerationTime>"
        f'<Contact role="creator" type="organization"{crestr}><ContactName>Example CSIRT</ContactName>'
        "<Email><EmailTo>incidents@csirt.example.org</EmailTo></Email></Contact>"
        f"{inner}</Incident>"
    )


def flow(*systems: tuple[str, str, str | None]) -> str:
    parts = []
    for category, address, restriction in systems:
        r = f' restriction="{restriction}"' if restriction else ""
        kind = "e-mail" if "@" in address else "ipv4-addr"
        parts.append(
            f'<System category="{category}"{r}><Node><Address category="{kind}">{address}</Address>'
            "</Node></System>"
        )
    return f"<EventData><Flow>{''.join(parts)}</Flow></EventData>"


def document(*incidents: str) -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<IODEF-Document version="2.00" xml:lang="en" xmlns="{NS}">{"".join(incidents)}</IODEF-Document>'
    ).encode()


#: name -> (document, what each reader should get: "whole", "redacted" or "nothing")
CASES: dict[str, tuple[bytes, dict[str, str]]] = {
    # a converted incident: amber, its recipient private
    "amber-with-private-recipient": (
        document(
            incident(
                1, "amber", flow(("source", "192.0.2.1", None), ("target", "victim@example.org", "private"))
            )
        ),
        {"nobody": "nothing", "pub": "nothing", "grn": "nothing", "amb": "redacted"},
    ),
    "green-with-amber-event": (
        document(incident(2, "green", flow(("source", "192.0.2.2", "amber")))),
        {"nobody": "nothing", "pub": "nothing", "grn": "redacted", "amb": "whole"},
    ),
    # the Contact is required: withholding it withholds the Incident, and so the document
    "public-with-red-contact": (
        document(incident(3, "public", contact="red")),
        {"nobody": "nothing", "pub": "nothing", "grn": "nothing", "amb": "nothing"},
    ),
    # a looser child inside a stricter parent goes with the parent
    "private-with-public-event": (
        document(incident(4, "private", flow(("source", "192.0.2.4", "public")))),
        {"nobody": "nothing", "pub": "nothing", "grn": "nothing", "amb": "nothing"},
    ),
    "two-incidents-public-and-amber": (
        document(incident(5, "public"), incident(6, "amber")),
        {"nobody": "nothing", "pub": "redacted", "grn": "redacted", "amb": "whole"},
    ),
    "all-public": (
        document(incident(7, "public", flow(("source", "192.0.2.7", None)))),
        {"nobody": "nothing", "pub": "whole", "grn": "whole", "amb": "whole"},
    ),
    "green": (
        make_doc(8, restriction="green"),
        {"nobody": "nothing", "pub": "nothing", "grn": "whole", "amb": "whole"},
    ),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("redact-server")
    peers = base / "peers.toml"
    text = '[[peers]]\nname = "sender"\ntoken = "tok-sender"\npost = ["*"]\nread = "none"\n'
    for name, rank in READERS.items():
        level = {-1: "none", 0: "public", 1: "green", 2: "amber"}[rank]
        text += f'\n[[peers]]\nname = "{name}"\ntoken = "tok-{name}"\nread = "{level}"\n'
    peers.write_text(text)
    args = [
        "--db",
        f"sqlite:///{base / 'store.db'}",
        "--insecure-http",
        "--peers",
        str(peers),
        "--page-size",
        "3",
    ]
    with Server(args, log=base / "server.log") as srv:
        with httpx.Client(timeout=30) as http:
            for name, (body, _) in CASES.items():
                r = http.post(
                    f"http://127.0.0.1:{srv.port}/feeds/incidents",
                    content=body,
                    headers={"Content-Type": "application/xml", "Authorization": "Bearer tok-sender"},
                )
                assert r.status_code == 201, (name, r.text)
        yield srv


def ranks_served(data: bytes) -> list[int]:
    """The effective rank of every element: its own restriction, else its parent's (Incident: private)."""
    root = etree.fromstring(data)
    out: list[int] = []

    def walk(el: etree._Element, inherited: int) -> None:
        own = el.get("restriction")
        if own is not None:
            rank = RANK.get(own, 2)
        elif el.tag == f"{{{NS}}}Incident":
            rank = 3
        else:
            rank = inherited
        out.append(rank)
        for child in el:
            if isinstance(child.tag, str):
                walk(child, rank)

    walk(root, -1)
    return out


def self_link(entry: feedparser.FeedParserDict) -> str:
    return str(next(link.href for link in entry.links if link.rel == "self"))


def ids_in(data: bytes) -> set[str]:
    root = etree.fromstring(data)
    return {str(e.text) for e in root.iter(f"{{{NS}}}IncidentID")}


def test_the_matrix_no_reader_sees_a_part_above_its_clearance(server: Server) -> None:
    base = f"http://127.0.0.1:{server.port}"
    checks = 0
    for reader, clearance in READERS.items():
        headers = {"Authorization": f"Bearer tok-{reader}"}
        with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
            # every page of the feed (page size 3: paging by cursor is followed)
            entries = []
            url: str | None = "/feeds/incidents"
            while url:
                parsed = feedparser.parse(http.get(url).content)
                assert not parsed.bozo
                entries.extend(parsed.entries)
                url = next((link.href for link in parsed.feed.links if link.rel == "next"), None)
            got: dict[str, tuple[bytes, int]] = {}
            for entry in entries:
                doc = http.get(self_link(entry) + "/document")
                assert doc.status_code == 200
                body = doc.content
                assert max(ranks_served(body)) <= clearance, (reader, entry.title)
                checks += 1
                withheld = int(doc.headers.get("iodef-withheld-parts", "0"))
                got[entry.title] = (body, withheld)
                single = http.get(self_link(entry))
                assert single.status_code == 200
                assert (
                    f"{withheld} part(s) above your clearance withheld".encode() in single.content
                    or not withheld
                )
            for name, (original, expect) in CASES.items():
                title = next((t for t, (b, _) in got.items() if ids_in(b) & ids_in(original)), None)
                want = expect[reader]
                checks += 1
                if want == "nothing":
                    assert title is None, (reader, name)
                    continue
                assert title is not None, (reader, name)
                body, withheld = got[title]
                assert is_valid(body), (reader, name)
                if want == "whole":
                    assert body == original, (reader, name)
                    assert withheld == 0, (reader, name)
                else:
                    assert withheld > 0, (reader, name)
                    note = etree.fromstring(body).find(f"{{{NS}}}AdditionalData[@meaning='withheld-parts']")
                    assert note is not None
                    assert int(str(note.text)) == withheld
    assert checks >= len(READERS) * len(CASES)


def test_the_sender_gets_its_document_byte_for_byte(server: Server) -> None:
    base = f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer tok-sender"}, timeout=30) as http:
        feed = feedparser.parse(http.get("/feeds/incidents?limit=100").content)
        bodies = {http.get(self_link(e) + "/document").content for e in feed.entries}
    assert bodies == {body for body, _ in CASES.values()}


def test_pull_says_how_many_entries_came_redacted(server: Server, tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{server.port}/feeds/incidents"
    r = run_iodef("pull", url, "--token", "tok-amb", "-o", str(tmp_path), "--format", "json", *FAST)
    assert r.returncode == 0, r.stderr
    records = [json.loads(line) for line in r.stdout.decode().splitlines()]
    redacted = sum(1 for rec in records if rec["withheld"])
    assert redacted == sum(1 for _, expect in CASES.values() if expect["amb"] == "redacted")
    assert f"{redacted} redacted for your clearance".encode() in r.stderr
    for rec in records:
        assert max(ranks_served(Path(rec["saved"]).read_bytes())) <= 2


def test_feeds_entries_and_documents_answer_304_when_unchanged(server: Server) -> None:
    base = f"http://127.0.0.1:{server.port}"
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer tok-amb"}, timeout=30) as http:
        first = http.get("/feeds/incidents")
        assert first.status_code == 200
        tag, modified = first.headers["etag"], first.headers["last-modified"]
        assert http.get("/feeds/incidents", headers={"If-None-Match": tag}).status_code == 304
        assert http.get("/feeds/incidents", headers={"If-Modified-Since": modified}).status_code == 304
        assert http.get("/feeds/incidents", headers={"If-None-Match": '"other"'}).status_code == 200
        # a date no datetime can hold is no date: the feed is sent whole (it used to be a 500)
        for since in ("Mon, 01 Jan 99999999999 00:00:00 GMT", "Mon, 01 Jan 2024 00:00:00 -99999999"):
            assert http.get("/feeds/incidents", headers={"If-Modified-Since": since}).status_code == 200
        link = self_link(feedparser.parse(first.content).entries[0])
        for path in (link, link + "/document"):
            one = http.get(path)
            again = http.get(path, headers={"If-None-Match": one.headers["etag"]})
            assert (one.status_code, again.status_code) == (200, 304)
    # another reader's view of the same feed is another representation
    with httpx.Client(base_url=base, headers={"Authorization": "Bearer tok-grn"}, timeout=30) as http:
        assert http.get("/feeds/incidents", headers={"If-None-Match": tag}).status_code == 200


def test_iodef_redact_and_send_redact_above(server: Server, tmp_path: Path) -> None:
    source = tmp_path / "converted.xml"
    source.write_bytes(CASES["amber-with-private-recipient"][0])
    cut = run_iodef("redact", str(source), "--above", "amber")
    assert cut.returncode == 0, cut.stderr
    assert b"victim@example.org" not in cut.stdout
    assert is_valid(cut.stdout)
    assert max(ranks_served(cut.stdout)) <= 2
    assert b"withheld" in cut.stderr
    nothing = run_iodef("redact", str(source), "--above", "green")
    assert nothing.returncode == 1
    assert b"nothing of it" in nothing.stderr
    bad = run_iodef("redact", str(source), "--above", "red")
    assert bad.returncode == 2
    # refused as private without the option; with it, only the amber part leaves the sender
    url = f"http://127.0.0.1:{server.port}/feeds/incidents"
    common = [
        "--to",
        url,
        "--token",
        "tok-sender",
        "--outbox",
        str(tmp_path / "ob.sqlite"),
        "--format",
        "json",
        *FAST,
    ]
    refused = run_iodef("send", str(source), *common)
    assert refused.returncode == 1
    assert json.loads(refused.stdout)["outcome"] == "refused"
    sent = run_iodef("send", str(source), "--redact-above", "amber", *common)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    location = json.loads(sent.stdout)["location"]
    stored = httpx.get(location + "/document", headers={"Authorization": "Bearer tok-sender"}).content
    assert b"victim@example.org" not in stored
    assert stored == cut.stdout


@pytest.mark.parametrize("withheld", [0, 3])
def test_entries_written_as_text_equal_the_lxml_built_ones(withheld: int) -> None:
    from datetime import UTC, datetime

    from iodef.exchange.rolie import EntryInfo, entry_document, entry_element

    info = EntryInfo(
        entry_id="5f0c6a1e-0000-4000-8000-000000000000", title='Incident <B-1>&"x"@a&b',
        received=datetime.now(UTC), sender="csirt <a> & b", incident_name='a"b', incident_id="B<1>",
        restriction="green", purpose="reporting",
        generation_time="2026-11-20T08:15:00Z", version=2, previous_entry_id="p",
        entry_url="https://a.example/feeds/incidents/x?a=1&b=2", document_url="https://a.example/x/document",
        previous_url="https://a.example/p", feed_url="https://a.example/feeds/incidents", withheld=withheld,
    )  # fmt: skip
    fast = etree.canonicalize(etree.fromstring(entry_document(info)))
    assert fast == etree.canonicalize(entry_element(info, standalone=True))


@pytest.mark.parametrize(
    ("inside", "expected"),
    [
        ('<Incident restriction="green"><A restriction="amber"/><B restriction="red"/></Incident>', "red"),
        (
            '<Incident restriction="green"><A restriction="private"/><B restriction="red"/></Incident>',
            "private",
        ),
        ('<Incident restriction="green"/><Incident/><X restriction="red"/>', "private"),
        (
            '<Incident restriction="green"><?x restriction="red"?><!--c-->'
            '<A restriction="amber"/></Incident>',
            "amber",
        ),
        ('<Incident restriction="public"><A restriction="no-such-level"/></Incident>', "no-such-level"),
        ("<X/>", None),
    ],
)
def test_a_document_counts_as_restricted_as_its_strictest_element(inside: str, expected: str | None) -> None:
    # The first of equally strict values stands; an Incident without one is private (RFC 7970
    # §3.3.1); a processing instruction's pseudo-attribute is no restriction.
    from iodef.exchange._policy import effective_restriction

    root = etree.fromstring(f'<IODEF-Document xmlns="{NS}">{inside}</IODEF-Document>'.encode())
    assert effective_restriction(root) == expected
