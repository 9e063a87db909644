"""The place the documentation's examples run in: sample files, certificates, a real peer.

Examples are written for a user's working directory. The tests build one (:func:`workspace`)
holding the project's ``fixtures/`` and the files the examples name (``incident.xml``,
``rdp.log``, ``reports/``, ``smishtank.csv``, ``client.toml``, the TLS files ``peer-ca.pem``,
``me.pem`` and ``me.key``),
and start a real ``iodef serve`` over TLS on 127.0.0.1 (:func:`peer`) that stands for every peer an
example names: a feed URL on a ``.example`` host (RFC 2606), such as
``https://peer.example/feeds/incidents``, is rewritten to it, the token the examples use (``...``,
in ``$IODEF_TOKEN`` and ``client.toml`` too) is known to it, and its CA is trusted through
``SSL_CERT_FILE`` as well as ``--ca peer-ca.pem``.
"""

from __future__ import annotations

import gzip
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme
from docs_env import TOKEN

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "fixtures"

_FILES = {
    "incident.xml": "valid/minimal.xml",
    "rdp.log": "convert/rat/zeek-tsv/rdp.log",
    "audit.csv": "convert/vms/vms-audit-csv/audit.csv",
    "onvif-events.xml": "convert/vms/onvif/pullmessages.xml",
    "reports/with-original.eml": "convert/spam/arf/with-original.eml",
    "reports/no-original.eml": "convert/spam/arf/no-original.eml",
    "reports/minimal.xml": "valid/minimal.xml",
    "feeds/csirt-a/2026/minimal.xml": "valid/minimal.xml",
    "incidents/minimal.xml": "valid/minimal.xml",
    "inbox/minimal.xml": "valid/minimal.xml",
    "minimal.xml": "valid/minimal.xml",
}

#: operators' CSV exports docs/convert.md maps with --columns, written here in the layouts of the real
#: ones (made-up rows): SmishTank's 23 columns with a header, CRLF and a quoted multi-line Fulltext;
#: an ExAIS_SMS phone export without a header, 14 fields a row, the unquoted text spilling over
_SMISHTANK_HEADER = (
    "messageid,Fulltext,Sender,SenderType,timeReceived,MainText,Url,Subdomain,Domain,TLD,RedirectedURL,"
    "Detected,Malicious,Phishing,Suspicious,Malware,Brand,URL Subcategory,Message Categories,"
    "FullyQualifiedDomain,Domain Registrar,Domain Creation Date,Domain Last Update"
)
_TEXT_FILES = {
    "smishtank.csv": "\r\n".join(
        [
            _SMISHTANK_HEADER,
            '1,"Text Message\nMon, Mar 28, 09:12\n'
            'Your parcel is on hold: pay the fee at parcel-fee.example/x1",'
            '40001,Short Code,"03/28/2022, 09:12:40",'
            '"Your parcel is on hold: pay the fee at parcel-fee.example/x1",parcel-fee.example/x1,,'
            "parcel-fee,example,,0,0,0,0,0,Courier,Random Domain,Delivery,parcel-fee.example,"
            '"Example Registrar, Inc.",3/27/2022,3/27/2022',
            '2,"Text Message\nTue, Mar 29, 18:03\nBank alert: confirm your card at bank-verify.example",'
            '40002,Short Code,"03/29/2022, 18:03:05","Bank alert: confirm your card at bank-verify.example",'
            "bank-verify.example,,bank-verify,example,,0,0,0,0,0,Bank,Random Domain,Account Alert,"
            'bank-verify.example,"Example Registrar, Inc.",3/20/2022,3/21/2022',
            "",
        ]
    ),
    "user14.csv": "\r\n".join(
        [
            "SMS,receive,38400,38400,08/08/2014 13:59,94,SPAM,"
            "Get match alerts free for 5days. Text GO to 38400,"
            "Service will auto-renew N50/5days.,,,,,",
            "SMS,receive,Promo,Promo,09/07/2014 08:10,95,SPAM,"
            "Win N1,000 airtime today! Reply YES to 33070,,,,,",
            "",
        ]
    ),
}


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("docs-pki")
    ca = trustme.CA()
    server = ca.issue_cert("127.0.0.1", "localhost")
    client = ca.issue_cert("docs.csirt.example")
    paths = {name: base / name for name in ("peer-ca.pem", "server.pem", "me.pem", "me.key")}
    ca.cert_pem.write_to_path(str(paths["peer-ca.pem"]))
    server.private_key_and_cert_chain_pem.write_to_path(str(paths["server.pem"]))
    for i, blob in enumerate(client.cert_chain_pems):
        blob.write_to_path(str(paths["me.pem"]), append=i > 0)
    client.private_key_pem.write_to_path(str(paths["me.key"]))
    paths.update(_signing_pki(base))
    return paths


