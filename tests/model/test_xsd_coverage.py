"""The model covers RFC 7970's schema: every element, attribute and enumerated value.

The test walks every element declaration reachable from IODEF-Document in the bundled XSD and
compares it with the model's XML binding of the class that holds it.
"""

from __future__ import annotations

from typing import Any

import pytest
import xmlschema
from xmlschema.validators import XsdAnyElement, XsdGroup

import iodef
from iodef.model._binding import Plan, plan_of
from iodef.validate.schema import xmlschema_schema

IODEF_NS = iodef.IODEF_NS
XSD_ERRATA_ADDITIONS = {
    # RFC 7970 §3.15 lists `training`; the published schema lost it (erratum 5583).
    ("Expectation", "action"): {"training"},
    ("HistoryItem", "action"): {"training"},
    # RFC 7970 §3.29.3.1 lists `ext-value` (28) and the class has ext-type; the schema lacks it.
    ("BulkObservable", "type"): {"ext-value"},
}
#: children the model also reads in the spelling of RFC 7970's prose (Child(also=...))
PROSE_SPELLINGS = {("Key", f"{{{IODEF_NS}}}KeyValue")}


def _particles(group: XsdGroup) -> list[Any]:
    out: list[Any] = []
    for p in group:
        if isinstance(p, XsdGroup):
            out.extend(_particles(p))
        else:
            out.append(p)
    return out


def _walk() -> list[tuple[str, Any, Plan]]:
    """(path, xsd element, model plan) for every complex element reachable from the root."""
    schema = xmlschema_schema()
    root = schema.elements["IODEF-Document"]
    found: list[tuple[str, Any, Plan]] = []
    seen: set[tuple[str, str]] = set()

    def visit(path: str, el: Any, plan: Plan) -> None:
        key = (el.name, plan.cls.__name__)
        if key in seen:
            return
        seen.add(key)
        found.append((path, el, plan))
        if not el.type.is_complex() or el.type.has_simple_content():
            return
        for p in _particles(el.type.content):
            if isinstance(p, XsdAnyElement):
                continue
            spec = plan.children.get(p.name)
            if spec is not None and spec.model is not None and p.type.is_complex():
                visit(f"{path}/{p.local_name}", p, plan_of(spec.model))

    visit("/IODEF-Document", root, plan_of(iodef.IODEFDocument))
    return found


WALK = _walk()


def test_every_iodef_element_in_the_schema_is_reached() -> None:
    schema = xmlschema_schema()
    reached = {el.local_name for _path, el, _plan in WALK}
    reached |= {
        p.local_name
        for _path, el, _plan in WALK
        if el.type.is_complex() and not el.type.has_simple_content()
        for p in _particles(el.type.content)
        if not isinstance(p, XsdAnyElement)
    }
    declared = {name for name in schema.elements if schema.elements[name].target_namespace == IODEF_NS}
    assert declared - reached == set()


@pytest.mark.parametrize(("path", "el", "plan"), WALK, ids=[w[0] for w in WALK])
def test_children_and_attributes_match_the_schema(path: str, el: Any, plan: Plan) -> None:
    t = el.type
    xsd_attrs = set(t.attributes) if t.is_complex() else set()
    assert set(plan.attrs) == xsd_attrs, f"{plan.cls.__name__} attributes differ from {path}"
    if not t.is_complex() or t.has_simple_content():
        assert plan.children == {}
        assert plan.text is not None, f"{plan.cls.__name__} must hold the simple content of {path}"
        return
    particles = _particles(t.content)
    xsd_children = {p.name for p in particles if not isinstance(p, XsdAnyElement)}
    prose = {tag for cls, tag in PROSE_SPELLINGS if cls == plan.cls.__name__}
    assert set(plan.children) - prose == xsd_children, f"{plan.cls.__name__} children differ from {path}"
    has_any = any(isinstance(p, XsdAnyElement) for p in particles)
    assert (plan.any is not None) == has_any
    if t.mixed:
        assert plan.text is not None, f"{plan.cls.__name__} must keep the mixed text of {path}"
    # schema order: the binding writes children in the schema's sequence order
    order = [p.name for p in particles if not isinstance(p, XsdAnyElement)]
    assert [s.xml for s in plan.child_list] == list(dict.fromkeys(order))


@pytest.mark.parametrize(("path", "el", "plan"), WALK, ids=[w[0] for w in WALK])
def test_enumerations_match_the_schema(path: str, el: Any, plan: Plan) -> None:
    cls = plan.cls
    for name, attr in el.type.attributes.items() if el.type.is_complex() else []:
        enum = getattr(attr.type, "enumeration", None)
        if not enum:
            continue
        spec = plan.attrs[name]
        field = cls.model_fields[spec.name]
        enum_cls = next(a for a in _flatten(field.annotation) if isinstance(a, type) and issubclass(a, str))
        values = {m.value for m in enum_cls}  # type: ignore[attr-defined]
        extra = XSD_ERRATA_ADDITIONS.get((cls.__name__, name), set())
        assert values == set(enum) | extra, (
            f"{cls.__name__}.{spec.name} enumeration differs from {path}/@{name}"
        )


def _flatten(tp: Any) -> list[Any]:
    args = getattr(tp, "__args__", None)
    if not args:
        return [tp]
    return [a for arg in args for a in _flatten(arg)]


def test_required_attributes_are_required_fields() -> None:
    for _path, el, plan in WALK:
        if not el.type.is_complex():
            continue
        for name, attr in el.type.attributes.items():
            field = plan.cls.model_fields[plan.attrs[name].name]
            assert field.is_required() == (attr.use == "required"), f"{plan.cls.__name__}/@{name}"


def test_walk_is_not_trivial() -> None:
    # guards the parametrised tests above against an empty or truncated walk
    assert len({plan.cls for _p, _e, plan in WALK}) >= 60
    assert isinstance(xmlschema_schema(), xmlschema.XMLSchema10)
