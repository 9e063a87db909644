"""Schema profiles for validation: the RFC 7970 schema as published, and with its errata applied.

``rfc7970``
    The §8 schema byte-for-byte as published (``schemas/iodef-2.0.xsd``).

``rfc7970-errata``
    The same file with these corrections applied to the parsed schema document at load time
    (:func:`errata_patches` lists them; each patch first checks that its target still reads as
    published, so a changed bundled schema fails loudly instead of being patched wrongly):

    * erratum 5543 (§3.12.5): ``Confidence`` gets simple content, a REAL. The erratum proposes
      ``xs:extension base="xs:float"``, which taken literally would also reject the *empty*
      ``<Confidence rating="high"/>`` that §3.12.5 requires for every rating but "numeric"
      ("Otherwise, this element MUST be empty"). The content type used here is therefore the
      union of ``xs:float`` and the empty string; whether content goes with the rating is then
      the RFC rule ``RFC7970 §3.12.5`` of :mod:`iodef.validate.rules`.
    * erratum 5544 (§3.18): ``Node`` needs at least one ``DomainData`` or ``Address`` (the two
      ``minOccurs="0"`` inside the repeated choice are removed, as the erratum says).
    * erratum 5583 (§3.15): ``training`` is added to ``action-type`` before ``defined-coa``.
    * §3.7: ``ThreatActor/URL`` becomes optional ("Zero or more", and the RFC's own §7.2 example
      has a ThreatActor without URL). §3.8 says the same of ``Campaign/URL``, which the published
      schema already has right; the patch checks that it stays so.
    * §3.29.8: ``AttackPhase/URL`` becomes optional likewise ("Zero or more").
    * Where the prose (and RFC 8727's JSON binding) spells something the schema does not know,
      both spellings are accepted: ``KeyValue`` beside ``Value`` in ``Key`` (§3.23.1),
      ``ext-value`` for ``BulkObservable@type`` (§3.29.3.1, used by the RFC's own §7.2
      example), ``vendor-support`` beside ``vendor-services`` for ``Contact@role`` (§3.9),
      ``count`` and ``peak`` beside ``counter`` and ``rate`` for ``Counter@type`` (§3.18.3).
      The prose spelling then gets a warning (rule ``prose-spelling``): peers that validate
      against the published schema refuse it.

    ``tools/rfc_audit.py`` finds every place where the prose and the schema differ;
    ``docs/rfc7970-conflicts.md`` says for each which side is right and what iodef does.

``iodef-v1``
    Not a profile one chooses: RFC 5070 documents (IODEF v1 namespace) are always checked against
    the bundled ``iodef-1.0.xsd``, whatever profile was asked for.

In every case the ``xs:import`` locations are pointed at the bundled copies before the schema is
compiled (see ``schemas/SOURCES.md``), so nothing is fetched from the network, not even when an
instance document names a remote ``xsi:schemaLocation`` (instance location hints are ignored).

Compiled schemas are cached per process: the libxml2 one costs a few milliseconds, the xmlschema
one (used only to explain invalid documents) about a third of a second, so it is built on first need.
"""

from __future__ import annotations

import copy
import functools
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Final, Literal

from lxml import etree

from .schema import IMPORT_MAP, schema_dir

__all__ = [
    "PROFILES",
    "PROFILE_LABELS",
    "V1_PROFILE",
    "errata_patches",
    "lxml_schema_for",
    "schema_document",
    "xmlschema_for",
]

Profile = Literal["rfc7970", "rfc7970-errata"]

PROFILES: Final = ("rfc7970", "rfc7970-errata")
V1_PROFILE: Final = "iodef-v1"

#: What a report prints for the schema it used.
PROFILE_LABELS: Final[dict[str, str]] = {
    "rfc7970": "IODEF v2, RFC 7970 schema as published",
    "rfc7970-errata": "IODEF v2, RFC 7970 schema with errata 5543, 5544, 5583 and the prose's corrections"
    " (docs/rfc7970-conflicts.md)",
    V1_PROFILE: "IODEF v1, RFC 5070 schema (iodef-1.0.xsd)",
}

XS: Final = "http://www.w3.org/2001/XMLSchema"
_NS: Final = {"xs": XS}
_SCHEMA_FILES: Final = {
    "rfc7970": "iodef-2.0.xsd",
    "rfc7970-errata": "iodef-2.0.xsd",
    V1_PROFILE: "iodef-1.0.xsd",
}


