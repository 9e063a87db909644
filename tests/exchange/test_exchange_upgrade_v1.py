"""IODEF v1 documents at a real ``iodef serve``: refused with a problem naming the way out, or, with
``--upgrade-v1``, stored upgraded to v2 (validated, indexed, redacted as v2) with the original kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from exchange_helpers import Server

from iodef.v1 import upgrade_bytes
from iodef.validate import is_valid
from tests.conftest import FIXTURES, canonical

V1 = FIXTURES / "v1" / "every-class.xml"  # need-to-know, with private parts
PEERS = (
    '[[peers]]\nname = "sender"\ntoken = "tok-sender"\npost = ["*"]\nread = "none"\n\n'
    '[[peers]]\nname = "amb"\ntoken = "tok-amb"\nread = "amber"\n'
)


def _server(base: Path, *extra: str) -> Server:
    (base / "peers.toml").write_text(PEERS)
    args = ["--db", f"sqlite:///{base / 'store.db'}", "--insecure-http", "--peers", str(base / "peers.toml")]
    return Server([*args, *extra], log=base / "server.log")


@pytest.fixture(scope="module")
def upgrading(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with _server(tmp_path_factory.mktemp("v1-upgrade"), "--upgrade-v1") as srv:
        yield srv


def post(
    server: Server, body: bytes, token: str = "tok-sender", ctype: str = "application/xml"
) -> httpx.Response:
    return httpx.post(
        f"http://127.0.0.1:{server.port}/feeds/incidents",
        content=body,
        headers={"Content-Type": ctype, "Authorization": f"Bearer {token}"},
        timeout=30,
    )


def get(url: str, token: str, **headers: str) -> httpx.Response:
    return httpx.get(url, headers={"Authorization": f"Bearer {token}", **headers}, timeout=30)


def test_without_the_option_a_v1_document_is_refused_naming_the_way_out(tmp_path: Path) -> None:
    with _server(tmp_path) as srv:
        answer = post(srv, V1.read_bytes())
    assert answer.status_code == 422
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["type"] == "urn:iodef:problem:iodef-v1"
    assert "--upgrade-v1" in problem["detail"]
    assert "iodef upgrade" in problem["detail"]


def test_with_the_option_it_is_stored_upgraded_and_the_original_kept(upgrading: Server) -> None:
    original = V1.read_bytes()
    first = post(upgrading, original)
    assert first.status_code == 201, first.text
    assert first.headers["iodef-upgraded-from"] == "1.00"
    assert int(first.headers["iodef-upgrade-notes"]) > 0
    location = first.headers["location"]

    stored = get(f"{location}/document", "tok-sender")  # the sender gets its document whole
    assert is_valid(stored.content)
    expected, _ = upgrade_bytes(original)  # every-class.xml has a ReportTime: no upgrade time
    assert canonical(stored.content) == canonical(expected)
    assert canonical(stored.content) == canonical((FIXTURES / "v1" / "every-class.v2.xml").read_bytes())
    kept = get(f"{location}/received", "tok-sender")
    assert kept.status_code == 200
    assert kept.content == original  # byte for byte
    assert kept.headers["content-type"].startswith("application/xml")
    assert "version=1.00" in kept.headers["content-type"]
    as_json = get(f"{location}/document", "tok-sender", Accept="application/json")
    assert as_json.headers["content-type"].startswith("application/json")
    assert b"T-9981" in as_json.content

    # the retry of the same v1 document is a repeat (known by the v1 document's digest)
    again = post(upgrading, original)
    assert again.status_code == 200
    assert again.headers["iodef-repeat-of"] == location


def test_an_upgraded_document_is_redacted_like_any_v2_one(upgrading: Server) -> None:
    first = post(upgrading, V1.read_bytes())
    location = first.headers["location"]
    view = get(f"{location}/document", "tok-amb")
    assert view.status_code == 200
    assert int(view.headers["iodef-withheld-parts"]) >= 1
    assert b'restriction="private"' not in view.content
    assert is_valid(view.content)
    # the v1 original holds the private parts: only readers cleared for all of it get it
    assert get(f"{location}/received", "tok-amb").status_code == 404


def test_an_atom_entry_wrapping_a_v1_document_is_upgraded_too(upgrading: Server) -> None:
    v1 = (FIXTURES / "v1" / "minimal.xml").read_bytes().split(b"?>", 1)[-1]
    entry = (
        b'<entry xmlns="http://www.w3.org/2005/Atom"><id>urn:uuid:5f0c7d0e-0000-4000-8000-000000000001</id>'
        b'<title>v1</title><updated>2026-11-20T08:15:00Z</updated><content type="application/xml">'
        + v1
        + b"</content></entry>"
    )
    answer = post(upgrading, entry, ctype="application/atom+xml;type=entry")
    assert answer.status_code == 201, answer.text
    assert answer.headers["iodef-upgraded-from"] == "1.00"
    stored = get(f"{answer.headers['location']}/document", "tok-sender")
    assert is_valid(stored.content)
    assert b"urn:ietf:params:xml:ns:iodef-2.0" in stored.content
