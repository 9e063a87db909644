"""RFC 7970 rules that the XSD cannot express, run on the lxml tree (so every issue has a line).

Each rule cites the section it enforces; a MUST gives severity ``error``, a SHOULD (or a
plausibility check such as times out of their natural order) gives ``warning``. Rules report
only what the schema of the chosen profile does not already report, so one problem is one issue.
:data:`RULES` describes every rule (slug, section, severity, profiles); the fixtures under
``fixtures/validate/`` hold a passing and a failing document for each slug.

The rules visit only the elements they concern (``root.iter(*tags)``), so their cost grows with
the number of matching elements. Most documents break no rule: a screen (:func:`_may_report`)
answers that for all per-element handlers in one cheap pass, and the handlers run, unchanged,
only when it cannot; the attribute rules find their elements with a byte search of the raw
document when its encoding allows, else with XPath scans in libxml2.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Final

from lxml import etree

from ._syntax import (
    _ADDRESS_CHECKS,
    _DTYPE_CHECKS,
    _PORTLIST,
    _SIMPLE_PORTS,
    _guess_category,
    _ipv6_compressed,
    bcp47_problem,
    portlist_problem,
)
from ._tree import _DT_RE as _DT

if TYPE_CHECKING:
    from .validate import Issue

__all__ = ["RULES", "RuleInfo", "run_rules"]

NS: Final = "urn:ietf:params:xml:ns:iodef-2.0"
XML_NS: Final = "http://www.w3.org/XML/1998/namespace"
_P: Final = f"{{{NS}}}"
_LANG: Final = f"{{{XML_NS}}}lang"
_WS: Final = " \t\r\n"


@dataclass(frozen=True)
class RuleInfo:
    """One RFC rule: ``slug`` names its fixtures, ``rule`` is what its issues carry."""

    slug: str
    rule: str
    severity: str
    summary: str
    profiles: tuple[str, ...] = ("rfc7970", "rfc7970-errata")


RULES: Final[tuple[RuleInfo, ...]] = (
    RuleInfo(
        "ext-value", "RFC7970 §5.1.1", "error", "ext-value needs the matching ext-<attr>, and the reverse"
    ),
    RuleInfo(
        "version", "RFC7970 §3.2", "error", "IODEF-Document@version is required (the XSD has it optional)"
    ),
    RuleInfo("private-enum", "RFC7970 §3.2", "error", "private-enum-id needs private-enum-name"),
    RuleInfo("language", "RFC7970 §6", "error", "the document states its language; xml:lang is a BCP 47 tag"),
    RuleInfo(
        "encoding", "RFC7970 §4.1", "error", "XML declaration with an explicit encoding (UTF-8 or UTF-16)"
    ),
    RuleInfo(
        "confidence", "RFC7970 §3.12.5", "error", "Confidence holds a REAL for rating numeric, else nothing"
    ),
    RuleInfo(
        "time-order", "RFC7970 §3.2", "error", "StartTime not after EndTime; other times in natural order"
    ),
    RuleInfo("address", "RFC7970 §3.18.1", "error", "Address content matches its category"),
    RuleInfo(
        "nameserver-address", "RFC7970 §3.19.1", "error", "a Nameservers Address is ipv4-addr or ipv6-addr"
    ),
    RuleInfo(
        "portlist", "RFC7970 §2.9", "error", "PORTLIST syntax, ports up to 65535, ranges N-M with N <= M"
    ),
    RuleInfo("extension-dtype", "RFC7970 §2.16", "error", "ExtensionType content matches its dtype"),
    RuleInfo("references", "RFC7970 §3.29.6", "error", "references point at the right kind of element"),
    RuleInfo("indicator-reference", "RFC7970 §3.29.7", "error", "IndicatorReference has uid-ref or euid-ref"),
    RuleInfo("duplicate-incident-id", "RFC7970 §3.4", "error", "no IncidentID twice in one document"),
    RuleInfo("required-child", "RFC7970 §3", "error", "classes that need at least one child have one"),
    RuleInfo("node-address", "RFC7970 §3.18", "error", "Node has an Address or DomainData", ("rfc7970",)),
    RuleInfo("defined-coa", "RFC7970 §3.15", "error", "action defined-coa needs a DefinedCOA"),
    RuleInfo(
        "service-protocol", "RFC7970 §3.20", "error", "Service with ports or protocol details has ip-protocol"
    ),
    RuleInfo(
        "header-field", "RFC7970 §3.21", "error", "header fields carry name (and dtype string for email)"
    ),
    RuleInfo("software-custom", "RFC7970 §2.15.1", "error", "SoftwareReference spec-name custom needs dtype"),
    RuleInfo("expression", "RFC7970 §3.29.4", "error", "operator not takes exactly one operand"),
)


# --------------------------------------------------------------------------- context


class _Ctx:
    __slots__ = ("data", "issues", "path_of", "profile", "root")

    def __init__(
        self,
        root: etree._Element,
        profile: str,
        path_of: Callable[[etree._Element], str],
        data: bytes | None = None,
    ) -> None:
        self.root = root
        self.profile = profile
        self.path_of = path_of
        self.data = data
        self.issues: list[Issue] = []

    def add(
        self, severity: str, el: etree._Element, rule: str, message: str, attr: str | None = None
    ) -> None:
        from .validate import Issue

        path = self.path_of(el)
        if attr is not None:
            path += f"/@{attr}"
        self.issues.append(Issue(severity, path, el.sourceline, None, rule, message))  # type: ignore[arg-type]


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rpartition("}")[2]


def _text(el: etree._Element) -> str:
    return (el.text or "").strip(_WS)


# --------------------------------------------------------------------------- §5.1.1 ext-value


@functools.cache
def _ext_table() -> dict[str, frozenset[str]]:
    """Element tag -> the attributes X that have an ``ext-X`` partner, from the model's plans."""
    from .model import IODEFDocument, IODEFModel
    from .model._binding import plan_of

    table: dict[str, set[str]] = {}
    seen: set[type[IODEFModel]] = set()
    todo: list[tuple[str, type[IODEFModel]]] = [(f"{_P}IODEF-Document", IODEFDocument)]
    while todo:
        tag, cls = todo.pop()
        plan = plan_of(cls)
        pairs = {xml for _n, xml, _en, _ex in plan.ext_pairs}
        if pairs:
            table.setdefault(tag, set()).update(pairs)
        if cls in seen:
            continue
        seen.add(cls)
        for spec in plan.child_list:
            if spec.model is not None:
                todo.append((spec.xml, spec.model))
    return {tag: frozenset(v) for tag, v in table.items()}


