"""A real ``iodef serve`` over TLS with client certificates (mTLS) and per-peer tokens."""

from __future__ import annotations

import asyncio
import hashlib
import json
import ssl
import sys
from collections.abc import Iterator
from pathlib import Path

import feedparser
import httpx
import pytest
from exchange_helpers import Server, make_doc
from lxml import etree

from iodef import ExchangeRejectedError, ExchangeTransportError
from iodef.exchange import AsyncClient, Client, RetryPolicy
from iodef.exchange.rolie import APP_NS, ATOM_NS, INFORMATION_TYPE_SCHEME

TOKENS = {
    "alpha": "alpha-secret-token",
    "beta": "beta-secret-token",
    "gamma": "gamma-secret",
    "slow": "slow-s",
}
MAX_BYTES = 20_000
PAGE = 5

PEERS = f"""
feeds = ["incidents", "paging", "restricted", "pulled"]

[[peers]]
name = "alpha"
token = "{TOKENS["alpha"]}"
post = ["*"]
read = "amber"

[[peers]]
name = "beta"
token_sha256 = "{hashlib.sha256(TOKENS["beta"].encode()).hexdigest()}"
post = []
read = "public"

[[peers]]
name = "gamma"
token = "{TOKENS["gamma"]}"
post = ["incidents"]
read = "green"

[[peers]]
name = "slow"
token = "{TOKENS["slow"]}"
post = ["incidents"]
read = "public"
rate = 0.01
burst = 2
"""


@pytest.fixture(scope="module")
def server(pki: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("tls-server")
    peers = base / "peers.toml"
    peers.write_text(PEERS)
    srv = Server(
        [
            "--db", f"sqlite:///{base / 'store.db'}",
            "--peers", str(peers),
            "--tls-cert", str(pki["server"]),
            "--tls-key", str(pki["server"]),
            "--client-ca", str(pki["ca"]),
            "--page-size", str(PAGE),
            "--max-bytes", str(MAX_BYTES),
        ],
        log=base / "server.log",
    )  # fmt: skip
    with srv:
        yield srv


def base_url(server: Server) -> str:
    return f"https://127.0.0.1:{server.port}"


def ssl_ctx(pki: dict[str, Path], cert: str | None = "client") -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=str(pki["ca"]))
    if cert is not None:
        ctx.load_cert_chain(str(pki[cert]))
    return ctx


@pytest.fixture
def http(pki: dict[str, Path], server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url(server), verify=ssl_ctx(pki), timeout=30) as c:
        yield c


