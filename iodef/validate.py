"""Validate IODEF documents: the bundled XSD (offline) plus the RFC 7970 rules it cannot express.

::

    from iodef.validate import iter_issues, validate, is_valid

    for issue in iter_issues("incident.xml"):             # or bytes, str, IODEFDocument, lxml root
        print(issue.line, issue.severity, issue.path, issue.message, issue.rule)
    validate("incident.xml", profile="rfc7970-errata")    # raises SchemaValidationError / RuleViolation
    report = check("incident.xml")                        # everything at once, with the profile used

Issues are data (:class:`Issue`), like jsonschema's errors: ``rule`` names the XSD constraint
(``xsd:cvc-complex-type.2.4``) or the RFC section (``RFC7970 §3.18.1``); ``error`` for what the
schema or a MUST forbids, ``warning`` for SHOULDs and implausible values.

How the schema part works: libxml2 (lxml) decides whether a document is valid, in microseconds.
libxml2 does not check that xs:IDREF values resolve nor that xs:ID values are unique, so that part
of XSD validation is done here in Python (:func:`_id_issues`). Only for an invalid document is the
slower xmlschema validator run, for its readable report (every error, not only the first per
element, with the element path); its schema is built on first need and kept for the process.
The two agree on every fixture (``tests/validate/test_agreement.py``). Schema profiles are
described in :mod:`iodef._profiles`; IODEF v1 (RFC 5070) documents are checked against the
bundled v1 schema and their reports say so (profile ``iodef-v1``).
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Final, Literal

from lxml import etree

from ._profiles import PROFILE_LABELS, PROFILES, V1_PROFILE, lxml_schema_for, xmlschema_for
from ._rules import run_rules
from ._tree import _DT_RE, element_path
from .errors import ParseError, RuleViolation, SchemaValidationError
from .xml import (
    DEFAULT_MAX_BYTES,
    IODEF_NS,
    IODEF_V1_NS,
    _chunks,
    _looks_like_xml,
    _read_stream,
    _source_name,
    _too_large,
    parse_xml,
)

if TYPE_CHECKING:
    from .model import IODEFDocument

__all__ = [
    "PROFILES",
    "Issue",
    "Report",
    "check",
    "is_valid",
    "iter_issues",
    "validate",
]

Severity = Literal["error", "warning"]

_V2_ROOT: Final = f"{{{IODEF_NS}}}IODEF-Document"
_V1_ROOT: Final = f"{{{IODEF_V1_NS}}}IODEF-Document"
_DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"
_PREFIX_BYTES: Final = 512
_READ_CHUNK: Final = 256 * 1024


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a document.

    ``path`` is the element path (``/IODEF-Document/Incident[2]/Contact``, with ``/@attr`` when an
    attribute is at fault); ``line`` and ``column`` are 1-based, None when unknown; ``rule`` names
    the XSD constraint (``xsd:cvc-...``) or the RFC section (``RFC7970 §3.18.1``).
    """

    severity: Severity
    path: str
    line: int | None
    column: int | None
    rule: str
    message: str

    def format(self, source: str = "<document>") -> str:
        """``source:line:col: severity: path: message [rule]``; what is unknown is left out."""
        where = source
        if self.line:
            where += f":{self.line}"
            if self.column:
                where += f":{self.column}"
        path = f" {self.path}:" if self.path and self.path != "-" else ""
        return f"{where}: {self.severity}:{path} {self.message} [{self.rule}]"

    def to_dict(self) -> dict[str, Any]:
        return {
            "severity": self.severity,
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "rule": self.rule,
            "message": self.message,
        }


@dataclass(frozen=True)
class Report:
    """The outcome of checking one document: what it is, which schema was used, the issues."""

    source: str
    profile: str
    """``rfc7970``, ``rfc7970-errata``, or ``iodef-v1`` for an RFC 5070 document."""
    version: str
    """``"2.0"`` or ``"1.0"`` (IODEF v1); ``"?"`` when the root is not an IODEF-Document."""
    issues: tuple[Issue, ...] = field(default_factory=tuple)

    @property
    def schema(self) -> str:
        """What the document was checked against, for people (names the profile)."""
        return PROFILE_LABELS[self.profile]

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def valid(self) -> bool:
        """No error-severity issue (warnings do not make a document invalid)."""
        return not any(i.severity == "error" for i in self.issues)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.source,
            "status": "valid" if self.valid else "invalid",
            "version": self.version,
            "profile": self.profile,
            "schema": self.schema,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "issues": [i.to_dict() for i in self.issues],
        }


