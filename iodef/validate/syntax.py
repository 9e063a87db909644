"""Value syntax of RFC 7970's data types, as pure functions: language tags (BCP 47), addresses by
category (§3.18.1), PORTLIST (§2.9) and the ExtensionType dtypes (§2.16).

Used by the RFC rules in :mod:`iodef.validate.rules`; nothing here knows about documents or issues.
"""

from __future__ import annotations

import functools
import ipaddress
import re
from collections.abc import Callable
from typing import Final

from .._tree import _DT_RE as _DT

__all__ = ["bcp47_problem", "portlist_problem"]


_BCP47: Final = re.compile(
    r"""
    (?:
      (?:[a-z]{2,3}(?:-[a-z]{3}){0,3}|[a-z]{4}|[a-z]{5,8})   # language (with extlang)
      (?:-[a-z]{4})?                                       # script
      (?:-(?:[a-z]{2}|[0-9]{3}))?                          # region
      (?:-(?:[a-z0-9]{5,8}|[0-9][a-z0-9]{3}))*              # variants
      (?:-[0-9a-wyz](?:-[a-z0-9]{2,8})+)*                   # extensions
      (?:-x(?:-[a-z0-9]{1,8})+)?                            # private use
    | x(?:-[a-z0-9]{1,8})+                                  # private use only
    | en-gb-oed|i-ami|i-bnn|i-default|i-enochian|i-hak|i-klingon|i-lux|i-mingo|i-navajo|i-pwn
    | i-tao|i-tay|i-tsu|sgn-be-fr|sgn-be-nl|sgn-ch-de
    | art-lojban|cel-gaulish|no-bok|no-nyn|zh-guoyu|zh-hakka|zh-min|zh-min-nan|zh-xiang
    )
    """,
    re.VERBOSE,
)


@functools.lru_cache(maxsize=1024)
def bcp47_problem(tag: str) -> str | None:
    """Why *tag* is not a well-formed BCP 47 (RFC 5646) language tag, or None when it is."""
    if not _BCP47.fullmatch(tag.lower()):
        return (
            f"{tag!r} is not a well-formed BCP 47 language tag (RFC 5646), e.g. 'en', 'de-AT', 'zh-Hant-TW'"
        )
    subtags = tag.lower().split("-")
    # no repeated variant or extension singleton (RFC 5646 §2.2.5, §2.2.6)
    body = subtags[: subtags.index("x")] if "x" in subtags else subtags
    singletons = [s for s in body if len(s) == 1]
    if len(singletons) != len(set(singletons)):
        return f"{tag!r} repeats an extension singleton (RFC 5646 §2.2.6)"
    variants = [s for s in body[1:] if len(s) >= 5 or (len(s) == 4 and _digits(s[0]))]
    if len(variants) != len(set(variants)):
        return f"{tag!r} repeats a variant subtag (RFC 5646 §2.2.5)"
    return None


_MASKED4: Final = re.compile(r"[0-9x]{1,3}(\.[0-9x]{1,3}){3}/[0-9x]{1,2}")
_MASKED6: Final = re.compile(r"[0-9a-fA-Fx:.]+/[0-9x]{1,3}")
_MAC: Final = re.compile(r"[0-9A-Fa-f]{1,2}(:[0-9A-Fa-f]{1,2}){5}")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
_URI: Final = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+")


_OCTET: Final = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4: Final = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def _ipv4(text: str) -> bool:
    return _IPV4.fullmatch(text) is not None


@functools.lru_cache(maxsize=4096)
def _ipv6_compressed(text: str) -> str | None:
    """The RFC 5952 form of an IPv6 address, or None when *text* is not one."""
    try:
        return ipaddress.IPv6Address(text).compressed
    except ValueError:
        return None


def _ipv6(text: str) -> bool:
    return _ipv6_compressed(text) is not None


def _digits(text: str) -> bool:
    """ASCII decimal digits only: ``str.isdigit`` also accepts '²' or '①', which ``int`` refuses."""
    return text.isascii() and text.isdigit()


def _net(text: str, version: int) -> bool:
    if "/" not in text:
        return False
    addr, _, prefix = text.partition("/")
    if not _digits(prefix) or int(prefix) > (32 if version == 4 else 128):
        return False
    return _ipv4(addr) if version == 4 else _ipv6(addr)


def _net_mask(text: str) -> bool:
    addr, sep, mask = text.partition("/")
    if not sep or not _ipv4(addr) or not _ipv4(mask):
        return False
    bits = int(ipaddress.IPv4Address(mask))
    inverted = ~bits & 0xFFFFFFFF
    return inverted & (inverted + 1) == 0  # contiguous ones, then zeros


def _asn(text: str) -> bool:
    return _digits(text) and int(text) <= 4294967295


