"""The product's main job, end to end through the installed ``iodef`` command (issue 12 §2).

An analyst converts remote-access records, validates the result and sends it to a peer's feed; a
partner cleared for ``amber`` pulls it and reads it.  A real ``iodef serve`` over TLS (trustme
certificates) on 127.0.0.1 knows three peers: the sender, an ``amber`` reader and a ``green``
reader.

- With ``--pseudonymize-key`` the user names are keyed hashes, raw lines are left out, and every
  part is marked at the incident's level (``amber``): ``send`` needs no ``--allow-restricted``,
  the amber reader pulls the incident whole (C14N-equal to what was sent) and the green reader,
  below the incident's level, gets nothing.
- Without it the accounts and raw lines stay ``private``: ``send`` refuses the document (exit 1)
  and tells the user the three ways out.  ``--redact-above amber`` then sends it with the private
  parts removed, as ``iodef redact --above amber`` would: the amber reader gets that view, with the
  count of withheld parts in AdditionalData; the green reader still gets nothing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from exchange_helpers import Server
from lxml import etree

ROOT = Path(__file__).resolve().parents[2]
RDP_LOG = ROOT / "fixtures" / "convert" / "rat" / "zeek-tsv" / "rdp.log"
NS = "urn:ietf:params:xml:ns:iodef-2.0"
FAST = ["--retries", "2", "--backoff", "0.05", "--connect-timeout", "5", "--timeout", "30"]


def _installed_iodef() -> str:
    """The ``iodef`` console script installed beside this interpreter (``pip install -e .``)."""
    found = shutil.which("iodef", path=str(Path(sys.executable).parent)) or shutil.which("iodef")
    if found is None:
        pytest.fail("the iodef command is not installed (pip install -e '.[test]')")
    return found


IODEF = _installed_iodef()


def iodef(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([IODEF, *map(str, args)], capture_output=True, timeout=120, cwd=cwd)


def canonical(data: bytes) -> str:
    text: str = etree.canonicalize(etree.fromstring(data), strip_text=True)
    return text


def restrictions(data: bytes) -> set[str]:
    return {str(el.get("restriction")) for el in etree.fromstring(data).iter() if el.get("restriction")}


@pytest.fixture
def peer(tmp_path: Path, pki: dict[str, Path]) -> Iterator[str]:
    """A real TLS ``iodef serve``: a sender who may post, an amber reader and a green reader."""
    base = tmp_path / "peer"
    base.mkdir()
    peers = base / "peers.toml"
    peers.write_text(
        '[[peers]]\nname = "analyst"\ntoken = "tok-sender"\npost = ["*"]\nread = "none"\n\n'
        '[[peers]]\nname = "partner-amber"\ntoken = "tok-amber"\nread = "amber"\n\n'
        '[[peers]]\nname = "partner-green"\ntoken = "tok-green"\nread = "green"\n',
        encoding="utf-8",
    )
    args = ["--peers", str(peers), "--tls-cert", str(pki["server"]), "--db", f"sqlite:///{base / 'x.db'}"]
    with Server(args, log=base / "serve.log") as server:
        yield f"https://127.0.0.1:{server.port}/feeds/incidents"


def send(work: Path, doc: str, url: str, ca: Path, *extra: str) -> subprocess.CompletedProcess[bytes]:
    return iodef(
        "send", doc, "--to", url, "--token", "tok-sender", "--ca", ca, "--outbox", "outbox.db", *extra,
        *FAST, cwd=work,
    )  # fmt: skip


def pull(work: Path, url: str, ca: Path, who: str) -> tuple[list[dict[str, object]], str]:
    """Pull as *who*; the JSON records of the saved documents and the message on stderr."""
    r = iodef(
        "pull", url, "--token", f"tok-{who}", "--ca", ca, "-o", f"pulled-{who}", "--format", "json",
        *FAST, cwd=work,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr.decode()
    return [json.loads(line) for line in r.stdout.decode().splitlines()], r.stderr.decode()


def test_pseudonymised_conversion_reaches_the_amber_partner_whole(
    peer: str, pki: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "analyst"
    work.mkdir()
    shutil.copyfile(RDP_LOG, work / "rdp.log")
    converted = iodef(
        "convert", "rat", "rdp.log", "--name", "csirt.example", "--pseudonymize-key", "K", cwd=work
    )
    assert converted.returncode == 0, converted.stderr.decode()
    sent_doc = converted.stdout
    (work / "inc.xml").write_bytes(sent_doc)
    # every part at the incident's level, nothing private, and the user names are hashes
    assert restrictions(sent_doc) == {"amber"}
    assert b"hmac-sha256:" in sent_doc
    assert b'meaning="raw-record"' not in sent_doc
    assert iodef("validate", "inc.xml", cwd=work).returncode == 0

    sent = send(work, "inc.xml", peer, pki["ca"])
    assert sent.returncode == 0, sent.stderr.decode()
    assert b"1 delivered, 0 repeats, 0 refused" in sent.stderr

    got, message = pull(work, peer, pki["ca"], "amber")
    assert len(got) == 1, message
    assert not got[0]["withheld"]
    assert "redacted" not in message
    assert canonical((work / str(got[0]["saved"])).read_bytes()) == canonical(sent_doc)

    # green is below the incident's amber: it is not served any of it
    got, message = pull(work, peer, pki["ca"], "green")
    assert got == []
    assert not list((work / "pulled-green").glob("*.xml"))


def test_conversion_in_the_clear_is_refused_and_can_go_redacted(
    peer: str, pki: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "analyst"
    work.mkdir()
    shutil.copyfile(RDP_LOG, work / "rdp.log")
    converted = iodef("convert", "rat", "rdp.log", "--name", "csirt.example", cwd=work)
    assert converted.returncode == 0, converted.stderr.decode()
    (work / "inc.xml").write_bytes(converted.stdout)
    assert restrictions(converted.stdout) == {"amber", "private"}  # accounts and raw lines in the clear
    assert iodef("validate", "inc.xml", cwd=work).returncode == 0

    # refused as private: exit 1, nothing sent, and the user is told the three ways out
    refused = send(work, "inc.xml", peer, pki["ca"])
    assert refused.returncode == 1
    assert "0 delivered, 0 repeats, 1 refused" in refused.stderr.decode()
    said = refused.stdout.decode()  # the receipt line of the document
    assert said.startswith("not sent  inc.xml: the document is marked 'private'; to share it, "), said
    for way in ("convert with --pseudonymize-key", "--redact-above LEVEL", "--allow-restricted"):
        assert way in said, said
    got, _ = pull(work, peer, pki["ca"], "amber")
    assert got == []

    # sent with the private parts removed before they leave: what `iodef redact` gives
    expected = iodef("redact", "inc.xml", "--above", "amber", cwd=work)
    assert expected.returncode == 0, expected.stderr.decode()
    # need-to-know: the RFC 7970 name of amber, on the redaction's note
    assert restrictions(expected.stdout) == {"amber", "need-to-know"}
    sent = send(work, "inc.xml", peer, pki["ca"], "--redact-above", "amber")
    assert sent.returncode == 0, sent.stderr.decode()
    # the private RecordData go, and so does a Record left without one (it needs at least one)
    note = etree.fromstring(expected.stdout).find(f"{{{NS}}}AdditionalData[@meaning='withheld-parts']")
    assert note is not None
    removed = int(str(note.text))
    private = [el for el in etree.fromstring(converted.stdout).iter() if el.get("restriction") == "private"]
    assert removed >= len(private) > 0
    assert f"iodef send: inc.xml: {removed} part(s) above need-to-know removed" in sent.stderr.decode()

    got, message = pull(work, peer, pki["ca"], "amber")
    assert len(got) == 1, message
    served = (work / str(got[0]["saved"])).read_bytes()
    assert canonical(served) == canonical(expected.stdout)
    assert b"private" not in served
    note = etree.fromstring(served).find(f"{{{NS}}}AdditionalData[@meaning='withheld-parts']")
    assert note is not None
    assert int(str(note.text)) == removed

    got, _ = pull(work, peer, pki["ca"], "green")
    assert got == []
