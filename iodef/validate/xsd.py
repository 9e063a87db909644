"""The schema part of validation: libxml2 decides, xmlschema explains, ID/IDREF checked here.

libxml2 (lxml) decides whether a document is valid, in microseconds. libxml2 does not check that
xs:IDREF values resolve nor that xs:ID values are unique, so that part of XSD validation is done
here in Python (:func:`_id_issues`). Only for an invalid document is the slower xmlschema
validator run, for its readable report (every error, not only the first per element, with the
element path); its schema is built on first need and kept for the process.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Final

from lxml import etree

from .._tree import _DT_RE, element_path
from ..errors import Issue
from ..safexml import IODEF_NS
from .decider import _node_at, decider_schema
from .explain import explain
from .profiles import V1_PROFILE, xmlschema_for
from .rules._context import (
    _FACT_ID_ATTRIBUTE,
    _FACT_ID_CONTENT,
    _FACT_MANY_ATTRIBUTES,
    _FACT_REFERENCES,
    _MANY_ATTRIBUTES,
    _Ctx,
)

_DS_NS: Final = "http://www.w3.org/2000/09/xmldsig#"

#: the most schema issues one report carries; the rest are counted in one closing issue. Beyond
#: this many libxml2 errors, xmlschema (whose cost grows faster than the number of errors: 1,000
#: unknown attributes on one element take it seconds) is not asked, libxml2's messages are used.
MAX_SCHEMA_ISSUES: Final = 100
#: no IODEF class has more than a dozen attributes: an element with more than this many is
#: explained from libxml2's log, not by xmlschema (the C walk's facts say so when it is built)
_MAX_EXPLAINED_ATTRIBUTES: Final = _MANY_ATTRIBUTES

PathOf = Callable[[etree._Element], str]

#: whether some element has more attributes than xmlschema is asked to explain (counted in
#: libxml2: a Python pass over every element's attributes cost a tenth of an explanation)
_TOO_MANY_ATTRIBUTES: Final = etree.XPath(f"boolean(//*[count(@*) > {_MAX_EXPLAINED_ATTRIBUTES}])")


_ID_XPATH: Final = etree.XPath(
    "//*[@observable-id] | //iodef:IndicatorID | //ds:*[@Id]",
    namespaces={"iodef": IODEF_NS, "ds": _DS_NS},
)
_IDREF_XPATH: Final = etree.XPath(
    "//iodef:ObservableReference[@uid-ref] | //iodef:IndicatorReference[@uid-ref]",
    namespaces={"iodef": IODEF_NS},
)
_IND_ID: Final = f"{{{IODEF_NS}}}IndicatorID"
_ID_FACTS: Final = _FACT_REFERENCES | _FACT_ID_CONTENT | _FACT_ID_ATTRIBUTE
_XSD_WS: Final = " \t\r\n"


_OBS_REF: Final = f"{{{IODEF_NS}}}ObservableReference"
_IND_REF: Final = f"{{{IODEF_NS}}}IndicatorReference"


_ID_NAMES: Final = (b"ObservableReference", b"IndicatorReference", b"IndicatorID")


def _needs_id_check(root: etree._Element, data: bytes | None = None, facts: int | None = None) -> bool:
    """Whether the document has what libxml2's ID checks miss: IDREFs or xs:ID element content.

    With the raw bytes of an ASCII-compatible document, a byte search answers (element names
    are never escaped); otherwise the tree is searched (with the C walk, when it is built).
    """
    if facts is not None:
        return bool(facts & _FACT_ID_CONTENT)
    if data is not None and _Ctx(root, "", element_path, data).ascii_source() is not None:
        return any(name in data for name in _ID_NAMES)
    for _el in root.iter(_OBS_REF, _IND_REF, _IND_ID):
        return True
    return False


def _id_issues(root: etree._Element, path_of: PathOf = element_path, facts: int | None = None) -> list[Issue]:
    """xs:ID uniqueness and xs:IDREF resolution (cvc-id.1, cvc-id.2), which libxml2 leaves out.

    libxml2 checks neither IDREFs nor IDs given as element content (IndicatorID); it does catch
    two equal ID attributes, which is why a document without IDREFs and IndicatorIDs needs this
    only when libxml2 has already rejected it.
    """
    if facts is not None and not facts & _ID_FACTS:
        return []  # nothing that holds or names an identifier: the two searches would find none
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
                        path_of(el) + suffix,
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
                    path_of(el) + "/@uid-ref",
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
    schema = decider_schema(profile)
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
    namespace = schema.target_namespace
    chosen: dict[etree._Element, bool] = {}
    for entry in log:
        el = _node_at(root, entry.path)
        if el is None:
            el = root
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
            yield from _subtree_errors(target, decl, schema, profile)


def _stub(target: etree._Element) -> etree._Element:
    """*target* with its attributes, text, comments and PIs, and each child element left empty.

    xmlschema checks *target*'s own content model on it with the children in the same places
    (its error indexes count comments and PIs too), without walking the children's subtrees.
    """
    stub = etree.Element(target.tag, dict(target.attrib), nsmap=target.nsmap)
    stub.text = target.text
    for child in target:
        copy: etree._Element
        if isinstance(child.tag, str):
            copy = etree.SubElement(stub, child.tag)
        else:
            if isinstance(child, etree._ProcessingInstruction):
                copy = etree.PI(child.target, child.text)
            elif isinstance(child, etree._Entity):
                copy = etree.Entity(child.name)
            else:
                copy = etree.Comment(child.text)
            stub.append(copy)
        copy.tail = child.tail
    return stub


def _model_names(decl: Any) -> set[str] | None:
    """The names (Clark notation) *decl*'s content model may hold; None if it has a wildcard."""
    content = getattr(getattr(decl, "type", None), "content", None)
    iter_elements = getattr(content, "iter_elements", None)
    if iter_elements is None:
        return None
    names = set()
    for particle in iter_elements():
        name = getattr(particle, "name", None)
        if not name or type(particle).__name__ != "XsdElement":
            return None
        names.add(name)
    return names


