"""Property: any model survives JSON and CBOR unchanged, or the writer names what it cannot carry."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import iodef
from iodef.cbor import dumps_cbor, parse_cbor
from iodef.json import LossError, dumps_json, parse_json
from tests.conftest import FIXTURES
from tests.model.test_roundtrip_property import model_strategy


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
@given(model_strategy(iodef.IODEFDocument))
@pytest.mark.filterwarnings("ignore::iodef.IODEFWarning")
def test_model_to_json_and_cbor_to_model_is_the_identity(doc: iodef.IODEFDocument) -> None:
    try:
        data = dumps_json(doc)
    except LossError:
        with pytest.raises(LossError, match="cannot carry"):
            dumps_json(doc)
        assert parse_json(dumps_json(doc, allow_loss=True)) is not None
        return
    assert parse_json(data) == doc
    assert parse_json(dumps_json(doc, pretty=True)) == doc
    assert parse_cbor(dumps_cbor(doc)) == doc
    assert iodef.parse(iodef.dumps(parse_json(data))) == doc


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
MEMBERS = st.sampled_from(
    ["version", "lang", "Incident", "purpose", "IncidentID", "GenerationTime", "Contact", "AdditionalData",
     "EventData", "System", "Impact", "@Flow", "@Record", "value", "dtype", "uid-ref", "Indicator"]
)  # fmt: skip


def _replace_somewhere(data: Any, key: str, value: Any, pick: int) -> Any:
    """*data* with the *pick*-th object (in walk order) given member *key* = *value*."""
    seen = [0]

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: walk(v) for k, v in node.items()}
            if seen[0] == pick:
                out[key] = value
            seen[0] += 1
            return out
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    return walk(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(MEMBERS, JSON_VALUES, st.integers(0, 40))
def test_damaged_json_raises_only_parse_errors(key: str, value: Any, pick: int) -> None:
    base = json.loads(dumps_json(iodef.parse(FIXTURES / "valid" / "every-element.xml")))
    damaged = json.dumps(_replace_somewhere(base, key, value, pick)).encode()
    try:
        doc = parse_json(damaged)
    except iodef.ParseError:
        return
    # what was accepted can be written as XML (or refused as such) without any other exception
    with contextlib.suppress(iodef.IODEFError):
        iodef.dumps(doc)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200))
def test_random_bytes_raise_only_parse_errors(data: bytes) -> None:
    for parse in (parse_json, parse_cbor):
        with contextlib.suppress(iodef.ParseError):
            parse(data)