class SchemaPatchError(RuntimeError):
    """The bundled schema does not read as published where an erratum is to be applied."""


def _one(tree: etree._Element, xpath: str, what: str) -> etree._Element:
    found = tree.xpath(xpath, namespaces=_NS)
    if len(found) != 1:
        raise SchemaPatchError(f"{what}: expected one match for {xpath}, found {len(found)}")
    node: etree._Element = found[0]
    return node


def _patch_5543(schema: etree._Element) -> None:
    """Erratum 5543: Confidence holds a REAL (here: a REAL or nothing, see the module docstring)."""
    ctype = _one(schema, "xs:element[@name='Confidence']/xs:complexType", "erratum 5543")
    attrs = ctype.findall(f"{{{XS}}}attribute")
    if [a.get("name") for a in attrs] != ["rating", "ext-rating"] or len(ctype) != 2:
        raise SchemaPatchError("erratum 5543: Confidence is not the published empty complexType")
    for a in attrs:
        ctype.remove(a)
    simple = etree.SubElement(ctype, f"{{{XS}}}simpleContent")
    ext = etree.SubElement(simple, f"{{{XS}}}extension", base="iodef:ConfidenceValueType")
    ext.extend(attrs)
    # the float-or-empty content type, declared beside the other data types
    value_type = etree.fromstring(
        f'<xs:simpleType xmlns:xs="{XS}" name="ConfidenceValueType">'
        '<xs:union memberTypes="xs:float">'
        '<xs:simpleType><xs:restriction base="xs:string"><xs:length value="0"/></xs:restriction>'
        "</xs:simpleType></xs:union></xs:simpleType>"
    )
    anchor = _one(schema, "xs:simpleType[@name='confidence-rating-type']", "erratum 5543")
    anchor.addnext(value_type)


def _patch_5544(schema: etree._Element) -> None:
    """Erratum 5544: Node needs at least one DomainData or Address."""
    choice = _one(schema, "xs:element[@name='Node']/xs:complexType/xs:sequence/xs:choice", "erratum 5544")
    refs = [c.get("ref") for c in choice.findall(f"{{{XS}}}element")]
    if refs != ["iodef:DomainData", "iodef:Address"]:
        raise SchemaPatchError(f"erratum 5544: Node's choice holds {refs}, not DomainData and Address")
    for el in choice.findall(f"{{{XS}}}element"):
        if el.get("minOccurs") != "0":
            raise SchemaPatchError("erratum 5544: Node's choice is already corrected")
        del el.attrib["minOccurs"]


def _patch_5583(schema: etree._Element) -> None:
    """Erratum 5583: ``training`` is an Expectation action."""
    restriction = _one(schema, "xs:simpleType[@name='action-type']/xs:restriction", "erratum 5583")
    values = [e.get("value") for e in restriction]
    if "training" in values or "defined-coa" not in values:
        raise SchemaPatchError("erratum 5583: action-type is not as published")
    defined = restriction[values.index("defined-coa")]
    training = etree.Element(f"{{{XS}}}enumeration", value="training")
    training.tail = defined.tail
    defined.addprevious(training)


def _patch_threatactor_url(schema: etree._Element) -> None:
    """RFC 7970 §3.7/§3.8: ThreatActor and Campaign have zero or more URL."""
    url = _one(
        schema,
        "xs:element[@name='ThreatActor']/xs:complexType/xs:sequence/xs:element[@ref='iodef:URL']",
        "ThreatActor URL",
    )
    if url.get("minOccurs") is not None:
        raise SchemaPatchError("ThreatActor/URL: minOccurs is already set")
    url.set("minOccurs", "0")
    campaign = _one(
        schema,
        "xs:element[@name='Campaign']/xs:complexType/xs:sequence/xs:element[@ref='iodef:URL']",
        "Campaign URL",
    )
    if campaign.get("minOccurs") != "0":
        raise SchemaPatchError("Campaign/URL is no longer optional in the bundled schema")


