"""The report of a document with one common schema error, written without loading xmlschema.

Most invalid documents break the schema in one place, in one of a few ways: a required
attribute missing, an attribute the element does not have, an attribute value outside its
enumeration, an element's text that is not a value of its built-in type, or a child element
where the content model has no room for it.
libxml2's single log entry then says everything the report needs, and the schema document says
the rest (the enumeration, the content model). For exactly those cases :func:`explain` writes the
issues xmlschema's report (:mod:`iodef.validate.xsd`) would give, word for word, so that a run
whose invalid documents are all of that kind never builds xmlschema's schema (import and build
take about 0.4 s of CPU, and each explanation about 1 ms). Anything else (more than one error,
a choice or a wildcard in the content model, a prefix other than ``iodef`` for the IODEF
namespace, text that a repr could spell two ways, ...) returns None, and xmlschema explains as
before. ``tests/validate/test_explain.py`` holds both ways side by side on every fixture and on
thousands of mutated documents.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from ..errors import Issue
from ..safexml import IODEF_NS
from .decider import _node_at, decider_schema
from .profiles import V1_PROFILE, schema_document

__all__ = ["explain"]

PathOf = Callable[[etree._Element], str]

_XS: Final = "{http://www.w3.org/2001/XMLSchema}"
_XSI: Final = "{http://www.w3.org/2001/XMLSchema-instance}"
_NS: Final = f"{{{IODEF_NS}}}"
#: a value both libraries print the same way: no white space (which either may collapse), no
#: quote or backslash (which Python's repr escapes), nothing outside ASCII
_PLAIN: Final = re.compile(r"[A-Za-z0-9_.:+-]{1,80}")
#: the built-in element types whose error xmlschema words as "'v' is not a valid value of xs:T",
#: each with the lexical shape of its values: for a value of that shape the two libraries'
#: edge rules decide (days of the month, leap seconds, time zone range, ...), and the report must
#: not depend on their agreeing at every edge, so only a value without the shape is explained here
_BUILTINS: Final = {
    "xs:integer": re.compile(r"[+-]?\d+"),
    "xs:dateTime": re.compile(r"-?\d{4,}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)?"),
}
_ENUM_BASES: Final = frozenset({"xs:NMTOKEN", "xs:string", "xs:token"})
#: the attributes of an element reference in a sequence followed here
_PARTICLE: Final = frozenset({"ref", "minOccurs", "maxOccurs"})

_MISSING: Final = re.compile(
    rf"Element '\{{{re.escape(IODEF_NS)}\}}([\w.-]+)': The attribute '([\w-]+)' is required but missing\."
)
_ENUMERATION: Final = re.compile(
    rf"Element '\{{{re.escape(IODEF_NS)}\}}([\w.-]+)', attribute '([\w-]+)': \[facet 'enumeration'\] "
    r"The value '([^']*)' is not an element of the set \{.*\}\.",
    re.S,
)
_NOT_ALLOWED: Final = re.compile(
    rf"Element '\{{{re.escape(IODEF_NS)}\}}([\w.-]+)', attribute '([\w-]+)': "
    r"The attribute '\2' is not allowed\."
)
_DATATYPE: Final = re.compile(
    rf"Element '\{{{re.escape(IODEF_NS)}\}}([\w.-]+)': '([^']*)' is not a valid value of the atomic "
    r"type '(xs:\w+)'\."
)
_UNEXPECTED: Final = re.compile(
    rf"Element '\{{{re.escape(IODEF_NS)}\}}([\w.-]+)': This element is not expected\.", re.S
)
_CONTENT_ERRORS: Final = frozenset({"SCHEMAV_ELEMENT_CONTENT", "SCHEMAV_CVC_COMPLEX_TYPE_2_4"})


@dataclass(frozen=True, slots=True)
class _Particle:
    name: str
    min: int
    max: int | None  # None: unbounded


@dataclass(frozen=True, slots=True)
class _Declaration:
    """What the explanations need of one global element declaration."""

    sequence: tuple[_Particle, ...] | None
    """The content model when it is one flat xs:sequence of element references, else None."""
    builtin: str | None
    """``xs:T`` when the element is declared ``type="xs:T"``."""
    enumerations: dict[str, tuple[str, ...]]
    """Attribute name -> the enumeration of its (string-based) type."""


def _occurs(node: etree._Element, attr: str, default: int) -> int | None:
    value = node.get(attr)
    if value is None:
        return default
    if value == "unbounded":
        return None
    return int(value) if value.isdigit() else -1


def _sequence(ctype: etree._Element) -> tuple[_Particle, ...] | None:
    """The flat sequence of *ctype* (an xs:complexType), or None for any other content model."""
    if ctype.get("mixed") not in (None, "false"):
        return None
    sequences = [c for c in ctype if c.tag == f"{_XS}sequence"]
    others = [
        c for c in ctype if isinstance(c.tag, str) and c.tag not in (f"{_XS}sequence", f"{_XS}attribute")
    ]
    if len(sequences) != 1 or others or sequences[0].attrib:
        return None
    particles = []
    for item in sequences[0]:
        if not isinstance(item.tag, str):
            continue
        ref = item.get("ref", "")
        if item.tag != f"{_XS}element" or not ref.startswith("iodef:") or set(item.attrib) - _PARTICLE:
            return None
        low, high = _occurs(item, "minOccurs", 1), _occurs(item, "maxOccurs", 1)
        # xmlschema words occurrence counts beyond 0/1 and 1/unbounded in ways not written here
        if low not in (0, 1) or high not in (1, None):
            return None
        particles.append(_Particle(ref[len("iodef:") :], low or 0, high))
    return tuple(particles) if particles else None


def _enumerations(schema: etree._Element) -> dict[str, tuple[str, ...]]:
    """Named simple types that are a string-based restriction to plain enumeration values."""
    found: dict[str, tuple[str, ...]] = {}
    for simple in schema.iterfind(f"{_XS}simpleType"):
        restriction = simple.find(f"{_XS}restriction")
        if restriction is None or restriction.get("base") not in _ENUM_BASES:
            continue
        facets = [c for c in restriction if isinstance(c.tag, str)]
        values = tuple(str(c.get("value")) for c in facets)
        if (
            facets
            and all(c.tag == f"{_XS}enumeration" for c in facets)
            and all(map(_PLAIN.fullmatch, values))
        ):
            found[str(simple.get("name"))] = values
    return found


@functools.cache
def _index(profile: str) -> dict[str, _Declaration]:
    """Each global element of *profile*'s schema, by local name (an empty index for a schema
    with substitution groups or abstract elements, which change what a model matches)."""
    schema = schema_document(profile).getroot()
    if schema.xpath("//xs:element[@substitutionGroup or @abstract]", namespaces={"xs": _XS[1:-1]}):
        return {}
    enums = _enumerations(schema)
    complex_types = {str(c.get("name")): c for c in schema.iterfind(f"{_XS}complexType")}
    index: dict[str, _Declaration] = {}
    for decl in schema.iterfind(f"{_XS}element"):
        name = decl.get("name")
        if name is None:
            continue
        type_name = decl.get("type")
        ctype = decl.find(f"{_XS}complexType")
        if ctype is None and type_name is not None and type_name.startswith("iodef:"):
            ctype = complex_types.get(type_name[len("iodef:") :])
        builtin = type_name if type_name is not None and type_name.startswith("xs:") else None
        attributes: dict[str, tuple[str, ...]] = {}
        sequence = None
        if ctype is not None:
            sequence = _sequence(ctype)
            for attr in ctype.iterfind(f"{_XS}attribute"):
                attr_type = attr.get("type", "")
                values = enums.get(attr_type.removeprefix("iodef:"))
                if attr.get("name") and values is not None:
                    attributes[str(attr.get("name"))] = values
        index[name] = _Declaration(sequence, builtin, attributes)
    return index


def _declaration(el: etree._Element, profile: str) -> _Declaration | None:
    tag = el.tag
    if not isinstance(tag, str) or not tag.startswith(_NS):
        return None
    return _index(profile).get(tag[len(_NS) :])


def explain(root: etree._Element, profile: str, log: Sequence[Any], path_of: PathOf) -> list[Issue] | None:
    """The schema issues xmlschema's report gives for a document libxml2 rejected with *log*,
    when that is one error of a kind written here; None otherwise (xmlschema explains)."""
    if profile == V1_PROFILE or len(log) != 1:
        return None
    entry = log[0]
    el = _node_at(root, entry.path)
    if el is None or el is root:
        return None
    message = entry.message or ""
    kind = entry.type_name
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_4":
        return _missing_attribute(el, profile, message, path_of)
    if kind == "SCHEMAV_CVC_COMPLEX_TYPE_3_2_1":
        return _attribute_not_allowed(el, profile, message, path_of)
    if kind == "SCHEMAV_CVC_ENUMERATION_VALID":
        return _enumeration(el, profile, message, path_of)
    if kind == "SCHEMAV_CVC_DATATYPE_VALID_1_2_1":
        return _datatype(el, profile, message, path_of)
    if kind in _CONTENT_ERRORS:
        return _unexpected_child(root, el, profile, message, path_of)
    return None


def _local(el: etree._Element) -> str:
    return str(el.tag)[len(_NS) :]


def _about(
    el: etree._Element, profile: str, pattern: re.Pattern[str], message: str
) -> tuple[re.Match[str], _Declaration] | None:
    """*message* read with *pattern*, when it is about *el* (its group 1) and *el* is declared."""
    m = pattern.fullmatch(message)
    if m is None or m.group(1) != _local(el):
        return None
    decl = _declaration(el, profile)
    return None if decl is None else (m, decl)


def _missing_attribute(el: etree._Element, profile: str, message: str, path_of: PathOf) -> list[Issue] | None:
    found = _about(el, profile, _MISSING, message)
    if found is None:
        return None
    reason = f"missing required attribute {found[0].group(2)!r}"
    return [Issue("error", path_of(el), el.sourceline, None, "xsd:cvc-complex-type.4", reason)]


def _attribute_not_allowed(
    el: etree._Element, profile: str, message: str, path_of: PathOf
) -> list[Issue] | None:
    found = _about(el, profile, _NOT_ALLOWED, message)
    if found is None:
        return None
    name = found[0].group(2)  # unqualified: xmlschema would print a namespaced one in Clark notation
    reason = f"{name!r} attribute not allowed for element"
    return [
        Issue("error", f"{path_of(el)}/@{name}", el.sourceline, None, "xsd:cvc-complex-type.3.2.2", reason)
    ]


def _enumeration(el: etree._Element, profile: str, message: str, path_of: PathOf) -> list[Issue] | None:
    found = _about(el, profile, _ENUMERATION, message)
    if found is None:
        return None
    m, decl = found
    name, value = m.group(2), m.group(3)
    values = decl.enumerations.get(name)
    if values is None or el.get(name) != value or not _PLAIN.fullmatch(value):
        return None
    reason = f"attribute {name}={value!r}: value must be one of {list(values)!r}"
    return [
        Issue("error", f"{path_of(el)}/@{name}", el.sourceline, None, "xsd:cvc-enumeration-valid", reason)
    ]


def _datatype(el: etree._Element, profile: str, message: str, path_of: PathOf) -> list[Issue] | None:
    found = _about(el, profile, _DATATYPE, message)
    if found is None or len(el) or el.attrib:
        return None
    m, decl = found
    value, builtin = m.group(2), m.group(3)
    shape = _BUILTINS.get(builtin)
    if decl.builtin != builtin or shape is None or el.text != value or not _PLAIN.fullmatch(value):
        return None
    if shape.fullmatch(value):
        return None  # it may be a value after all: a limit where the two libraries differ
    reason = f"{value!r} is not a valid value of {builtin}"
    return [Issue("error", path_of(el), el.sourceline, None, "xsd:cvc-datatype-valid.1.2.1", reason)]


def _plain_namespaces(parent: etree._Element) -> bool:
    """The IODEF namespace is the default one or bound to ``iodef`` where *parent* is.

    xmlschema checks *parent*'s content model on a copy carrying *parent*'s namespaces, and
    names an element ``{ns}X`` or ``iodef:X`` there, both written ``X`` in a report.
    """
    nsmap = parent.nsmap
    if any(uri == IODEF_NS and prefix not in (None, "iodef") for prefix, uri in nsmap.items()):
        return False
    return bool(nsmap.get("iodef", IODEF_NS) == IODEF_NS)


def _unexpected_child(
    root: etree._Element, child: etree._Element, profile: str, message: str, path_of: PathOf
) -> list[Issue] | None:
    m = _UNEXPECTED.match(message)
    parent = child.getparent()
    # (a misfit in the root's own model has xmlschema walk the whole document)
    if m is None or parent is None or parent is root or m.group(1) != _local(child):
        return None
    decl = _declaration(parent, profile)
    if decl is None or decl.sequence is None:
        return None
    elements = [(i, c) for i, c in enumerate(parent) if isinstance(c.tag, str)]
    if (parent.text and parent.text.strip()) or any(c.tail and c.tail.strip() for c in parent):
        return None  # character data: xmlschema says more than the content model
    if any(not str(c.tag).startswith(_NS) or any(a.startswith(_XSI) for a in c.attrib) for _, c in elements):
        return None
    if not _plain_namespaces(parent):
        return None
    errors = _model_errors(decl.sequence, [(i, _local(c)) for i, c in elements])
    if not errors:
        return None
    names = list(dict.fromkeys(p.name for p in decl.sequence))
    # xmlschema checks each child the model names (libxml2 stopped at the first misfit): only
    # when they all pass is the model's complaint the whole report
    decider = decider_schema(profile)
    if any(_local(c) in names and not decider.validate(c) for _, c in elements):
        return None
    within = path_of(parent).rsplit("/", 1)[-1]
    issues = []
    for index, expected in errors:
        target = parent[index]
        reason = f"Unexpected child with tag {_local(target)!r} at position {index + 1}."
        if expected is not None:
            reason += f" Tag {expected!r} expected."
        reason += f" Expected one of: {', '.join(names)}. (in {within})"
        issues.append(
            Issue("error", path_of(target), target.sourceline, None, "xsd:cvc-complex-type.2.4", reason)
        )
    return issues


def _model_errors(
    sequence: tuple[_Particle, ...], children: list[tuple[int, str]]
) -> list[tuple[int, str | None]] | None:
    """xmlschema's model visit of a flat sequence: ``(child index, expected tag or None)`` for
    each child it rejects; None where its visit would end in a state not followed here.

    The visit stays on a particle while the child matches it (moving on when its maxOccurs is
    reached); a child that does not match moves it on past satisfied particles, and the first
    unsatisfied one is the error ("Tag 'X' expected"). A child met after the last particle is an
    error naming no tag. After the first error the model is broken: each later child the model
    does not name is an error too, the others are taken as they come.
    """
    names = {p.name for p in sequence}
    errors: list[tuple[int, str | None]] = []
    k = occurs = 0
    matched = broken = False
    for index, tag in children:
        if broken:
            if tag not in names:
                errors.append((index, None))
            continue
        while k < len(sequence):
            particle = sequence[k]
            if particle.name == tag:
                occurs += 1
                matched = True
                if particle.max is not None and occurs >= particle.max:
                    k, occurs = k + 1, 0
                break
            if occurs < particle.min:
                errors.append((index, particle.name))
                broken = True
                break
            k, occurs = k + 1, 0
        else:
            if not matched:
                return None  # an all-optional model that matched nothing: xmlschema words it otherwise
            errors.append((index, None))
            broken = True
    return errors