def _subtree_errors(
    target: etree._Element, decl: Any, schema: Any, profile: str
) -> Iterator[tuple[Any, etree._Element | None]]:
    """xmlschema's errors in *target*'s subtree, without walking the subtrees libxml2 accepts.

    After the first child that does not fit a content model libxml2 checks no more of that
    element, so its log cannot say which later children are invalid. Instead of letting
    xmlschema walk every child (an Incident of a few thousand events: seconds), *target*'s own
    content model and attributes are checked on a stub (:func:`_stub`); then each child that
    the model names, by libxml2 (which validates a global element as a document root), and by
    xmlschema only if libxml2 rejects it. A child the model does not name is not looked into
    (xmlschema does not look into an unexpected element either). A model with a wildcard, or
    naming a child without a global declaration, sends the whole subtree to xmlschema as before.
    """
    names = _model_names(decl)
    children: list[tuple[etree._Element, Any]] = []
    for child in target:
        if names is None:
            break
        if not isinstance(child.tag, str) or child.tag not in names:
            continue
        child_decl = schema.maps.elements.get(child.tag)
        if child_decl is None:
            names = None
        children.append((child, child_decl))
    if names is None:
        for error in decl.iter_errors(target):
            yield error, None
        return
    # in the order a whole run gives them: the element's attributes, then each child's subtree
    # followed by what the model says of that child, then the rest (content incomplete, ...)
    stub = _stub(target)
    first: list[Any] = []
    at: dict[int, list[Any]] = {}
    last: list[Any] = []
    # max_depth=1: the stub's own model is checked, its (empty) children are not decoded (their
    # errors, about content the stub leaves out, were dropped here anyway)
    for error in decl.iter_errors(stub, max_depth=1):
        if error.elem is not stub and error.elem is not None:
            continue
        index = getattr(error, "index", None)
        if type(error).__name__ == "XMLSchemaChildrenValidationError" and isinstance(index, int):
            at.setdefault(index, []).append(error)
        elif "attribute" in (error.reason or ""):
            first.append(error)
        else:
            last.append(error)
    for error in first:
        yield error, target
    decider = decider_schema(profile)
    checked = dict(children)
    for position, child in enumerate(target):
        child_decl = checked.get(child)
        if child_decl is not None and not decider.validate(child):
            for error in child_decl.iter_errors(child):
                yield error, None
        for error in at.pop(position, ()):
            yield error, target
    for errors in at.values():
        for error in errors:
            yield error, target
    for error in last:
        yield error, target