def _patch_attackphase_url(schema: etree._Element) -> None:
    """RFC 7970 §3.29.8: AttackPhase has zero or more URL (the ThreatActor pattern, §3.7)."""
    url = _one(
        schema,
        "xs:element[@name='AttackPhase']/xs:complexType/xs:sequence/xs:element[@ref='iodef:URL']",
        "AttackPhase URL",
    )
    if url.get("minOccurs") is not None:
        raise SchemaPatchError("AttackPhase/URL: minOccurs is already set")
    url.set("minOccurs", "0")


def _patch_key_value(schema: etree._Element) -> None:
    """RFC 7970 §3.23.1 (and RFC 8727): Key holds ``KeyValue``; the schema's ``Value`` is kept too."""
    value = _one(
        schema,
        "xs:element[@name='Key']/xs:complexType/xs:sequence/xs:element[@ref='iodef:Value']",
        "Key KeyValue",
    )
    if value.get("minOccurs") != "0" or value.get("maxOccurs") is not None:
        raise SchemaPatchError("Key/Value is no longer the published optional Value")
    if schema.xpath("xs:element[@name='KeyValue']", namespaces=_NS):
        raise SchemaPatchError("KeyValue is already declared")
    choice = etree.Element(f"{{{XS}}}choice", minOccurs="0")
    choice.tail = value.tail
    value.addprevious(choice)
    del value.attrib["minOccurs"]
    choice.append(value)
    etree.SubElement(choice, f"{{{XS}}}element", ref="iodef:KeyValue")
    declared = _one(schema, "xs:element[@name='Value']", "Key KeyValue")
    key_value = etree.Element(f"{{{XS}}}element", name="KeyValue", type="xs:string")
    key_value.tail = declared.tail
    declared.addnext(key_value)


def _add_values(schema: etree._Element, type_name: str, values: list[str], after: str, what: str) -> None:
    """Add enumeration *values* to the simpleType *type_name*, after the value *after*."""
    restriction = _one(schema, f"xs:simpleType[@name='{type_name}']/xs:restriction", what)
    present = [e.get("value") for e in restriction]
    if after not in present or any(v in present for v in values):
        raise SchemaPatchError(f"{what}: {type_name} is not as published ({present})")
    anchor = restriction[present.index(after)]
    for value in values:
        item = etree.Element(f"{{{XS}}}enumeration", value=value)
        item.tail = anchor.tail
        anchor.addnext(item)
        anchor = item


def _patch_bulkobservable_ext_value(schema: etree._Element) -> None:
    """RFC 7970 §3.29.3.1 (value 28) and §5.1.1: BulkObservable@type may be ``ext-value``."""
    _add_values(schema, "bulkobservable-type-type", ["ext-value"], "user-name", "BulkObservable ext-value")


def _patch_contact_role(schema: etree._Element) -> None:
    """RFC 7970 §3.9 and RFC 8727 spell the role ``vendor-support``; the schema ``vendor-services``."""
    _add_values(schema, "contact-role-type", ["vendor-support"], "vendor-services", "Contact vendor-support")


def _patch_counter_type(schema: etree._Element) -> None:
    """RFC 7970 §3.18.3 and RFC 8727 list ``count`` and ``peak``; the schema ``counter`` and ``rate``."""
    _add_values(schema, "counter-type-type", ["count", "peak"], "average", "Counter count/peak")


def errata_patches() -> list[tuple[str, Callable[[etree._Element], None]]]:
    """The corrections making up the ``rfc7970-errata`` profile, in the order they are applied."""
    return [
        ("erratum 5543: Confidence holds a REAL when rating is numeric", _patch_5543),
        ("erratum 5544: Node needs an Address or DomainData", _patch_5544),
        ("erratum 5583: 'training' is an Expectation action", _patch_5583),
        ("RFC 7970 §3.7: ThreatActor URL is optional", _patch_threatactor_url),
        ("RFC 7970 §3.29.8: AttackPhase URL is optional", _patch_attackphase_url),
        ("RFC 7970 §3.23.1: Key holds KeyValue (or Value)", _patch_key_value),
        ("RFC 7970 §3.29.3.1: BulkObservable type ext-value", _patch_bulkobservable_ext_value),
        ("RFC 7970 §3.9: Contact role vendor-support (or vendor-services)", _patch_contact_role),
        ("RFC 7970 §3.18.3: Counter type count and peak (or counter and rate)", _patch_counter_type),
    ]


