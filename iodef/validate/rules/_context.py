"""What every RFC rule module shares: the namespaces, the context issues are collected in, small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ...errors import Issue
from . import _accel

__all__ = ["NS", "XML_NS", "RuleInfo"]

NS: Final = "urn:ietf:params:xml:ns:iodef-2.0"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_P: Final = f"{{{NS}}}"
_LANG: Final = f"{{{XML_NS}}}lang"
_WS: Final = " \t\r\n"
#: the bits of _Ctx.facts() (``_cscreen.FACTS``; tests/validate/test_rule_screen.py compares)
_FACT_EXT: Final = 1
_FACT_REFERENCES: Final = 2
_FACT_ID_CONTENT: Final = 4
_FACT_ID_ATTRIBUTE: Final = 16
_FACT_DATES: Final = 32
_FACT_MANY_ATTRIBUTES: Final = 64  # an element with more than _MANY_ATTRIBUTES attributes
_MANY_ATTRIBUTES: Final = 64
_FACT_SHIFT: Final = 8


@dataclass(frozen=True)
class RuleInfo:
    """One RFC rule: ``slug`` names its fixtures, ``rule`` is what its issues carry."""

    slug: str
    rule: str
    severity: str
    summary: str
    profiles: tuple[str, ...] = ("rfc7970", "rfc7970-errata")


class _Ctx:
    __slots__ = ("_ascii", "_facts", "data", "issues", "path_of", "profile", "root")

    def __init__(
        self,
        root: etree._Element,
        profile: str,
        path_of: Callable[[etree._Element], str],
        data: bytes | None = None,
        facts: int | None = None,
    ) -> None:
        self.root = root
        self.profile = profile
        self.path_of = path_of
        self.data = data
        self.issues: list[Issue] = []
        self._ascii: bytes | bool | None = False  # not worked out yet (see ascii_source)
        self._facts = facts

    def facts(self) -> int | None:
        """What the C walk finds in one pass (``_cscreen.FACTS``), or None without it."""
        known = self._facts
        if known is None:
            accelerated = _accel.ACCELERATED
            if accelerated is None:
                return None
            known = self._facts = int(accelerated.facts(self.root))
        return known

    def ascii_source(self) -> bytes | None:
        """The raw document when every ASCII character of it is that very byte, else None.

        Worked out once per document (:func:`iodef.validate.rules.document._ascii_source`).
        """
        known = self._ascii
        if known is False:
            known = self._ascii = _ascii_source(self)
        return known  # type: ignore[return-value]

    def add(
        self, severity: str, el: etree._Element, rule: str, message: str, attr: str | None = None
    ) -> None:
        path = self.path_of(el)
        if attr is not None:
            path += f"/@{attr}"
        self.issues.append(Issue(severity, path, el.sourceline, None, rule, message))  # type: ignore[arg-type]


_ASCII_ENCODINGS: Final = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})


def _ascii_source(ctx: _Ctx) -> bytes | None:
    """The raw document, when every ASCII character of it is that very byte (UTF-8 or ASCII).

    Then a byte search answers "can this document hold such an attribute?" far faster than an
    XPath scan of every attribute: attribute names are never escaped, so ``xml:lang`` is in the
    bytes as ``:lang``; a value ``ext-value`` or a name ``ext-X`` puts ``ext-`` there, unless it
    is spelt with character references (``&#``). UTF-16/32 (a BOM or a NUL in the first two
    bytes) and other encodings get None, and the rules fall back to the XPath scans.
    """
    data = ctx.data
    if data is None:
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data[start : start + 1] != b"<" or data[start + 1 : start + 2] in (b"\x00", b""):
        return None
    encoding = ctx.root.getroottree().docinfo.encoding
    if (encoding or "UTF-8").upper() not in _ASCII_ENCODINGS:
        return None
    return data


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _text(el: etree._Element) -> str:
    return (el.text or "").strip(_WS)