def auth(peer: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {TOKENS[peer]}"}


def post(http: httpx.Client, feed: str, body: bytes, peer: str = "alpha", **headers: str) -> httpx.Response:
    return http.post(
        f"/feeds/{feed}", content=body, headers={"Content-Type": "application/xml", **auth(peer), **headers}
    )


def client(
    server: Server, pki: dict[str, Path], peer: str = "alpha", feed: str = "incidents", **kw: object
) -> Client:
    return Client(
        f"{base_url(server)}/feeds/{feed}",
        token=TOKENS[peer],
        ca=pki["ca"],
        cert=pki["client"],
        retry=RetryPolicy(attempts=2, base_delay=0.05),
        **kw,  # type: ignore[arg-type]
    )


def c14n(data: bytes) -> str:
    return etree.canonicalize(etree.fromstring(data), with_comments=False)


# -- documents of the repository ---------------------------------------------------------------------


def test_service_and_category_documents(http: httpx.Client, server: Server) -> None:
    r = http.get("/", headers=auth("beta"))
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/atomsvc+xml")
    root = etree.fromstring(r.content)
    hrefs = [c.get("href") for c in root.iter(f"{{{APP_NS}}}collection")]
    assert hrefs == [f"{base_url(server)}/feeds/{f}" for f in ("incidents", "paging", "restricted", "pulled")]
    for coll in root.iter(f"{{{APP_NS}}}collection"):
        cats = coll.findall(f"{{{APP_NS}}}categories/{{{ATOM_NS}}}category")
        assert [(c.get("scheme"), c.get("term")) for c in cats] == [(INFORMATION_TYPE_SCHEME, "incident")]
    r = http.get("/categories", headers=auth("beta"))
    assert r.status_code == 200
    cat = etree.fromstring(r.content).find(f"{{{ATOM_NS}}}category")
    assert cat is not None
    assert cat.get("term") == "incident"


def test_post_answers_201_with_location_and_entry(http: httpx.Client) -> None:
    body = make_doc(1)
    r = post(http, "incidents", body)
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert r.headers["content-type"].startswith("application/atom+xml")
    entry = etree.fromstring(r.content)
    assert entry.tag == f"{{{ATOM_NS}}}entry"
    self_link = entry.find(f"{{{ATOM_NS}}}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == location
    content = entry.find(f"{{{ATOM_NS}}}content")
    assert content is not None
    assert content.get("type") == "application/xml"
    got = http.get(content.get("src"), headers=auth("alpha"))
    assert got.status_code == 200
    assert got.content == body  # the bytes as received
    again = http.get(location, headers=auth("alpha"))
    assert again.status_code == 200
    assert etree.fromstring(again.content).findtext(f"{{{ATOM_NS}}}id") == entry.findtext(f"{{{ATOM_NS}}}id")


def test_repeat_answers_with_the_first_entry(http: httpx.Client) -> None:
    body = make_doc(2)
    first = post(http, "incidents", body)
    # The same document, differently serialised (canonically equal): still a repeat.
    resent = body.split(b"?>\n", 1)[1].replace(b'version="2.00"', b"version='2.00'")
    again = post(http, "incidents", resent.replace(b"><Incident", b"><!-- resent --><Incident"))
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["location"] == first.headers["location"]
    # Another sender posting the same bytes is not a repeat of alpha's.
    other = post(http, "incidents", body, peer="gamma")
    assert other.status_code == 201
    assert other.headers["location"] != first.headers["location"]


def test_changed_document_becomes_a_linked_version(http: httpx.Client) -> None:
    v1 = post(http, "incidents", make_doc(3, description="First account"))
    v2 = post(http, "incidents", make_doc(3, description="Corrected account"))
    assert v1.status_code == v2.status_code == 201
    assert v1.headers["location"] != v2.headers["location"]
    entry = etree.fromstring(v2.content)
    prev = entry.find(f"{{{ATOM_NS}}}link[@rel='predecessor-version']")
    assert prev is not None
    assert prev.get("href") == v1.headers["location"]


def test_prefer_return_minimal_answers_with_the_location_and_no_entry(http: httpx.Client) -> None:
    body = make_doc(901)
    r = post(http, "incidents", body, Prefer="return=minimal")
    assert r.status_code == 201, r.text
    assert r.content == b""
    assert r.headers["preference-applied"] == "return=minimal"
    assert "content-location" not in r.headers
    assert "content-type" not in r.headers
    location = r.headers["location"]
    # The entry it names is there, and is the one a POST without the preference would have answered with.
    got = http.get(location, headers=auth("alpha"))
    assert got.status_code == 200
    self_link = etree.fromstring(got.content).find(f"{{{ATOM_NS}}}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == location
    # A repeat, the preference among others (RFC 7240 lists): 200, the first entry named, still no entry.
    again = post(http, "incidents", body, Prefer="respond-async, return=minimal; x=1")
    assert again.status_code == 200
    assert again.content == b""
    assert again.headers["location"] == location
    assert again.headers["iodef-repeat-of"] == location


@pytest.mark.parametrize(
    ("n", "prefer"),
    [
        (902, "return=representation"),
        (903, "handling=lenient"),
        (904, "return=representation, return=minimal"),
    ],
)
def test_without_return_minimal_the_answer_carries_the_entry(http: httpx.Client, n: int, prefer: str) -> None:
    r = post(http, "incidents", make_doc(n), Prefer=prefer)
    assert r.status_code == 201, r.text
    assert "preference-applied" not in r.headers
    assert r.headers["content-location"] == r.headers["location"]
    self_link = etree.fromstring(r.content).find(f"{{{ATOM_NS}}}link[@rel='self']")
    assert self_link is not None
    assert self_link.get("href") == r.headers["location"]


def test_atom_entry_wrapping_a_document_is_accepted(http: httpx.Client) -> None:
    inner = make_doc(4)
    wrapped = (
        (
            f'<entry xmlns="{ATOM_NS}"><id>urn:uuid:1</id><title>t</title>'
            "<updated>2026-11-20T00:00:00Z</updated>"
            '<content type="application/xml">'
        ).encode()
        + inner.split(b"?>", 1)[1]
        + b"</content></entry>"
    )
    r = post(http, "incidents", wrapped, **{"Content-Type": "application/atom+xml;type=entry"})
    assert r.status_code == 201, r.text
    src = etree.fromstring(r.content).find(f"{{{ATOM_NS}}}content").get("src")
    stored = http.get(src, headers=auth("alpha")).content
    assert c14n(stored) == c14n(inner)


# -- refusals -----------------------------------------------------------------------------------------


def problem(r: httpx.Response) -> dict[str, object]:
    assert r.headers["content-type"].startswith("application/problem+json"), r.headers
    data = json.loads(r.content)
    assert data["status"] == r.status_code
    assert data["type"]
    assert data["title"]
    return data


def test_400_for_unreadable_xml(http: httpx.Client) -> None:
    r = post(http, "incidents", b"<IODEF-Document xmlns='urn:ietf:params:xml:ns:iodef-2.0'><Incident>")
    assert r.status_code == 400
    issues = problem(r)["issues"]
    assert isinstance(issues, list)
    assert issues[0]["line"] == 1


def test_400_for_a_doctype(http: httpx.Client) -> None:
    r = post(http, "incidents", b'<!DOCTYPE x [<!ENTITY e "boom">]>' + make_doc(5).split(b"?>", 1)[1])
    assert r.status_code == 400
    assert "DOCTYPE" in str(problem(r)["detail"])


def test_415_for_wrong_media_type(http: httpx.Client) -> None:
    r = post(http, "incidents", make_doc(6), **{"Content-Type": "text/plain"})
    assert r.status_code == 415
    problem(r)


def test_422_lists_the_issues(http: httpx.Client) -> None:
    r = post(http, "incidents", make_doc(7, purpose=None))
    assert r.status_code == 422
    data = problem(r)
    issues = data["issues"]
    assert isinstance(issues, list)
    assert issues
    assert any("purpose" in i["message"] for i in issues)
    # make_doc writes the whole document on line 2, after the XML declaration
    assert all(i["line"] == 2 and i["rule"].startswith("xsd:") for i in issues)
    assert {i["path"] for i in issues} == {"/IODEF-Document/Incident"}


def test_422_for_iodef_v1(http: httpx.Client) -> None:
    v1 = (
        b'<IODEF-Document version="1.00" xmlns="urn:ietf:params:xml:ns:iodef-1.0">'
        b"<Incident/></IODEF-Document>"
    )
    r = post(http, "incidents", v1)
    assert r.status_code == 422
    assert "v1" in str(problem(r)["detail"])


def test_413_from_content_length(http: httpx.Client) -> None:
    big = make_doc(8, description="x" * (MAX_BYTES + 10))
    r = post(http, "incidents", big)
    assert r.status_code == 413
    problem(r)


def test_413_while_streaming_without_length(http: httpx.Client) -> None:
    chunk = b"<!--" + b"x" * 4000 + b"-->"

    def body() -> Iterator[bytes]:
        yield make_doc(9).split(b"<Incident", 1)[0]
        for _ in range(10):
            yield chunk

    r = http.post(
        "/feeds/incidents", content=body(), headers={"Content-Type": "application/xml", **auth("alpha")}
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    "query",
    [
        "cursor=not-a-cursor",
        "cursor=MjAyNi0xMS0yMFQwODoxNTowMHwx",  # base64 of a time without an offset
        "cursor=MjAyNi0xMS0yMFQwODoxNTowMCswMDowMHwtMQ",  # a negative id
        "limit=ten",
        "since=yesterday",
        "since=0001-01-01T00:00:00%2B01:00",
        "cursor=MDAwMS0wMS0wMVQwMDowMDowMCsxNDowMHwx",  # a time whose UTC is before year 1
    ],
)
def test_400_for_a_bad_feed_query(http: httpx.Client, query: str) -> None:
    r = http.get(f"/feeds/incidents?{query}", headers=auth("alpha"))
    assert r.status_code == 400, r.text
    assert problem(r)["type"] == "urn:iodef:problem:bad-query"


def test_405_names_the_allowed_methods(http: httpx.Client) -> None:
    r = http.put("/feeds/incidents", content=make_doc(10), headers=auth("alpha"))
    assert r.status_code == 405
    allowed = {m.strip() for m in r.headers["allow"].split(",")}
    assert {"GET", "POST"} <= allowed
    problem(r)
    r = http.delete("/feeds/incidents/x/document", headers=auth("alpha"))
    assert r.status_code == 405


def test_404_for_unknown_feed_and_entry(http: httpx.Client) -> None:
    assert post(http, "nope", make_doc(11)).status_code == 404
    assert http.get("/feeds/incidents/not-an-entry", headers=auth("alpha")).status_code == 404


def test_401_without_or_with_an_unknown_token(http: httpx.Client) -> None:
    r = http.post("/feeds/incidents", content=make_doc(12), headers={"Content-Type": "application/xml"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"].startswith("Bearer")
    r = post(http, "incidents", make_doc(12), Authorization="Bearer not-a-token")
    assert r.status_code == 401
    assert http.get("/feeds/incidents").status_code == 401


def test_403_when_the_peer_may_not_post_there(http: httpx.Client) -> None:
    assert post(http, "incidents", make_doc(13), peer="beta").status_code == 403
    assert post(http, "paging", make_doc(13), peer="gamma").status_code == 403


def test_429_with_retry_after_when_a_peer_exceeds_its_rate(http: httpx.Client) -> None:
    answers = [http.get("/feeds/incidents", headers=auth("slow")) for _ in range(3)]
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert answers[2].status_code == 429
    assert int(answers[2].headers["retry-after"]) >= 1
    problem(answers[2])
    # Other peers are not slowed down by it.
    assert http.get("/feeds/incidents", headers=auth("beta")).status_code == 200


# -- who may read what ----------------------------------------------------------------------------------


def visible(http: httpx.Client, feed: str, peer: str) -> set[str]:
    parsed = feedparser.parse(http.get(f"/feeds/{feed}?limit=1000", headers=auth(peer)).content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return {e.title for e in parsed.entries}


def test_restriction_filtering(http: httpx.Client) -> None:
    labels = {"public": 100, "green": 101, "amber": 102, "red": 103, None: 104}
    for label, n in labels.items():
        assert post(http, "restricted", make_doc(n, restriction=label)).status_code == 201

    def title(n: int) -> str:
        return f"Incident T-{n:06d}@csirt.example.org"

    assert visible(http, "restricted", "beta") == {title(100)}
    assert visible(http, "restricted", "gamma") == {title(100), title(101)}
    assert visible(http, "restricted", "alpha") == {title(n) for n in labels.values()}  # its own


def test_red_entries_are_served_to_their_sender_only(http: httpx.Client) -> None:
    r = post(http, "incidents", make_doc(200, restriction="red"), peer="gamma")
    assert r.status_code == 201
    location = r.headers["location"]
    assert http.get(location, headers=auth("gamma")).status_code == 200
    assert http.get(location + "/document", headers=auth("gamma")).status_code == 200
    for reader in ("alpha", "beta"):
        assert http.get(location, headers=auth(reader)).status_code == 404
        assert http.get(location + "/document", headers=auth(reader)).status_code == 404
    assert "Incident T-000200@csirt.example.org" not in visible(http, "incidents", "alpha")


def test_a_red_part_restricts_the_whole_document(http: httpx.Client) -> None:
    # RFC 7970 §3.3.1: the Contact's restriction overrides the Incident's.
    r = post(http, "incidents", make_doc(210, restriction="public", contact_restriction="red"))
    assert r.status_code == 201, r.text
    location = r.headers["location"]
    assert http.get(location + "/document", headers=auth("alpha")).status_code == 200  # its sender
    for reader in ("beta", "gamma"):
        assert http.get(location, headers=auth(reader)).status_code == 404
        assert http.get(location + "/document", headers=auth(reader)).status_code == 404
        assert "Incident T-000210@csirt.example.org" not in visible(http, "incidents", reader)


# -- paging and the library client ------------------------------------------------------------------------


def test_paging_follows_next_links_newest_first(
    server: Server, pki: dict[str, Path], http: httpx.Client
) -> None:
    with client(server, pki, feed="paging") as c:
        sent = [c.send(make_doc(300 + n)).location for n in range(12)]
        first = c.feed()
        assert len(first.entries) == PAGE
        assert first.next is not None
        entries = list(c.iter_entries())
    assert [e.links["self"] for e in entries] == list(reversed(sent))
    parsed = feedparser.parse(http.get("/feeds/paging", headers=auth("alpha")).content)
    assert not parsed.bozo
    assert len(parsed.entries) == PAGE
    assert any(link.rel == "next" for link in parsed.feed.links)
    assert all(e.links for e in parsed.entries)


def test_since_returns_only_newer_entries(server: Server, pki: dict[str, Path]) -> None:
    with client(server, pki, feed="paging") as c:
        c.send(make_doc(400))
        newest = c.feed().entries[0]
        assert newest.updated is not None
        later = c.send(make_doc(401)).location
        got = [e.links["self"] for e in c.iter_entries(since=newest.updated)]
    assert later in got
    assert newest.links["self"] in got
    assert len(got) == 2


def test_client_pull_validates_what_it_fetches(server: Server, pki: dict[str, Path]) -> None:
    with client(server, pki, feed="pulled") as c:  # its own feed: no reliance on other tests
        sent = {c.send(make_doc(450 + n)).location for n in range(PAGE + 2)}  # two pages
        pulled = list(c.pull())
    assert {p.entry.links["self"] for p in pulled} == sent
    assert all(p.error is None and p.issues == [] and p.body.startswith(b"<?xml") for p in pulled)


def test_async_client_sends_and_reads(server: Server, pki: dict[str, Path]) -> None:
    async def run() -> tuple[list[int], int]:
        async with AsyncClient(
            f"{base_url(server)}/feeds/incidents", token=TOKENS["alpha"], ca=pki["ca"], cert=pki["client"]
        ) as c:
            receipts = await asyncio.gather(*(c.send(make_doc(500 + n)) for n in range(4)))
            page = await c.feed()
            return [r.status for r in receipts], len(page.entries)

    statuses, listed = asyncio.run(run())
    assert statuses == [201] * 4
    assert listed > 0


class _ImportSpy:
    """A meta path finder that only notes the modules looked up (an import that sys.modules lacks)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, name: str, path: object = None, target: object = None) -> None:
        self.names.append(name)
        return None


def test_sending_looks_up_no_module(server: Server, pki: dict[str, Path]) -> None:
    """Once a client has sent, sending more imports nothing.

    httpcore imports ``sniffio`` inside the function that names the async library, for each lock and
    event it sets up (four a document); anyio 4.11 stopped installing it, and Python does not cache
    a failed import, so each of those searched every directory of sys.path: about a fifth of the
    client's CPU a document. iodef depends on sniffio so that the import is found once.
    """
    url = f"{base_url(server)}/feeds/incidents"
    spy = _ImportSpy()

    async def send_async() -> list[int]:
        async with AsyncClient(url, token=TOKENS["alpha"], ca=pki["ca"], cert=pki["client"]) as c:
            first = await c.send(make_doc(600))
            sys.meta_path.insert(0, spy)
            try:
                rest = await asyncio.gather(*(c.send(make_doc(601 + n)) for n in range(6)))
                rest.append(await c.send(make_doc(607)))
            finally:
                sys.meta_path.remove(spy)
            return [r.status for r in (first, *rest)]

    assert asyncio.run(send_async()) == [201] * 8
    with Client(url, token=TOKENS["alpha"], ca=pki["ca"], cert=pki["client"]) as c:
        first_status = c.send(make_doc(610)).status
        sys.meta_path.insert(0, spy)
        try:
            statuses = [c.send(make_doc(611 + n)).status for n in range(3)]
        finally:
            sys.meta_path.remove(spy)
    assert [first_status, *statuses] == [201] * 4
    assert spy.names == []


def test_client_rejection_is_not_retried(server: Server, pki: dict[str, Path]) -> None:
    c = Client(
        f"{base_url(server)}/feeds/incidents",
        token=TOKENS["beta"],
        ca=pki["ca"],
        cert=pki["client"],
        retry=RetryPolicy(attempts=5, base_delay=0.01),
    )
    with c, pytest.raises(ExchangeRejectedError) as info:
        c.send(make_doc(600))
    assert info.value.status == 403
    assert info.value.attempts == 1
    assert info.value.problem["status"] == 403


# -- TLS ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cert", [None, "stranger"])
def test_mtls_refuses_clients_without_a_certificate_from_the_ca(
    server: Server, pki: dict[str, Path], cert: str | None
) -> None:
    c = Client(
        f"{base_url(server)}/feeds/incidents",
        token=TOKENS["alpha"],
        ca=pki["ca"],
        cert=pki[cert] if cert else None,
        retry=RetryPolicy(attempts=3, base_delay=0.01),
    )
    with c, pytest.raises(ExchangeTransportError):
        c.send(make_doc(700))
    # Under TLS 1.3 the server refuses the certificate after the client's handshake is done, so
    # the client sees a dropped connection rather than a TLS alert; either way nothing is stored.
    with client(server, pki) as good:
        titles = {e.title for e in good.iter_entries()}
    assert "Incident T-000700@csirt.example.org" not in titles


def test_mtls_accepts_a_client_certificate_from_the_ca(server: Server, pki: dict[str, Path]) -> None:
    with client(server, pki) as c:
        assert c.send(make_doc(701)).status == 201


def test_client_refuses_a_server_it_does_not_trust(server: Server, pki: dict[str, Path]) -> None:
    c = Client(f"{base_url(server)}/feeds/incidents", token=TOKENS["alpha"], cert=pki["client"])
    with c, pytest.raises(ExchangeTransportError) as info:
        c.feed()
    assert "TLS" in str(info.value)


def test_token_is_not_shown(server: Server, pki: dict[str, Path]) -> None:
    c = client(server, pki)
    with c:
        assert TOKENS["alpha"] not in repr(c)
        assert TOKENS["alpha"] not in repr(vars(c))


POST_VECTORS = Path(__file__).resolve().parents[2] / "fixtures" / "exchange" / "post"
EXPECTED = json.loads((POST_VECTORS / "expected.json").read_text())


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_post_vectors(http: httpx.Client, name: str) -> None:
    want = EXPECTED[name]
    body = (POST_VECTORS / want.get("file", name)).read_bytes()
    r = post(http, "incidents", body, **{"Content-Type": want["content_type"]})
    assert r.status_code == want["status"], r.text
    if r.status_code >= 400:
        data = problem(r)
        issues = data.get("issues", [])
        assert isinstance(issues, list)
        if "issue_contains" in want:
            assert any(want["issue_contains"] in i["message"] for i in issues)
        if "issue_line" in want:
            assert issues[0]["line"] == want["issue_line"]
    else:
        assert r.headers["location"].startswith(str(http.base_url).rstrip("/") + "/feeds/incidents/")


def test_rfc_rules_are_on_at_the_receiver(http: httpx.Client) -> None:
    # Schema-valid, but RFC 7970 §6 wants the document's language stated.
    body = make_doc(800).replace(b' xml:lang="en"', b"")
    r = post(http, "incidents", body)
    assert r.status_code == 422
    issues = problem(r)["issues"]
    assert isinstance(issues, list)
    assert [i["rule"] for i in issues if i["severity"] == "error"] == ["RFC7970 §6"]
