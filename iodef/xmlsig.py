"""Signed IODEF documents (RFC 7970 §9): an enveloped XML Signature, with ``signxml``.

:func:`sign` puts one ``ds:Signature`` over the whole document (``Reference URI=""``, the
enveloped-signature transform, exclusive C14N, RSA or ECDSA with SHA-256) inside a document-level
``AdditionalData dtype="xml" meaning="xml-signature"``, where RFC 7970's schema admits it.
:func:`verify` checks it against a :class:`Trust` (a pinned certificate, or a CA plus the
signer's subject name; never the system's certificate store) and returns the signed data only.

What :func:`verify` refuses besides a wrong digest or signature: more than one signature, a
signature anywhere but its place, a Reference to anything but the whole document, algorithms
other than RSA/ECDSA with SHA-256, and comments inside the document (C14N leaves them out of
the digest, and a comment inside a value has been used to make signed data read differently).
"""

from __future__ import annotations

import base64
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.exceptions import InvalidInput, SignXMLException
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from .errors import IODEFError
from .model import IODEFDocument
from .xml import IODEF_NS, check_root, dumps, parse, parse_xml

__all__ = ["SIGNATURE_MEANING", "SignatureError", "Trust", "Verified", "sign", "verify", "verify_signature"]

DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
#: The ``meaning`` of the AdditionalData that holds the signature.
SIGNATURE_MEANING: Final = "xml-signature"
_I: Final = f"{{{IODEF_NS}}}"
_DS: Final = f"{{{DS_NS}}}"
_EXC_C14N: Final = "http://www.w3.org/2001/10/xml-exc-c14n#"

PEMSource = bytes | str | os.PathLike[str]


class SignatureError(IODEFError):
    """A document could not be signed, or its signature is missing, broken or not trusted."""


def _pem(value: PEMSource, what: str) -> bytes:
    if isinstance(value, bytes):
        return value
    if isinstance(value, str) and value.lstrip().startswith("-----BEGIN"):
        return value.encode("ascii")
    try:
        return Path(value).read_bytes()
    except OSError as exc:
        raise SignatureError(f"cannot read the {what}: {exc.strerror or exc}", source=str(value)) from None


@dataclass(frozen=True)
class Trust:
    """Whose signatures :func:`verify` accepts: one pinned certificate, or a CA and a subject name."""

    certificate: bytes | None = None
    ca: bytes | None = None
    subject: str | None = None

    @classmethod
    def pinned(cls, certificate: PEMSource) -> Trust:
        """Accept signatures made with exactly this certificate (PEM bytes, text or a file)."""
        return cls(certificate=_pem(certificate, "pinned certificate"))

    @classmethod
    def issued_by(cls, ca: PEMSource, subject: str) -> Trust:
        """Accept certificates issued by *ca* whose subject common name is *subject*."""
        if not subject:
            raise SignatureError("a CA is trusted only together with the subject name of the signer")
        return cls(ca=_pem(ca, "CA certificate"), subject=subject)


@dataclass(frozen=True)
class Verified:
    """What :func:`verify_signature` found: the signed document (bytes) and who signed it."""

    signed_xml: bytes
    signer: str

    @property
    def document(self) -> IODEFDocument:
        return parse(self.signed_xml)


def _read(data: IODEFDocument | bytes | str | os.PathLike[str], name: str) -> tuple[etree._Element, str]:
    if isinstance(data, IODEFDocument):
        data = dumps(data)
    if isinstance(data, os.PathLike) or (isinstance(data, str) and not data.lstrip().startswith("<")):
        name = str(data)
        try:
            data = Path(data).read_bytes()
        except OSError as exc:
            raise SignatureError(f"cannot read the document: {exc.strerror or exc}", source=name) from None
    raw = data.encode("utf-8") if isinstance(data, str) else data
    root = parse_xml(raw, source_name=name)
    check_root(root, name)
    return root, name


def _signatures(root: etree._Element) -> list[etree._Element]:
    """The document's own signatures (a ds:Signature elsewhere, in SignatureData say, is data)."""
    return list(root.findall(f"{_I}AdditionalData/{_DS}Signature"))


