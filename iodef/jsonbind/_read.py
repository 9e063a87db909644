"""Plain JSON data -> model: the reading half of the RFC 8727 binding (see :mod:`._plan`)."""

from __future__ import annotations

from typing import Any

from ..errors import ParseError
from ..model._base import IODEFModel, XMLState
from ..model._binding import _CHILD, Plan, Spec, plan_of
from ._mapkeys import MAPKEYS
from ._plan import (
    _JPLANS,
    _NAMES,
    CHOICE,
    EXTRA_PREFIX,
    FOLD,
    MAX_DEPTH,
    MODEL,
    OPEN,
    SCALAR,
    XMLNODE,
    JMember,
    JPlan,
    _Bad,
    _bad,
    _kind,
    _load_scalar,
    _parse_fragment,
    _parse_node,
    jplan_of,
)
from ._write import _is_xml

__all__ = ["document_from_data", "from_data"]

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
