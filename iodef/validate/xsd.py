"""The schema part of validation: libxml2 decides, xmlschema explains, ID/IDREF checked here.

libxml2 (lxml) decides whether a document is valid, in microseconds. libxml2 does not check that
xs:IDREF values resolve nor that xs:ID values are unique, so that part of XSD validation is done
here in Python (:func:`_id_issues`). Only for an invalid document is the slower xmlschema
validator run, for its readable report (every error, not only the first per element, with the
element path); its schema is built on first need and kept for the process.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

from lxml import etree

from .._tree import _DT_RE, element_path
from ..errors import Issue
from ..safexml import IODEF_NS
from .profiles import V1_PROFILE, lxml_schema_for, xmlschema_for

_DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"


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


def _explained(root: etree._Element, profile: str, log: Any) -> list[Issue]:
    """xmlschema's report, or nothing when xmlschema cannot explain (libxml2's log is used then).

    xmlschema (elementpath) raises on values libxml2 simply rejects, e.g. OverflowError on an
    xs:dateTime year beyond 2**31.
    """
    try:
        return _xmlschema_issues(root, profile, log)
    except ArithmeticError:
        return []


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
    issues = [] if libxml2_ok else _explained(root, profile, schema.error_log)
    if not libxml2_ok and not issues:
        issues = [i for i in _libxml2_issues(root, profile) if not _libxml2_false_positive(i)]
    issues.extend(id_issues)
    issues.sort(key=lambda i: i.line or 0)
    return issues
