"""Model -> plain JSON data: the writing half of the RFC 8727 binding (see :mod:`._plan`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from lxml import etree

from ..model._base import IODEFModel, XMLState
from ..model._binding import _ATTR, _CHILD, plan_of
from ._plan import (
    _JPLANS,
    CHOICE,
    EXTRA_PREFIX,
    FOLD,
    MODEL,
    OPEN,
    SCALAR,
    XMLNODE,
    JMember,
    JPlan,
    _dump_scalar,
    _local,
    _mixed_text,
    jplan_of,
    xml_text,
)

__all__ = ["to_data"]


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