#: the elements each attribute-driven rule looks at (§5.1.1 and §6), found by libxml2
_EXT_XPATH: Final = etree.XPath("//*[@*[. = 'ext-value' or starts-with(local-name(), 'ext-')]]")
_LANG_XPATH: Final = etree.XPath("//*[@xml:lang]")
_ASCII_ENCODINGS: Final = frozenset({"UTF-8", "UTF8", "US-ASCII", "ASCII"})


def _ascii_source(ctx: _Ctx) -> bytes | None:
    """The raw document, when every ASCII character of it is that very byte (UTF-8 or ASCII).

    Then a byte search answers "can this document hold such an attribute?" far faster than an
    XPath scan of every attribute: attribute names are never escaped, so ``xml:lang`` is in the
    bytes as ``:lang``; a value ``ext-value`` or a name ``ext-X`` puts ``ext-`` there, unless it
    is spelt with character references (``&#``). UTF-16/32 (a BOM or a NUL in the first two
    bytes) and other encodings get None, and the rules fall back to the XPath scans.
    """
    data = ctx.data
    if data is None:
        return None
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    if data[start : start + 1] != b"<" or data[start + 1 : start + 2] in (b"\x00", b""):
        return None
    encoding = ctx.root.getroottree().docinfo.encoding
    if (encoding or "UTF-8").upper() not in _ASCII_ENCODINGS:
        return None
    return data


def _rule_attributes(ctx: _Ctx) -> None:
    root = ctx.root
    raw = _ascii_source(ctx)
    # (b"&" first: one byte is found with memchr, many documents have no reference at all)
    if raw is not None and b"ext-" not in raw and (b"&" not in raw or b"&#" not in raw):
        ext_hits: list[etree._Element] = []
    else:
        ext_hits = _EXT_XPATH(root)
    root_lang = root.get(_LANG) is not None
    if raw is not None and raw.count(b":lang") <= root_lang:
        lang_hits = [root] if root_lang else []  # no other element can have xml:lang
    else:
        lang_hits = _LANG_XPATH(root)
    if ext_hits:
        _rule_ext_value(ctx, ext_hits)
    _rule_language(ctx, lang_hits)


