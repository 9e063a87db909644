"""What the receiver does with a body that is not an IODEF v2 XML document: RFC 8727 JSON/CBOR and IODEF v1.

The repository's document is always IODEF v2 XML: that is what is validated, indexed, redacted
into the per-reader views, digested and served to ROLIE, TAXII and ``iodef pull``. A body received
in another form is turned into that XML here, and the bytes *as received* are kept beside it
(:class:`Received`), so nothing a peer sent is lost:

- JSON or CBOR (RFC 8727): converted with :func:`iodef.json.binding_to_xml`; the shipped JSON
  Schema's findings count as errors (rule ``json-schema``), as in ``iodef validate``.
- IODEF v1 (RFC 5070), only with ``iodef serve --upgrade-v1``: upgraded with
  :func:`iodef.v1.upgrade_bytes`. The digest (what a repeat is known by) is then the v1 document's,
  because the upgrade writes the upgrade time where a v1 incident has no ReportTime.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from lxml import etree
from starlette.requests import Request

from ..errors import IODEFError, ParseError
from ..json import CBOR_MEDIA_TYPE, MEDIA_TYPE, binding_to_xml, detect_format
from ..xml import IODEF_NS, IODEF_V1_NS, parse_xml
from ._checks import Issue
from ._http import ProblemError, header
from .rolie import ATOM_NS

__all__ = [
    "BINDING_TYPES",
    "CBOR_TYPES",
    "JSON_TYPES",
    "V1_XML_TYPE",
    "Received",
    "from_binding",
    "is_v1",
    "media_type_of_request",
    "unwrap_entry",
    "upgrade_v1",
    "v1_refused",
]

#: Content types of RFC 8727 JSON. RFC 8727 registers no media type of its own: the generic one,
#: and the ``+json`` form a peer may choose, are both taken.
JSON_TYPES: Final = frozenset({MEDIA_TYPE, "application/iodef+json"})
CBOR_TYPES: Final = frozenset({CBOR_MEDIA_TYPE, "application/iodef+cbor"})
BINDING_TYPES: Final = JSON_TYPES | CBOR_TYPES
#: How a kept IODEF v1 original is labelled (and served by ``.../received``).
V1_XML_TYPE: Final = "application/xml; version=1.00"
_V1_ROOT: Final = f"{{{IODEF_V1_NS}}}IODEF-Document"
_I: Final = f"{{{IODEF_NS}}}"
_V1: Final = f"{{{IODEF_V1_NS}}}"
_A: Final = f"{{{ATOM_NS}}}"


@dataclass(frozen=True, slots=True)
class Received:
    """The bytes a peer sent, when the stored document is not them: their media type and bytes."""

    media_type: str
    body: bytes


def _unreadable(exc: ParseError, title: str = "Unreadable document") -> ProblemError:
    issue = Issue(
        severity="error",
        path=exc.path or "$",
        line=exc.line,
        column=exc.column,
        rule="json" if title.endswith("JSON") else "binding",
        message=exc.message,
    )
    return ProblemError(400, title, str(exc), slug="unreadable", extra={"issues": [issue.to_dict()]})


def from_binding(body: bytes, media: str, name: str) -> tuple[bytes, list[Issue], Received]:
    """A JSON or CBOR body as the IODEF XML it holds, the JSON Schema's findings, and the original.

    Raises :class:`ProblemError` 400 for a body that is not what its Content-Type says or no
    IODEF document in that binding.
    """
    want = "json" if media in JSON_TYPES else "cbor"
    found = detect_format(body)
    if found != want:
        raise ProblemError(
            400,
            "Body does not match its Content-Type",
            f"{name}: the Content-Type is {media!r} but the body looks like {found.upper()}",
            slug="unreadable",
        )
    try:
        converted = binding_to_xml(body, name)
    except IODEFError as exc:
        error = exc if isinstance(exc, ParseError) else ParseError(exc.message, source=name)
        raise _unreadable(error, f"Unreadable IODEF {want.upper()}") from None
    assert converted is not None  # not XML: detect_format said so
    xml, findings = converted
    issues = [Issue("error", path, None, None, "json-schema", message) for path, message in findings]
    return xml, issues, Received(MEDIA_TYPE if want == "json" else CBOR_MEDIA_TYPE, body)


def is_v1(root: etree._Element) -> bool:
    """Whether *root* is an IODEF v1 (RFC 5070) IODEF-Document."""
    return bool(root.tag == _V1_ROOT)


def upgrade_v1(body: bytes, name: str, max_bytes: int) -> tuple[etree._Element, bytes, int]:
    """A v1 document upgraded: the v2 root, its bytes, and how many notes the upgrade made.

    Raises :class:`ProblemError` 422 when the v1 document cannot be upgraded.
    """
    from ..v1 import upgrade_bytes

    try:
        v2, notes = upgrade_bytes(body)
        root = parse_xml(v2, max_bytes=max(max_bytes, len(v2)), source_name=name)
    except IODEFError as exc:
        raise ProblemError(
            422,
            "IODEF v1 document not upgradable",
            f"{name}: the IODEF v1 document could not be upgraded to v2: {exc}",
            slug="invalid-document",
        ) from None
    return root, v2, len(notes)


def v1_refused(name: str) -> ProblemError:
    """The answer to an IODEF v1 document when the repository does not upgrade them."""
    return ProblemError(
        422,
        "IODEF v1 document",
        f"{name}: this is an IODEF v1 document (RFC 5070); this repository takes IODEF v2 (RFC 7970) "
        "only. Upgrade it with 'iodef upgrade' before sending, or run the repository with "
        "'iodef serve --upgrade-v1' to have received v1 documents upgraded",
        slug="iodef-v1",
        extra={"hint": ["iodef upgrade", "iodef serve --upgrade-v1"]},
    )


def media_type_of_request(request: Request) -> tuple[str, dict[str, str]]:
    raw = header(request, b"content-type") or ""
    parts = [p.strip() for p in raw.split(";")]
    params = {}
    for p in parts[1:]:
        if "=" in p:
            k, v = p.split("=", 1)
            params[k.strip().lower()] = v.strip().strip('"').lower()
    return parts[0].lower(), params


def unwrap_entry(root: etree._Element, name: str, *, v1: bool = False) -> etree._Element:
    if root.tag != _A + "entry":
        raise ProblemError(
            400,
            "Not an Atom entry",
            f"{name}: the body is {root.tag!r}, not an atom:entry",
            slug="unreadable",
        )
    contents = root.findall(_A + "content")
    # Exactly one element, the IODEF document: anything beside it would be answered 201 and dropped.
    inside = [el for el in contents[0] if isinstance(el.tag, str)] if len(contents) == 1 else []
    wanted = {_I + "IODEF-Document", _V1 + "IODEF-Document"} if v1 else {_I + "IODEF-Document"}
    if len(inside) != 1 or inside[0].tag not in wanted:
        found = ", ".join(etree.QName(el).localname for el in inside) or "nothing"
        raise ProblemError(
            422,
            "Not one IODEF document in the entry",
            f"{name}: the atom:entry must have one atom:content holding exactly one element, an "
            f"IODEF-Document (found {len(contents)} atom:content holding {found})",
            slug="invalid-document",
        )
    inner = inside[0]
    # Re-read the wrapped document on its own so that it is stored and checked as a document.
    data = etree.tostring(inner, encoding="UTF-8", xml_declaration=True)
    return parse_xml(data, source_name=name)
