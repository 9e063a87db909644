"""Every XML fixture through XML -> JSON -> XML and XML -> CBOR -> XML, compared canonically."""

from __future__ import annotations

from pathlib import Path

import pytest

import iodef
from iodef.cbor import dumps_cbor, parse_cbor
from iodef.json import LossError, dumps_json, parse_json
from tests.conftest import FIXTURES, canonical

#: Fixtures whose XML spelling (not data) JSON does not keep: numbers written " 80 " or "+7"; the prose's
#: <KeyValue> (RFC 8727's only name for it), written back to XML as the published schema's <Value>.
SPELLING_ONLY = {
    "lossless/lexical-forms.xml",
    "validate/xsd/datetime-whitespace.xml",
    "validate/prose-spelling/fail.xml",
}
#: Fixtures holding something RFC 8727 cannot carry; the writer must say so.
LOSSY = {
    "lossless/open-content.xml": "XML content without dtype='xml'",
    "lossless/child-order.xml": "interleaved order",
    "lossless/comments-and-pis.xml": "processing instruction",
    "validate/extension-dtype/fail.xml": "XML content without dtype='xml'",
}


def _documents() -> list[Path]:
    found = []
    for path in sorted(FIXTURES.rglob("*.xml")):
        rel = path.relative_to(FIXTURES).as_posix()
        if rel.startswith(("hostile/", "invalid/")):
            continue
        try:
            iodef.parse(path)
        except iodef.ParseError:
            continue  # not an IODEF v2 document the model reads (v1, broken on purpose)
        found.append(path)
    return found


DOCUMENTS = _documents()
IDS = [p.relative_to(FIXTURES).as_posix() for p in DOCUMENTS]


def test_the_corpus_is_not_empty() -> None:
    assert len(DOCUMENTS) > 90  # every v2 document under fixtures/, converter outputs included
    assert "valid/every-element.xml" in IDS


@pytest.mark.parametrize("path", DOCUMENTS, ids=IDS)
@pytest.mark.parametrize("codec", ["json", "cbor"])
def test_xml_to_binding_to_xml_is_canonically_equal(path: Path, codec: str) -> None:
    rel = path.relative_to(FIXTURES).as_posix()
    doc = iodef.parse(path)
    dump, load = (dumps_json, parse_json) if codec == "json" else (dumps_cbor, parse_cbor)
    if rel in LOSSY:
        with pytest.raises(LossError, match=LOSSY[rel]):
            dump(doc)
        return
    back = load(dump(doc))
    assert back == doc
    if rel not in SPELLING_ONLY:  # there the data is equal (above), the spelling is XML's own
        assert canonical(iodef.dumps(back)) == canonical(path.read_bytes())


def test_json_is_stable_through_a_second_round() -> None:
    doc = iodef.parse(FIXTURES / "valid" / "every-element.xml")
    once = dumps_json(doc)
    assert dumps_json(parse_json(once)) == once


def test_every_element_uses_the_folded_classes_rfc8727_deletes() -> None:
    import json

    data = json.loads(dumps_json(iodef.parse(FIXTURES / "valid" / "every-element.xml")))
    incident = data["Incident"][0]
    assert "IndicatorData" not in incident
    assert isinstance(incident["Indicator"], list)
    event = incident["EventData"][0]
    assert "Flow" not in event
    assert "System" in event
    assert "RecordData" in event
    assert all(len(entry) == 1 for entry in incident["Assessment"][0]["Impact"])