def _rule_ext_value(ctx: _Ctx, hits: list[etree._Element]) -> None:
    table = _ext_table()
    rule = "RFC7970 §5.1.1"
    for el in hits:
        pairs = table.get(el.tag)
        if not pairs:
            continue
        attrib = el.attrib
        for name in sorted(pairs):
            value = attrib.get(name)
            ext = attrib.get("ext-" + name)
            if value == "ext-value" and not ext:
                ctx.add(
                    "error",
                    el,
                    rule,
                    f"{name}='ext-value' needs the ext-{name} attribute with the extended value",
                    name,
                )
            elif ext is not None and value != "ext-value":
                got = f"is {value!r}" if value is not None else "is not set"
                ctx.add(
                    "error",
                    el,
                    rule,
                    f"ext-{name} is set but {name} {got}; ext-{name} is used only with {name}='ext-value'",
                    "ext-" + name,
                )


# --------------------------------------------------------------------------- §3.2 document


def _rule_document(ctx: _Ctx) -> None:
    root = ctx.root
    if root.get("version") is None:
        ctx.add("error", root, "RFC7970 §3.2", 'the version attribute is required and must be "2.00"')
    if root.get("private-enum-id") is not None and root.get("private-enum-name") is None:
        ctx.add(
            "error",
            root,
            "RFC7970 §3.2",
            "private-enum-id is set, so private-enum-name (the CSIRT's FQDN) must be set too",
            "private-enum-id",
        )


# --------------------------------------------------------------------------- §6 language


def _rule_language(ctx: _Ctx, hits: list[etree._Element]) -> None:
    root = ctx.root
    doc_lang = root.get(_LANG)
    if doc_lang is None or not doc_lang.strip():
        ctx.add(
            "error",
            root,
            "RFC7970 §6",
            'the document does not state its language: set xml:lang on IODEF-Document (e.g. xml:lang="en")',
        )
    for el in hits:
        value = el.get(_LANG)
        if not value:
            continue  # xml:lang="" means "no language" (XML §2.12); handled above for the root
        problem = bcp47_problem(value)
        if problem is not None:
            ctx.add("error", el, "RFC7970 §6", problem, "xml:lang")


# --------------------------------------------------------------------------- §4.1 encoding

