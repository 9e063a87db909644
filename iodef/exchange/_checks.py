"""The one place where the exchange checks a document before accepting or sending it.

Until the validator of ``iodef.validate`` lands, this checks the document against the bundled
RFC 7970 schema (libxml2, offline) and turns each schema error into a :class:`Problem`. At merge
time :func:`check_document` is the single function to switch over to
``iodef.validate.iter_issues(root, profile=...)``; nothing else in the package knows how
documents are checked.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any, Final

from lxml import etree

from .._schema import lxml_schema

__all__ = ["PROFILES", "Problem", "check_document"]

#: The schema profiles this module can check today, each mapped to its bundled XSD.
PROFILES: Final[dict[str, str]] = {"rfc7970": "iodef-2.0.xsd"}


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a document, in the shape of ``iodef.validate.Issue``."""

    severity: str
    path: str | None
    line: int | None
    column: int | None
    rule: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = f"{self.line}:{self.column}: " if self.line is not None else ""
        path = f"{self.path}: " if self.path else ""
        return f"{where}{path}{self.message} [{self.rule}]"


_local = threading.local()


def _schema(profile: str) -> Any:
    # An lxml XMLSchema keeps its error log on the object, so two threads validating with the
    # same object would mix their errors: each thread gets its own compiled copy.
    cache: dict[str, Any] | None = getattr(_local, "schemas", None)
    if cache is None:
        cache = _local.schemas = {}
    schema = cache.get(profile)
    if schema is None:
        try:
            xsd = PROFILES[profile]
        except KeyError:
            known = ", ".join(sorted(PROFILES))
            raise ValueError(f"unknown validation profile {profile!r}; known: {known}") from None
        schema = cache[profile] = lxml_schema.__wrapped__(xsd)
    return schema


def element_path(el: etree._Element) -> str:
    """``/IODEF-Document/Incident[2]/Contact``: local names, a position only where siblings share the name."""
    steps: list[str] = []
    cur: etree._Element | None = el
    while cur is not None:
        name = etree.QName(cur).localname
        parent = cur.getparent()
        if parent is not None:
            same = list(parent.iterchildren(cur.tag))
            if len(same) > 1:
                name += f"[{same.index(cur) + 1}]"
        steps.append(name)
        cur = parent
    return "/" + "/".join(reversed(steps))


def _nice_path(root: etree._Element, raw: str | None) -> str | None:
    if not raw:
        return None
    try:
        found = root.getroottree().xpath(raw)
    except etree.XPathError:
        return raw
    if isinstance(found, list) and found and isinstance(found[0], etree._Element):
        return element_path(found[0])
    return raw


def check_document(root: etree._Element, profile: str = "rfc7970") -> list[Problem]:
    """Return the problems of the IODEF v2 document *root* under *profile* (empty when it is valid)."""
    schema = _schema(profile)
    if schema.validate(root):
        return []
    problems: list[Problem] = []
    for entry in schema.error_log:
        line = int(entry.line) if entry.line else None
        column = int(entry.column) if entry.column else None
        path = _nice_path(root, str(entry.path) if entry.path else None)
        problems.append(
            Problem(
                severity="error",
                path=path,
                line=line,
                column=column,
                rule=f"xsd:{entry.type_name}",
                message=str(entry.message),
            )
        )
    return problems
