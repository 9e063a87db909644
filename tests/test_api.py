"""The public API: a pinned, sorted __all__, and documents built in code in a few lines."""

from __future__ import annotations

import hashlib
import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

import iodef
from iodef.validate.schema import lxml_schema, schema_dir
from tests.conftest import ROOT, canonical

EXPECTED_TOP_LEVEL = {
    "DEFAULT_MAX_BYTES",
    "IODEF_NS",
    "IODEF_V1_NS",
    "ConvertError",
    "DocumentInvalidError",
    "DocumentTooLargeError",
    "ExchangeError",
    "ExchangeProtocolError",
    "ExchangeRejectedError",
    "ExchangeTransportError",
    "ExchangeUnavailableError",
    "ForbiddenXMLError",
    "IODEFError",
    "IODEFWarning",
    "Issue",
    "ParseError",
    "RecordError",
    "RestrictedDocumentError",
    "RuleViolation",
    "SchemaValidationError",
    "SerializationError",
    "UnsupportedVersionError",
    "__version__",
    "dumps",
    "model",
    "parse",
    # RFC 8727 JSON/CBOR and the v1 -> v2 upgrade (issue 13)
    "LossError",
    "UpgradeNote",
    "dumps_cbor",
    "dumps_json",
    "parse_cbor",
    "parse_json",
    "upgrade",
    # issue 14: STIX 2.1 and XML Signatures
    "SignatureError",
    "StixError",
    "Trust",
    "sign",
    "verify",
}


def _isort_key(name: str) -> tuple[int, str]:
    # the order ruff (RUF022) keeps __all__ in: CONSTANTS, then Classes, then functions
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def test_all_is_sorted_and_complete() -> None:
    assert list(iodef.__all__) == sorted(iodef.__all__, key=_isort_key)
    assert list(iodef.model.__all__) == sorted(iodef.model.__all__, key=_isort_key)
    assert set(iodef.__all__) == EXPECTED_TOP_LEVEL | set(iodef.model.__all__)
    for name in iodef.__all__:
        assert hasattr(iodef, name), name
    # every RFC class is reachable from the top level under its RFC name
    assert set(iodef.model.MODEL_CLASSES) <= set(iodef.__all__)


def _minimal_doc() -> iodef.IODEFDocument:
    return iodef.IODEFDocument(
        incidents=[
            iodef.Incident(
                purpose="reporting",
                incident_id=iodef.IncidentID(name="csirt.example.org", value="2026-0042"),
                generation_time=datetime(2026, 11, 23, 9, 30, tzinfo=UTC),
                descriptions=["Scanning of TCP/3389 from a customer network"],
                contacts=[
                    iodef.Contact(
                        role=iodef.ContactRole.CREATOR,
                        type=iodef.ContactType.ORGANIZATION,
                        emails=[iodef.Email(email_to="incidents@csirt.example.org")],
                    )
                ],
            )
        ]
    )


def test_a_document_built_in_code_is_valid_and_round_trips() -> None:
    doc = _minimal_doc()
    assert doc.version == "2.00"
    xml = doc.to_xml(pretty=True)
    assert xml.startswith(b"<?xml version='1.0' encoding='UTF-8'?>\n<iodef:IODEF-Document")
    assert lxml_schema().validate(iodef.xml.etree.fromstring(xml))
    assert iodef.parse(xml) == doc
    assert iodef.IODEFDocument.from_xml(xml) == doc
    assert b"2026-11-23T09:30:00Z" in xml