# --------------------------------------------------------------------------- reading


@dataclass
class _Input:
    name: str
    root: etree._Element
    prefix: bytes | None
    data: bytes | None = None


def _is_document(source: Any) -> bool:
    # an IODEFDocument exists only once iodef.model is loaded: do not load it to find out
    model = sys.modules.get("iodef.model")
    return model is not None and isinstance(source, model.IODEFDocument)


def _read(source: Any, source_name: str | None) -> _Input:
    if _is_document(source):
        from .xml import dumps

        data = dumps(source, pretty=True)
        name = source_name or "<document>"
        return _Input(name, parse_xml(data, source_name=name), data[:_PREFIX_BYTES], data)
    if isinstance(source, etree._Element):
        if not isinstance(source.tag, str):
            raise ParseError(
                "expected an element, got a comment or processing instruction", source=source_name
            )
        return _Input(source_name or "<element>", source, None)
    if isinstance(source, etree._ElementTree):
        return _read(source.getroot(), source_name)
    name = source_name or _source_name(source)
    if isinstance(source, os.PathLike) or (isinstance(source, str) and not _looks_like_xml(source)):
        data = _read_file(source, name)
    else:
        data = b"".join(_chunks(source, name, DEFAULT_MAX_BYTES))
    root = parse_xml(data, source_name=name)
    return _Input(name, root, data[:_PREFIX_BYTES], data)


def _read_file(path: str | os.PathLike[str], name: str) -> bytes:
    """The bytes of the file at *path*, refused as :func:`iodef.xml.parse_xml` would refuse them.

    A regular file is read with one call sized by ``fstat`` (asking for the 32 MiB cap instead
    makes Python allocate that much per file); anything else (a pipe, a device) is streamed in
    chunks from the same open file: opening a named pipe twice would wait for a second writer.
    """
    try:
        with open(path, "rb", buffering=0) as fh:
            st = os.fstat(fh.fileno())
            if stat.S_ISREG(st.st_mode):
                if st.st_size > DEFAULT_MAX_BYTES:
                    raise _too_large(name, DEFAULT_MAX_BYTES, st.st_size)
                data = fh.read(st.st_size + 1) or b""
                if len(data) <= st.st_size:
                    return data
                # the file grew while being read: go on in chunks, with the cap
                parts = [data]
                total = len(data)
                while chunk := fh.read(_READ_CHUNK):
                    total += len(chunk)
                    if total > DEFAULT_MAX_BYTES:
                        raise _too_large(name, DEFAULT_MAX_BYTES)
                    parts.append(chunk)
                return b"".join(parts)
            return b"".join(_read_stream(fh, name, DEFAULT_MAX_BYTES))
    except OSError as exc:
        raise ParseError(f"cannot read file: {exc.strerror or exc}", source=name) from exc


def _profile_for(root: etree._Element, profile: str) -> tuple[str, str]:
    if root.tag == _V1_ROOT:
        return V1_PROFILE, "1.0"
    if root.tag == _V2_ROOT:
        return profile, "2.0"
    return profile, "?"


# --------------------------------------------------------------------------- the schema part

_ID_XPATH: Final = etree.XPath(
    "//*[@observable-id] | //iodef:IndicatorID | //ds:*[@Id]",
    namespaces={"iodef": IODEF_NS, "ds": _DS_NS},
)
_IDREF_XPATH: Final = etree.XPath(
    "//iodef:ObservableReference[@uid-ref] | //iodef:IndicatorReference[@uid-ref]",
    namespaces={"iodef": IODEF_NS},
)
_IND_ID: Final = f"{{{IODEF_NS}}}IndicatorID"
_XSD_WS: Final = " \t\r\n"


_OBS_REF: Final = f"{{{IODEF_NS}}}ObservableReference"
_IND_REF: Final = f"{{{IODEF_NS}}}IndicatorReference"


def _needs_id_check(root: etree._Element) -> bool:
    """Whether the document has what libxml2's ID checks miss: IDREFs or xs:ID element content."""
    for _el in root.iter(_OBS_REF, _IND_REF, _IND_ID):
        return True
    return False


