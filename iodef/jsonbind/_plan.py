"""Model <-> plain JSON data (dicts, lists, str, int, float), driven by the XML binding's plans.

Each model class gets a :class:`JPlan` compiled once from its XML :class:`~iodef.model._binding.Plan`:
every attribute and child element becomes a member named as in XML (RFC 8727 §3.2), with the
few spellings RFC 8727 changes declared in the tables below (text content keys, renamed
elements, the deleted wrapper classes, the Impact choice). Nothing here is written class by class.
"""

from __future__ import annotations

import base64
import binascii
import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from lxml import etree

from ..errors import ParseError, SerializationError
from ..model._base import XML_NS, AnyXML, IODEFModel, UnregisteredValue
from ..model._binding import (
    _ANY,
    _ATTR,
    _CHILD,
    BindingValueError,
    Plan,
    Spec,
    _dump_datetime,
    _load_datetime,
    plan_of,
)
from ._mapkeys import ALSO_READ, MAPKEYS

__all__ = ["JMember", "JPlan", "LossError", "jplan_of", "xml_text"]


class LossError(SerializationError):
    """RFC 8727 JSON/CBOR cannot carry part of this document; ``losses`` names each part."""

    def __init__(self, losses: list[str]) -> None:
        shown = "; ".join(losses[:5]) + (f"; and {len(losses) - 5} more" if len(losses) > 5 else "")
        super().__init__(
            f"RFC 8727 JSON cannot carry all of this document: {shown} "
            "(write it anyway with allow_loss=True, or iodef fmt --allow-loss)"
        )
        self.losses = losses


# --------------------------------------------------------------------------- RFC 8727 spellings

#: The JSON member holding an element's character content (RFC 8727 §6); "value" elsewhere.
TEXT_KEYS: Final = {"IncidentID": "id", "IndicatorID": "id", "RegistryHandle": "handle"}
#: Child elements RFC 8727 spells differently from the RFC 7970 schema.
RENAMED: Final = {"Value": "KeyValue", "Nameservers": "NameServers"}
#: RFC 8727 §3.2: wrapper classes deleted from the JSON model; their content moves up.
FOLDED: Final = frozenset(
    {"Flow", "ApplicationHeader", "SignatureData", "IndicatorData", "ObservableReference", "Record"}
)
#: RFC 8727 §6 Assessment: the impact children become one "Impact" list of one-member objects.
CHOICES: Final = {"Assessment": ("Impact", ("SystemImpact", "BusinessImpact", "TimeImpact",
                                            "MonetaryImpact", "IntendedImpact"))}  # fmt: skip
#: The class written as a bare string when it holds nothing but its text (RFC 8727 §2.2.2).
ML_STRING: Final = "MLStringType"
#: Attributes the schema does not define (other namespaces) are kept as members named "@" + Clark.
EXTRA_PREFIX: Final = "@"
MAX_DEPTH: Final = 64

# member kinds
SCALAR, MODEL, XMLNODE, FOLD, CHOICE, OPEN = range(6)


def _local(clark: str) -> str:
    return clark.rsplit("}", 1)[-1]


class JMember:
    """One JSON member of a class: which field(s) it comes from and how its values look."""

    __slots__ = ("alts", "inner", "key", "kind", "many", "spec")

    def __init__(self, key: str, kind: int, spec: Spec, many: bool) -> None:
        self.key = key
        self.kind = kind
        self.spec = spec
        self.many = many
        self.inner: Spec | None = None  # FOLD: the wrapper's content field
        self.alts: dict[str | int, Spec] = {}  # CHOICE: the inner key -> the field


class JPlan:
    """How one model class maps to RFC 8727 JSON."""

    __slots__ = ("by_key", "cls", "folds", "members", "ml", "plan", "text_key", "wild_dtype")

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.cls = plan.cls
        self.members: list[JMember] = []
        self.by_key: dict[str | int, JMember] = {}
        self.ml = False
        self.text_key = "value"
        self.wild_dtype: Spec | None = None
        self.folds: dict[str, JMember] = {}  # wrapper tag -> its member, for the "@<Tag>" extension


def _compile(cls: type[IODEFModel]) -> JPlan:
    plan = plan_of(cls)
    jp = JPlan(plan)
    name = cls.__name__
    jp.ml = name == ML_STRING
    jp.text_key = TEXT_KEYS.get(name, "value")
    choice = CHOICES.get(name)
    choice_member: JMember | None = None
    for spec in plan.specs:
        if spec.kind == _ATTR:
            key = spec.xml[len(XML_NS) + 2 :] if spec.xml.startswith(f"{{{XML_NS}}}") else spec.xml
            member = JMember(key, SCALAR, spec, False)
        elif spec.kind == _CHILD:
            local = _local(spec.xml)
            if choice is not None and local in choice[1]:
                if choice_member is None:
                    choice_member = JMember(choice[0], CHOICE, spec, True)
                    jp.members.append(choice_member)
                    jp.by_key[choice[0]] = choice_member
                choice_member.alts[local] = spec
                continue
            if spec.model is not None and spec.model.__name__ in FOLDED:
                inner = _fold_content(plan_of(spec.model))
                key = _local(inner.xml) if inner.kind != _ATTR else inner.xml
                member = JMember(key, FOLD, spec, spec.many or inner.many)
                member.inner = inner
                jp.folds[local] = member
            else:
                kind = MODEL if spec.model is not None else XMLNODE if spec.anyxml else SCALAR
                member = JMember(RENAMED.get(local, local), kind, spec, spec.many)
        elif spec.kind == _ANY:
            continue  # carried with the text (OPEN)
        else:
            member = JMember(jp.text_key, OPEN if plan.any is not None else SCALAR, spec, False)
        jp.members.append(member)
        jp.by_key[member.key] = member
    if plan.any is not None:
        jp.wild_dtype = plan.attrs.get("dtype")
    # CBOR (RFC 8727 §5): the same members under their integer map keys
    for member in list(jp.members):
        for table in (MAPKEYS, ALSO_READ):
            number = table.get(member.key)
            if number is not None:
                jp.by_key[number] = member
        for alt in list(member.alts):
            if alt in MAPKEYS:
                member.alts[MAPKEYS[alt]] = member.alts[alt]
    return jp


