"""Signed IODEF documents: signing, verifying, and the tricks verification must refuse."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

import pytest
import trustme
from lxml import etree
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

import iodef
from iodef import validate
from iodef.xmlsig import DS_NS, SignatureError, Trust, sign, verify, verify_signature
from tests.conftest import FIXTURES, canonical

IO = "{urn:ietf:params:xml:ns:iodef-2.0}"
DS = f"{{{DS_NS}}}"
MINIMAL = FIXTURES / "valid" / "minimal.xml"


@dataclass
class Signer:
    ca: trustme.CA
    key: bytes
    cert: bytes


def _signer(key_type: trustme.KeyType, name: str = "CSIRT signer", ca: trustme.CA | None = None) -> Signer:
    ca = ca or trustme.CA(key_type=key_type)
    leaf = ca.issue_cert(f"{name.replace(' ', '-').lower()}.example", common_name=name, key_type=key_type)
    return Signer(ca, leaf.private_key_pem.bytes(), leaf.cert_chain_pems[0].bytes())


@pytest.fixture(scope="module")
def rsa() -> Signer:
    return _signer(trustme.KeyType.RSA)


@pytest.fixture(scope="module")
def ecdsa() -> Signer:
    return _signer(trustme.KeyType.ECDSA)


def _signed(signer: Signer, path: Path = MINIMAL) -> bytes:
    return sign(path.read_bytes(), signer.key, signer.cert)


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


@pytest.mark.parametrize("kind", ["rsa", "ecdsa"])
@pytest.mark.parametrize("path", [MINIMAL, FIXTURES / "valid" / "every-element.xml"], ids=lambda p: p.name)
def test_sign_then_verify_gives_the_document_back(
    kind: str, path: Path, request: pytest.FixtureRequest
) -> None:
    signer: Signer = request.getfixturevalue(kind)
    signed = _signed(signer, path)
    assert validate.is_valid(signed, profile="rfc7970-errata") or validate.is_valid(signed)
    sig = _tree(signed).find(f"{IO}AdditionalData/{DS}Signature")
    assert sig is not None
    algorithm = sig.find(f"{DS}SignedInfo/{DS}SignatureMethod").get("Algorithm")
    assert algorithm.endswith("rsa-sha256" if kind == "rsa" else "ecdsa-sha256")
    assert sig.find(f"{DS}SignedInfo/{DS}CanonicalizationMethod").get("Algorithm") == (
        "http://www.w3.org/2001/10/xml-exc-c14n#"
    )
    doc = verify(signed, trust=Trust.pinned(signer.cert))
    assert canonical(iodef.dumps(doc)) == canonical(path.read_bytes())


def test_the_signed_document_is_schema_valid(rsa: Signer) -> None:
    signed = _signed(rsa)
    assert list(validate.iter_issues(signed)) == []
    holder = _tree(signed).find(f"{IO}AdditionalData")
    assert (holder.get("dtype"), holder.get("meaning")) == ("xml", "xml-signature")


def test_a_ca_and_subject_name_are_trusted_and_nothing_else(rsa: Signer) -> None:
    signed = _signed(rsa)
    result = verify_signature(signed, trust=Trust.issued_by(rsa.ca.cert_pem.bytes(), "CSIRT signer"))
    assert "CN=CSIRT signer" in result.signer
    with pytest.raises(SignatureError, match="common name"):
        verify(signed, trust=Trust.issued_by(rsa.ca.cert_pem.bytes(), "someone else"))
    other_ca = trustme.CA()
    with pytest.raises(SignatureError):
        verify(signed, trust=Trust.issued_by(other_ca.cert_pem.bytes(), "CSIRT signer"))


def test_another_signers_certificate_is_refused(rsa: Signer, ecdsa: Signer) -> None:
    with pytest.raises(SignatureError, match="signature"):
        verify(_signed(rsa), trust=Trust.pinned(ecdsa.cert))
    # same subject, same CA, different key: a pinned certificate is that certificate only
    twin = _signer(trustme.KeyType.RSA, ca=rsa.ca)
    with pytest.raises(SignatureError):
        verify(_signed(twin), trust=Trust.pinned(rsa.cert))


def test_there_is_no_default_trust(rsa: Signer) -> None:
    with pytest.raises(SignatureError, match="needs a Trust"):
        verify(_signed(rsa), trust=Trust())
    with pytest.raises(SignatureError, match="subject"):
        Trust.issued_by(rsa.ca.cert_pem.bytes(), "")


def test_an_unsigned_document_is_refused(rsa: Signer) -> None:
    with pytest.raises(SignatureError, match="not signed"):
        verify(MINIMAL.read_bytes(), trust=Trust.pinned(rsa.cert))


def test_a_changed_value_is_refused(rsa: Signer) -> None:
    root = _tree(_signed(rsa))
    root.find(f"{IO}Incident/{IO}IncidentID").text = "2026-9999"
    with pytest.raises(SignatureError, match="verification failed"):
        verify(_bytes(root), trust=Trust.pinned(rsa.cert))


def test_an_added_incident_is_refused(rsa: Signer) -> None:
    root = _tree(_signed(rsa))
    extra = copy.deepcopy(root.find(f"{IO}Incident"))
    extra.find(f"{IO}IncidentID").text = "evil"
    root.insert(0, extra)
    with pytest.raises(SignatureError, match="verification failed"):
        verify(_bytes(root), trust=Trust.pinned(rsa.cert))


def test_a_comment_splitting_a_value_is_refused(rsa: Signer) -> None:
    """The comment trick: C14N without comments hides it from the digest, a naive reader sees 'evil'."""
    signed = _signed(rsa).replace(b">2026-0001<", b">2026-0001<!---->evil<", 1)
    assert b"<!---->" in signed
    with pytest.raises(SignatureError, match="comment inside a signed document"):
        verify(signed, trust=Trust.pinned(rsa.cert))
    # and a comment is no trick when the text is unchanged either: the rule is simple
    quiet = _signed(rsa).replace(b"</Incident>", b"<!-- note --></Incident>", 1)
    with pytest.raises(SignatureError, match="comment"):
        verify(quiet, trust=Trust.pinned(rsa.cert))


def test_signing_drops_comments_so_that_the_result_verifies(rsa: Signer) -> None:
    source = FIXTURES / "lossless" / "comments-and-pis.xml"
    signed = _signed(rsa, source)
    assert b"<!--" not in signed.split(b"?>", 1)[1].split(b"<IODEF-Document", 1)[-1]
    verify(signed, trust=Trust.pinned(rsa.cert))


def test_wrapping_the_signed_document_inside_an_evil_one_is_refused(rsa: Signer) -> None:
    """Signature wrapping: the signed original hidden in AdditionalData, an evil incident outside."""
    good = _tree(_signed(rsa))
    sig = good.find(f"{IO}AdditionalData/{DS}Signature")
    evil = _tree(MINIMAL.read_bytes())
    evil.find(f"{IO}Incident/{IO}IncidentID").text = "evil"
    hidden = etree.SubElement(evil, f"{IO}AdditionalData", {"dtype": "xml", "meaning": "original"})
    original = copy.deepcopy(good)
    original.remove(original.find(f"{IO}AdditionalData"))
    hidden.append(original)
    holder = etree.SubElement(evil, f"{IO}AdditionalData", {"dtype": "xml", "meaning": "xml-signature"})
    holder.append(copy.deepcopy(sig))
    with pytest.raises(SignatureError, match="verification failed"):
        verify(_bytes(evil), trust=Trust.pinned(rsa.cert))


def test_a_signature_over_part_of_the_document_is_refused(rsa: Signer) -> None:
    root = _tree(MINIMAL.read_bytes())
    incident = root.find(f"{IO}Incident")
    incident.set("Id", "signed-part")
    holder = etree.SubElement(root, f"{IO}AdditionalData", {"dtype": "xml", "meaning": "xml-signature"})
    etree.SubElement(holder, f"{DS}Signature", {"Id": "placeholder"}, nsmap={"ds": DS_NS})
    signer = XMLSigner(c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0)
    signed = signer.sign(
        root, key=rsa.key, cert=rsa.cert.decode(), reference_uri="#signed-part", id_attribute="Id"
    )
    with pytest.raises(SignatureError, match="cover the whole document"):
        verify(_bytes(signed), trust=Trust.pinned(rsa.cert))


def test_two_signatures_are_refused(rsa: Signer) -> None:
    root = _tree(_signed(rsa))
    root.append(copy.deepcopy(root.find(f"{IO}AdditionalData")))
    with pytest.raises(SignatureError, match="2 signatures"):
        verify(_bytes(root), trust=Trust.pinned(rsa.cert))


def test_a_weak_algorithm_is_refused(rsa: Signer) -> None:
    root = _tree(MINIMAL.read_bytes())
    holder = etree.SubElement(root, f"{IO}AdditionalData", {"dtype": "xml", "meaning": "xml-signature"})
    etree.SubElement(holder, f"{DS}Signature", {"Id": "placeholder"}, nsmap={"ds": DS_NS})
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA512,
        digest_algorithm=DigestAlgorithm.SHA512,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(root, key=rsa.key, cert=rsa.cert.decode())
    with pytest.raises(SignatureError, match=r"(?i)signature"):
        verify(_bytes(signed), trust=Trust.pinned(rsa.cert))


def test_a_signed_document_cannot_be_signed_again(rsa: Signer) -> None:
    with pytest.raises(SignatureError, match="already carries"):
        sign(_signed(rsa), rsa.key, rsa.cert)


def test_a_bad_key_is_a_signature_error(rsa: Signer) -> None:
    with pytest.raises(SignatureError, match="private key"):
        sign(MINIMAL.read_bytes(), b"not a key", rsa.cert)


def test_the_signed_data_is_what_verify_returns(rsa: Signer) -> None:
    """verify returns what the signature covers, rebuilt from it, not the bytes it was handed."""
    result = verify_signature(_signed(rsa), trust=Trust.pinned(rsa.cert))
    assert b"Signature" not in result.signed_xml
    assert result.document.incidents[0].incident_id.value == "2026-0001"