def _id_issues(root: etree._Element) -> list[Issue]:
    """xs:ID uniqueness and xs:IDREF resolution (cvc-id.1, cvc-id.2), which libxml2 leaves out.

    libxml2 checks neither IDREFs nor IDs given as element content (IndicatorID); it does catch
    two equal ID attributes, which is why a document without IDREFs and IndicatorIDs needs this
    only when libxml2 has already rejected it.
    """
    refs = _IDREF_XPATH(root)
    ids: dict[str, etree._Element] = {}
    issues: list[Issue] = []
    for el in _ID_XPATH(root):
        values = []
        if el.tag == _IND_ID:
            values.append(("", (el.text or "").strip(_XSD_WS)))
        oid = el.get("observable-id")
        if oid is not None:
            values.append(("/@observable-id", oid.strip(_XSD_WS)))
        if isinstance(el.tag, str) and el.tag.startswith(f"{{{_DS_NS}}}") and el.get("Id") is not None:
            values.append(("/@Id", el.get("Id", "").strip(_XSD_WS)))
        for suffix, value in values:
            first = ids.get(value)
            if first is not None:
                issues.append(
                    Issue(
                        "error",
                        element_path(el) + suffix,
                        el.sourceline,
                        None,
                        "xsd:cvc-id.2",
                        f"the identifier {value!r} is already used on line {first.sourceline}; "
                        "xs:ID values must be unique in the document",
                    )
                )
            else:
                ids[value] = el
    for el in refs:
        ref = el.get("uid-ref", "").strip(_XSD_WS)
        if ref not in ids:
            issues.append(
                Issue(
                    "error",
                    element_path(el) + "/@uid-ref",
                    el.sourceline,
                    None,
                    "xsd:cvc-id.1",
                    f"uid-ref {ref!r} points at nothing: no element of this document has that "
                    "observable-id or IndicatorID (RFC 7970 §3.29.6, §3.29.7)",
                )
            )
    return issues


def fast_verdict(root: etree._Element, profile: str) -> bool:
    """The fast path's schema verdict: libxml2 plus the ID/IDREF checks it leaves out."""
    schema = lxml_schema_for(profile)
    if not schema.validate(root):
        return False
    if profile == V1_PROFILE or not _needs_id_check(root):
        return True
    return not _id_issues(root)


_NS_STRIP: Final = re.compile(r"\{urn:ietf:params:xml:ns:iodef-[12]\.0\}|\biodef:")

# xmlschema validator class / reason -> the XSD 1.0 validation rule (Structures, Appendix C)
_FACETS: Final = {
    "XsdEnumerationFacets": "cvc-enumeration-valid",
    "XsdPatternFacets": "cvc-pattern-valid",
    "XsdLengthFacet": "cvc-length-valid",
    "XsdMinLengthFacet": "cvc-minLength-valid",
    "XsdMaxLengthFacet": "cvc-maxLength-valid",
    "XsdMinInclusiveFacet": "cvc-minInclusive-valid",
    "XsdMinExclusiveFacet": "cvc-minExclusive-valid",
    "XsdMaxInclusiveFacet": "cvc-maxInclusive-valid",
    "XsdMaxExclusiveFacet": "cvc-maxExclusive-valid",
}


def _cvc(error: Any) -> str:
    kind = type(error).__name__
    validator = type(error.validator).__name__
    reason = error.reason or ""
    if kind == "XMLSchemaChildrenValidationError":
        return "cvc-complex-type.2.4"
    if type(getattr(getattr(error.validator, "parent", None), "parent", None)).__name__ == "XsdUnion":
        return "cvc-datatype-valid.1.2.3"
    if validator in _FACETS:
        return _FACETS[validator]
    if "attribute not allowed" in reason:
        return "cvc-complex-type.3.2.2"
    if "missing required attribute" in reason:
        return "cvc-complex-type.4"
    if "fixed value" in reason:
        return "cvc-attribute.4" if validator == "XsdAttribute" else "cvc-elt.5.2.2.2.2"
    if "content is empty" in reason:
        return "cvc-complex-type.2.1"
    if "character data between child elements" in reason or "text not allowed" in reason:
        return "cvc-complex-type.2.3"
    if "not an element of the schema" in reason or "is not an element" in reason:
        return "cvc-elt.1"
    if "has no children" in reason or "child element" in reason:
        return "cvc-complex-type.2.2"
    if kind == "XMLSchemaDecodeError" or validator in (
        "XsdAtomicBuiltin",
        "XsdUnion",
        "XsdAtomicRestriction",
    ):
        return "cvc-datatype-valid.1.2.1"
    return "cvc-assess-elt"