def _fold_content(plan: Plan) -> Spec:
    """The one field of a deleted wrapper class that RFC 8727 keeps (its child list or uid-ref)."""
    if plan.child_list:
        (spec,) = plan.child_list
        return spec
    (spec,) = (s for s in plan.attr_list if s.required)
    return spec


_JPLANS: dict[type[IODEFModel], JPlan] = {}
_NAMES: Final = {number: name for name, number in MAPKEYS.items()}


def jplan_of(cls: type[IODEFModel]) -> JPlan:
    jp = _JPLANS.get(cls)
    if jp is None:
        jp = _JPLANS[cls] = _compile(cls)
    return jp


# --------------------------------------------------------------------------- scalars


def _dump_scalar(spec: Spec, value: Any) -> Any:
    out = spec.out
    if out is not None:
        return out.get(value) or str(value)
    if value.__class__ is float:
        if math.isfinite(value):
            return value
        return "NaN" if math.isnan(value) else ("INF" if value > 0 else "-INF")
    if value.__class__ is datetime:
        return _dump_datetime(value)
    return value


_NONFINITE: Final = {"NaN": math.nan, "INF": math.inf, "-INF": -math.inf}


def _load_scalar(spec: Spec, raw: Any, where: Callable[[], str]) -> Any:
    table = spec.table
    if table is not None:
        if raw.__class__ is not str:
            raise _bad(where(), f"expected a string, got {_kind(raw)}")
        return table.get(raw) or UnregisteredValue(raw)
    load = spec.load
    if load is None:
        if raw.__class__ is not str:
            raise _bad(where(), f"expected a string, got {_kind(raw)}")
        return raw
    cls = raw.__class__
    if load.__name__ == "_load_int":
        if cls is not int:
            raise _bad(where(), f"expected an integer, got {_kind(raw)}")
        return raw
    if load.__name__ == "_load_float":
        if cls is float or cls is int:
            return float(raw)
        if cls is str and raw in _NONFINITE:
            return _NONFINITE[raw]
        raise _bad(where(), f"expected a number, got {_kind(raw)}")
    if cls is not str:
        raise _bad(where(), f"expected an RFC 3339 date-time string, got {_kind(raw)}")
    try:
        return _load_datetime(raw)
    except BindingValueError as exc:
        raise _bad(where(), str(exc)) from None


def _kind(raw: Any) -> str:
    if raw is None:
        return "null"
    if isinstance(raw, bool):
        return "a boolean"
    if isinstance(raw, (int, float)):
        return f"the number {raw!r}"
    if isinstance(raw, str):
        return f"the string {raw[:40]!r}"
    if isinstance(raw, list):
        return "an array"
    if isinstance(raw, dict):
        return "an object"
    return type(raw).__name__


class _Bad(Exception):
    def __init__(self, path: str, message: str) -> None:
        super().__init__(message)
        self.path = path
        self.message = message


def _bad(path: str, message: str) -> _Bad:
    return _Bad(path, message)


# --------------------------------------------------------------------------- open XML as text


def xml_text(node: AnyXML) -> str:
    """One open-content node as canonical XML (C14N 2.0), without its tail."""
    el = node.element
    data: bytes
    if isinstance(el.tag, str):
        data = etree.tostring(el, method="c14n2", with_tail=False)
    else:
        data = etree.tostring(el, with_tail=False)
    return data.decode("utf-8")


def _mixed_text(text: str | None, nodes: list[AnyXML]) -> str:
    wrapper = etree.Element("w")
    wrapper.text = text
    for node in nodes:
        wrapper.append(_copy(node.element))
    c14n = etree.tostring(wrapper, method="c14n2").decode("utf-8")
    return c14n[3:-4] if c14n != "<w></w>" else ""


def _copy(el: etree._Element) -> etree._Element:
    import copy

    return copy.deepcopy(el)


def _parse_fragment(text: str, path: str) -> tuple[str | None, list[AnyXML]]:
    from ..xml import parse_xml

    try:
        wrapper = parse_xml(f"<w>{text}</w>".encode(), source_name="<json value>")
    except ParseError as exc:
        raise _bad(path, f"the XML content does not parse: {exc.message}") from None
    nodes = []
    for child in list(wrapper):
        wrapper.remove(child)  # keeps the tail on the node
        nodes.append(AnyXML._adopt(child))
    return wrapper.text, nodes


def _parse_node(raw: Any, path: str) -> AnyXML:
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8", errors="replace")
    if raw.__class__ is not str:
        raise _bad(path, f"expected a string of XML, got {_kind(raw)}")
    if not raw.lstrip().startswith("<"):
        # RFC 8727 types these classes as BYTE: base64 of the element's XML is read too
        try:
            raw = base64.b64decode(raw, validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise _bad(path, "expected a string of XML (or base64 of it)") from None
    text, nodes = _parse_fragment(raw, path)
    if len(nodes) != 1 or (text and not text.isspace()) or (nodes[0].tail and not nodes[0].tail.isspace()):
        raise _bad(path, "expected one XML element as a string")
    node = nodes[0]
    node.element.tail = None
    return node
