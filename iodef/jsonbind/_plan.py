"""Model <-> plain JSON data (dicts, lists, str, int, float), driven by the XML binding's plans.

Each model class gets a :class:`JPlan` compiled once from its XML :class:`~iodef.model._binding.Plan`:
every attribute and child element becomes a member named as in XML (RFC 8727 §3.2), with the
few spellings RFC 8727 changes declared in the tables below (text content keys, renamed
elements, the deleted wrapper classes, the Impact choice). Nothing here is written class by class.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime
from typing import Any, Final

from lxml import etree

from ..errors import ParseError, SerializationError
from ..model._base import XML_NS, AnyXML, IODEFModel, UnregisteredValue, XMLState
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

__all__ = ["JMember", "JPlan", "LossError", "from_data", "jplan_of", "to_data"]


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
    text, nodes = _parse_fragment(raw, path)
    if len(nodes) != 1 or (text and not text.isspace()) or (nodes[0].tail and not nodes[0].tail.isspace()):
        raise _bad(path, "expected one XML element as a string")
    node = nodes[0]
    node.element.tail = None
    return node


# --------------------------------------------------------------------------- writing


def to_data(obj: IODEFModel, losses: list[str], path: str = "$") -> Any:
    """*obj* as plain JSON data; what RFC 8727 cannot carry is appended to *losses*."""
    jp = _JPLANS.get(obj.__class__) or jplan_of(obj.__class__)
    values = obj.__dict__
    if (
        jp.ml
        and values["lang"] is None
        and values["translation_id"] is None
        and not values["extra_attributes"]
    ):
        return values["value"]
    out: dict[str, Any] = {}
    private = obj.__pydantic_private__
    state = private.get("_xml") if private else None
    members = jp.members
    if state is not None:
        _xml_only(state, path, losses)
    if state is not None and state.order is not None:
        members = _source_order(jp, state.order)
        choice = {spec.index for m in jp.members for spec in m.alts.values()}
        runs = [
            i for n, i in enumerate(state.order) if i not in choice and (n == 0 or state.order[n - 1] != i)
        ]
        if len(runs) != len(set(runs)):
            losses.append(f"{path}: the interleaved order of its child elements (JSON groups them by name)")
    for m in members:
        value = values[m.spec.name]
        kind = m.kind
        if (value is None and kind != OPEN) or (m.spec.many and not value and kind != CHOICE):
            continue
        if kind == SCALAR:
            if state is not None and state.lex and m.spec.kind == _ATTR and m.spec.name in state.lex:
                raw, read = state.lex[m.spec.name]
                if raw is None and read == value:
                    continue  # the source left out an attribute that has a default: so does JSON
            if m.many:
                out[m.key] = [_dump_scalar(m.spec, v) for v in value]
            elif value.__class__ is datetime and state is not None and state.lex and m.spec.name in state.lex:
                raw, read = state.lex[m.spec.name]
                same = raw is not None and read == value and read.utcoffset() == value.utcoffset()
                out[m.key] = raw.strip() if same and raw is not None else _dump_scalar(m.spec, value)
            else:
                out[m.key] = _dump_scalar(m.spec, value)
        elif kind == MODEL:
            if m.many:
                out[m.key] = [to_data(v, losses, f"{path}.{m.key}[{i}]") for i, v in enumerate(value)]
            else:
                out[m.key] = to_data(value, losses, f"{path}.{m.key}")
        elif kind == XMLNODE:
            out[m.key] = [xml_text(v) for v in value] if m.many else xml_text(value)
        elif kind == FOLD:
            _write_fold(m, value, out, losses, path)
        elif kind == CHOICE:
            chosen = [(key, spec) for key, spec in m.alts.items() if isinstance(key, str)]
            if state is not None and state.order is not None:  # the source's interleaving
                by_index = {spec.index: (key, spec) for key, spec in chosen}
                chosen = [by_index[i] for i in state.order if i in by_index]
                cursors = dict.fromkeys(m.alts.values(), 0)
                pairs = []
                for key, spec in chosen:
                    pairs.append((key, values[spec.name][cursors[spec]]))
                    cursors[spec] += 1
            else:
                pairs = [(key, v) for key, spec in chosen for v in values[spec.name]]
            impacts = [{key: to_data(v, losses, f"{path}.{m.key}[{i}]")} for i, (key, v) in enumerate(pairs)]
            if impacts:
                out[m.key] = impacts
        else:
            _write_open(jp, values, out, losses, path)
    if values["extra_attributes"]:
        for key, raw in values["extra_attributes"].items():
            out[EXTRA_PREFIX + key] = raw
    return out


def _xml_only(state: XMLState, path: str, losses: list[str]) -> None:
    """Processing instructions have no place in JSON (comments are not data and are left out)."""
    nodes = [node for _, node in state.misc or ()]
    nodes += state.inner[1] if state.inner else []
    if state.around:
        nodes += state.around[0] + state.around[1]
    if any(node.element.tag is etree.PI for node in nodes):
        losses.append(f"{path}: a processing instruction (XML only)")


def _source_order(jp: JPlan, order: list[int]) -> list[JMember]:
    """The members with the children in the order the source had them (kept by JSON object order)."""
    by_index = {m.spec.index: m for m in jp.members if m.spec.kind == _CHILD}
    for m in jp.members:
        for spec in m.alts.values():
            by_index[spec.index] = m
    first = list(dict.fromkeys(by_index[i] for i in order if i in by_index))
    rest = [m for m in jp.members if m not in first]
    return [m for m in rest if m.spec.kind != _CHILD] + first + [m for m in rest if m.spec.kind == _CHILD]


def _write_fold(m: JMember, value: Any, out: dict[str, Any], losses: list[str], path: str) -> None:
    inner = m.inner
    assert inner is not None
    wrappers = value if m.spec.many else [value]
    items: list[Any] = []
    tag = _local(m.spec.xml)
    extension: list[dict[str, Any]] = []
    needed = m.spec.many and inner.many and len(wrappers) > 1
    for w in wrappers:
        wv = w.__dict__
        got = wv[inner.name]
        items.extend(got if inner.many else [got])
        kept: dict[str, Any] = {"count": len(got)} if inner.many else {}
        for other in plan_of(w.__class__).attr_list:
            if other is not inner and wv[other.name] is not None:
                kept[other.xml] = _dump_scalar(other, wv[other.name])
                needed = True
        for key, raw in (wv["extra_attributes"] or {}).items():
            kept[EXTRA_PREFIX + key] = raw
            needed = True
        extension.append(kept)
    if needed:
        out[EXTRA_PREFIX + tag] = extension
    if inner.model is not None:
        data = [to_data(v, losses, f"{path}.{m.key}[{i}]") for i, v in enumerate(items)]
    elif inner.anyxml:
        data = [xml_text(v) for v in items]
    else:
        data = [_dump_scalar(inner, v) for v in items]
    out[m.key] = data if m.many else data[0]


def _write_open(jp: JPlan, values: dict[str, Any], out: dict[str, Any], losses: list[str], path: str) -> None:
    plan = jp.plan
    assert plan.text is not None
    assert plan.any is not None
    text = values[plan.text.name]
    nodes = values[plan.any.name]
    as_xml = _is_xml(jp, values, text if not nodes else "<")
    if nodes:
        if not as_xml:
            losses.append(f"{path}.value: XML content without dtype='xml' would be read back as text")
        out[jp.text_key] = _mixed_text(text, nodes)
    elif text is not None:
        if as_xml:
            out[jp.text_key] = _mixed_text(text, [])
        else:
            out[jp.text_key] = text


def _is_xml(jp: JPlan, values: dict[str, Any], text: str | None) -> bool:
    """Does the JSON "value" of this open-content class hold XML? dtype says so, or its absence and a '<'."""
    dspec = jp.wild_dtype
    dtype = values[dspec.name] if dspec is not None else None
    if dtype is None:
        return text is not None and text.lstrip().startswith("<")
    return bool(getattr(dtype, "value", dtype) == "xml")


# --------------------------------------------------------------------------- reading

_setattr = object.__setattr__


def from_data(cls: type[IODEFModel], data: Any, path: str = "$", depth: int = 0) -> IODEFModel:
    """Build *cls* from plain JSON data without pydantic's re-validation (the plan checks types)."""
    jp = _JPLANS.get(cls) or jplan_of(cls)
    if depth > MAX_DEPTH:
        raise _bad(path, f"nesting deeper than {MAX_DEPTH} objects")
    plan = jp.plan
    if data.__class__ is not dict:
        if jp.ml and data.__class__ is str:
            data = {"value": data}
        else:
            raise _bad(path, f"expected an object for {cls.__name__}, got {_kind(data)}")
    values: dict[str, Any] = plan.scalar_defaults.copy()
    for name in plan.lists:
        values[name] = []
    present: set[str] = set()
    by_key = jp.by_key
    reader = _Memory()
    deferred: list[tuple[JMember, Any]] = []
    for key, raw in data.items():
        m = by_key.get(key)
        if m is not None and m.kind == OPEN:
            deferred.append((m, raw))  # its meaning depends on dtype, which may come later
            continue
        if m is None:
            if key.__class__ is str and key.startswith(EXTRA_PREFIX) and key[1:] in jp.folds:
                reader.folds[key[1:]] = raw
                continue
            if key.__class__ is str and key.startswith(EXTRA_PREFIX) and raw.__class__ is str:
                extra = values["extra_attributes"] or {}
                extra[key[1:]] = raw
                values["extra_attributes"] = extra
                present.add("extra_attributes")
                continue
            names = ", ".join(k for k in by_key if isinstance(k, str))
            raise _bad(path, f"unknown member {key!r} in {cls.__name__} (expected: {names})")
        _read_member(jp, m, raw, values, present, path, depth, reader)
    for m, raw in deferred:
        _read_member(jp, m, raw, values, present, path, depth, reader)
    if reader.folds:
        _apply_fold_extensions(jp, reader.folds, values, path)
    for spec in plan.defaulted_attrs:
        if spec.name not in present:
            if reader.lex is None:
                reader.lex = {}
            reader.lex[spec.name] = (None, spec.default)
    for spec in plan.specs:
        if spec.required and (values[spec.name] is None or (spec.many and not values[spec.name])):
            member = next((m for m in jp.members if m.spec is spec), None)
            key = member.key if member else spec.name
            raise _bad(path, f"{cls.__name__} needs the member {key!r}")
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    _setattr(obj, "__pydantic_fields_set__", present)
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", reader.state(plan))
    return obj


