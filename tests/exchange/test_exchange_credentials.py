"""Two real TLS servers, two tokens, two client certificates: each goes only to its own peer.

Each server knows the *other* peer's token too, as a peer with no rights: a token sent to the
wrong server is recognised there and refused (403 on a POST, an empty feed on a read), so a leak
shows as a document not delivered or not pulled, and as a sender other than ``right`` in a store.
The servers ask for client certificates from their own CA only: a certificate sent to the wrong
server fails the handshake.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from exchange_helpers import Server, free_port, make_doc, run_iodef

FAST = ["--retries", "2", "--backoff", "0.02", "--connect-timeout", "2", "--timeout", "20"]
TOKENS = {"a": "token-of-peer-a-1111", "b": "token-of-peer-b-2222"}


@dataclass
class Peer:
    name: str
    port: int
    db: Path
    server: Server
    client_cert: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}/feeds/incidents"

    def senders(self) -> list[str]:
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as conn:
            return [r[0] for r in conn.execute("SELECT sender FROM iodef_entries")]


@pytest.fixture(scope="module")
def pki2(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("pki2")
    server_ca, ca_a, ca_b = trustme.CA(), trustme.CA(), trustme.CA()
    files = {
        "server_ca": base / "server-ca.pem",
        "server": base / "server.pem",
        "ca_a": base / "clients-of-a.pem",
        "ca_b": base / "clients-of-b.pem",
        "cert_a": base / "me-for-a.pem",
        "cert_b": base / "me-for-b.pem",
    }
    server_ca.cert_pem.write_to_path(str(files["server_ca"]))
    server_ca.issue_cert("127.0.0.1").private_key_and_cert_chain_pem.write_to_path(str(files["server"]))
    ca_a.cert_pem.write_to_path(str(files["ca_a"]))
    ca_b.cert_pem.write_to_path(str(files["ca_b"]))
    ca_a.issue_cert("me.example").private_key_and_cert_chain_pem.write_to_path(str(files["cert_a"]))
    ca_b.issue_cert("me.example").private_key_and_cert_chain_pem.write_to_path(str(files["cert_b"]))
    return files


def _peer(name: str, other: str, pki: dict[str, Path], base: Path, port: int) -> Peer:
    peers = base / f"peers-{name}.toml"
    peers.write_text(
        f'[[peers]]\nname = "right"\ntoken = "{TOKENS[name]}"\npost = ["*"]\nread = "amber"\n\n'
        f'[[peers]]\nname = "leaked-{other}"\ntoken = "{TOKENS[other]}"\npost = []\nread = "none"\n'
    )
    db = base / f"store-{name}.db"
    server = Server(
        [
            "--db", f"sqlite:///{db}", "--peers", str(peers),
            "--tls-cert", str(pki["server"]), "--tls-key", str(pki["server"]),
            "--client-ca", str(pki[f"ca_{name}"]),
        ],
        port=port,
        log=base / f"server-{name}.log",
    )  # fmt: skip
    return Peer(name, port, db, server, pki[f"cert_{name}"])


@pytest.fixture
def peers(pki2: dict[str, Path], tmp_path: Path) -> Iterator[tuple[Peer, Peer]]:
    a = _peer("a", "b", pki2, tmp_path, free_port())
    b = _peer("b", "a", pki2, tmp_path, free_port())
    try:
        yield a, b
    finally:
        a.server.stop()
        b.server.stop()


def _client_config(path: Path, b: Peer, pki: dict[str, Path]) -> Path:
    path.write_text(
        f'[[peers]]\nurl = "https://127.0.0.1:{b.port}/feeds/"\ntoken = "{TOKENS["b"]}"\n'
        f'ca = "{pki["server_ca"]}"\ncert = "{b.client_cert}"\n'
    )
    return path


def _docs(base: Path, start: int, n: int) -> Path:
    base.mkdir()
    for i in range(n):
        (base / f"d{i}.xml").write_bytes(make_doc(start + i))
    return base


def test_send_flush_and_pull_give_each_peer_only_its_own_credentials(
    peers: tuple[Peer, Peer], pki2: dict[str, Path], tmp_path: Path
) -> None:
    a, b = peers
    cfg = _client_config(tmp_path / "client.toml", b, pki2)
    outbox = ["--outbox", str(tmp_path / "ob.sqlite")]
    ambient = {"IODEF_TOKEN": TOKENS["a"]}  # the leak of issue 12: A's token in the environment
    tls_a = ["--ca", str(pki2["server_ca"]), "--cert", str(a.client_cert)]

    # -- the peers are down: both sends queue, each document with its own destination's credentials
    to_a = run_iodef("send", str(_docs(tmp_path / "for-a", 100, 3)), "--to", a.url, "--token", TOKENS["a"],
                     *tls_a, *outbox, *FAST, env=ambient)  # fmt: skip
    to_b = run_iodef("send", str(_docs(tmp_path / "for-b", 200, 3)), "--to", b.url, "--config", str(cfg),
                     *outbox, *FAST, env=ambient)  # fmt: skip
    assert (to_a.returncode, to_b.returncode) == (3, 3), to_a.stderr + to_b.stderr
    assert b"is not answering" in to_a.stderr  # said at once, not after the last retry
    listed = run_iodef("outbox", "list", *outbox, "--format", "json")
    assert listed.returncode == 0
    assert TOKENS["a"].encode() not in listed.stdout + listed.stderr
    assert (tmp_path / "ob.sqlite").stat().st_mode & 0o077 == 0  # it holds tokens: 0600

    # -- flush with A's token in the environment: each destination still gets only its own
    a.server.start()
    b.server.start()
    flushed = run_iodef("outbox", "flush", *outbox, *FAST, "--format", "json", env=ambient)
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert flushed.stdout.count(b'"delivered"') == 6
    assert b"IODEF_TOKEN is not used" in flushed.stderr
    assert a.senders() == ["right"] * 3
    assert b.senders() == ["right"] * 3

    # -- send while both are up, the environment still holding A's token
    more_b = run_iodef("send", str(_docs(tmp_path / "more-b", 300, 2)), "--to", b.url, "--config", str(cfg),
                       *outbox, *FAST, env=ambient)  # fmt: skip
    assert more_b.returncode == 0, more_b.stdout + more_b.stderr
    assert b.senders() == ["right"] * 5

    # -- pull from B with the same environment: B's config entry, not $IODEF_TOKEN
    pulled = run_iodef("pull", b.url, "--config", str(cfg), "-o", str(tmp_path / "inbox-b"), *FAST,
                       "--format", "json", env=ambient)  # fmt: skip
    assert pulled.returncode == 0, pulled.stderr
    assert pulled.stdout.count(b'"saved"') == 5
    pulled_a = run_iodef("pull", a.url, "--token", TOKENS["a"], *tls_a, "-o", str(tmp_path / "inbox-a"),
                         *FAST, "--format", "json")  # fmt: skip
    assert pulled_a.stdout.count(b'"saved"') == 3, pulled_a.stderr


def test_a_token_for_one_destination_is_not_sent_to_another(
    peers: tuple[Peer, Peer], pki2: dict[str, Path], tmp_path: Path
) -> None:
    a, b = peers
    outbox = ["--outbox", str(tmp_path / "ob.sqlite")]
    for peer, start in ((a, 400), (b, 500)):
        tls = ["--ca", str(pki2["server_ca"]), "--cert", str(peer.client_cert)]
        r = run_iodef("send", str(_docs(tmp_path / f"q-{peer.name}", start, 1)), "--to", peer.url,
                      "--token", TOKENS[peer.name], *tls, *outbox, *FAST)  # fmt: skip
        assert r.returncode == 3
    # one token on the command line, two destinations waiting: which one is it for?
    ambiguous = run_iodef("outbox", "flush", *outbox, "--token", TOKENS["a"], *FAST)
    assert ambiguous.returncode == 2
    assert b"--to" in ambiguous.stderr
    # a document queued by an older iodef (no credentials recorded) is kept, and the missing option named
    with sqlite3.connect(tmp_path / "ob.sqlite") as conn:
        conn.execute("UPDATE outbox SET credentials = NULL WHERE url = ?", (b.url,))
    a.server.start()
    b.server.start()
    flushed = run_iodef("outbox", "flush", *outbox, *FAST)
    assert flushed.returncode == 3
    assert f"no credentials are known for {b.url}".encode() in flushed.stdout
    assert f"--to {b.url} --token".encode() in flushed.stdout
    assert a.senders() == ["right"]
    assert b.senders() == []
    # named with --to, the token and certificate go to that destination only
    tls_b = ["--ca", str(pki2["server_ca"]), "--cert", str(b.client_cert)]
    right = run_iodef("outbox", "flush", *outbox, "--to", b.url, "--token", TOKENS["b"], *tls_b, *FAST)
    assert right.returncode == 0, right.stdout + right.stderr
    assert b.senders() == ["right"]