def _type_name(validator: Any) -> str:
    name = getattr(validator, "prefixed_name", None) or getattr(validator, "name", None)
    return _NS_STRIP.sub("", str(name)) if name else "an anonymous type"


def _readable(error: Any, reason: str) -> str:
    """A readable sentence: xmlschema's own messages read like a Python traceback."""
    if type(error).__name__ == "XMLSchemaChildrenValidationError" and reason.startswith("Unexpected child"):
        # say what may stand there, as the parser's own message does
        group = error.validator
        content = getattr(getattr(group, "type", None), "content", group)
        try:
            names = list(dict.fromkeys(e.local_name for e in content.iter_elements() if e.local_name))
        except AttributeError:
            names = []
        if names:
            return f"{reason} Expected one of: {', '.join(names)}."
        return reason
    value = error.obj
    if not isinstance(value, str):
        return reason
    validator = error.validator
    union = getattr(getattr(validator, "parent", None), "parent", None)
    if type(union).__name__ == "XsdUnion":
        members = ", ".join(_type_name(m) for m in getattr(union, "member_types", ()))
        return (
            f"{value!r} is not a valid value of {_type_name(union)} (one of: {members or 'its member types'})"
        )
    if type(error).__name__ == "XMLSchemaDecodeError":
        return f"{value!r} is not a valid value of {_type_name(validator)}"
    return reason


_CONTENT_ERRORS: Final = frozenset({"SCHEMAV_ELEMENT_CONTENT", "SCHEMAV_CVC_COMPLEX_TYPE_2_4"})
_ATTRIBUTE_ERROR: Final = re.compile(r"^Element '[^']*', attribute '|The attribute '")


def _targets(root: etree._Element, log: Any, schema: Any) -> list[tuple[etree._Element, bool]]:
    """Where to let xmlschema look, from libxml2's errors: ``(element, attributes_only)`` pairs.

    A content-model error sends xmlschema to the parent (where that model lives), an attribute
    error to the element's attributes only, any other error to the element. Each is climbed to
    the nearest globally declared element (nearly every IODEF element is global), and a subtree
    inside another chosen one is dropped. So xmlschema's cost follows the errors, not the
    document size: a bad attribute on a 1 MB document's Incident costs microseconds.
    """
    tree = root.getroottree()
    namespace = schema.target_namespace
    chosen: dict[etree._Element, bool] = {}
    for entry in log:
        el: etree._Element = root
        try:
            found = tree.xpath(entry.path) if entry.path else []
            if found and isinstance(found[0], etree._Element):
                el = found[0]
        except etree.XPathError:
            pass
        attributes_only = bool(_ATTRIBUTE_ERROR.search(entry.message or ""))
        cand: etree._Element | None = el
        if entry.type_name in _CONTENT_ERRORS and el is not root:
            cand = el.getparent()
        while cand is not None and cand is not root:
            q = etree.QName(cand)
            if q.namespace == namespace and q.localname in schema.elements:
                break
            cand = cand.getparent()
            attributes_only = False
        target = cand if cand is not None else root
        chosen[target] = chosen.get(target, True) and attributes_only
    result = []
    for target, attributes_only in chosen.items():
        if not any(not chosen[a] for a in target.iterancestors() if a in chosen):
            result.append((target, attributes_only))
    return result


def _xmlschema_errors(
    root: etree._Element, profile: str, log: Any
) -> Iterator[tuple[Any, etree._Element | None]]:
    """xmlschema's errors for what libxml2 rejected, each with the element it is about."""
    schema = xmlschema_for(profile)
    for target, attributes_only in _targets(root, log, schema):
        decl = schema if target is root else schema.elements[etree.QName(target).localname]
        if attributes_only:
            # the element alone, without its content: only attribute errors are kept
            shallow = etree.Element(target.tag, dict(target.attrib), nsmap=target.nsmap)
            for error in decl.iter_errors(shallow):
                if "attribute" in (error.reason or ""):
                    yield error, target
        elif target is root:
            for error in schema.iter_errors(root, use_location_hints=False):
                yield error, None
        else:
            for error in decl.iter_errors(target):
                yield error, None


