"""Hostile and broken JSON/CBOR is refused with a clear iodef.ParseError, never another exception."""

from __future__ import annotations

import json

import pytest

import iodef
from iodef.cbor import parse_cbor
from iodef.json import parse_json

MINIMAL = {
    "version": "2.00",
    "lang": "en",
    "Incident": [
        {
            "purpose": "reporting",
            "IncidentID": {"id": "1", "name": "csirt.example.org"},
            "GenerationTime": "2026-01-01T00:00:00Z",
            "Contact": [{"type": "organization", "role": "creator"}],
        }
    ],
}


def _with(**changes: object) -> bytes:
    incident = {**MINIMAL["Incident"][0], **changes}  # type: ignore[index, dict-item]
    return json.dumps({**MINIMAL, "Incident": [incident]}).encode()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a":' * 50_000 + b"1" + b"}" * 50_000, "nested too deeply"),
        (b'{"version": "2.00", "Incident": [], "x": ' + b"9" * 5000 + b"}", "more than 20 digits"),
        (b'{"version": 1e999}', "out of the range"),
        (b'{"version": NaN}', "NaN or Infinity"),
        (b'{"version": "2.00", "version": "2.00"}', "occurs twice"),
        ('{"version": "2.00", "lang": "d\u00e9"}'.encode("latin-1"), "not UTF-8"),
        ('{"version": "2.00"}'.encode("utf-16"), "not UTF-8"),
        (b"", "empty"),
        (b"{", "not JSON"),
        (b"[]", "expected an object for IODEFDocument"),
        (b'{"version": "2.00", "Incident": {}}', "expected an array"),
        (b'{"version": "2.00"}', "needs the member 'Incident'"),
        (_with(Surprise=1), "unknown member 'Surprise'"),
        (_with(GenerationTime="yesterday"), "not a date-time"),
        (_with(GenerationTime=12), "expected an RFC 3339 date-time string"),
        (_with(purpose=True), "expected a string, got a boolean"),
        (_with(AdditionalData=[{"dtype": "xml", "value": "<a>"}]), "does not parse"),
        (_with(AdditionalData=[{"dtype": "xml", "value": '<!DOCTYPE a [<!ENTITY e "x">]><a/>'}]), "parse"),
    ],
)
def test_hostile_json_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(iodef.ParseError, match=message) as info:
        parse_json(data)
    assert str(info.value).startswith("<bytes>")


def test_the_error_names_the_json_path() -> None:
    with pytest.raises(iodef.ParseError) as info:
        parse_json(_with(Contact=[{"type": "organization", "role": 7}]))
    assert info.value.path == "$.Incident[0].Contact[0].role"


def test_an_oversized_document_is_refused_before_parsing(tmp_path: object) -> None:
    with pytest.raises(iodef.DocumentTooLargeError):
        parse_json(_with(), max_bytes=100)


def test_a_file_that_is_missing_is_a_parse_error() -> None:
    with pytest.raises(iodef.ParseError, match="cannot read file"):
        parse_json("/nonexistent/incident.json")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty"),
        (b"\x81" * 100_000 + b"\x00", "nested too deeply|not CBOR"),
        (b"\x9b\xff\xff\xff\xff\xff\xff\xff\xff", "not CBOR"),
        (b"\xa1\x37\xd9\xd9\xf7\x63abc", "needs the member .Incident."),  # tag 55799 is fine
        (b"\xff", "not CBOR"),
    ],
)
def test_hostile_cbor_is_refused_clearly(data: bytes, message: str) -> None:
    with pytest.raises(iodef.ParseError, match=message):
        parse_cbor(data)


def test_a_byte_class_may_come_as_base64_of_its_xml() -> None:
    import base64

    xml = '<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>'
    email = {"EmailFrom": "a@example.org", "Signature": [base64.b64encode(xml.encode()).decode()]}
    system = {"Node": {"Address": [{"value": "192.0.2.1", "category": "ipv4-addr"}]},
              "Service": [{"EmailData": email}]}  # fmt: skip
    doc = parse_json(_with(EventData=[{"System": [system]}]))
    service = doc.incidents[0].event_data_list[0].flows[0].systems[0].services[0]
    assert service.email_data is not None
    signature = service.email_data.signature_data_list[0].signatures[0]
    assert signature.tag == "{http://www.w3.org/2000/09/xmldsig#}Signature"
    with pytest.raises(iodef.ParseError, match="base64"):
        parse_json(
            _with(EventData=[{"System": [{**system, "Service": [{"EmailData": {"Signature": ["%%"]}}]}]}])
        )
