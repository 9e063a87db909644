"""Address classification: which RFC 7970 §3.18.1 category a text is, public or internal IPs."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from functools import lru_cache
from typing import Final

from ..model import Address, DomainData, Node
from ._building import mk
from ._identity import PSEUDONYM_KIND, Pseudonymizer

__all__ = [
    "EXT_ADDRESS_KINDS",
    "address_for",
    "classify_address",
    "is_public_ip",
    "mac_address",
    "node_of",
    "normalise_ip",
]

EXT_ADDRESS_KINDS: Final = frozenset(
    {"e164", "short-code", "alphanumeric", "sip-uri", "tel-uri", "im-handle", "chatbot-uri", "rat-id"}
)


_E164 = re.compile(r"\+?[1-9]\d{6,14}")


_SHORT = re.compile(r"\d{3,6}")


_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


_URI = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:\S+")


def classify_address(value: str) -> tuple[str, str | None]:
    """Return ``(category, ext_category)`` for an address-like string (RFC 7970 §3.18.1).

    IP addresses, e-mail addresses and URLs get their RFC categories; telephone numbers, short
    codes, SIP/tel URIs, chatbot URIs and other handles get ``ext-value`` with a kind from
    :data:`EXT_ADDRESS_KINDS`.
    """
    v = value.strip()
    try:
        ip = ipaddress.ip_address(v)
    except ValueError:
        pass
    else:
        return ("ipv4-addr" if ip.version == 4 else "ipv6-addr", None)
    lower = v.lower()
    if lower.startswith("sip:") or lower.startswith("sips:"):
        return ("ext-value", "sip-uri")
    if lower.startswith("tel:"):
        return ("ext-value", "tel-uri")
    if lower.startswith(("http://", "https://")) and _URI.fullmatch(v):
        return ("site-uri", None)
    if _EMAIL.fullmatch(v):
        if "bot" in lower.split("@", 1)[0] and lower.endswith(("botplatform.com", ".bot")):
            return ("ext-value", "chatbot-uri")
        return ("e-mail", None)
    digits = v.replace(" ", "").replace("-", "")
    if _E164.fullmatch(digits) and (digits.startswith("+") or len(digits) > 7):
        return ("ext-value", "e164")
    if _SHORT.fullmatch(digits):
        return ("ext-value", "short-code")
    if _URI.fullmatch(v):
        return ("site-uri", None)
    return ("ext-value", "alphanumeric")


def address_for(value: str, pseudo: Pseudonymizer | None = None, *, kind: str | None = None) -> Address:
    """An Address whose category matches its text; pseudonymised when *pseudo* is active."""
    if pseudo is not None and pseudo.active:
        return mk(Address, category="ext-value", ext_category=PSEUDONYM_KIND, value=pseudo(value))
    if kind is not None:
        if kind == "mac":
            mac = mac_address(value)
            if mac is None:
                raise ValueError(f"{value!r} is not a MAC address")
            return mk(Address, category="mac", value=mac)
        if kind in EXT_ADDRESS_KINDS:
            return mk(Address, category="ext-value", ext_category=kind, value=value)
        category, ext = classify_address(value)
        if category == kind:
            return mk(Address, category=kind, value=value)
        # the field said one kind, the text is another (a "URL" with no scheme, say): what the
        # text is decides, so the document never says site-uri of something that is not a URI
    else:
        category, ext = classify_address(value)
    if category in ("e-mail", "ipv4-addr", "ipv6-addr"):
        value = value.strip()
    return mk(Address, category=category, ext_category=ext, value=value)


_INTERNAL = tuple(
    ipaddress.ip_network(n)
    for n in (
        "10.0.0.0/8",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "fc00::/7",
        "fe80::/10",
        "::1/128",
    )
)


@lru_cache(maxsize=65536)
def is_public_ip(value: str | None) -> bool:
    """True unless *value* is an internal address (RFC 1918, shared, loopback, link-local, ULA).

    Documentation ranges (RFC 5737, RFC 3849) count as public: examples use them for the Internet.
    """
    if not value:
        return False
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    return not any(ip.version == n.version and ip in n for n in _INTERNAL)


@lru_cache(maxsize=65536)
def normalise_ip(value: str | None) -> str | None:
    """The canonical text of an IP address, or None when *value* is not one."""
    if not value:
        return None
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


_MAC = re.compile(
    r"[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}|[0-9A-Fa-f]{12}|(?:[0-9A-Fa-f]{4}\.){2}[0-9A-Fa-f]{4}"
)


def mac_address(value: str | None) -> str | None:
    """A MAC address (``aa:bb:cc:dd:ee:ff``, dashes, Cisco dots or 12 bare hex digits) as lower-case
    colon-separated text, the spelling RFC 7970 §3.18.1 ``mac`` means; None when *value* is not one."""
    if not value:
        return None
    v = value.strip()
    if not _MAC.fullmatch(v):
        return None
    digits = "".join(c for c in v if c not in ":-.").lower()
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))


def node_of(addresses: list[Address], names: Iterable[str] = ()) -> Node | None:
    """A Node (RFC 7970 §3.18) with *addresses*, else with a DomainData for each of *names*.

    ``None`` when there is neither: a Node needs an Address or a DomainData, so a record that
    names no usable address gives no System rather than an invalid one.
    """
    if addresses:
        return mk(Node, addresses=addresses)
    domains = [mk(DomainData, name=n) for n in names if n and n.strip()]
    return mk(Node, domain_data_list=domains) if domains else None