class _Memory:
    """What reading JSON keeps for a faithful XML write: source spellings and child order."""

    __slots__ = ("folds", "lex", "order")

    def __init__(self) -> None:
        self.lex: dict[str, tuple[str | None, Any]] | None = None
        self.order: list[Spec] = []
        self.folds: dict[str, Any] = {}

    def state(self, plan: Plan) -> dict[str, Any] | None:
        order = None
        indexes = [s.index for s in self.order]
        if indexes != sorted(indexes):
            order = indexes
        if self.lex is None and order is None:
            return None
        state = XMLState()
        state.lex = self.lex
        state.order = order
        return {"_xml": state}


def _read_member(
    jp: JPlan,
    m: JMember,
    raw: Any,
    values: dict[str, Any],
    present: set[str],
    path: str,
    depth: int,
    memory: _Memory,
) -> None:
    spec = m.spec
    here = f"{path}.{m.key}"
    kind = m.kind
    items: list[Any]
    if m.many:
        if raw.__class__ is not list:
            raise _bad(here, f"expected an array, got {_kind(raw)}")
        items = raw
    else:
        items = [raw]
    if kind == CHOICE:
        for i, entry in enumerate(items):
            if entry.__class__ is dict and len(entry) == 1:
                alt_spec = m.alts.get(next(iter(entry)))
                if alt_spec is not None:
                    _note_order(memory, alt_spec, 1)
            if entry.__class__ is not dict or len(entry) != 1:
                raise _bad(f"{here}[{i}]", f"expected an object with one of {_names(m.alts)}")
            ((key, inner),) = entry.items()
            alt = m.alts.get(key)
            if alt is None:
                raise _bad(f"{here}[{i}]", f"unknown impact {key!r} (expected: {_names(m.alts)})")
            assert alt.model is not None
            values[alt.name].append(from_data(alt.model, inner, f"{here}[{i}].{key}", depth + 1))
            present.add(alt.name)
        return
    if kind == OPEN:
        if raw.__class__ is not str:
            raise _bad(here, f"expected a string, got {_kind(raw)}")
        plan = jp.plan
        assert plan.any is not None
        if _is_xml(jp, values, raw):
            text, nodes = _parse_fragment(raw, here)
            values[spec.name] = text
            values[plan.any.name] = nodes
            if nodes:
                present.add(plan.any.name)
        else:
            values[spec.name] = raw
        present.add(spec.name)
        return
    if spec.kind == _CHILD:
        _note_order(memory, spec, len(items))
    if kind == FOLD:
        _read_fold(m, items, values, here, depth)
        present.add(spec.name)
        return
    loaded: list[Any] = []
    for i, item in enumerate(items):
        where = f"{here}[{i}]" if m.many else here
        if kind == MODEL:
            assert spec.model is not None
            loaded.append(from_data(spec.model, item, where, depth + 1))
        elif kind == XMLNODE:
            loaded.append(_parse_node(item, where))
        else:
            loaded.append(_load_scalar(spec, item, lambda where=where: where))  # type: ignore[misc]
    if spec.many:
        values[spec.name] = loaded
    else:
        value = values[spec.name] = loaded[0]
        if kind == SCALAR and raw.__class__ is str and spec.dump is not None and spec.dump(value) != raw:
            if memory.lex is None:
                memory.lex = {}
            memory.lex[spec.name] = (raw, value)  # e.g. "12:00:00.250": written back as it came
    present.add(spec.name)