def _local_imports(schema: etree._Element) -> None:
    """Point every xs:import at the bundled copy (relative names resolve against schema_dir())."""
    for imp in schema.iterfind(f"{{{XS}}}import"):
        location = imp.get("schemaLocation")
        if location is None:
            continue
        target = IMPORT_MAP.get(location)
        if target is None:
            raise SchemaPatchError(f"xs:import of {location} has no bundled copy (see schemas/SOURCES.md)")
        imp.set("schemaLocation", target[1])


def _parser() -> etree.XMLParser:
    return etree.XMLParser(no_network=True, resolve_entities=False, load_dtd=False)


@functools.cache
def _published(name: str) -> etree._ElementTree:
    return etree.parse(str(schema_dir() / name), _parser())


def schema_document(profile: str) -> etree._ElementTree:
    """The schema document of *profile* (a fresh copy), imports pointed at bundled files."""
    tree = copy.deepcopy(_published(_SCHEMA_FILES[profile]))
    root = tree.getroot()
    _local_imports(root)
    if profile == "rfc7970-errata":
        for _what, patch in errata_patches():
            patch(root)
    return tree


_lock = threading.Lock()


@functools.cache
def lxml_schema_for(profile: str) -> etree.XMLSchema:
    """The compiled libxml2 schema of *profile* (the validator's fast path)."""
    tree = schema_document(profile)
    # etree.XMLSchema resolves the (now relative) import locations against the document's URL
    tree.docinfo.URL = str(schema_dir() / _SCHEMA_FILES[profile])
    return etree.XMLSchema(tree)


_xmlschema_cache: dict[str, Any] = {}

#: matches every string: the syntax check of identity-constraint XPaths that it stands in for
#: reports through parse_error(), which does nothing when validation="skip"
_ANY_PATH: Final = re.compile(r"(?s:.*)")


@contextmanager
def _selector_check_skipped(skip: bool) -> Iterator[None]:
    """While a ``validation="skip"`` build runs, xmlschema does not compile its selector regex.

    xmlschema checks the ``xpath`` of every xs:selector/xs:field (the XSD meta-schema's own
    fourteen identity constraints, built with the first schema of a process) against a regex
    translated from XSD's ``\\i\\c*`` classes; compiling it takes Python's ``re`` about 0.1 s per
    process, half of the build, and under "skip" its verdict is discarded. The class attribute
    it caches the compiled regex in is set to a match-anything one for the build and put back
    after; a class that already holds its regex (compiled by an earlier build) is left alone.
    Without that attribute (another xmlschema) nothing is changed. A schema another thread of the
    same process builds during that window skips the selector check too (iodef's own builds are
    serialised by the lock around this one).
    """
    patched: list[Any] = []
    if skip:
        from xmlschema.validators import identities

        for name in ("XsdSelector", "XsdFieldSelector"):
            cls = getattr(identities, name, None)
            if cls is not None and "pattern" in vars(cls) and vars(cls)["pattern"] is None:
                cls.pattern = _ANY_PATH
                patched.append(cls)
    try:
        yield
    finally:
        for cls in patched:
            cls.pattern = None


def xmlschema_for(profile: str, *, validation: str = "skip") -> Any:
    """The ``xmlschema.XMLSchema10`` of *profile*, built on first use (a third of a second) and kept.

    ``validation="strict"`` builds a fresh one that also checks the schema documents against the
    XSD meta-schema (not cached; for the tests).
    """
    key = profile if validation == "skip" else f"{profile}/{validation}"
    schema = _xmlschema_cache.get(key)
    if schema is not None:
        return schema
    with _lock:
        schema = _xmlschema_cache.get(key)
        if schema is None:
            import xmlschema

            base = schema_dir()
            tree = schema_document(profile)
            locations = sorted({(ns, str(base / file)) for ns, file in IMPORT_MAP.values()})
            with _selector_check_skipped(validation == "skip"):
                schema = xmlschema.XMLSchema10(
                    tree.getroot(),
                    base_url=str(base),
                    locations=locations,
                    allow="sandbox",
                    use_fallback=False,
                    # The bundled, patched schema documents are not checked against the XSD
                    # meta-schema on every run: that costs two thirds of the build, and
                    # tests/validate/test_profiles_build.py checks once that a strict build of
                    # every profile is valid and reports exactly the same errors.
                    validation=validation,
                )
            if validation == "skip":
                _xmlschema_cache[key] = schema
    return schema