def _key_usage(*, cert_sign: bool) -> object:
    from cryptography import x509

    return x509.KeyUsage(
        digital_signature=not cert_sign,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=cert_sign,
        crl_sign=cert_sign,
        encipher_only=False,
        decipher_only=False,
    )


def _signing_pki(base: Path) -> dict[str, Path]:
    """What docs/signatures.md names: a partners' CA (``ca.pem``, ``partners-ca.pem``) and the signer
    it issued, ``CN=CSIRT signer,O=Example CSIRT`` (``cert.pem``, ``key.pem``)."""
    import datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Example partners CA")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(  # RFC 4514 writes it the other way round: CN=CSIRT signer,O=Example CSIRT
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Example CSIRT"),
            x509.NameAttribute(NameOID.COMMON_NAME, "CSIRT signer"),
        ]
    )
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(cert_sign=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    pem = serialization.Encoding.PEM
    paths = {name: base / name for name in ("ca.pem", "partners-ca.pem", "cert.pem", "key.pem")}
    for name in ("ca.pem", "partners-ca.pem"):
        paths[name].write_bytes(ca_cert.public_bytes(pem))
    paths["cert.pem"].write_bytes(cert.public_bytes(pem))
    paths["key.pem"].write_bytes(
        key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return paths


@pytest.fixture(scope="session")
def workspace_template(tmp_path_factory: pytest.TempPathFactory, pki: dict[str, Path]) -> Path:
    base = tmp_path_factory.mktemp("docs-workspace")
    shutil.copytree(FIXTURES, base / "fixtures")
    for name, src in _FILES.items():
        (base / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(FIXTURES / src, base / name)
    for name, text in _TEXT_FILES.items():
        (base / name).write_bytes(text.encode("utf-8"))
    (base / "rdp.log.gz").write_bytes(gzip.compress((base / "rdp.log").read_bytes()))
    (base / "client.toml").write_text(f'token = "{TOKEN}"\n', encoding="utf-8")
    for name in ("peer-ca.pem", "me.pem", "me.key", "ca.pem", "partners-ca.pem", "cert.pem", "key.pem"):
        shutil.copyfile(pki[name], base / name)
    return base


@pytest.fixture
def workspace(workspace_template: Path, tmp_path: Path) -> Path:
    """A fresh copy of the examples' working directory."""
    target = tmp_path / "work"
    shutil.copytree(workspace_template, target)
    return target


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture(scope="session")
def peer(tmp_path_factory: pytest.TempPathFactory, pki: dict[str, Path]) -> Iterator[str]:
    """A real ``iodef serve`` (TLS, a peers file, SQLite) standing for the examples' peers."""
    base = tmp_path_factory.mktemp("docs-peer")
    peers = base / "peers.toml"
    peers.write_text(
        'feeds = ["incidents", "indicators"]\n\n'
        f'[[peers]]\nname = "docs-example"\ntoken = "{TOKEN}"\npost = ["*"]\nread = "amber"\n',
        encoding="utf-8",
    )
    port = _free_port()
    log = open(base / "serve.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen(
        [
            *(sys.executable, "-c", "from iodef.cli.main import main; main()", "serve"),
            *("--host", "127.0.0.1", "--port", str(port), "--peers", str(peers)),
            # no --client-ca: examples that leave out --cert/--key run too
            *("--tls-cert", str(pki["server.pem"])),
            *("--db", f"sqlite:///{base / 'exchange.sqlite'}"),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"iodef serve exited: {(base / 'serve.log').read_text(errors='replace')}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError("iodef serve did not listen within 30 s") from None
                time.sleep(0.05)
        yield f"https://127.0.0.1:{port}"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
