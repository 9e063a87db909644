"""IODEF observables -> STIX cyber-observable objects (SCOs) and STIX pattern comparisons.

Each mapper returns the SCOs it made and, for patterns, one comparison expression per SCO
(``ipv4-addr:value = '192.0.2.1'``). What has no SCO is named in ``unmapped``.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Final

import stix2
from stix2.exceptions import STIXError

from ..model import (
    Address,
    CertificateData,
    DomainData,
    EmailData,
    FileData,
    HashData,
    Node,
    Observable,
    WindowsRegistryKeysModified,
)

__all__ = ["Found", "node", "observable", "text"]

DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"

#: XML Signature digest algorithm URIs -> STIX hash names (STIX 2.1 hash-algorithm-ov).
HASH_NAMES: Final[dict[str, str]] = {
    "http://www.w3.org/2001/04/xmldsig-more#md5": "MD5",
    "http://www.w3.org/2000/09/xmldsig#sha1": "SHA-1",
    "http://www.w3.org/2001/04/xmlenc#sha256": "SHA-256",
    "http://www.w3.org/2001/04/xmlenc#sha512": "SHA-512",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-256": "SHA3-256",
    "http://www.w3.org/2007/05/xmldsig-more#sha3-512": "SHA3-512",
}
_HEX_LEN: Final = {"MD5": 32, "SHA-1": 40, "SHA-256": 64, "SHA-512": 128, "SHA3-256": 64, "SHA3-512": 128}
_HEX = re.compile(r"^[0-9a-fA-F]+$")


def text(value: Any) -> str | None:
    """The XML spelling of an enum, registered or not, or the string itself."""
    if value is None:
        return None
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def quote(value: str) -> str:
    """A STIX pattern string literal."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


@dataclass
class Found:
    """SCOs and pattern comparisons made from some IODEF content."""

    scos: list[Any] = field(default_factory=list)
    comparisons: list[str] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def add(self, sco: Any, comparison: str | None) -> None:
        if all(s.id != sco.id for s in self.scos):
            self.scos.append(sco)
        if comparison is not None:
            self.comparisons.append(comparison)

    def extend(self, other: Found) -> None:
        for sco in other.scos:
            self.add(sco, None)
        self.comparisons.extend(other.comparisons)
        self.unmapped.extend(other.unmapped)


def _make(found: Found, what: str, factory: Any, comparison: str | None, **kwargs: Any) -> Any:
    try:
        sco = factory(**kwargs)
    except (STIXError, ValueError) as exc:
        found.unmapped.append(f"{what}: {exc}")
        return None
    found.add(sco, comparison)
    return sco


_ADDRESS_SCO: Final = {
    "ipv4-addr": (stix2.v21.IPv4Address, "ipv4-addr"),
    "ipv4-net": (stix2.v21.IPv4Address, "ipv4-addr"),
    "ipv6-addr": (stix2.v21.IPv6Address, "ipv6-addr"),
    "ipv6-net": (stix2.v21.IPv6Address, "ipv6-addr"),
    "e-mail": (stix2.v21.EmailAddress, "email-addr"),
    "site-uri": (stix2.v21.URL, "url"),
}


def address(addr: Address) -> Found:
    found = Found()
    category = text(addr.category) or "ipv4-addr"
    value = addr.value.strip()
    if category in _ADDRESS_SCO:
        factory, stix_type = _ADDRESS_SCO[category]
        _make(found, f"Address {value}", factory, f"{stix_type}:value = {quote(value)}", value=value)
    elif category == "mac":
        mac = value.lower().replace("-", ":")
        _make(found, f"Address {value}", stix2.v21.MACAddress, f"mac-addr:value = {quote(mac)}", value=mac)
    elif category == "asn" and value.isdigit():
        number = int(value)
        _make(
            found,
            f"Address {value}",
            stix2.v21.AutonomousSystem,
            f"autonomous-system:number = {number}",
            number=number,
        )
    elif category == "ext-value" and text(addr.ext_category) == "e164":
        # STIX 2.1 has no telephone object: a phone number is the identifier of an account
        _make(
            found,
            f"Address {value}",
            stix2.v21.UserAccount,
            f"user-account:user_id = {quote(value)} AND user-account:account_type = 'phone-number'",
            user_id=value,
            account_type="phone-number",
        )
    else:
        shown = text(addr.ext_category) if category == "ext-value" else category
        found.unmapped.append(f"Address {value!r} of category {shown!r}: no STIX cyber-observable for it")
    return found


def domain(dd: DomainData) -> Found:
    found = Found()
    name = dd.name.strip()
    _make(found, f"DomainData {name}", stix2.v21.DomainName, f"domain-name:value = {quote(name)}", value=name)
    for ns in dd.nameservers:
        for a in ns.addresses:
            found.extend(address(a))
    return found