def sign(
    doc: IODEFDocument | bytes | str | os.PathLike[str],
    key: PEMSource,
    cert: PEMSource,
    *,
    passphrase: bytes | None = None,
) -> bytes:
    """The document signed with *key* (PEM, RSA or EC) and *cert* (its PEM certificate), as bytes.

    Send and store these bytes as they are. Comments inside the document are removed first:
    a signature does not cover them (processing instructions are covered, and kept).
    """
    root, name = _read(doc, "<document>")
    if _signatures(root):
        raise SignatureError("the document already carries an XML Signature", source=name)
    key_pem = _pem(key, "private key")
    cert_pem = _pem(cert, "certificate")
    try:
        private = load_pem_private_key(key_pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise SignatureError(f"cannot load the private key: {exc}") from None
    signing_key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
    if isinstance(private, ec.EllipticCurvePrivateKey):
        algorithm, signing_key = SignatureMethod.ECDSA_SHA256, private
    elif isinstance(private, rsa.RSAPrivateKey):
        algorithm, signing_key = SignatureMethod.RSA_SHA256, private
    else:
        raise SignatureError(f"only RSA and EC keys sign IODEF documents here, not {type(private).__name__}")
    for node in list(root.iter(etree.Comment)):
        parent = node.getparent()
        assert parent is not None
        if node.tail:
            prev = node.getprevious()
            if prev is not None:
                prev.tail = (prev.tail or "") + node.tail
            else:
                parent.text = (parent.text or "") + node.tail
        parent.remove(node)
    holder = etree.SubElement(root, _I + "AdditionalData", {"dtype": "xml", "meaning": SIGNATURE_MEANING})
    etree.SubElement(holder, _DS + "Signature", {"Id": "placeholder"}, nsmap={"ds": DS_NS})
    if len(root) > 1:
        holder.tail = root[-2].tail
        root[-2].tail = root.text
    signer = XMLSigner(
        signature_algorithm=algorithm,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    try:
        signed = signer.sign(root, key=signing_key, cert=cert_pem.decode("ascii"))
    except (SignXMLException, ValueError) as exc:
        raise SignatureError(f"cannot sign: {exc}", source=name) from None
    data: bytes = etree.tostring(signed.getroottree(), encoding="UTF-8", xml_declaration=True)
    return data


def _check_shape(root: etree._Element, name: str) -> None:
    """Refuse what a sound signed IODEF document never has, before any cryptography."""
    for node in root.iter(etree.Comment):
        raise SignatureError(
            "a comment inside a signed document is not covered by its signature; refused",
            source=name,
            line=node.sourceline,
        )
    found = _signatures(root)
    if not found:
        raise SignatureError("the document is not signed (no ds:Signature)", source=name)
    if len(found) > 1:
        raise SignatureError(
            f"the document carries {len(found)} signatures; exactly one is expected", source=name
        )
    (sig,) = found
    holder = sig.getparent()
    if holder is None or holder.get("dtype") != "xml":
        raise SignatureError(
            "the ds:Signature must sit in an AdditionalData dtype='xml' of the IODEF-Document itself",
            source=name,
            line=sig.sourceline,
        )
    refs = sig.findall(f"{_DS}SignedInfo/{_DS}Reference")
    if len(refs) != 1 or refs[0].get("URI") != "":
        uris = ", ".join(repr(r.get("URI")) for r in refs) or "none"
        raise SignatureError(
            f"the signature must cover the whole document (one Reference URI=''), not {uris}",
            source=name,
            line=sig.sourceline,
        )
    transforms = [t.get("Algorithm") for t in refs[0].iter(_DS + "Transform")]
    if transforms[-1:] != [_EXC_C14N]:
        raise SignatureError("the signature must use exclusive C14N", source=name)


_EXPECT: Final = SignatureConfiguration(
    require_x509=True,
    location=f"./{_I}AdditionalData/",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256, SignatureMethod.ECDSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


def verify_signature(data: bytes | str | os.PathLike[str], *, trust: Trust) -> Verified:
    """Check the signature of a signed document; the signed data (without the signature) and its signer."""
    if not isinstance(trust, Trust) or (trust.certificate is None and trust.ca is None):
        raise SignatureError("verify needs a Trust: a pinned certificate or a CA and a subject name")
    root, name = _read(data, "<bytes>")
    _check_shape(root, name)
    try:
        if trust.certificate is not None:
            result = XMLVerifier().verify(
                root, x509_cert=trust.certificate.decode("ascii"), expect_config=_EXPECT
            )
        else:
            assert trust.ca is not None
            # signxml reads the CA from a file; this one holds only the CA the caller trusts
            with tempfile.NamedTemporaryFile(suffix=".pem") as ca_file:
                ca_file.write(trust.ca)
                ca_file.flush()
                result = XMLVerifier().verify(
                    root, ca_pem_file=ca_file.name, cert_subject_name=trust.subject, expect_config=_EXPECT
                )
    except InvalidInput as exc:
        raise SignatureError(f"not a usable signature: {exc}", source=name) from None
    except SignXMLException as exc:
        raise SignatureError(f"signature verification failed: {exc}", source=name) from None
    if isinstance(result, list):  # one reference was expected; signxml gives a list for several
        raise SignatureError("the signature covers more than the document", source=name)
    signed = result.signed_xml
    if signed is None or signed.tag != root.tag:
        raise SignatureError("the signature does not cover the IODEF-Document", source=name)
    for holder in signed.findall(_I + "AdditionalData"):
        if (
            holder.get("meaning") == SIGNATURE_MEANING
            and len(holder) == 0
            and not (holder.text or "").strip()
        ):
            signed.remove(holder)
    signer = _signer(trust, result.signature_xml)
    body: bytes = etree.tostring(signed, encoding="UTF-8", xml_declaration=True)
    return Verified(signed_xml=body, signer=signer)


def _signer(trust: Trust, signature: etree._Element) -> str:
    """The subject of the certificate the signature was checked with."""
    if trust.certificate is not None:
        return x509.load_pem_x509_certificate(trust.certificate).subject.rfc4514_string()
    for el in signature.iter(_DS + "X509Certificate"):
        try:
            cert = x509.load_der_x509_certificate(base64.b64decode("".join((el.text or "").split())))
        except ValueError:
            continue
        names = cert.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
        if any(n.value == trust.subject for n in names):
            return cert.subject.rfc4514_string()
    return f"CN={trust.subject}"


def verify(data: bytes | str | os.PathLike[str], *, trust: Trust) -> IODEFDocument:
    """The signed document in *data*, when its signature is sound and made by whom *trust* names.

    Raises :class:`SignatureError` otherwise. Only what the signature covers is returned.
    """
    return verify_signature(data, trust=trust).document