def _xmlschema_issues(root: etree._Element, profile: str, log: Any) -> list[Issue]:
    issues: list[Issue] = []
    empty_content: set[int] = set()
    for error, about in _xmlschema_errors(root, profile, log):
        reason = error.reason or str(error)
        if "xs:ID value" in reason or reason.startswith("IDREF"):
            continue  # reported by _id_issues, with the referring element's line
        el = about if about is not None else error.elem
        if not isinstance(el, etree._Element):
            el = root
        cvc = _cvc(error)
        index = getattr(error, "index", None)
        target = el
        if cvc == "cvc-complex-type.2.4" and isinstance(index, int) and 0 <= index < len(el):
            target = el[index]  # the unexpected child, not its parent
        elif cvc == "cvc-complex-type.2.1":
            empty_content.add(id(el))
        elif cvc == "cvc-complex-type.2.3" and id(el) in empty_content:
            continue  # the same text already reported as content of an empty element
        path = element_path(target)
        attr = re.match(r"attribute ([\w:-]+)=", reason) or re.match(
            r"'([\w:-]+)' attribute not allowed", reason
        )
        if attr:
            path += f"/@{attr.group(1)}"
        message = _NS_STRIP.sub("", _readable(error, reason))
        if cvc == "cvc-complex-type.2.4" and target is not el:
            message = f"{message} (in {element_path(el).rsplit('/', 1)[-1]})"
        issues.append(Issue("error", path, target.sourceline, None, f"xsd:{cvc}", message))
    return issues


_LIBXML_NAMES: Final = re.compile(r"SCHEMAV_(CVC_)?")


def _libxml2_issues(root: etree._Element, profile: str) -> list[Issue]:
    """The libxml2 error log as issues (used only if xmlschema found nothing to say)."""
    schema = lxml_schema_for(profile)
    schema.validate(root)
    issues: list[Issue] = []
    for entry in schema.error_log:
        name = entry.type_name or ""
        if name == "SCHEMAV_ELEMENT_CONTENT":
            cvc = "cvc-complex-type.2.4"
        else:
            cvc = "cvc-" + _LIBXML_NAMES.sub("", name).lower().replace("_", "-")
            cvc = re.sub(r"-(\d)", r".\1", cvc)
        path = "/IODEF-Document"
        try:
            found = root.getroottree().xpath(entry.path) if entry.path else []
            if found and isinstance(found[0], etree._Element):
                path = element_path(found[0])
        except etree.XPathError:
            pass
        issues.append(
            Issue(
                "error",
                path,
                entry.line or None,
                entry.column or None,
                f"xsd:{cvc}",
                _NS_STRIP.sub("", entry.message),
            )
        )
    return issues


# libxml2 2.9-2.14 reject a date/time value with leading or trailing white space, although the
# whiteSpace facet of these types is "collapse" (XSD Part 2, §3.2.7): such an error is dropped.
_LIBXML2_WS_DATETIME: Final = re.compile(
    r"'(\s+\S+\s*|\s*\S+\s+)' is not a valid value of the atomic type 'xs:(dateTime|date|time)'"
)


def _libxml2_false_positive(issue: Issue) -> bool:
    if "atomic type 'xs:ID'" in issue.message:
        return True  # duplicates are reported by _id_issues, for element content too
    m = _LIBXML2_WS_DATETIME.search(issue.message)
    if m is None:
        return False
    value = m.group(1).strip(_XSD_WS)
    return m.group(2) != "dateTime" or _DT_RE.fullmatch(value) is not None


class _Unexplained(Exception):
    """libxml2 rejected the document and the caller asked not to build xmlschema's report here."""


def _schema_issues(root: etree._Element, profile: str, explain: bool = True) -> list[Issue]:
    """The XSD issues: libxml2 decides; xmlschema explains what libxml2 rejected.

    Where the two libraries are known to differ the XSD 1.0 text decides: libxml2's white-space
    slip on date/time values is dropped (:func:`_libxml2_false_positive`), and text inside
    element-only content that holds only a wildcard (xmlschema 4 lets it pass) is reported from
    libxml2's log when xmlschema finds nothing.
    """
    schema = lxml_schema_for(profile)
    libxml2_ok = schema.validate(root)
    if not libxml2_ok and not explain:
        raise _Unexplained
    checked = profile != V1_PROFILE and (not libxml2_ok or _needs_id_check(root))
    id_issues = _id_issues(root) if checked else []
    if libxml2_ok and not id_issues:
        return []
    issues = [] if libxml2_ok else _xmlschema_issues(root, profile, schema.error_log)
    if not libxml2_ok and not issues:
        issues = [i for i in _libxml2_issues(root, profile) if not _libxml2_false_positive(i)]
    issues.extend(id_issues)
    issues.sort(key=lambda i: i.line or 0)
    return issues