_ADDRESS_CHECKS: Final[dict[str, tuple[Callable[[str], bool], str]]] = {
    "ipv4-addr": (_ipv4, "an IPv4 address in dotted-decimal notation, e.g. 192.0.2.1"),
    "ipv4-net": (lambda t: _net(t, 4), "an IPv4 network a.b.c.d/nn, e.g. 192.0.2.0/24"),
    "ipv4-net-masked": (lambda t: bool(_MASKED4.fullmatch(t)), "an IPv4 network with x for hidden digits"),
    "ipv4-net-mask": (_net_mask, "an IPv4 network a.b.c.d/w.x.y.z, e.g. 192.0.2.0/255.255.255.0"),
    "ipv6-addr": (_ipv6, "an IPv6 address (RFC 5952), e.g. 2001:db8::1"),
    "ipv6-net": (lambda t: _net(t, 6), "an IPv6 network address/prefix, e.g. 2001:db8::/32"),
    "ipv6-net-masked": (lambda t: bool(_MASKED6.fullmatch(t)), "an IPv6 network with x for hidden digits"),
    "mac": (lambda t: bool(_MAC.fullmatch(t)), "a MAC address aa:bb:cc:dd:ee:ff"),
    "asn": (_asn, "an autonomous system number, e.g. 64496 (digits only)"),
    "e-mail": (lambda t: bool(_EMAIL.fullmatch(t)), "an email address, e.g. abuse@example.org"),
    "site-uri": (lambda t: bool(_URI.fullmatch(t)), "a URI with a scheme, e.g. https://example.org/x"),
}


def _guess_category(text: str) -> str | None:
    if _ipv4(text):
        return "ipv4-addr"
    if _ipv6(text):
        return "ipv6-addr"
    if _net(text, 4):
        return "ipv4-net"
    if _net(text, 6):
        return "ipv6-net"
    if _MAC.fullmatch(text):
        return "mac"
    if _EMAIL.fullmatch(text):
        return "e-mail"
    if _URI.fullmatch(text):
        return "site-uri"
    return None


_PORTLIST: Final = re.compile(r"\d+(-\d+)?(,\d+(-\d+)?)*")


def portlist_problem(text: str, *, syntax: bool = True) -> str | None:
    """Why *text* is not a usable PORTLIST, or None."""
    if not _PORTLIST.fullmatch(text):
        return f"{text!r} is not a PORTLIST: comma-separated ports and ranges N-M, e.g. 22,80,8000-8080"
    for part in text.split(","):
        low, _, high = part.partition("-")
        lo = int(low)
        hi = int(high) if high else lo
        if max(lo, hi) > 65535:
            return f"port {max(lo, hi)} in {text!r} is out of range (0-65535)"
        if lo > hi:
            return f"range {part} in {text!r} runs backwards; write {hi}-{lo}"
    return None


_SIMPLE_PORTS: Final = re.compile(r"[0-9]{1,4}(,[0-9]{1,4})*")


_HEX: Final = re.compile(r"([0-9A-Fa-f]{2})+")
# base64 with white space anywhere and up to two '=' at the end. Written so that no two parts
# can match the same white space: "[...\s]*={0,2}\s*" backtracks over every split of a run of
# spaces before a bad character, quadratic in its length (16 KB took seconds).
_B64: Final = re.compile(r"[A-Za-z0-9+/\s]*(?:==?\s*)?")
_INT: Final = re.compile(r"[+-]?[0-9]+")
_REAL: Final = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([Ee][+-]?[0-9]+)?|[+-]?INF|NaN")

_DTYPE_CHECKS: Final[dict[str, tuple[Callable[[str], bool], str]]] = {
    "boolean": (lambda t: t in ("true", "false", "1", "0"), "a BOOLEAN (true, false, 1 or 0)"),
    "byte": (lambda t: bool(_B64.fullmatch(t)) and len(t) > 0, "base64 (BYTE)"),
    "bytes": (lambda t: bool(_HEX.fullmatch(t)), "hexadecimal octets (HEXBIN)"),
    "character": (lambda t: len(t) == 1, "a single character"),
    "date-time": (lambda t: bool(_DT.fullmatch(t)), "a DATETIME, e.g. 2025-01-31T12:00:00Z"),
    "ntpstamp": (lambda t: bool(_DT.fullmatch(t)), "a DATETIME, e.g. 2025-01-31T12:00:00Z"),
    "integer": (lambda t: bool(_INT.fullmatch(t)), "an INTEGER in base 10"),
    "real": (lambda t: bool(_REAL.fullmatch(t)), "a REAL in base 10"),
    "file": (lambda t: bool(_B64.fullmatch(t)) and len(t) > 0, "a base64-encoded file"),
    "frame": (lambda t: bool(_HEX.fullmatch(t)), "hexadecimal octets (a Layer 2 frame)"),
    "packet": (lambda t: bool(_HEX.fullmatch(t)), "hexadecimal octets (a Layer 3 packet)"),
    "ipv4-packet": (lambda t: bool(_HEX.fullmatch(t)), "hexadecimal octets (an IPv4 packet)"),
    "ipv6-packet": (lambda t: bool(_HEX.fullmatch(t)), "hexadecimal octets (an IPv6 packet)"),
}