def test_readme_example_runs() -> None:
    readme = (ROOT / "README.md").read_text()
    block = re.search(r"```python\n(.*?)```", readme, re.S)
    assert block is not None
    # a fresh interpreter, as a reader would run it: nothing else has imported submodules first
    check = (
        block.group(1)
        + "\nassert isinstance(doc, iodef.IODEFDocument)\nassert again == doc\n"
        + "assert list(iodef.validate.iter_issues(doc)) == []\nprint('README example ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "README example ok"


def test_building_refuses_what_the_rfc_forbids() -> None:
    with pytest.raises(ValidationError, match="ext-purpose"):
        iodef.Incident(
            purpose="ext-value",
            incident_id=iodef.IncidentID(name="x", value="1"),
            generation_time=datetime(2026, 1, 1, tzinfo=UTC),
            contacts=[iodef.Contact(role="creator", type="organization")],
        )
    with pytest.raises(ValidationError, match="ext-role is set but role is not 'ext-value'"):
        iodef.Contact(role="creator", ext_role="helper", type="organization")
    with pytest.raises(ValidationError):
        iodef.Contact(role="boss", type="organization")  # not in the registry
    with pytest.raises(ValidationError):
        iodef.IODEFDocument(incidents=[])  # at least one incident
    ok = iodef.Contact(role="ext-value", ext_role="helper", type="organization")
    assert ok.role is iodef.ContactRole.EXT_VALUE


def test_parse_accepts_every_kind_of_source(tmp_path: Path) -> None:
    data = _minimal_doc().to_xml()
    path = tmp_path / "doc.xml"
    path.write_bytes(data)
    expected = iodef.parse(data)
    assert iodef.parse(str(path)) == expected
    assert iodef.parse(path) == expected
    assert iodef.parse(data.decode("utf-8")) == expected
    with path.open("rb") as fh:
        assert iodef.parse(fh) == expected
    latin = data.decode().replace("UTF-8", "ISO-8859-1").encode("iso-8859-1")
    assert iodef.parse(latin) == expected
    with pytest.raises(iodef.ParseError, match="cannot read file"):
        iodef.parse(tmp_path / "missing.xml")


def test_anyxml_keeps_foreign_content() -> None:
    node = iodef.AnyXML('<v:x xmlns:v="urn:example:v" a="1">text</v:x>', tail=" after")
    data = iodef.ExtensionType(dtype="xml", value="before ", content=[node])
    doc = _minimal_doc()
    doc.incidents[0].additional_data_list.append(data)
    again = iodef.parse(doc.to_xml())
    kept = again.incidents[0].additional_data_list[0]
    assert kept.value == "before "
    assert kept.content == [node]
    assert kept.content[0].tag == "{urn:example:v}x"
    assert kept.content[0].tail == " after"
    assert canonical(doc.to_xml()) == canonical(again.to_xml())


@pytest.mark.parametrize(
    ("name", "digest"),
    [
        ("iodef-2.0.xsd", "b7c10397a90c5c11d4576196b217e72a7b1871975023ee112e65668d0634b2bb"),
        ("iodef-1.0.xsd", "4d4c404add21121ec9671fe96411f84da4c015455e060dca1ba95424f45e2b82"),
        ("xml.xsd", "61960fb3131e38022caad5360e2f33a3382578ab3c80cd58bd74320ede61b20c"),
        ("xmldsig-core-schema.xsd", "32147d410f9649b7f0f0a812e117a329cbeda815aba0c421addc46a5048a3e19"),
        ("iodef-enum-1.0.xsd", "a04faf255c9f7e8dc043b3970390d523e62f8fab83c40eda0e8e55f2b2d3f935"),
        ("iodef-sci-1.0.xsd", "fe8df4d5b986cac8f37a0fe0d64cd2e40da05ad03f28494b2774f99489f638de"),
    ],
)
def test_bundled_schema_is_the_documented_file(name: str, digest: str) -> None:
    data = (schema_dir() / name).read_bytes()
    assert hashlib.sha256(data).hexdigest() == digest
    assert digest in (ROOT / "schemas" / "SOURCES.md").read_text()


def test_published_schema_matches_the_shared_reference_copy(shared_dir: Path) -> None:
    ours = (schema_dir() / "iodef-2.0.xsd").read_bytes()
    assert ours == (shared_dir / "schemas" / "iodef-2.0.xsd").read_bytes()


@pytest.mark.parametrize(
    "name", ["valid/every-element.xml", "lossless/open-content.xml", "lossless/lexical-forms.xml"]
)
def test_copies_pickles_and_plain_data_keep_everything(name: str) -> None:
    import copy
    import pickle

    source = (ROOT / "fixtures" / name).read_bytes()
    doc = iodef.parse(source)
    for other in (
        copy.deepcopy(doc),
        doc.model_copy(deep=True),
        pickle.loads(pickle.dumps(doc)),
        iodef.IODEFDocument.model_validate(doc.model_dump()),
        iodef.IODEFDocument.model_validate_json(doc.model_dump_json()),
    ):
        assert other == doc
    # copies and pickles also keep the source spellings for a byte-faithful write
    assert iodef.dumps(copy.deepcopy(doc)) == iodef.dumps(doc)
    assert iodef.dumps(pickle.loads(pickle.dumps(doc))) == iodef.dumps(doc)


def test_fields_set_are_the_fields_the_xml_gave() -> None:
    doc = iodef.parse(ROOT / "fixtures" / "valid" / "minimal.xml")
    incident = doc.incidents[0]
    assert incident.model_fields_set == {
        "purpose",
        "restriction",
        "incident_id",
        "generation_time",
        "descriptions",
        "contacts",
    }
    incident.status = iodef.IncidentStatus.RESOLVED
    assert "status" in incident.model_fields_set
    assert b'status="resolved"' in iodef.dumps(doc)


def test_writing_a_control_character_names_the_field() -> None:
    doc = _minimal_doc()
    doc.incidents[0].incident_id.value = "2026\x01"
    with pytest.raises(iodef.SerializationError) as info:
        iodef.dumps(doc)
    assert info.value.path == "IODEFDocument.incidents[0].incident_id.value"
    assert "control characters" in str(info.value)


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("10000-11-20T08:15:00Z", "only years 0001 to 9999 can be held"),
        ("2026-02-30T08:15:00Z", "a part is out of range"),
    ],
)
def test_a_date_time_python_cannot_hold_gets_a_plain_reason(value: str, why: str) -> None:
    source = (ROOT / "fixtures" / "valid" / "minimal.xml").read_text().replace("2026-11-20T08:15:00Z", value)
    with pytest.raises(iodef.ParseError, match=why) as info:
        iodef.parse(source)
    assert info.value.path == "/IODEF-Document/Incident/GenerationTime"
