"""IODEF v1 (RFC 5070) documents upgraded to IODEF v2 (RFC 7970): :func:`upgrade`.

Every RFC 5070 class is moved to its RFC 7970 place, following RFC 7970 §1.4 and §4.4: namespace
and version, ``lang`` -> ``xml:lang``, ``formatid`` -> ``format-id``, ``ip_protocol`` ->
``ip-protocol``, Node/NodeName -> Node/DomainData/Name, Node/NodeRole -> System/NodeRole,
Impact -> SystemImpact and IncidentCategory, Counter@type -> Counter@unit, Contact's Email,
Telephone, Fax and PostalAddress in their new structure, Reference's free-text ReferenceName, the
required GenerationTime. Defaults that changed are written out (v1 IncidentID was ``public``
unless it said otherwise, v1 Address ``ipv4-addr``). What has no v2 place goes into AdditionalData
or a Description. Each change is an :class:`UpgradeNote` ``(path, what, old, new)``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from lxml import etree

from ._tree import element_path
from .errors import ParseError
from .xml import DEFAULT_MAX_BYTES, IODEF_NS, IODEF_V1_NS, Source, _source_name, detect_version, parse_xml

if TYPE_CHECKING:
    from .model import IODEFDocument

__all__ = ["IMPACT_TYPES", "UpgradeNote", "is_v1", "upgrade", "upgrade_bytes"]

V1: Final = f"{{{IODEF_V1_NS}}}"
V2: Final = f"{{{IODEF_NS}}}"
XML_LANG: Final = "{http://www.w3.org/XML/1998/namespace}lang"

#: RFC 5070 §3.10.1 Impact@type -> RFC 7970 §3.12.2 SystemImpact@type. The v1 type is also kept,
#: word for word, as an IncidentCategory of the Assessment (RFC 7970 §4.4 puts the old Impact data
#: in SystemImpact and IncidentCategory).
IMPACT_TYPES: Final = {
    "admin": "takeover-system",  # administrative privileges gained
    "user": "takeover-account",  # user privileges gained
    "dos": "availability-service",  # denial of service
    "extortion": "unknown",  # a business impact in v2 (BusinessImpact extortion); kept as category
    "file": "integrity-data",  # action on files
    "info-leak": "breach-proprietary",  # information leakage
    "misconfiguration": "breach-configuration",
    "recon": "monitoring-host",  # reconnaissance
    "policy": "policy",
    "social-engineering": "unknown",
    "unknown": "unknown",
    "ext-value": "ext-value",
}
#: v1 restriction defaults that v2 no longer has (RFC 5070 §8): written out so the meaning stays.
V1_RESTRICTION_DEFAULTS: Final = {"IncidentID": "public", "History": "default", "Expectation": "default",
                                  "EventData": "default"}  # fmt: skip


@dataclass(frozen=True)
class UpgradeNote:
    """One change the upgrade made: where (the v1 element path), what, the old and the new form."""

    path: str
    what: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.path}: {self.what}: {self.old!r} -> {self.new!r}"

    def as_dict(self) -> dict[str, str]:
        return asdict(self)


def is_v1(root: etree._Element) -> bool:
    return detect_version(root) == "1.0"


class _Upgrader:
    def __init__(self, name: str, now: datetime) -> None:
        self.name = name
        self.now = now
        self.notes: list[UpgradeNote] = []
        self.handlers: dict[str, Callable[[etree._Element, etree._Element], None]] = {
            "IODEF-Document": self.document,
            "Incident": self.incident,
            "Contact": self.contact,
            "Reference": self.reference,
            "Assessment": self.assessment,
            "Counter": self.counter,
            "System": self.system,
            "Node": self.node,
            "Address": self.address,
            "Service": self.service,
            "Application": self.software,
            "OperatingSystem": self.software,
            "AdditionalData": self.verbatim,
            "RecordItem": self.verbatim,
        }

    def note(self, el: etree._Element, what: str, old: str, new: str) -> None:
        self.notes.append(UpgradeNote(element_path(el), what, old, new))

    # ------------------------------------------------------------------ generic copy

    def start(
        self, el: etree._Element, parent: etree._Element | None, tag: str | None = None
    ) -> etree._Element:
        """The v2 element for *el*: same name in the v2 namespace, ``lang`` as ``xml:lang``."""
        local = etree.QName(el).localname
        new_tag = tag or V2 + local
        out = etree.Element(new_tag) if parent is None else etree.SubElement(parent, new_tag)
        for key, value in el.attrib.items():
            out.set(XML_LANG if key == "lang" else key, value)
        default = V1_RESTRICTION_DEFAULTS.get(local)
        if default is not None and "restriction" not in el.attrib:
            out.set("restriction", default)
            self.note(el, "restriction default written out (v1's default, v2 has none)", "", default)
        return out

    def convert(self, el: etree._Element, parent: etree._Element) -> None:
        if not isinstance(el.tag, str):
            return  # comments and processing instructions are not carried over
        if not el.tag.startswith(V1):
            parent.append(_copy(el))  # foreign content is kept as it is
            return
        handler = self.handlers.get(etree.QName(el).localname)
        if handler is not None:
            handler(el, parent)
        else:
            self.default(el, parent)

    def default(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        out.text = el.text if len(el) == 0 else None
        for child in el:
            self.convert(child, out)

    def verbatim(self, el: etree._Element, parent: etree._Element) -> None:
        """ExtensionType: attributes renamed, content kept node for node (it is not IODEF's)."""
        out = self.start(el, parent)
        out.text = el.text
        for child in el:
            out.append(_copy(child))

    # ------------------------------------------------------------------ classes that moved

    def document(self, el: etree._Element, parent: etree._Element) -> None:
        raise AssertionError("the root is handled by run()")

    def run(self, root: etree._Element) -> etree._Element:
        out = etree.Element(V2 + "IODEF-Document", nsmap={"iodef": IODEF_NS})
        for key, value in root.attrib.items():
            if key == "version":
                continue
            if key == "formatid":
                out.set("format-id", value)
                self.note(root, "formatid renamed", "formatid", "format-id")
            else:
                out.set(XML_LANG if key == "lang" else key, value)
        out.set("version", "2.00")
        self.note(root, "version", root.get("version", "1.00"), "2.00")
        for child in root:
            self.convert(child, out)
        return out

    def incident(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        for child in el:
            self.convert(child, out)
        report = el.find(V1 + "ReportTime")
        generation = etree.SubElement(out, V2 + "GenerationTime")
        if report is not None and report.text:
            generation.text = report.text
            self.note(
                report, "GenerationTime (required in v2) taken from ReportTime", "", report.text.strip()
            )
        else:
            generation.text = self.now.isoformat().replace("+00:00", "Z")
            self.note(el, "GenerationTime (required in v2) set to the upgrade time", "", generation.text)

    def contact(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        for child in el:
            local = etree.QName(child).localname if isinstance(child.tag, str) else ""
            if child.tag == V1 + "PostalAddress":
                post = etree.SubElement(out, V2 + "PostalAddress")
                paddress = etree.SubElement(post, V2 + "PAddress")
                paddress.text = child.text
                if child.get("lang"):
                    paddress.set(XML_LANG, child.get("lang", ""))
                self._meaning(child, post)
                self.note(child, "PostalAddress text moved", "PostalAddress", "PostalAddress/PAddress")
            elif local in ("Email", "Telephone", "Fax") and child.tag.startswith(V1):
                kind = "Email" if local == "Email" else "Telephone"
                means = etree.SubElement(out, V2 + kind)
                if local == "Fax":
                    means.set("type", "fax")
                inner = etree.SubElement(means, V2 + ("EmailTo" if kind == "Email" else "TelephoneNumber"))
                inner.text = child.text
                self._meaning(child, means)
                new = (
                    f"{kind}[@type='fax']/TelephoneNumber"
                    if local == "Fax"
                    else f"{kind}/{inner.tag[len(V2) :]}"
                )
                self.note(child, f"{local} restructured", local, new)
            else:
                self.convert(child, out)

    def _meaning(self, v1: etree._Element, out: etree._Element) -> None:
        meaning = v1.get("meaning")
        if meaning:
            desc = etree.SubElement(out, V2 + "Description")
            desc.text = meaning
            self.note(v1, "meaning attribute (no v2 place) kept as Description", meaning, "Description")

    def reference(self, el: etree._Element, parent: etree._Element) -> None:
        out = etree.SubElement(parent, V2 + "Reference")
        for child in el:
            if child.tag == V1 + "ReferenceName":
                desc = etree.SubElement(out, V2 + "Description")
                desc.text = child.text
                if child.get("lang"):
                    desc.set(XML_LANG, child.get("lang", ""))
                self.note(
                    child,
                    "free-text ReferenceName (v2 uses the RFC 7495 enum:ReferenceName) kept as Description",
                    child.text or "",
                    "Reference/Description",
                )
            else:
                self.convert(child, out)

    def assessment(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        for child in el:
            if child.tag == V1 + "Confidence" and child.text and child.text.strip():
                self.confidence(child, out)
                continue
            if child.tag != V1 + "Impact":
                self.convert(child, out)
                continue
            v1_type = child.get("type", "unknown")
            impact = etree.SubElement(out, V2 + "SystemImpact")
            for key in ("severity", "completion"):
                if child.get(key):
                    impact.set(key, child.get(key, ""))
            new_type = IMPACT_TYPES.get(v1_type, "unknown")
            impact.set("type", new_type)
            if v1_type == "ext-value" and child.get("ext-type"):
                impact.set("ext-type", child.get("ext-type", ""))
            if child.text and child.text.strip():
                desc = etree.SubElement(impact, V2 + "Description")
                desc.text = child.text
                if child.get("lang"):
                    desc.set(XML_LANG, child.get("lang", ""))
            category = etree.SubElement(out, V2 + "IncidentCategory")
            category.text = child.get("ext-type", v1_type) if v1_type == "ext-value" else v1_type
            self.note(child, "Impact became SystemImpact (+ IncidentCategory)", v1_type, new_type)

    def confidence(self, el: etree._Element, assessment: etree._Element) -> None:
        """A v1 Confidence value: RFC 7970's schema gives Confidence no content (erratum 5543 would)."""
        out = self.start(el, assessment)
        extra = etree.SubElement(
            assessment, V2 + "AdditionalData", dtype="real", meaning="IODEF v1 Confidence value"
        )
        extra.text = (el.text or "").strip()
        self.note(el, "Confidence value (no content in the RFC 7970 schema) kept as AdditionalData",
                  extra.text, "Assessment/AdditionalData[@meaning='IODEF v1 Confidence value']")  # fmt: skip
        del out

    def counter(self, el: etree._Element, parent: etree._Element) -> None:
        out = etree.SubElement(parent, V2 + "Counter")
        for key, value in el.attrib.items():
            if key == "type":
                out.set("unit", value)
            elif key == "ext-type":
                out.set("ext-unit", value)
            else:
                out.set(key, value)
        out.set("type", "counter")  # the RFC 7970 schema's value (its §3.18.3 text says "count")
        out.text = el.text
        self.note(el, "Counter@type is Counter@unit in v2; Counter@type set to counter", el.get("type", ""),
                  "counter")  # fmt: skip

    def system(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        for child in el:
            self.convert(child, out)

    def node(self, el: etree._Element, system: etree._Element) -> None:
        out = etree.SubElement(system, V2 + "Node")
        name = el.find(V1 + "NodeName")
        when = el.find(V1 + "DateTime")
        domain = None
        for child in el:
            tag = child.tag
            if tag == V1 + "NodeName":
                domain = etree.SubElement(out, V2 + "DomainData")
                etree.SubElement(domain, V2 + "Name").text = child.text
                self.note(child, "NodeName moved", "Node/NodeName", "Node/DomainData/Name")
            elif tag == V1 + "DateTime":
                continue
            elif tag == V1 + "NodeRole":
                self.default(child, system)
                self.note(child, "NodeRole moved", "System/Node/NodeRole", "System/NodeRole")
            else:
                self.convert(child, out)
        if when is not None:
            if domain is not None and name is not None:
                etree.SubElement(domain, V2 + "DateDomainWasChecked").text = when.text
                self.note(
                    when, "Node/DateTime moved", "Node/DateTime", "Node/DomainData/DateDomainWasChecked"
                )
            else:
                extra = etree.SubElement(system, V2 + "AdditionalData", dtype="date-time")
                extra.set("meaning", "IODEF v1 Node/DateTime")
                extra.text = when.text
                self.note(when, "Node/DateTime without NodeName has no v2 place", "Node/DateTime",
                          "System/AdditionalData[@meaning='IODEF v1 Node/DateTime']")  # fmt: skip

    def address(self, el: etree._Element, parent: etree._Element) -> None:
        out = self.start(el, parent)
        out.text = el.text
        category = el.get("category")
        if category is None:
            out.set("category", "ipv4-addr")
            self.note(el, "category default written out (v1 ipv4-addr, v2 ipv6-addr)", "", "ipv4-addr")
        elif category == "ipv6-net-mask":
            out.set("category", "ext-value")
            out.set("ext-category", "ipv6-net-mask")
            self.note(el, "category removed in v2 (RFC 7970 §4.4)", "ipv6-net-mask", "ext-value")

    def service(self, el: etree._Element, parent: etree._Element) -> None:
        out = etree.SubElement(parent, V2 + "Service")
        for key, value in el.attrib.items():
            out.set("ip-protocol" if key == "ip_protocol" else key, value)
        if "ip_protocol" in el.attrib:
            self.note(el, "attribute renamed", "ip_protocol", "ip-protocol")
        for child in el:
            self.convert(child, out)

    def software(self, el: etree._Element, parent: etree._Element) -> None:
        """v1 SoftwareType attributes -> a custom SoftwareReference holding them, plus a Description."""
        out = etree.SubElement(parent, V2 + etree.QName(el).localname)
        attrs = {k: v for k, v in el.attrib.items() if not (k in ("swid", "configid") and v == "0")}
        if attrs:
            ref = etree.SubElement(out, V2 + "SoftwareReference", {"spec-name": "custom", "dtype": "xml"})
            etree.SubElement(ref, V1 + "Software", attrs, nsmap={"iodef1": IODEF_V1_NS})
            words = [attrs[k] for k in ("vendor", "family", "name", "version", "patch") if k in attrs]
            if words:
                etree.SubElement(out, V2 + "Description").text = " ".join(words)
            old = " ".join(f"{k}={v}" for k, v in attrs.items())
            what = "SoftwareType attributes kept in a custom SoftwareReference"
            self.note(el, what, old, "SoftwareReference/iodef1:Software")
        for child in el:
            self.convert(child, out)


def _copy(el: etree._Element) -> etree._Element:
    import copy

    node = copy.deepcopy(el)
    node.tail = el.tail
    return node


def _strip_memory(obj: Any) -> None:
    """Forget the XML reading memory (child order, lexical forms): the v2 document is written anew."""
    from .model._base import IODEFModel

    if isinstance(obj, IODEFModel):
        object.__setattr__(obj, "__pydantic_private__", None)
        for value in obj.__dict__.values():
            _strip_memory(value)
    elif isinstance(obj, list):
        for item in obj:
            _strip_memory(item)


def upgrade_tree(
    root: etree._Element, name: str = "<v1>", *, now: datetime | None = None
) -> tuple[IODEFDocument, list[UpgradeNote]]:
    """Upgrade a parsed v1 root element; see :func:`upgrade`."""
    from .model._binding import element_to_document

    if not is_v1(root):
        raise ParseError(
            f"not an IODEF v1 document (root {root.tag!r}); 'iodef upgrade' reads RFC 5070 documents",
            source=name,
            line=root.sourceline,
        )
    worker = _Upgrader(name, now or datetime.now(UTC).replace(microsecond=0))
    v2 = worker.run(root)
    doc: IODEFDocument = element_to_document(v2, name)
    _strip_memory(doc)
    return doc, worker.notes


def upgrade(
    source: Source, *, max_bytes: int = DEFAULT_MAX_BYTES, now: datetime | None = None
) -> tuple[IODEFDocument, list[UpgradeNote]]:
    """Read an IODEF v1 (RFC 5070) document and return it as an IODEF v2 document, with notes.

    *source* is bytes, a str holding XML, a path or a binary file object. The notes name each
    change ``(path, what, old, new)``; nothing of the v1 document is dropped silently. *now* is
    the GenerationTime used when the v1 document has no ReportTime (default: the current time).
    Raises :class:`iodef.ParseError` for input that is not a v1 document the upgrade can read.
    """
    name = _source_name(source)
    root = parse_xml(source, max_bytes=max_bytes, source_name=name)
    return upgrade_tree(root, name, now=now)


def upgrade_bytes(v1_bytes: bytes, *, pretty: bool = True) -> tuple[bytes, list[UpgradeNote]]:
    """v1 XML bytes -> v2 XML bytes and notes (for a server storing received v1 documents upgraded)."""
    from .xml import dumps

    doc, notes = upgrade(v1_bytes)
    return dumps(doc, pretty=pretty), notes
