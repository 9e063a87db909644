"""The XML codec: ``parse()`` reads an IODEF v2 document into the typed model, ``dumps()`` writes one.

Parsing goes through the hardened parser of :mod:`iodef.safexml` (no DTDs, no entities, no
network, size and depth caps); its names are re-exported here for the callers that used them
from this module. The model classes load on first use, so importing this module stays light.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lxml import etree

from . import _hooks
from .errors import SerializationError
from .safexml import (
    DEFAULT_MAX_BYTES,
    IODEF_NS,
    IODEF_V1_NS,
    ROOT_TAG,
    Source,
    _chunks,
    _looks_like_xml,
    _read_stream,
    _source_name,
    _too_large,
    check_root,
    detect_version,
    parse_xml,
)

if TYPE_CHECKING:
    from .model import IODEFDocument

__all__ = [
    "DEFAULT_MAX_BYTES",
    "IODEF_NS",
    "IODEF_V1_NS",
    "ROOT_TAG",
    "Source",
    "_chunks",
    "_looks_like_xml",
    "_read_stream",
    "_source_name",
    "_too_large",
    "check_root",
    "detect_version",
    "dumps",
    "parse",
    "parse_xml",
]


def parse(source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES) -> IODEFDocument:
    """Read an IODEF v2 document into the typed model.

    *source* is bytes, a str holding XML, a path (str or ``os.PathLike``) or a binary file object.
    Raises :class:`iodef.ParseError` (or a subclass) with file, line and element path when the
    input is not an IODEF v2 document the model can hold. Reading does not validate against the
    schema; use :mod:`iodef.validate` for that.
    """
    from .model._binding import element_to_document

    name = _source_name(source)
    root = parse_xml(source, max_bytes=max_bytes, source_name=name)
    check_root(root, name)
    doc: IODEFDocument = element_to_document(root, name)
    return doc


def dumps(doc: IODEFDocument, *, pretty: bool = False, xml_declaration: bool = True) -> bytes:
    """Write *doc* as UTF-8 IODEF XML (namespace prefix ``iodef``), with an XML declaration."""
    from .model._binding import document_to_element

    try:
        root = document_to_element(doc, pretty=pretty)
    except ValueError as exc:  # lxml refuses strings XML 1.0 cannot carry
        where = _unwritable_field(doc)
        raise SerializationError(
            f"cannot write {where or 'the document'}: XML 1.0 cannot carry control characters "
            f"(other than tab, newline, carriage return) or NUL bytes ({exc})",
            path=where,
        ) from None
    if not pretty:
        # the tree, not the element: comments and PIs kept around the root are written too
        data: bytes = etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=xml_declaration)
        return data
    # pretty: each comment or PI around the root on a line of its own
    parts = [b"<?xml version='1.0' encoding='UTF-8'?>"] if xml_declaration else []
    before = reversed(list(root.itersiblings(preceding=True)))
    parts += [etree.tostring(n, encoding="UTF-8", with_tail=False) for n in before]
    parts.append(etree.tostring(root, encoding="UTF-8", with_tail=False))
    parts += [etree.tostring(n, encoding="UTF-8", with_tail=False) for n in root.itersiblings()]
    return b"\n".join(parts) + b"\n"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _unwritable_field(obj: object, path: str = "IODEFDocument") -> str | None:
    """The dotted path of the first string in *obj* that XML 1.0 cannot carry, if any."""
    from .model import IODEFModel

    if isinstance(obj, str):
        return path if _NOT_XML.search(obj) else None
    if isinstance(obj, IODEFModel):
        for name, value in obj.__dict__.items():
            found = _unwritable_field(value, f"{path}.{name}")
            if found:
                return found
    elif isinstance(obj, (list, tuple)):
        for i, value in enumerate(obj):
            found = _unwritable_field(value, f"{path}[{i}]")
            if found:
                return found
    elif isinstance(obj, dict):
        for key, value in obj.items():
            found = _unwritable_field(value, f"{path}[{key!r}]")
            if found:
                return found
    return None


# IODEFDocument.to_xml() / from_xml() call these through iodef._hooks, so that the model, which
# sits below the codecs, never imports this module.
_hooks.xml_parse = parse
_hooks.xml_dumps = dumps
