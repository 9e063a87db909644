"""The TAXII 2.1 face of a real ``iodef serve``, read with the real ``taxii2-client`` and stix2's source."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import sqlalchemy as sa
from stix2 import Filter, TAXIICollectionSource
from taxii2client.v21 import Collection, Server, as_pages

from iodef.exchange import Client
from iodef.exchange.server import _index, document_digest
from iodef.exchange.store import NewDocument, Store, metadata
from iodef.xml import parse_xml
from tests.conftest import ROOT
from tests.exchange.exchange_helpers import Server as IodefServer
from tests.exchange.exchange_helpers import make_doc

BULK = 1000
TOKENS = {"poster": "poster-token", "green": "green-token", "amber": "amber-token"}


class Bearer(requests.auth.AuthBase):
    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        r.headers["Authorization"] = f"Bearer {self.token}"
        return r


def _fill(db: Path, feed: str, docs: list[bytes]) -> None:
    """Documents put in the store the way the server stores a POST (digest and index columns)."""
    store = Store(f"sqlite:///{db}", sqlite_synchronous="normal")
    try:
        for body in docs:
            root = parse_xml(body)
            store.add(
                NewDocument(
                    feed=feed, sender="poster", digest=document_digest(root), body=body, **_index(root)
                )
            )
    finally:
        store.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IodefServer]:
    base = tmp_path_factory.mktemp("taxii")
    peers = base / "peers.toml"
    peers.write_text(
        'feeds = ["incidents", "bulk"]\n'
        '[[peers]]\nname = "poster"\ntoken = "poster-token"\npost = ["*"]\nread = "amber"\n'
        '[[peers]]\nname = "green-reader"\ntoken = "green-token"\npost = []\nread = "green"\n'
        '[[peers]]\nname = "amber-reader"\ntoken = "amber-token"\npost = []\nread = "amber"\nrate = 1000.0\n'
    )
    db = base / "store.db"
    _fill(db, "bulk", [make_doc(100_000 + n, restriction="green") for n in range(BULK)])
    args = ["--db", f"sqlite:///{db}", "--insecure-http", "--peers", str(peers)]
    with IodefServer(args, log=base / "server.log") as srv:
        url = f"http://127.0.0.1:{srv.port}/feeds/incidents"
        with Client(url, token=TOKENS["poster"]) as client:
            client.send(make_doc(1, restriction="green"))
            client.send(make_doc(2, restriction="amber"))
        yield srv


def _taxii(server: IodefServer, who: str) -> Server:
    return Server(f"http://127.0.0.1:{server.port}/taxii2/", auth=Bearer(TOKENS[who]))


def _collection(server: IodefServer, who: str, title: str) -> Collection:
    (root,) = _taxii(server, who).api_roots
    return next(c for c in root.collections if c.title == title)


def _incident_ids(objects: list[dict[str, Any]]) -> set[str]:
    return {o["name"] for o in objects if o["type"] == "incident"}


def test_discovery_api_root_and_collections(server: IodefServer) -> None:
    taxii = _taxii(server, "green")
    assert taxii.title == "iodef serve (TAXII 2.1, read-only)"
    assert taxii.default is not None
    (root,) = taxii.api_roots
    assert root.versions == ["application/taxii+json;version=2.1"]
    titles = {c.title: c for c in root.collections}
    assert set(titles) == {"incidents", "bulk"}
    assert titles["bulk"].can_read
    assert not titles["bulk"].can_write
    assert titles["bulk"].media_types == ["application/stix+json;version=2.1"]


def test_a_collection_of_a_thousand_documents_pages_through(server: IodefServer) -> None:
    bulk = _collection(server, "amber", "bulk")
    pages = list(as_pages(bulk.get_objects, per_request=700))
    objects = [o for page in pages for o in page.get("objects", [])]
    assert len(pages) > 1
    assert all(len(p["objects"]) == 700 for p in pages[:-1])
    assert not pages[-1]["more"]
    names = _incident_ids(objects)
    assert names == {f"csirt.example.org T-{100_000 + n:06d}" for n in range(BULK)}
    assert len([o for o in objects if o["type"] == "incident"]) == BULK  # no object twice
    assert len([o for o in objects if o["type"] == "extension-definition"]) == 1
    manifest = [m for page in as_pages(bulk.get_manifest, per_request=1000) for m in page.get("objects", [])]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]
    assert all(m["media_type"] == "application/stix+json;version=2.1" for m in manifest)


def test_match_type_and_id(server: IodefServer) -> None:
    bulk = _collection(server, "amber", "bulk")
    incidents = bulk.get_objects(limit=5, type="incident")  # match[type]=incident
    assert [o["type"] for o in incidents["objects"]] == ["incident"] * 5
    assert incidents["more"]
    one = incidents["objects"][3]["id"]
    got = bulk.get_object(one)
    assert [o["id"] for o in got["objects"]] == [one]


def test_added_after_polls_only_what_is_new(server: IodefServer) -> None:
    incidents = _collection(server, "amber", "incidents")
    first = incidents.get_manifest()
    assert not first["more"]
    checkpoint = max(m["date_added"] for m in first["objects"])
    url = f"http://127.0.0.1:{server.port}/feeds/incidents"
    with Client(url, token=TOKENS["poster"]) as client:
        for n in (3, 4, 5):
            client.send(make_doc(n, restriction="green"))
    new = incidents.get_objects(added_after=checkpoint)
    assert _incident_ids(new["objects"]) == {f"csirt.example.org T-{n:06d}" for n in (3, 4, 5)}
    again = incidents.get_objects(
        added_after=max(m["date_added"] for m in incidents.get_manifest()["objects"])
    )
    assert again.get("objects", []) == []


def test_a_time_before_year_one_in_utc_is_a_bad_query_not_a_500(server: IodefServer) -> None:
    incidents = _collection(server, "amber", "incidents")
    for stamp in ("0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00.000+01:00"):
        with pytest.raises(requests.HTTPError) as raised:
            incidents.get_objects(added_after=stamp)
        assert raised.value.response.status_code == 400


def test_a_reader_sees_in_stix_only_what_it_may_pull_as_iodef(server: IodefServer) -> None:
    green = _incident_ids(_collection(server, "green", "incidents").get_objects()["objects"])
    amber = _incident_ids(_collection(server, "amber", "incidents").get_objects()["objects"])
    assert "csirt.example.org T-000002" in amber
    assert "csirt.example.org T-000002" not in green
    assert "csirt.example.org T-000001" in green
    # the ROLIE feed of the same reader agrees
    feed = requests.get(
        f"http://127.0.0.1:{server.port}/feeds/incidents", auth=Bearer(TOKENS["green"]), timeout=20
    ).text
    assert "T-000002" not in feed
    assert "T-000001" in feed


def test_without_a_token_nothing_is_served(server: IodefServer) -> None:
    with pytest.raises(requests.HTTPError) as caught:
        Server(f"http://127.0.0.1:{server.port}/taxii2/").refresh()
    assert caught.value.response.status_code == 401
    assert caught.value.response.headers["Content-Type"] == "application/taxii+json;version=2.1"
    wrong = requests.get(
        f"http://127.0.0.1:{server.port}/taxii2/",
        headers={"Accept": "text/html"},
        auth=Bearer(TOKENS["green"]),
        timeout=20,
    )
    assert wrong.status_code == 406
    bulk = _collection(server, "poster", "bulk")
    posted = requests.post(
        bulk.url + "objects/", json={"objects": []}, auth=Bearer(TOKENS["poster"]), timeout=20
    )
    assert posted.status_code == 405  # read-only face


def test_stix2_taxii_collection_source_reads_the_collection(server: IodefServer) -> None:
    source = TAXIICollectionSource(_collection(server, "amber", "incidents"))
    incidents = source.query([Filter("type", "=", "incident")])
    names = {i.name for i in incidents}
    assert {"csirt.example.org T-000001", "csirt.example.org T-000002"} <= names
    first = next(i for i in incidents if i.name == "csirt.example.org T-000001")
    assert source.get(first.id).name == first.name
    creator = source.get(first.created_by_ref)
    assert creator.type == "identity"
    assert creator.name == "Example CSIRT"


def test_the_docs_polling_example_works(server: IodefServer) -> None:
    page = ROOT / "docs" / "taxii.md"
    (block,) = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    scope: dict[str, Any] = {}
    exec(compile(block, str(page), "exec"), scope)
    url = f"http://127.0.0.1:{server.port}/taxii2/"
    objects, checkpoint, incidents = scope["poll"](url, TOKENS["amber"])
    assert any(o["type"] == "incident" for o in objects)
    assert {"csirt.example.org T-000001"} <= {i.name for i in incidents}
    later, _, _ = scope["poll"](url, TOKENS["amber"], added_after=checkpoint)
    assert later == []


# -- the same paging over PostgreSQL ----------------------------------------------------------------

PG_ENV = "IODEF_TEST_POSTGRES_URL"


@pytest.fixture(scope="module")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[IodefServer]:
    url = os.environ.get(PG_ENV)
    if not url:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {PG_ENV} is not set")
        pytest.skip(f"no PostgreSQL: set {PG_ENV} (bash .ci/run installs and starts one)")
    engine = sa.create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        metadata.drop_all(engine)
    finally:
        engine.dispose()
    base = tmp_path_factory.mktemp("taxii-pg")
    peers = base / "peers.toml"
    peers.write_text(
        'feeds = ["bulk"]\n[[peers]]\nname = "amber-reader"\ntoken = "amber-token"\nread = "amber"\n'
    )
    store = Store(url)
    try:
        for n in range(300):
            body = make_doc(200_000 + n, restriction="green" if n % 10 else "red")
            root = parse_xml(body)
            digest = document_digest(root)
            store.add(NewDocument(feed="bulk", sender="poster", digest=digest, body=body, **_index(root)))
    finally:
        store.close()
    with IodefServer(["--db", url, "--insecure-http", "--peers", str(peers)], log=base / "server.log") as srv:
        yield srv


def test_paging_and_polling_over_postgresql(pg_server: IodefServer) -> None:
    bulk = _collection(pg_server, "amber", "bulk")
    pages = list(as_pages(bulk.get_objects, per_request=101))
    objects = [o for page in pages for o in page.get("objects", [])]
    names = _incident_ids(objects)
    # red documents are their sender's only: 30 of the 300 stay out
    assert names == {f"csirt.example.org T-{200_000 + n:06d}" for n in range(300) if n % 10}
    assert len([o for o in objects if o["type"] == "incident"]) == 270  # none twice, none lost at a page edge
    manifest = [m for page in as_pages(bulk.get_manifest, per_request=77) for m in page.get("objects", [])]
    assert [m["id"] for m in manifest] == [o["id"] for o in objects]
    dates = sorted({m["date_added"] for m in manifest})
    middle = dates[len(dates) // 2]
    later = [o for p in as_pages(bulk.get_objects, per_request=50, added_after=middle) for o in p["objects"]]
    assert 0 < len(later) < len(objects)
    assert all(m["date_added"] > middle for m in manifest if m["id"] in {o["id"] for o in later})


def test_a_reader_gets_in_stix_only_the_parts_its_clearance_allows(tmp_path: Path) -> None:
    """A green incident with an amber Contact: the green reader's STIX has the incident, not the contact."""
    peers = tmp_path / "peers.toml"
    peers.write_text(
        'feeds = ["incidents"]\n'
        '[[peers]]\nname = "poster"\ntoken = "poster-token"\npost = ["*"]\nread = "amber"\n'
        '[[peers]]\nname = "green-reader"\ntoken = "green-token"\npost = []\nread = "green"\n'
        '[[peers]]\nname = "amber-reader"\ntoken = "amber-token"\npost = []\nread = "amber"\n'
    )
    secret = "Amber Secret Desk"
    body = make_doc(7, restriction="green").replace(
        b"</Incident>",
        f'<Contact role="tech" type="organization" restriction="amber"><ContactName>{secret}'
        "</ContactName></Contact></Incident>".encode(),
    )
    args = ["--db", f"sqlite:///{tmp_path / 'store.db'}", "--insecure-http", "--peers", str(peers)]
    with IodefServer(args, log=tmp_path / "server.log") as srv:
        with Client(f"http://127.0.0.1:{srv.port}/feeds/incidents", token=TOKENS["poster"]) as client:
            client.send(body)
        seen = {}
        for who in ("green", "amber"):
            objects = _collection(srv, who, "incidents").get_objects()["objects"]
            assert _incident_ids(objects) == {"csirt.example.org T-000007"}, who
            seen[who] = str(objects)
    assert secret in seen["amber"]
    assert secret not in seen["green"]  # withheld in STIX as in IODEF, extension included
