"""Property: any model survives JSON and CBOR unchanged, or the writer names what it cannot carry."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings

import iodef
from iodef.cbor import dumps_cbor, parse_cbor
from iodef.json import LossError, dumps_json, parse_json
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
