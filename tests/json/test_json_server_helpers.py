"""The functions other layers call: content negotiation, rendering and conversion of stored bytes."""

from __future__ import annotations

import json

import pytest

import iodef
from iodef.cbor import to_cbor_bytes
from iodef.json import binding_to_xml, detect_format, negotiate, render, to_json_bytes, to_xml_bytes
from iodef.v1 import upgrade_bytes
from tests.conftest import FIXTURES, canonical

XML = (FIXTURES / "valid" / "every-element.xml").read_bytes()


@pytest.mark.parametrize(
    ("accept", "media"),
    [
        (None, "application/xml"),
        ("", "application/xml"),
        ("*/*", "application/xml"),
        ("application/json", "application/json"),
        ("application/cbor", "application/cbor"),
        ("text/html, application/json;q=0.9, application/xml;q=0.8", "application/json"),
        ("application/json;q=0.2, application/xml", "application/xml"),
        ("application/json;q=0", "application/xml"),
        ("application/problem+json", "application/json"),
        ("application/atom+xml", "application/xml"),
        ("image/png", "application/xml"),
    ],
)
def test_negotiate(accept: str | None, media: str) -> None:
    assert negotiate(accept) == media


def test_render_serves_the_stored_xml_as_json_cbor_or_itself() -> None:
    body, media = render(XML, "application/json")
    assert media == "application/json"
    assert json.loads(body)["Incident"][0]["IncidentID"]["id"]
    cbor_body, _ = render(XML, "application/cbor")
    assert canonical(to_xml_bytes(cbor_body)) == canonical(XML)
    assert render(XML, None) == (XML, "application/xml")


def test_received_json_or_cbor_becomes_the_xml_the_validator_checks() -> None:
    as_json = to_json_bytes(XML)
    assert detect_format(as_json) == "json"
    assert detect_format(to_cbor_bytes(XML)) == "cbor"
    assert detect_format(XML) == "xml"
    assert canonical(to_xml_bytes(as_json)) == canonical(XML)
    assert to_xml_bytes(XML) is XML
    converted = binding_to_xml(as_json)
    assert converted is not None
    assert converted[1] == []
    assert iodef.validate.is_valid(converted[0])
    assert binding_to_xml(XML) is None


def test_received_v1_is_stored_upgraded_with_notes() -> None:
    v2, notes = upgrade_bytes((FIXTURES / "v1" / "minimal.xml").read_bytes())
    assert iodef.validate.is_valid(v2)
    assert notes
