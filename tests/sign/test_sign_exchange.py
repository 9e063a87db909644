"""Signed documents through a real ``iodef serve``: --require-signature-from, send --sign, pull, verify."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import trustme

from tests.exchange.exchange_helpers import Server, make_doc, run_iodef

FAST = ["--retries", "1", "--backoff", "0.02", "--connect-timeout", "2", "--timeout", "20"]


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("sign-pki")
    ca = trustme.CA()
    alpha = ca.issue_cert("alpha.example", common_name="alpha signer")
    mallory = ca.issue_cert("mallory.example", common_name="mallory")
    paths = {n: base / f"{n}.pem" for n in ("ca", "alpha-key", "alpha-cert", "mallory-key", "mallory-cert")}
    ca.cert_pem.write_to_path(str(paths["ca"]))
    alpha.private_key_pem.write_to_path(str(paths["alpha-key"]))
    alpha.cert_chain_pems[0].write_to_path(str(paths["alpha-cert"]))
    mallory.private_key_pem.write_to_path(str(paths["mallory-key"]))
    mallory.cert_chain_pems[0].write_to_path(str(paths["mallory-cert"]))
    return paths


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, keys: dict[str, Path]) -> Iterator[Server]:
    base = tmp_path_factory.mktemp("sign-server")
    peers = base / "peers.toml"
    peers.write_text(
        'feeds = ["incidents"]\n'
        '[[peers]]\nname = "alpha"\ntoken = "alpha-token"\npost = ["*"]\nread = "amber"\n'
        '[[peers]]\nname = "beta"\ntoken = "beta-token"\npost = ["*"]\nread = "amber"\n'
        '[[peers]]\nname = "gamma"\ntoken = "gamma-token"\npost = ["*"]\nread = "amber"\n'
    )
    args = [
        "--db", f"sqlite:///{base / 'store.db'}", "--insecure-http", "--peers", str(peers),
        "--require-signature-from", f"alpha={keys['alpha-cert']}",
        "--require-signature-from", f"gamma={keys['ca']},subject=alpha signer",
    ]  # fmt: skip
    with Server(args, log=base / "server.log") as srv:
        yield srv


def _url(server: Server) -> str:
    return f"http://127.0.0.1:{server.port}/feeds/incidents"


def _post(server: Server, token: str, body: bytes) -> httpx.Response:
    return httpx.post(
        _url(server),
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/xml"},
    )


def _sign(keys: dict[str, Path], who: str, doc: Path) -> bytes:
    r = run_iodef("sign", "--key", str(keys[f"{who}-key"]), "--cert", str(keys[f"{who}-cert"]), str(doc))
    assert r.returncode == 0, r.stderr
    return r.stdout


def test_unsigned_documents_from_a_peer_that_must_sign_are_refused(server: Server) -> None:
    r = _post(server, "alpha-token", make_doc(1))
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["type"] == "urn:iodef:problem:bad-signature"
    assert "not signed" in problem["detail"]
    # a peer without the requirement is not asked for a signature
    assert _post(server, "beta-token", make_doc(1)).status_code == 201


def test_a_document_signed_by_someone_else_is_refused(
    server: Server, keys: dict[str, Path], tmp_path: Path
) -> None:
    doc = tmp_path / "d.xml"
    doc.write_bytes(make_doc(2))
    r = _post(server, "alpha-token", _sign(keys, "mallory", doc))
    assert r.status_code == 422
    assert "verification failed" in r.json()["detail"]
    # the CA-and-subject rule: same CA, wrong subject
    r = _post(server, "gamma-token", _sign(keys, "mallory", doc))
    assert r.status_code == 422
    assert "common name" in r.json()["detail"]
    assert _post(server, "gamma-token", _sign(keys, "alpha", doc)).status_code == 201


def test_a_tampered_signed_document_is_refused(server: Server, keys: dict[str, Path], tmp_path: Path) -> None:
    doc = tmp_path / "d.xml"
    doc.write_bytes(make_doc(3))
    signed = _sign(keys, "alpha", doc).replace(b"T-000003", b"T-000666")
    r = _post(server, "alpha-token", signed)
    assert r.status_code == 422
    assert "verification failed" in r.json()["detail"]


def test_send_sign_then_pull_keeps_the_signed_bytes_and_they_verify(
    server: Server, keys: dict[str, Path], tmp_path: Path
) -> None:
    doc = tmp_path / "incident.xml"
    doc.write_bytes(make_doc(4))
    as_alpha = ["--to", _url(server), "--token", "alpha-token", *FAST]
    signing = ["--sign", "--sign-key", str(keys["alpha-key"]), "--sign-cert", str(keys["alpha-cert"])]
    sent = run_iodef("send", str(doc), *as_alpha, "--outbox", str(tmp_path / "ob.sqlite"), *signing)
    assert sent.returncode == 0, sent.stderr
    unsigned = run_iodef("send", str(doc), *as_alpha, "--outbox", str(tmp_path / "ob2.sqlite"))
    assert unsigned.returncode == 1
    assert b"not signed" in unsigned.stdout + unsigned.stderr
    signed_file = tmp_path / "signed.xml"
    other = tmp_path / "other.xml"
    other.write_bytes(make_doc(5))
    signed_file.write_bytes(_sign(keys, "alpha", other))
    sent_signed = run_iodef("send", str(signed_file), *as_alpha, "--outbox", str(tmp_path / "ob3.sqlite"))
    assert sent_signed.returncode == 0, sent_signed.stderr
    out = tmp_path / "pulled"
    pulled = run_iodef(
        "pull", _url(server), "-o", str(out), "--token", "beta-token", "--format", "json", *FAST
    )
    assert pulled.returncode == 0, pulled.stderr
    saved = {p.read_bytes() for p in (Path(json.loads(line)["saved"]) for line in pulled.stdout.splitlines())}
    # a signed file survives sending, storage and pull byte for byte
    assert signed_file.read_bytes() in saved
    (by_send_sign,) = [body for body in saved if b"T-000004" in body]
    for body in (by_send_sign, signed_file.read_bytes()):
        target = tmp_path / "check.xml"
        target.write_bytes(body)
        verified = run_iodef("verify", "--cert", str(keys["alpha-cert"]), str(target))
        assert verified.returncode == 0, verified.stderr
        assert b"signed by CN=alpha signer" in verified.stderr