def _root_issue(root: etree._Element) -> Issue:
    q = etree.QName(root)
    if q.localname == "IODEF-Document":
        found = f"namespace {q.namespace!r}" if q.namespace else "no namespace"
        message = f'IODEF-Document has {found}; IODEF v2 needs xmlns="{IODEF_NS}"'
    else:
        where = f" in namespace {q.namespace!r}" if q.namespace else ""
        message = f"the root element is {q.localname!r}{where}, not an IODEF-Document"
    return Issue("error", "/" + q.localname, root.sourceline, None, "xsd:cvc-elt.1", message)


# --------------------------------------------------------------------------- public API


def _check_profile(profile: str) -> None:
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; choose one of: {', '.join(PROFILES)}")


def _iter(inp: _Input, profile: str, rules: bool, explain: bool = True) -> Iterator[Issue]:
    root = inp.root
    used, version = _profile_for(root, profile)
    if version == "?":
        yield _root_issue(root)
        return
    yield from _schema_issues(root, used, explain)
    if rules and version == "2.0":
        yield from run_rules(root, used, element_path, inp.prefix, inp.data)


def check(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
) -> Report:
    """Check *source* and return a :class:`Report` (the issues, and which schema was used).

    Raises :class:`iodef.ParseError` (or a subclass) for input that is not readable XML or that
    the hardened parser refuses (DOCTYPE, entities, too large, too deep).
    """
    _check_profile(profile)
    inp = _read(source, source_name)
    used, version = _profile_for(inp.root, profile)
    return Report(inp.name, used, version, tuple(_iter(inp, profile, rules)))


def _quick_check(
    source: bytes | str | os.PathLike[str],
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
) -> Report | None:
    """:func:`check`, or None when libxml2 rejects the document's schema validity.

    For callers that spread documents over processes: the invalid ones, whose report needs the
    xmlschema schema (a third of a second to build in each process), can then be checked in
    one process with :func:`check`. Raises like :func:`check`.
    """
    _check_profile(profile)
    inp = _read(source, source_name)
    used, version = _profile_for(inp.root, profile)
    try:
        return Report(inp.name, used, version, tuple(_iter(inp, profile, rules, explain=False)))
    except _Unexplained:
        return None


def iter_issues(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
) -> Iterator[Issue]:
    """Yield every :class:`Issue` of *source*: schema issues first, then RFC rule issues.

    *source* is an :class:`iodef.IODEFDocument`, bytes, a str holding XML, a path (str or
    ``os.PathLike``), a binary file, or an lxml element from :func:`iodef.xml.parse_xml`.
    *profile* is ``"rfc7970"`` (the schema as published) or ``"rfc7970-errata"``; an IODEF v1
    document is always checked against the v1 schema. ``rules=False`` checks the schema only.
    Unreadable or hostile input raises :class:`iodef.ParseError` before anything is yielded.
    """
    _check_profile(profile)
    inp = _read(source, source_name)
    return _iter(inp, profile, rules)


def validate(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
) -> None:
    """Raise if *source* has an error-severity issue; warnings alone pass.

    :class:`iodef.SchemaValidationError` when the schema is violated, otherwise
    :class:`iodef.RuleViolation` when an RFC rule is; both carry ``.issues`` (all of them,
    warnings included) and ``.profile``.
    """
    report = check(source, profile=profile, rules=rules, source_name=source_name)
    errors = report.errors
    if not errors:
        return
    schema_errors = [i for i in errors if i.rule.startswith("xsd:")]
    cls = SchemaValidationError if schema_errors else RuleViolation
    first = (schema_errors or errors)[0]
    what = "is not valid against" if schema_errors else "breaks RFC 7970 rules under"
    more = f" (and {len(errors) - 1} more error{'s' if len(errors) > 2 else ''})" if len(errors) > 1 else ""
    raise cls(
        f"the document {what} the {report.schema} [profile {report.profile}]: "
        f"{first.message} [{first.rule}]{more}",
        issues=list(report.issues),
        profile=report.profile,
        source=report.source,
        line=first.line,
        path=first.path,
    )


def is_valid(
    source: IODEFDocument | bytes | str | os.PathLike[str] | IO[bytes] | etree._Element,
    *,
    profile: str = "rfc7970",
    rules: bool = True,
    source_name: str | None = None,
) -> bool:
    """True when *source* has no error-severity issue (schema or RFC rule)."""
    return check(source, profile=profile, rules=rules, source_name=source_name).valid