def node(n: Node) -> Found:
    found = Found()
    for dd in n.domain_data_list:
        found.extend(domain(dd))
    for a in n.addresses:
        found.extend(address(a))
    return found


def email(ed: EmailData) -> Found:
    found = Found()
    sender = None
    if ed.email_from:
        sender = _make(found, "EmailFrom", stix2.v21.EmailAddress, None, value=ed.email_from.strip())
    recipients = [
        r
        for r in (
            _make(found, "EmailTo", stix2.v21.EmailAddress, None, value=to.strip()) for to in ed.email_to_list
        )
        if r is not None
    ]
    props: dict[str, Any] = {"is_multipart": False}
    parts = []
    if sender is not None:
        props["from_ref"] = sender.id
        parts.append(f"email-message:from_ref.value = {quote(sender.value)}")
    if recipients:
        props["to_refs"] = [r.id for r in recipients]
    if ed.email_subject:
        props["subject"] = ed.email_subject
        parts.append(f"email-message:subject = {quote(ed.email_subject)}")
    if ed.email_body:
        props["body"] = ed.email_body
    comparison = " AND ".join(parts) if parts else None
    _make(found, "EmailData", stix2.v21.EmailMessage, comparison, **props)
    return found


def hashes(hd: HashData | None) -> dict[str, str]:
    """STIX ``hashes`` from the ds:Digest* pairs of a HashData (hex, as STIX wants)."""
    out: dict[str, str] = {}
    if hd is None:
        return out
    for h in hd.hashes:
        name = HASH_NAMES.get(str(h.digest_method.element.get("Algorithm", "")))
        raw = (h.digest_value.element.text or "").strip()
        if name is None or not raw:
            continue
        if _HEX.match(raw) and len(raw) == _HEX_LEN[name]:
            out[name] = raw.lower()
            continue
        try:
            digest = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            continue
        if len(digest) * 2 == _HEX_LEN[name]:
            out[name] = digest.hex()
    return out


def file(fd: FileData) -> Found:
    found = Found()
    for f in fd.files:
        props: dict[str, Any] = {}
        if f.file_name:
            props["name"] = f.file_name
        if f.file_size is not None:
            props["size"] = f.file_size
        if f.file_type:
            props["mime_type"] = f.file_type
        digests = hashes(f.hash_data)
        if digests:
            props["hashes"] = digests
        if not props:
            found.unmapped.append("File without name, size, type or hash")
            continue
        if digests:
            algo, value = sorted(digests.items())[-1]
            comparison = f"file:hashes.{quote(algo)} = {quote(value)}"
        elif "name" in props:
            comparison = f"file:name = {quote(props['name'])}"
        else:
            comparison = None
        _make(found, f"File {f.file_name or ''}", stix2.v21.File, comparison, **props)
    return found


def certificate(cd: CertificateData) -> Found:
    found = Found()
    for cert in cd.certificates:
        der = None
        for el in cert.x509_data.element.iter(f"{{{DS_NS}}}X509Certificate"):
            try:
                der = base64.b64decode("".join((el.text or "").split()), validate=True)
            except (binascii.Error, ValueError):
                der = None
            break
        if not der:
            found.unmapped.append("Certificate without a readable ds:X509Certificate")
            continue
        sha = hashlib.sha256(der).hexdigest()
        _make(
            found,
            "Certificate",
            stix2.v21.X509Certificate,
            f"x509-certificate:hashes.'SHA-256' = {quote(sha)}",
            hashes={"SHA-256": sha},
        )
    return found


def registry(w: WindowsRegistryKeysModified) -> Found:
    found = Found()
    for key in w.keys:
        name = key.key_name.strip()
        _make(
            found,
            f"Key {name}",
            stix2.v21.WindowsRegistryKey,
            f"windows-registry-key:key = {quote(name)}",
            key=name,
        )
    return found


def observable(obs: Observable) -> Found:
    """SCOs and comparisons of one IODEF Observable (§3.29.2)."""
    found = Found()
    if obs.system is not None:
        found.extend(node(obs.system.node))
    if obs.address is not None:
        found.extend(address(obs.address))
    if obs.domain_data is not None:
        found.extend(domain(obs.domain_data))
    if obs.email_data is not None:
        found.extend(email(obs.email_data))
    if obs.file_data is not None:
        found.extend(file(obs.file_data))
    if obs.certificate_data is not None:
        found.extend(certificate(obs.certificate_data))
    if obs.windows_registry_keys_modified is not None:
        found.extend(registry(obs.windows_registry_keys_modified))
    if obs.service is not None and obs.service.email_data is not None:
        found.extend(email(obs.service.email_data))
    return found