def _xmlschema_issues(
    root: etree._Element, profile: str, log: Any, path_of: PathOf = element_path
) -> list[Issue]:
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
        path = path_of(target)
        attr = re.match(r"attribute ([\w:-]+)=", reason) or re.match(
            r"'([\w:-]+)' attribute not allowed", reason
        )
        if attr:
            path += f"/@{attr.group(1)}"
        message = _NS_STRIP.sub("", _readable(error, reason))
        if cvc == "cvc-complex-type.2.4" and target is not el:
            message = f"{message} (in {path_of(el).rsplit('/', 1)[-1]})"
        issues.append(Issue("error", path, target.sourceline, None, f"xsd:{cvc}", message))
    return issues


_LIBXML_NAMES: Final = re.compile(r"SCHEMAV_(CVC_)?")


def _libxml2_issues(log: Any, root: etree._Element, path_of: PathOf = element_path) -> list[Issue]:
    """libxml2's error *log* as issues (used where xmlschema does not explain)."""
    issues: list[Issue] = []
    # a hostile document repeats one error thousands of times on one element (an attribute each):
    # each element path and each error name is worked out once
    paths: dict[str, str] = {}
    rules: dict[str, str] = {}
    for entry in log:
        name = entry.type_name or ""
        cvc = rules.get(name)
        if cvc is None:
            if name == "SCHEMAV_ELEMENT_CONTENT":
                cvc = "cvc-complex-type.2.4"
            else:
                cvc = "cvc-" + _LIBXML_NAMES.sub("", name).lower().replace("_", "-")
                cvc = re.sub(r"-(\d)", r".\1", cvc)
            rules[name] = cvc
        path = paths.get(entry.path)
        if path is None:
            found = _node_at(root, entry.path)
            path = paths[entry.path] = path_of(found) if found is not None else "/IODEF-Document"
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
    return _false_positive_message(issue.message)


def _false_positive_message(message: str) -> bool:
    if "atomic type 'xs:ID'" in message:
        return True  # duplicates are reported by _id_issues, for element content too
    m = _LIBXML2_WS_DATETIME.search(message)
    if m is None:
        return False
    value = m.group(1).strip(_XSD_WS)
    return m.group(2) != "dateTime" or _DT_RE.fullmatch(value) is not None


class _Unexplained(Exception):
    """libxml2 rejected the document and the caller asked not to build xmlschema's report here."""

    def __init__(self, log: Any, facts: int | None) -> None:
        super().__init__()
        self.log = log
        self.facts = facts  # what the C walk found, for the rules the caller still runs


