"""The libxml2 side of schema validation: the schema that decides, and finding what its errors name."""

from __future__ import annotations

import functools
import re
from typing import Final

from lxml import etree

from .profiles import _SCHEMA_FILES, schema_document
from .schema import schema_dir

__all__ = ["decider_schema"]

_XS: Final = "http://www.w3.org/2001/XMLSchema"


def _plain_particle(particle: etree._Element) -> bool:
    """An element particle repeated 0 or 1 to 1 or unbounded times (the rewrite's precondition)."""
    return (
        particle.tag == f"{{{_XS}}}element"
        and particle.get("minOccurs", "1") in ("0", "1")
        and particle.get("maxOccurs", "1") in ("1", "unbounded")
    )


def _deterministic_choices(schema: etree._Element) -> int:
    """Rewrite each ``(A{a,x} | B{b,y} | ...){m,}`` content model as ``(A | B | ...){m',}``.

    With a, b in {0, 1} and x, y in {1, unbounded}, the two accept the same sequences of the same
    declared elements (each repetition of the outer choice may be one element), where m' = 0 when
    m or any of a, b is 0, else m. The first form is ambiguous, and libxml2, which runs it as a
    non-deterministic automaton, explores every way of splitting a run of children between the
    repetitions when it meets a child that does not fit: a Node with 25 Addresses before an
    unexpected element took it ten seconds. ``Node`` is written this way in both IODEF schemas
    (``(DomainData* | Address*)+``; v1: ``(NodeName? | Address*)+``). Returns how many choices
    were rewritten.
    """
    count = 0
    for choice in schema.iter(f"{{{_XS}}}choice"):
        if choice.get("maxOccurs") != "unbounded":
            continue
        particles = [c for c in choice if isinstance(c.tag, str) and c.tag != f"{{{_XS}}}annotation"]
        if not particles or not all(_plain_particle(c) for c in particles):
            continue
        if all(c.get("minOccurs", "1") == "1" and c.get("maxOccurs", "1") == "1" for c in particles):
            continue  # already (A | B | ...){m,}
        optional = choice.get("minOccurs") == "0" or any(c.get("minOccurs") == "0" for c in particles)
        for c in particles:
            c.attrib.pop("minOccurs", None)
            c.attrib.pop("maxOccurs", None)
        if optional:
            choice.set("minOccurs", "0")
        count += 1
    return count


@functools.cache
def decider_schema(profile: str) -> etree.XMLSchema:
    """The libxml2 schema that decides validity: *profile*'s, with ambiguous choices made plain.

    It accepts exactly the documents :func:`iodef.validate.profiles.lxml_schema_for` accepts
    (:func:`_deterministic_choices`; tests/validate/test_validate_speed.py checks both on every
    fixture), without libxml2's exponential search on an invalid repeated choice.
    """
    tree = schema_document(profile)
    _deterministic_choices(tree.getroot())
    tree.docinfo.URL = str(schema_dir() / _SCHEMA_FILES[profile])
    return etree.XMLSchema(tree)


_STEP: Final = re.compile(r"(?:([^/:\[\]]+):)?([^/:\[\]]+)(?:\[(\d+)\])?")


def _node_at(root: etree._Element, path: str | None) -> etree._Element | None:
    """The element libxml2's error *path* names, found without its namespace prefixes.

    libxml2 writes a path of ``*`` steps for elements in a default namespace, indexed among all
    element siblings (``/*/*[4]``), and of ``prefix:name`` steps for prefixed ones, indexed among
    the siblings of that name and prefix (``/iodef:IODEF-Document/iodef:Incident[2]``). The
    prefixes are the document's own, so the path is walked here rather than evaluated as XPath
    (which knows no prefixes): a document written with a prefix is reported exactly as the same
    document written with a default namespace. None when the path names no element.
    """
    if not path or not path.startswith("/"):
        return None
    node: etree._Element | None = None
    for step in path[1:].split("/"):
        m = _STEP.fullmatch(step)
        if m is None:
            return None
        prefix, name, index = m.group(1), m.group(2), int(m.group(3) or 1)
        if node is None:
            candidates: list[etree._Element] = [root]
        elif name == "*":
            candidates = [c for c in node if isinstance(c.tag, str)]
        else:
            candidates = [
                c
                for c in node
                if isinstance(c.tag, str) and etree.QName(c).localname == name and c.prefix == prefix
            ]
        if node is None and name != "*" and (etree.QName(root).localname != name or root.prefix != prefix):
            return None
        if not 0 < index <= len(candidates):
            return None
        node = candidates[index - 1]
    return node