_DECL: Final = re.compile(rb"<\?xml\s[^>]*?\?>")
_ENC: Final = re.compile(rb"""encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def check_encoding(prefix: bytes, root: etree._Element, ctx: _Ctx) -> None:
    """§4.1 on the raw start of the document (skipped when only a tree was given)."""
    rule = "RFC7970 §4.1"
    data = prefix
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with BOM: decode the declaration
        try:
            data = data.decode("utf-16").encode("utf-8", "replace")
        except UnicodeDecodeError:
            data = data[2:]
    elif data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    m = _DECL.match(data)
    if m is None:
        ctx.add(
            "error",
            root,
            rule,
            'the document must begin with an XML declaration, e.g. <?xml version="1.0" encoding="UTF-8"?>',
        )
        return
    enc = _ENC.search(m.group(0))
    if enc is None:
        ctx.add("error", root, rule, 'the XML declaration must state the encoding, e.g. encoding="UTF-8"')
        return
    name = enc.group(1).decode("ascii").upper().replace("_", "-")
    if name not in ("UTF-8", "UTF-16", "UTF-16LE", "UTF-16BE"):
        ctx.add(
            "warning",
            root,
            rule,
            f"encoding {enc.group(1).decode('ascii')!r}: "
            "encodings other than UTF-8 and UTF-16 should not be used",
        )


# --------------------------------------------------------------------------- §3.12.5 Confidence


def _check_confidence(ctx: _Ctx, el: etree._Element) -> None:
    rule = "RFC7970 §3.12.5"
    rating = el.get("rating")
    has_content = bool(_text(el)) or len(el) > 0
    if rating == "numeric":
        if not has_content:
            # §3.12.5 describes the value but does not say MUST: a warning under both profiles
            if ctx.profile == "rfc7970-errata":
                ctx.add("warning", el, rule, 'rating="numeric" but no value: §3.12.5 puts the REAL here')
            else:
                ctx.add(
                    "warning",
                    el,
                    rule,
                    'rating="numeric" but no value: §3.12.5 puts a REAL here, which the published schema '
                    "forbids (erratum 5543); check with --profile rfc7970-errata",
                )
    elif has_content and ctx.profile == "rfc7970-errata":
        ctx.add("error", el, rule, f"rating={rating!r}: Confidence must be empty unless rating is 'numeric'")


# --------------------------------------------------------------------------- times


def _datetime(el: etree._Element | None) -> datetime | None:
    if el is None:
        return None
    return _parse_datetime(_text(el))


@functools.lru_cache(maxsize=4096)
def _parse_datetime(value: str) -> datetime | None:
    """The DATETIME *value* (§2.7), or None; cached, as reports repeat their times."""
    m = _DT.fullmatch(value)
    if m is None:
        return None
    text = m.group(0)
    frac = m.group(7)
    if frac and len(frac) > 7:
        text = text.replace(frac, frac[:7], 1)
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _before(a: datetime, b: datetime) -> bool | None:
    """a < b, or None when one has a timezone and the other not (no order then)."""
    if (a.tzinfo is None) != (b.tzinfo is None):
        return None
    return a < b


# parent -> (section, [(earlier, later, severity, sentence)])
_TIME_ORDER: Final[dict[str, tuple[str, list[tuple[str, str, str, str]]]]] = {
    "Incident": (
        "RFC7970 §3.2",
        [
            ("StartTime", "EndTime", "error", "the incident ends before it starts"),
            ("StartTime", "DetectTime", "warning", "the incident was detected before it started"),
            ("StartTime", "RecoveryTime", "warning", "the site recovered before the incident started"),
            ("DetectTime", "ReportTime", "warning", "the incident was reported before it was detected"),
            (
                "DetectTime",
                "GenerationTime",
                "warning",
                "the report was generated before the incident was detected",
            ),
        ],
    ),
    "EventData": (
        "RFC7970 §3.14",
        [
            ("StartTime", "EndTime", "error", "the event ends before it starts"),
            ("StartTime", "DetectTime", "warning", "the event was detected before it started"),
            ("StartTime", "RecoveryTime", "warning", "the site recovered before the event started"),
            ("DetectTime", "ReportTime", "warning", "the event was reported before it was detected"),
        ],
    ),
    "Expectation": (
        "RFC7970 §3.15",
        [("StartTime", "EndTime", "error", "the action is due before it may start")],
    ),
    "Indicator": (
        "RFC7970 §3.29",
        [("StartTime", "EndTime", "error", "the indicator's validity ends before it starts")],
    ),
}


_TIME_TAGS: Final = {
    f"{_P}{name}": name
    for name in ("DetectTime", "StartTime", "EndTime", "RecoveryTime", "ReportTime", "GenerationTime")
}


def _check_times(ctx: _Ctx, el: etree._Element) -> None:
    section, pairs = _TIME_ORDER[el.tag[len(_P) :]]
    found: dict[str, etree._Element] = {}
    for child in el.iterchildren(*_TIME_TAGS):
        name = _TIME_TAGS[child.tag]
        if name not in found:
            found[name] = child
    if len(found) < 2:
        return
    for earlier, later, severity, sentence in pairs:
        a_el = found.get(earlier)
        b_el = found.get(later)
        if a_el is None or b_el is None:
            continue
        a, b = _datetime(a_el), _datetime(b_el)
        if a is None or b is None:
            continue
        if _before(b, a):
            ctx.add(
                severity,
                b_el,
                section,
                f"{later} {_text(b_el)} is before {earlier} {_text(a_el)}: {sentence}",
            )


# --------------------------------------------------------------------------- §3.18.1 Address


def _is_nameserver(el: etree._Element) -> bool:
    parent = el.getparent()
    return parent is not None and parent.tag == f"{_P}Nameservers"


def _check_address(ctx: _Ctx, el: etree._Element) -> None:
    declared = el.get("category")
    category = declared if declared is not None else "ipv6-addr"
    text = _text(el)
    if category not in ("ipv4-addr", "ipv6-addr") and _is_nameserver(el):
        ctx.add(
            "error",
            el,
            "RFC7970 §3.19.1",
            f"a nameserver's Address must have category ipv4-addr or ipv6-addr, not {category!r}",
        )
        return
    check = _ADDRESS_CHECKS.get(category)
    if check is None:
        return  # atm, ext-value: no syntax to check
    ok, wanted = check
    if ok(text):
        if category == "ipv6-addr":
            canonical = _ipv6_compressed(text)
            if canonical != text:
                ctx.add(
                    "warning",
                    el,
                    "RFC7970 §3.18.1",
                    f"ipv6-addr {text!r} is not in the RFC 5952 text form; write {canonical!r}",
                )
        return
    how = f"category {category!r}" if declared is not None else "category 'ipv6-addr' (the default)"
    guess = _guess_category(text)
    hint = f'; it looks like {guess}, so set category="{guess}"' if guess and guess != category else ""
    ctx.add("error", el, "RFC7970 §3.18.1", f"{text!r} is not {wanted}, as {how} requires{hint}")


# --------------------------------------------------------------------------- §2.9 PORTLIST


def _check_portlist(ctx: _Ctx, el: etree._Element) -> None:
    text = _text(el)
    if _SIMPLE_PORTS.fullmatch(text):
        return  # ports below 10000, no ranges: nothing to check
    if not _PORTLIST.fullmatch(text):
        return  # the schema's PortlistType pattern reports the syntax
    problem = portlist_problem(text)
    if problem is not None:
        ctx.add("error", el, "RFC7970 §2.9", problem)


# --------------------------------------------------------------------------- §2.16 ExtensionType

#: Elements of type iodef:ExtensionType (RFC 7970 §2.16).
EXTENSION_ELEMENTS: Final = (
    "AdditionalData",
    "ApplicationHeaderField",
    "EmailHeaderField",
    "FileProperties",
    "FuzzyHashValue",
    "RecordItem",
    "RelatedDNS",
)


def _check_extension(ctx: _Ctx, el: etree._Element) -> None:
    dtype = el.get("dtype")
    if dtype is None or dtype in ("xml", "ext-value"):
        return
    rule = "RFC7970 §2.16"
    if len(el) and any(isinstance(c.tag, str) for c in el):
        ctx.add(
            "error",
            el,
            rule,
            f'dtype={dtype!r} but the content holds XML elements; XML content needs dtype="xml" (§5.2)',
        )
        return
    text = "".join(el.itertext()).strip(_WS)
    if dtype == "string":
        return
    if dtype == "portlist":
        problem = portlist_problem(text)
        if problem is not None:
            ctx.add("error", el, "RFC7970 §2.9", problem)
        return
    check = _DTYPE_CHECKS.get(dtype)
    if check is None:
        return
    ok, wanted = check
    if not ok(text):
        shown = text if len(text) <= 40 else text[:37] + "..."
        ctx.add("error", el, rule, f"dtype={dtype!r} but the content {shown!r} is not {wanted}")


# --------------------------------------------------------------------------- §3.21 / §3.20.2 headers


def _check_header_field(ctx: _Ctx, el: etree._Element) -> None:
    name = _local(el.tag)
    section = "RFC7970 §3.21" if name == "EmailHeaderField" else "RFC7970 §3.20.2"
    if not el.get("name"):
        ctx.add("error", el, section, f"{name} must carry the header's field name in its name attribute")
    if name == "EmailHeaderField" and el.get("dtype") not in (None, "string"):
        ctx.add("error", el, section, f'EmailHeaderField must have dtype="string", not {el.get("dtype")!r}')


# --------------------------------------------------------------------------- references


def _rule_references(ctx: _Ctx) -> None:
    root = ctx.root
    refs = list(root.iter(f"{_P}ObservableReference", f"{_P}IndicatorReference"))
    if not refs:
        return
    observable_ids = {el.get("observable-id") for el in root.iterfind(".//*[@observable-id]")}
    if root.get("observable-id") is not None:
        observable_ids.add(root.get("observable-id"))
    indicator_ids = {_text(el) for el in root.iter(f"{_P}IndicatorID")}
    for el in refs:
        uid = el.get("uid-ref")
        if el.tag == f"{_P}IndicatorReference":
            if uid is None and el.get("euid-ref") is None:
                ctx.add(
                    "error",
                    el,
                    "RFC7970 §3.29.7",
                    "IndicatorReference needs a uid-ref or an euid-ref attribute",
                )
                continue
            if uid is not None and uid not in indicator_ids and uid in observable_ids:
                ctx.add(
                    "error",
                    el,
                    "RFC7970 §3.29.7",
                    f"uid-ref {uid!r} names an observable-id; an IndicatorReference points at an IndicatorID",
                    "uid-ref",
                )
        elif uid is not None and uid not in observable_ids and uid in indicator_ids:
            ctx.add(
                "error",
                el,
                "RFC7970 §3.29.6",
                f"uid-ref {uid!r} names an IndicatorID; an ObservableReference points at an observable-id",
                "uid-ref",
            )


# --------------------------------------------------------------------------- §3.4 IncidentID


def _rule_incident_ids(ctx: _Ctx) -> None:
    if len(ctx.root) < 2:
        return  # one child at most, so not two incidents
    seen: dict[tuple[str | None, str], etree._Element] = {}
    for incident in ctx.root.iterchildren(f"{_P}Incident"):
        iid = incident.find(f"{_P}IncidentID")
        if iid is None:
            continue
        key = (iid.get("name"), _text(iid))
        first = seen.get(key)
        if first is not None:
            ctx.add(
                "error",
                iid,
                "RFC7970 §3.4",
                f"IncidentID {key[1]!r} of {key[0]!r} is used again (first on line {first.sourceline}); "
                "each incident in a document needs its own",
            )
        else:
            seen[key] = iid


# --------------------------------------------------------------------------- at least one child

_ANY: Final = None
#: local name -> (section, the children of which one must be present (None: any), profiles)
_REQUIRED_CHILD: Final[dict[str, tuple[str, frozenset[str] | None, tuple[str, ...]]]] = {
    "RelatedActivity": (
        "RFC7970 §3.6",
        frozenset({"IncidentID", "URL", "ThreatActor", "Campaign", "Description", "AdditionalData"}),
        ("rfc7970", "rfc7970-errata"),
    ),
    "ThreatActor": ("RFC7970 §3.7", _ANY, ("rfc7970-errata",)),
    "Campaign": ("RFC7970 §3.8", _ANY, ("rfc7970", "rfc7970-errata")),
    "Contact": ("RFC7970 §3.9", _ANY, ("rfc7970", "rfc7970-errata")),
    "Method": ("RFC7970 §3.11", _ANY, ("rfc7970", "rfc7970-errata")),
    "Reference": ("RFC7970 §3.11.1", _ANY, ("rfc7970", "rfc7970-errata")),
    "EventData": ("RFC7970 §3.14", _ANY, ("rfc7970", "rfc7970-errata")),
    "Node": ("RFC7970 §3.18", frozenset({"Address", "DomainData"}), ("rfc7970",)),
    "Service": ("RFC7970 §3.20", _ANY, ("rfc7970", "rfc7970-errata")),
    "ServiceName": ("RFC7970 §3.20.1", _ANY, ("rfc7970", "rfc7970-errata")),
    "RecordData": (
        "RFC7970 §3.22.1",
        frozenset(
            {
                "RecordItem",
                "URL",
                "FileData",
                "WindowsRegistryKeysModified",
                "CertificateData",
                "AdditionalData",
            }
        ),
        ("rfc7970", "rfc7970-errata"),
    ),
    "HashData": ("RFC7970 §3.26", frozenset({"Hash", "FuzzyHash"}), ("rfc7970", "rfc7970-errata")),
    "BulkObservableFormat": (
        "RFC7970 §3.29.3.1.1",
        frozenset({"Hash", "AdditionalData"}),
        ("rfc7970", "rfc7970-errata"),
    ),
    "Observable": ("RFC7970 §3.29.3", _ANY, ("rfc7970", "rfc7970-errata")),
    "OperatingSystem": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
    "Application": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
    "AssociatedSoftware": ("RFC7970 §2.15", _ANY, ("rfc7970", "rfc7970-errata")),
}


_REQUIRED_CLARK: Final = {
    name: frozenset(f"{_P}{c}" for c in wanted)
    for name, (_s, wanted, _p) in _REQUIRED_CHILD.items()
    if wanted
}


def _check_required_child(ctx: _Ctx, el: etree._Element) -> None:
    name = el.tag[len(_P) :]
    section, wanted, profiles = _REQUIRED_CHILD[name]
    if ctx.profile not in profiles:
        return
    if wanted is None:
        for child in el:
            if isinstance(child.tag, str):
                return
        ctx.add("error", el, section, f"{name} must have at least one child element")
        return
    clark = _REQUIRED_CLARK[name]
    for child in el:
        if child.tag in clark:
            return
    listed = ", ".join(sorted(wanted))
    extra = " (erratum 5544)" if name == "Node" else ""
    ctx.add("error", el, section, f"{name} needs at least one of: {listed}{extra}")


# --------------------------------------------------------------------------- misc tables


def _check_action(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("action") != "defined-coa":
        return
    if el.find(f"{_P}DefinedCOA") is None:
        name = _local(el.tag)
        section = "RFC7970 §3.15" if name == "Expectation" else "RFC7970 §3.13.1"
        ctx.add(
            "error", el, section, 'action="defined-coa" needs a DefinedCOA child naming the course of action'
        )


_PROTO_CHILDREN: Final = frozenset({"Port", "Portlist", "ProtoCode", "ProtoType", "ProtoField"})


def _check_service(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("ip-protocol") is not None:
        return
    present = sorted({_local(c.tag) for c in el if isinstance(c.tag, str)} & _PROTO_CHILDREN)
    if present:
        ctx.add(
            "error",
            el,
            "RFC7970 §3.20",
            f"Service has {', '.join(present)} so it needs the ip-protocol attribute (e.g. 6 for TCP)",
        )


def _check_software_reference(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("spec-name") == "custom" and el.get("dtype") is None:
        ctx.add("error", el, "RFC7970 §2.15.1", 'spec-name="custom" needs the dtype attribute')


_OPERANDS: Final = frozenset(
    {f"{_P}IndicatorExpression", f"{_P}Observable", f"{_P}ObservableReference", f"{_P}IndicatorReference"}
)


def _check_expression(ctx: _Ctx, el: etree._Element) -> None:
    if el.get("operator") != "not":
        return
    count = sum(1 for c in el if c.tag in _OPERANDS)
    if count != 1:
        ctx.add(
            "error",
            el,
            "RFC7970 §3.29.4",
            f'operator="not" negates exactly one operand, this IndicatorExpression has {count}',
        )


# --------------------------------------------------------------------------- dispatch

_Handler = Callable[[_Ctx, etree._Element], None]


def _handlers() -> dict[str, list[_Handler]]:
    table: dict[str, list[_Handler]] = {}

    def on(local: str, handler: _Handler) -> None:
        table.setdefault(f"{_P}{local}", []).append(handler)

    on("Confidence", _check_confidence)
    for parent in _TIME_ORDER:
        on(parent, _check_times)
    on("Address", _check_address)
    on("Portlist", _check_portlist)
    for name in EXTENSION_ELEMENTS:
        on(name, _check_extension)
    on("EmailHeaderField", _check_header_field)
    on("ApplicationHeaderField", _check_header_field)
    for name in _REQUIRED_CHILD:
        on(name, _check_required_child)
    on("Expectation", _check_action)
    on("HistoryItem", _check_action)
    on("Service", _check_service)
    on("SoftwareReference", _check_software_reference)
    on("IndicatorExpression", _check_expression)
    return table


_HANDLERS: Final = _handlers()
_TAGS: Final = tuple(_HANDLERS)
_WHOLE_DOCUMENT: Final[tuple[Callable[[_Ctx], None], ...]] = (
    _rule_document,
    _rule_attributes,
    _rule_references,
    _rule_incident_ids,
)


def run_rules(
    root: etree._Element,
    profile: str,
    path_of: Callable[[etree._Element], str],
    prefix: bytes | None = None,
    data: bytes | None = None,
) -> list[Issue]:
    """All RFC 7970 rule issues for the IODEF v2 document *root*, in document order.

    *prefix* is the start of the raw document, when there was one, for the §4.1 encoding rule;
    *data* the whole raw document, when there was one (it lets :func:`_rule_attributes` skip
    scans that cannot find anything).
    """
    ctx = _Ctx(root, profile, path_of, data)
    if prefix is not None:
        check_encoding(prefix, root, ctx)
    for whole in _WHOLE_DOCUMENT:
        whole(ctx)
    if _may_report(root, profile, path_of):
        handlers = _HANDLERS
        for el in root.iter(*_TAGS):
            for handler in handlers[el.tag]:
                handler(ctx, el)
    ctx.issues.sort(key=_order)
    return ctx.issues


# --------------------------------------------------------------------------- the screen
#
# Most documents break no rule, and visiting each of their elements from Python is what a
# rule check costs. So the per-element handlers above run (all of them, in document order,
# exactly as written) only when _may_report() says some element might give an issue.
# _may_report() is a screen: for the elements that are common in real documents it asks, with
# as few lxml calls as possible, the same question the handler asks, answers repeated values
# from a memo, and for every other element it runs the handlers themselves on a scratch
# context. It returns False only when no handler would add an issue, so the issues are the
# same with or without it (tests/validate/test_rule_screen.py checks both ways on every
# fixture).

_ADDRESS: Final = f"{_P}Address"
_PORTLIST_TAG: Final = f"{_P}Portlist"
_NODE: Final = f"{_P}Node"
_SERVICE: Final = f"{_P}Service"
_EVENT_DATA: Final = f"{_P}EventData"
_RECORD_DATA: Final = f"{_P}RecordData"
_RECORD_ITEM: Final = f"{_P}RecordItem"
_NAMESERVERS: Final = f"{_P}Nameservers"
_MEMO_MAX: Final = 65536
_address_memo: dict[tuple[str | None, str | None], bool] = {}
_portlist_memo: dict[str | None, bool] = {}


def _address_clean(category: str | None, raw: str | None) -> bool:
    """Whether _check_address adds nothing for this category and text (not under Nameservers)."""
    key = (category, raw)
    known = _address_memo.get(key)
    if known is not None:
        return known
    text = (raw or "").strip(_WS)
    check = _ADDRESS_CHECKS.get(category if category is not None else "ipv6-addr")
    if check is None:
        clean = True
    elif not check[0](text):
        clean = False
    else:
        clean = category not in (None, "ipv6-addr") or _ipv6_compressed(text) == text
    if len(_address_memo) >= _MEMO_MAX:
        _address_memo.clear()
    _address_memo[key] = clean
    return clean


def _portlist_clean(raw: str | None) -> bool:
    """Whether _check_portlist adds nothing for this text."""
    known = _portlist_memo.get(raw)
    if known is not None:
        return known
    text = (raw or "").strip(_WS)
    clean = (
        _SIMPLE_PORTS.fullmatch(text) is not None
        or _PORTLIST.fullmatch(text) is None
        or portlist_problem(text) is None
    )
    if len(_portlist_memo) >= _MEMO_MAX:
        _portlist_memo.clear()
    _portlist_memo[raw] = clean
    return clean


def _needs_child(name: str, profile: str) -> bool:
    return profile in _REQUIRED_CHILD[name][2]


def _may_report(root: etree._Element, profile: str, path_of: Callable[[etree._Element], str]) -> bool:
    """False only when no per-element handler would report anything on *root*.

    One pass over the elements that have handlers; child lists are walked directly (an lxml
    tag-filtered child iterator costs more to set up than the few children it would skip).
    """
    node_needs = _REQUIRED_CLARK["Node"] if _needs_child("Node", profile) else None
    record_data_needs = _REQUIRED_CLARK["RecordData"] if _needs_child("RecordData", profile) else None
    service_needs_child = _needs_child("Service", profile)
    event_needs_child = _needs_child("EventData", profile)
    scratch = _Ctx(root, profile, path_of)
    handlers = _HANDLERS
    address_memo = _address_memo
    portlist_memo = _portlist_memo
    for el in root.iter(*_TAGS):
        tag = el.tag
        if tag == _ADDRESS:
            category = el.get("category")
            text = el.text
            clean = address_memo.get((category, text))
            if clean is None:
                clean = _address_clean(category, text)
            if not clean:
                return True
            if category not in (None, "ipv4-addr", "ipv6-addr"):
                parent = el.getparent()
                if parent is not None and parent.tag == _NAMESERVERS:
                    return True
        elif tag == _NODE:
            # el[0] first: the Address or DomainData is nearly always the first child
            if node_needs is not None and not (len(el) and el[0].tag in node_needs):
                for child in el:
                    if child.tag in node_needs:
                        break
                else:
                    return True
        elif tag == _SERVICE:
            if service_needs_child and not (len(el) and isinstance(el[0].tag, str)):
                for child in el:
                    if isinstance(child.tag, str):
                        break
                else:
                    return True
            if el.get("ip-protocol") is None:
                _check_service(scratch, el)
                if scratch.issues:
                    return True
        elif tag == _PORTLIST_TAG:
            text = el.text
            clean = portlist_memo.get(text)
            if clean is None:
                clean = _portlist_clean(text)
            if not clean:
                return True
        elif tag == _EVENT_DATA:
            times = 0
            elements = 0
            for child in el:
                if child.tag in _TIME_TAGS:
                    times += 1
                elif isinstance(child.tag, str):
                    elements += 1
            if event_needs_child and times + elements == 0:
                return True
            if times > 1:
                _check_times(scratch, el)
                if scratch.issues:
                    return True
        elif tag == _RECORD_DATA:
            n = len(el)
            if record_data_needs is not None and not (
                (n > 1 and el[1].tag in record_data_needs) or (n and el[0].tag in record_data_needs)
            ):
                for child in el:
                    if child.tag in record_data_needs:
                        break
                else:
                    return True
        elif tag == _RECORD_ITEM:
            dtype = el.get("dtype")
            if dtype is None or dtype == "xml" or dtype == "ext-value":
                continue
            if dtype == "string":
                for child in el:
                    if isinstance(child.tag, str):
                        return True
                continue
            _check_extension(scratch, el)
            if scratch.issues:
                return True
        else:
            for handler in handlers[tag]:
                handler(scratch, el)
            if scratch.issues:
                return True
    return False


#: the handlers _may_report() answers for itself; a new handler on one of these tags must be
#: added to the screen (tests/validate/test_rule_screen.py pins this table)
_SCREENED: Final[dict[str, list[_Handler]]] = {
    _ADDRESS: [_check_address],
    _PORTLIST_TAG: [_check_portlist],
    _NODE: [_check_required_child],
    _SERVICE: [_check_required_child, _check_service],
    _RECORD_DATA: [_check_required_child],
    _EVENT_DATA: [_check_times, _check_required_child],
    _RECORD_ITEM: [_check_extension],
}


def _order(issue: Issue) -> tuple[int, str]:
    return (issue.line or 0, issue.rule)


def iter_rule_infos() -> Iterator[RuleInfo]:
    yield from RULES
