"""What a POST's body goes through before it is stored: read, unwrapped, upgraded, checked, indexed.

:func:`check_body` turns the body into the repository's IODEF v2 document (:mod:`._intake` for
JSON/CBOR and v1), refuses it with an RFC 9457 problem when it is unreadable or invalid under the
profile (:func:`iodef.validate.iter_issues`), and computes what the store keeps beside it: the
index columns, the per-reader redacted views (:mod:`.redact`) and the digest a repeat is known by.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from ..errors import DocumentTooLargeError, IODEFError, ParseError, UnsupportedVersionError
from ..xml import IODEF_NS, check_root, parse_xml
from ._checks import Issue, check_document
from ._http import ProblemError, too_large
from ._intake import V1_XML_TYPE, Received, from_binding, is_v1, unwrap_entry, upgrade_v1, v1_refused
from ._policy import effective_restriction, restriction_rank
from .redact import sees_nothing
from .redact import views as redacted_views

__all__ = [
    "Checked",
    "check_body",
    "document_digest",
    "index_columns",
    "legacy_document_digest",
    "reader_views",
]

_I = f"{{{IODEF_NS}}}"


def document_digest(root: etree._Element) -> str:
    """SHA-256 (hex) of the document's canonical form (C14N 1.0, comments dropped): what a repeat is known by.

    libxml2's C14N 1.0 is a tenth of the cost of C14N 2.0 (written in Python in lxml) and as
    canonical for a whole document; :func:`legacy_document_digest` is what stores written before
    used, still recognised for a re-sent incident.
    """
    canonical: bytes = etree.tostring(root, method="c14n", with_comments=False)
    return hashlib.sha256(canonical).hexdigest()


def legacy_document_digest(root: etree._Element) -> str:
    """SHA-256 (hex) of the C14N 2.0 form without comments (the digest of earlier versions)."""
    canonical: str = etree.canonicalize(root, with_comments=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _text(el: etree._Element | None) -> str | None:
    if el is None or el.text is None:
        return None
    return str(el.text).strip()


_INCIDENT: Final = _I + "Incident"
#: The children of an Incident the index reads (the first of each counts).
_INDEXED: Final = (_I + "IncidentID", _I + "GenerationTime", _I + "ReportTime")


def index_columns(root: etree._Element) -> dict[str, str | None]:
    """The index columns of a document: its first incident's identity and its effective restriction."""
    first = next(root.iterchildren(_INCIDENT), None)
    found: dict[str, etree._Element] = {}
    if first is not None:
        # One walk of the Incident's children for the three (lxml matches the tags in C).
        for child in first.iterchildren(*_INDEXED):
            found.setdefault(child.tag, child)
    ident = found.get(_INDEXED[0])
    return {
        "incident_name": None if ident is None or ident.get("name") is None else str(ident.get("name")),
        "incident_id": _text(ident),
        "purpose": None if first is None or first.get("purpose") is None else str(first.get("purpose")),
        "restriction": effective_restriction(root),
        "generation_time": _text(found.get(_INDEXED[1])),
        "report_time": _text(found.get(_INDEXED[2])),
    }


@dataclass(frozen=True, slots=True)
class Checked:
    """A document accepted by :func:`check_body`: what the store needs of it."""

    root: etree._Element
    body: bytes
    digest: str
    index: dict[str, str | None]
    visible_rank: int
    views: tuple[tuple[int, int, str | None, bytes], ...]
    received: Received | None = None
    #: notes of the v1 upgrade (None: the document was no v1 document)
    upgrade_notes: int | None = None


def reader_views(root: etree._Element, restriction: str | None, profile: str) -> tuple[int, tuple[Any, ...]]:
    """The lowest rank that sees anything of *root*, and its redacted views.

    Each view is (reader rank, parts withheld, the view's restriction, its bytes).
    """
    strictest = min(restriction_rank(restriction), 3)
    if strictest == 0 or sees_nothing(root, strictest - 1):
        return strictest, ()
    made = redacted_views(root, strictest, profile=profile)
    rows = []
    for rank, view in made.items():
        body = view.body
        assert view.root is not None
        assert body is not None
        rows.append((rank, view.withheld, effective_restriction(view.root), body))
    return (min(made) if made else strictest), tuple(rows)


def _read(
    body: bytes, is_entry: bool, name: str, *, max_bytes: int, upgrade: bool
) -> tuple[etree._Element, bytes, etree._Element | None, Received | None, int | None]:
    """The v2 root and bytes of *body*; for an upgraded v1 document also its root, bytes and notes."""
    digest_root: etree._Element | None = None
    received: Received | None = None
    notes: int | None = None
    try:
        root = parse_xml(body, max_bytes=max(max_bytes, len(body)), source_name=name)
        if is_entry:
            root = unwrap_entry(root, name, v1=upgrade)
            body = etree.tostring(root, encoding="UTF-8", xml_declaration=True)
        if is_v1(root):
            if not upgrade:
                raise v1_refused(name)
            # The digest stays the v1 document's: the upgrade may write the time of upgrading.
            digest_root, original = root, body
            root, body, notes = upgrade_v1(body, name, max_bytes)
            received = Received(V1_XML_TYPE, original)
        check_root(root, name)
    except DocumentTooLargeError:
        raise too_large(len(body), max_bytes) from None
    except ParseError as exc:
        status, title, slug = 400, "Unreadable document", "unreadable"
        if isinstance(exc, UnsupportedVersionError) or "root element" in exc.message:
            status, title, slug = 422, "Not an IODEF v2 document", "invalid-document"
        raise ProblemError(
            status, title, str(exc), slug=slug, extra={"issues": [_issue_from_error(exc)]}
        ) from None
    return root, body, digest_root, received, notes


def check_body(
    body: bytes,
    is_entry: bool,
    name: str,
    *,
    profile: str,
    max_bytes: int,
    upgrade: bool = False,
    binding: str | None = None,
) -> Checked:
    """*body* (XML, an Atom entry, or RFC 8727 *binding*) accepted, or a :class:`ProblemError`."""
    found: list[Issue] = []
    received: Received | None = None
    if binding is not None:
        body, found, received = from_binding(body, binding, name)
    root, body, digest_root, upgraded_from, notes = _read(
        body, is_entry, name, max_bytes=max_bytes, upgrade=upgrade
    )
    received = upgraded_from or received
    issues = check_document(root, profile, source=name)
    if found:
        issues = found + issues
    if issues and any(i.severity == "error" for i in issues):
        errors = sum(1 for i in issues if i.severity == "error")
        raise ProblemError(
            422,
            "Invalid IODEF document",
            f"{errors} problem(s) under the {profile} profile",
            slug="invalid-document",
            extra={"profile": profile, "issues": [i.to_dict() for i in issues]},
        )
    index = index_columns(root)
    visible, views = reader_views(root, index["restriction"], profile)
    return Checked(
        root=root,
        body=body,
        digest=document_digest(root if digest_root is None else digest_root),
        index=index,
        visible_rank=visible,
        views=views,
        received=received,
        upgrade_notes=notes,
    )


def _issue_from_error(exc: IODEFError) -> dict[str, Any]:
    return Issue(
        severity="error",
        path=exc.path or "/",
        line=exc.line,
        column=exc.column,
        rule="xml",
        message=exc.message,
    ).to_dict()
