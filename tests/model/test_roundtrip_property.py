"""Property: any model that pydantic accepts survives XML and back unchanged (model -> XML -> model)."""

from __future__ import annotations

import typing
from datetime import UTC, datetime, timedelta, timezone
from enum import Enum
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iodef
from iodef.model import AnyXML, IODEFModel
from iodef.model._binding import Spec, _unwrap_optional, plan_of

# XML 1.0 characters, without the C0/C1 controls other than tab and newline
_CHARS = st.characters(
    codec="utf-8", exclude_categories=("Cs", "Cc", "Cn"), include_characters="\t\n", exclude_characters="\r"
)
TEXT = st.text(_CHARS, max_size=12)
NONEMPTY_TEXT = st.text(_CHARS, min_size=1, max_size=12)
DATETIMES = st.builds(
    lambda dt, minutes, aware: dt.replace(tzinfo=timezone(timedelta(minutes=minutes))) if aware else dt,
    st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 30)),
    st.integers(-14 * 60, 14 * 60),
    st.booleans(),
)
FLOATS = st.floats(allow_nan=False)
INTS = st.integers(-(10**20), 10**20)
FOREIGN = st.sampled_from(
    [
        '<x:a xmlns:x="urn:example:x">one</x:a>',
        '<b xmlns="urn:example:y" k="v"><c/>text</b>',
        '<iodef:Note xmlns:iodef="urn:ietf:params:xml:ns:iodef-2.0">in the IODEF namespace</iodef:Note>',
    ]
)


def _foreign_nodes() -> st.SearchStrategy[list[AnyXML]]:
    return st.lists(
        st.builds(lambda xml, tail: AnyXML(xml, tail=tail), FOREIGN, st.none() | TEXT), max_size=2
    )


def _element_for(spec: Spec) -> st.SearchStrategy[AnyXML]:
    ns, local = spec.xml[1:].split("}")
    return st.just(
        AnyXML(f'<p:{local} xmlns:p="{ns}" Algorithm="urn:example:alg"><p:Inner>1</p:Inner></p:{local}>')
    )


def _scalar(spec: Spec, tp: Any) -> st.SearchStrategy[Any]:
    if isinstance(tp, type) and issubclass(tp, Enum):
        return st.sampled_from([m for m in tp if m.value != "ext-value"])
    if tp is str:
        return TEXT
    if tp is int:
        return INTS
    if tp is float:
        return FLOATS
    if tp is datetime:
        return DATETIMES
    raise AssertionError(f"no strategy for {tp!r}")


def _field_strategy(cls: type[IODEFModel], spec: Spec, depth: int) -> st.SearchStrategy[Any]:
    field = cls.model_fields[spec.name]
    tp, _ = _unwrap_optional(field.annotation)
    if spec.many:
        (tp,) = typing.get_args(tp)
    if spec.name.startswith("ext_"):
        return st.none()
    if spec.kind == 3:  # wildcard content
        return _foreign_nodes()
    if spec.model is not None:
        inner: st.SearchStrategy[Any] = st.deferred(lambda: model_strategy(spec.model, depth + 1))  # type: ignore[arg-type]
    elif spec.anyxml:
        inner = _element_for(spec)
    else:
        inner = _scalar(spec, tp)
    deep = depth >= MAX_DEPTH
    if spec.many:
        lo = 1 if spec.required else 0
        return st.lists(inner, min_size=lo, max_size=lo if deep else 2)
    if field.is_required() or (spec.kind == 0 and spec.default is not None):
        return inner
    if spec.kind == 2 and cls.__xml_plan__ is not None and cls.__xml_plan__.any is not None:
        inner = NONEMPTY_TEXT  # mixed text: an empty string and no text are the same XML
    if deep and spec.model is not None:
        return st.none()
    return st.none() | inner


MAX_DEPTH = 2
_CACHE: dict[tuple[type[IODEFModel], int], st.SearchStrategy[Any]] = {}


def model_strategy(cls: type[IODEFModel], depth: int = 0) -> st.SearchStrategy[Any]:
    key = (cls, min(depth, MAX_DEPTH))
    if key not in _CACHE:
        plan = plan_of(cls)
        kwargs = {spec.name: _field_strategy(cls, spec, depth) for spec in plan.specs}
        kwargs["extra_attributes"] = st.none() | st.just({"{urn:example:vendor}tag": "v1"})
        _CACHE[key] = st.builds(cls, **kwargs)
    return _CACHE[key]


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(model_strategy(iodef.IODEFDocument))
@pytest.mark.filterwarnings("ignore::iodef.IODEFWarning")  # documents without xml:lang on purpose
def test_model_to_xml_to_model_is_the_identity(doc: iodef.IODEFDocument) -> None:
    assert iodef.parse(iodef.dumps(doc)) == doc
    assert iodef.parse(iodef.dumps(doc, pretty=True)) == doc


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model_strategy(iodef.EventData))
def test_nested_event_data_round_trips(event: iodef.EventData) -> None:
    doc = iodef.IODEFDocument(
        lang="en",
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example.org", value="1"),
                generation_time=datetime(2026, 1, 1, tzinfo=UTC),
                contacts=[iodef.Contact(role="creator", type="organization")],
                event_data_list=[event],
            )
        ],
    )
    again = iodef.parse(iodef.dumps(doc))
    assert again.incidents[0].event_data_list[0] == event