def _schema_issues(
    root: etree._Element,
    profile: str,
    explain: bool = True,
    path_of: PathOf = element_path,
    data: bytes | None = None,
    facts: int | None = None,
) -> list[Issue]:
    """The XSD issues: libxml2 decides; xmlschema explains what libxml2 rejected.

    Where the two libraries are known to differ the XSD 1.0 text decides: libxml2's white-space
    slip on date/time values is dropped (:func:`_libxml2_false_positive`), and text inside
    element-only content that holds only a wildcard (xmlschema 4 lets it pass) is reported from
    libxml2's log when xmlschema finds nothing. A report holds at most
    :data:`MAX_SCHEMA_ISSUES` schema issues, and then says how many more there were.
    """
    schema = decider_schema(profile)
    libxml2_ok = schema.validate(root)
    if not libxml2_ok:
        # a copy: explaining validates parts again with the same schema, which resets its log
        log = schema.error_log
        if not explain:
            # explained here when that needs no xmlschema (the schema a quarter of a second to
            # build); otherwise the caller is told, to explain it where xmlschema is loaded
            quick = quick_rejected_issues(root, profile, log, path_of, facts)
            if quick is None:
                raise _Unexplained(log, facts)
            return quick
        return rejected_issues(root, profile, log, path_of, facts)
    if not (profile != V1_PROFILE and _needs_id_check(root, data, facts)):
        return []
    id_issues = _id_issues(root, path_of, facts)
    id_issues.sort(key=lambda i: i.line or 0)
    return _capped(id_issues)


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One entry of libxml2's error log, as the report needs it (picklable, unlike lxml's)."""

    type_name: str
    path: str | None
    message: str
    line: int
    column: int


def log_entries(log: Any) -> tuple[LogEntry, ...]:
    return tuple(LogEntry(e.type_name, e.path, e.message, e.line, e.column) for e in log)


def rejected_issues(
    root: etree._Element,
    profile: str,
    log: Sequence[Any],
    path_of: PathOf = element_path,
    facts: int | None = None,
) -> list[Issue]:
    """The schema issues of a document libxml2 rejected with *log* (its error log, or the
    :class:`LogEntry` copies of it a worker process sent)."""
    quick = quick_rejected_issues(root, profile, log, path_of, facts)
    if quick is not None:
        return quick
    issues = _xmlschema_explained(root, profile, log, path_of)
    beyond = 0
    if not issues:
        issues, beyond = _libxml2_report(log, root, path_of)
    return _with_id_issues(root, profile, issues, beyond, path_of, facts)


def quick_rejected_issues(
    root: etree._Element,
    profile: str,
    log: Sequence[Any],
    path_of: PathOf = element_path,
    facts: int | None = None,
) -> list[Issue] | None:
    """:func:`rejected_issues`' result when it needs no xmlschema (one common error that
    :func:`iodef.validate.explain.explain` words, or a report from libxml2's log alone); None
    when it does.

    More errors than a report lists, or thousands of stray attributes (xmlschema's cost grows
    with the square of their number: each error copies the element), are reported from
    libxml2's log, which says the same at once.
    """
    beyond = 0
    if len(log) > MAX_SCHEMA_ISSUES or _too_many_attributes(root, facts):
        issues, beyond = _libxml2_report(log, root, path_of)
    else:
        try:
            quick = explain(root, profile, log, path_of)
        except Exception:  # the quick explainer failed on a hostile document: xmlschema decides
            return None
        if not quick:
            return None
        issues = quick
    return _with_id_issues(root, profile, issues, beyond, path_of, facts)


def _with_id_issues(
    root: etree._Element, profile: str, issues: list[Issue], beyond: int, path_of: PathOf, facts: int | None
) -> list[Issue]:
    id_issues = _id_issues(root, path_of, facts) if profile != V1_PROFILE else []
    issues.extend(id_issues)
    issues.sort(key=lambda i: i.line or 0)
    return _capped(issues, beyond)


def _too_many_attributes(root: etree._Element, facts: int | None) -> bool:
    return bool(_FACT_MANY_ATTRIBUTES & facts if facts is not None else _TOO_MANY_ATTRIBUTES(root))


def _libxml2_report(log: Any, root: etree._Element, path_of: PathOf) -> tuple[list[Issue], int]:
    """libxml2's issues, its false positives dropped: the first ones in full, the rest counted.

    libxml2 logs in document order, so the issues a capped report lists come first; a hostile
    document can make hundreds of thousands (an error per stray attribute), and locating each
    would take seconds where counting takes a fraction of one.
    """
    entries = iter(log)
    kept: list[Issue] = []
    while len(kept) <= MAX_SCHEMA_ISSUES:
        chunk = list(itertools.islice(entries, 64))
        if not chunk:
            return kept, 0
        kept.extend(i for i in _libxml2_issues(chunk, root, path_of) if not _libxml2_false_positive(i))
    beyond = 0
    for entry in entries:
        message = entry.message
        if "atomic type 'xs:" not in message or not _false_positive_message(_NS_STRIP.sub("", message)):
            beyond += 1
    return kept, beyond


def _xmlschema_explained(root: etree._Element, profile: str, log: Any, path_of: PathOf) -> list[Issue]:
    """xmlschema's report, or nothing when xmlschema cannot give one (libxml2's is used then).

    xmlschema only explains a verdict libxml2 has already given, on input that may be hostile:
    where it fails (an ``xsi:type`` naming no type makes it raise a KeyError; an xs:dateTime year
    beyond 2**31 an OverflowError), the report falls back to libxml2's own messages rather than
    letting the failure escape.
    """
    try:
        return _xmlschema_issues(root, profile, log, path_of)
    except Exception:  # any failure of the explainer: libxml2's log stands
        return []


def _capped(issues: list[Issue], beyond: int = 0) -> list[Issue]:
    """At most :data:`MAX_SCHEMA_ISSUES`, then one saying how many more (*beyond*: counted, not kept)."""
    if len(issues) <= MAX_SCHEMA_ISSUES and not beyond:
        return issues
    more = len(issues) - MAX_SCHEMA_ISSUES + beyond
    kept = issues[:MAX_SCHEMA_ISSUES]
    last = kept[-1]
    kept.append(
        Issue(
            "error",
            "/IODEF-Document",
            last.line,
            None,
            "report-limit",
            f"{more} more schema error{'s' if more > 1 else ''} not listed: a report stops at "
            f"{MAX_SCHEMA_ISSUES} per document",
        )
    )
    return kept