def _note_order(memory: _Memory, spec: Spec, count: int) -> None:
    memory.order.extend([spec] * (count if spec.many else 1))


def _names(keys: dict[str | int, Spec]) -> str:
    return ", ".join(k for k in keys if isinstance(k, str))


def _read_fold(m: JMember, items: list[Any], values: dict[str, Any], here: str, depth: int) -> None:
    inner = m.inner
    spec = m.spec
    assert inner is not None
    assert spec.model is not None
    loaded: list[Any] = []
    for i, item in enumerate(items):
        where = f"{here}[{i}]" if m.many else here
        if inner.model is not None:
            loaded.append(from_data(inner.model, item, where, depth + 1))
        elif inner.anyxml:
            loaded.append(_parse_node(item, where))
        else:
            loaded.append(_load_scalar(inner, item, lambda where=where: where))  # type: ignore[misc]
    if not loaded:
        raise _bad(here, "expected at least one item")
    groups = [loaded] if inner.many else [[v] for v in loaded]
    wrappers = []
    for group in groups:
        wrapper = _bare(spec.model)
        wrapper.__dict__[inner.name] = group if inner.many else group[0]
        wrapper.__pydantic_fields_set__.add(inner.name)
        wrappers.append(wrapper)
    values[spec.name] = wrappers if spec.many else wrappers[0]


