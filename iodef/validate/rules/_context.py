"""What every RFC rule module shares: the namespaces, the context issues are collected in, small helpers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from lxml import etree

from ...errors import Issue

__all__ = ["NS", "XML_NS", "RuleInfo"]

NS: Final = "urn:ietf:params:xml:ns:iodef-2.0"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_P: Final = f"{{{NS}}}"
_LANG: Final = f"{{{XML_NS}}}lang"
_WS: Final = " \t\r\n"


@dataclass(frozen=True)
class RuleInfo:
    """One RFC rule: ``slug`` names its fixtures, ``rule`` is what its issues carry."""

    slug: str
    rule: str
    severity: str
    summary: str
    profiles: tuple[str, ...] = ("rfc7970", "rfc7970-errata")


class _Ctx:
    __slots__ = ("data", "issues", "path_of", "profile", "root")

    def __init__(
        self,
        root: etree._Element,
        profile: str,
        path_of: Callable[[etree._Element], str],
        data: bytes | None = None,
    ) -> None:
        self.root = root
        self.profile = profile
        self.path_of = path_of
        self.data = data
        self.issues: list[Issue] = []

    def add(
        self, severity: str, el: etree._Element, rule: str, message: str, attr: str | None = None
    ) -> None:
        path = self.path_of(el)
        if attr is not None:
            path += f"/@{attr}"
        self.issues.append(Issue(severity, path, el.sourceline, None, rule, message))  # type: ignore[arg-type]


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _text(el: etree._Element) -> str:
    return (el.text or "").strip(_WS)