def _apply_fold_extensions(jp: JPlan, folds: dict[str, Any], values: dict[str, Any], path: str) -> None:
    """Regroup and re-attribute folded wrappers from their "@<Tag>" member (see :func:`_write_fold`)."""
    for tag, raw in folds.items():
        m = jp.folds[tag]
        inner = m.inner
        assert inner is not None
        assert m.spec.model is not None
        here = f"{path}.{EXTRA_PREFIX}{tag}"
        if raw.__class__ is not list or any(e.__class__ is not dict for e in raw):
            raise _bad(here, "expected an array of objects")
        current = values[m.spec.name]
        wrappers = current if m.spec.many else ([current] if current is not None else [])
        items: list[Any] = []
        for w in wrappers:
            got = w.__dict__[inner.name]
            items.extend(got if inner.many else [got])
        if inner.many:
            counts = [e.get("count") for e in raw]
            if any(c.__class__ is not int or c < 0 for c in counts) or sum(counts) != len(items):
                raise _bad(here, f"the counts do not add up to the {len(items)} items of {m.key}")
            groups, start = [], 0
            for c in counts:
                groups.append(items[start : start + c])
                start += c
        else:
            if len(raw) != len(items):
                raise _bad(here, f"expected {len(items)} entries, one per {m.key}")
            groups = [[v] for v in items]
        plan = plan_of(m.spec.model)
        built = []
        for entry, group in zip(raw, groups, strict=True):
            wrapper = _bare(m.spec.model)
            wv = wrapper.__dict__
            wv[inner.name] = group if inner.many else group[0]
            for key, val in entry.items():
                key = _NAMES.get(key, key) if key.__class__ is int else key
                if key == "count":
                    continue
                if key.startswith(EXTRA_PREFIX) and val.__class__ is str:
                    wv["extra_attributes"] = {**(wv["extra_attributes"] or {}), key[1:]: val}
                    continue
                spec = plan.attrs.get(key)
                if spec is None:
                    raise _bad(here, f"{tag} has no attribute {key!r}")
                wv[spec.name] = _load_scalar(spec, val, lambda here=here: here)  # type: ignore[misc]
            built.append(wrapper)
        if m.spec.many:
            values[m.spec.name] = built
        elif built:
            values[m.spec.name] = built[0]


def _bare(cls: type[IODEFModel]) -> IODEFModel:
    plan = plan_of(cls)
    values = plan.scalar_defaults.copy()
    for name in plan.lists:
        values[name] = []
    obj = cls.__new__(cls)
    _setattr(obj, "__dict__", values)
    _setattr(obj, "__pydantic_fields_set__", set())
    _setattr(obj, "__pydantic_extra__", None)
    _setattr(obj, "__pydantic_private__", None)
    return obj


def document_from_data(data: Any, source: str) -> Any:
    """The :class:`IODEFDocument` held by parsed JSON/CBOR data; bad data raises :class:`ParseError`."""
    from ..model.document import IODEFDocument

    if data.__class__ is dict:
        for key in ("version", MAPKEYS["version"]):
            if data.get(key) == "2.0":
                # RFC 8727's examples write "2.0"; RFC 7970 (and the XML schema) fix it at "2.00"
                data = {**data, key: "2.00"}
    try:
        return from_data(IODEFDocument, data)
    except _Bad as exc:
        raise ParseError(exc.message, source=source, path=exc.path) from None
    except RecursionError:
        raise ParseError("the document is nested too deeply", source=source) from None
