"""IODEF -> STIX 2.1 -> IODEF over every valid fixture, and foreign bundles into IODEF."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import stix2
from lxml import etree
from stix2patterns.validator import run_validator

import iodef
from iodef import validate
from iodef.stix import EXTENSION_ID, StixError, from_stix, to_stix
from tests.conftest import FIXTURES, canonical

DOCUMENTS = sorted(
    [
        *FIXTURES.glob("valid/*.xml"),
        *FIXTURES.glob("lossless/*.xml"),
        *FIXTURES.glob("convert/*/*/*.iodef.xml"),
    ]
)
FOREIGN = FIXTURES / "stix" / "foreign-bundle.json"


def _ids(path: Path) -> str:
    return str(path.relative_to(FIXTURES))


def _objects(bundle: Any, stix_type: str) -> list[Any]:
    return [o for o in bundle.objects if o.type == stix_type]


def _with_comments(data: bytes) -> str:
    text: str = etree.canonicalize(etree.fromstring(data).getroottree(), with_comments=True)
    return text


def test_there_are_documents_to_map() -> None:
    assert len(DOCUMENTS) >= 40


@pytest.mark.parametrize("path", DOCUMENTS, ids=_ids)
def test_round_trip_is_lossless_under_c14n(path: Path) -> None:
    original = path.read_bytes()
    text = to_stix(iodef.parse(original)).serialize()
    back = iodef.dumps(from_stix(text))
    assert canonical(back) == canonical(original)
    # comments and processing instructions come back too
    assert _with_comments(back) == _with_comments(iodef.dumps(iodef.parse(original)))


@pytest.mark.parametrize("path", DOCUMENTS, ids=_ids)
def test_every_bundle_passes_stix2_validation(path: Path) -> None:
    bundle = to_stix(iodef.parse(path))
    text = bundle.serialize()
    parsed = stix2.parse(text, allow_custom=False, version="2.1")
    ids = {o.id for o in parsed.objects}
    assert len(ids) == len(parsed.objects)
    for obj in parsed.objects:
        for ref in [
            obj.get("created_by_ref"),
            *obj.get("object_refs", []),
            *obj.get("object_marking_refs", []),
        ]:
            assert ref is None or ref in ids, f"{obj.id} points at {ref}, not in the bundle"
        if obj.type == "relationship":
            assert {obj.source_ref, obj.target_ref} <= ids
        if obj.type == "indicator":
            assert run_validator(obj.pattern, stix_version="2.1") == [], obj.pattern
    definition = [o for o in parsed.objects if o.type == "extension-definition"]
    assert [d.id for d in definition] == [EXTENSION_ID]
    assert len(_objects(parsed, "incident")) == len(iodef.parse(path).incidents)
    for inc in _objects(parsed, "incident"):
        assert "iodef_xml" in inc.extensions[EXTENSION_ID]


def test_the_same_document_gives_the_same_bundle() -> None:
    doc = iodef.parse(FIXTURES / "valid" / "every-element.xml")
    assert to_stix(doc).serialize() == to_stix(doc).serialize()


def test_every_element_maps_to_the_stix_objects_it_names() -> None:
    bundle = to_stix(iodef.parse(FIXTURES / "valid" / "every-element.xml"))
    types = {o.type for o in bundle.objects}
    assert types >= {
        "incident",
        "identity",
        "indicator",
        "observed-data",
        "relationship",
        "threat-actor",
        "campaign",
        "attack-pattern",
        "report",
        "file",
        "email-message",
        "windows-registry-key",
        "domain-name",
    }
    (report,) = _objects(bundle, "report")
    assert set(report.object_refs) >= {o.id for o in _objects(bundle, "incident")}


def test_restriction_becomes_a_tlp_2_marking_and_the_creator_created_by_ref() -> None:
    bundle = to_stix(iodef.parse(FIXTURES / "valid" / "minimal.xml"))  # restriction="green"
    (inc,) = _objects(bundle, "incident")
    (marking,) = _objects(bundle, "marking-definition")
    assert inc.object_marking_refs == [marking.id]
    assert marking.name == "TLP:GREEN"
    assert marking.id == "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
    creator = next(o for o in _objects(bundle, "identity") if o.id == inc.created_by_ref)
    assert creator.name == "Example CSIRT"
    assert inc.external_references[0].source_name == "csirt.example.org"
    assert inc.external_references[0].external_id == "2026-0001"
    ext = inc.extensions[EXTENSION_ID]
    assert (ext["purpose"], ext["restriction"], ext["generation_time"]) == (
        "reporting",
        "green",
        "2026-11-20T08:15:00Z",
    )


def test_sms_phishing_becomes_incident_sender_and_url_indicators_and_observed_data() -> None:
    unmapped: list[str] = []
    doc = iodef.parse(FIXTURES / "convert" / "spam" / "sms-csv" / "7726-feed.csv.iodef.xml")
    bundle = to_stix(doc, unmapped=unmapped)

    def related_to(inc: Any) -> set[str]:
        return {
            r.source_ref if r.target_ref == inc.id else r.target_ref
            for r in _objects(bundle, "relationship")
            if inc.id in (r.source_ref, r.target_ref)
        }

    def patterns_of(inc: Any) -> list[str]:
        return sorted(i.pattern for i in _objects(bundle, "indicator") if i.id in related_to(inc))

    # the parcel-fee phishing incident of the feed (found by what it holds, not by its generated id)
    (inc,) = [
        o
        for o in _objects(bundle, "incident")
        if "[url:value = 'https://parcel-fee.example/pay']" in patterns_of(o)
    ]
    related = related_to(inc)
    patterns = patterns_of(inc)
    assert any("user-account:user_id = '+447700900999'" in p for p in patterns)
    (observed,) = [o for o in _objects(bundle, "observed-data") if o.id in related]
    accounts = {o.id: o.user_id for o in _objects(bundle, "user-account")}
    assert "+447700900999" in {accounts[r] for r in observed.object_refs if r in accounts}
    assert any("Record kept in the x-iodef extension" in u for u in unmapped)


def test_a_foreign_bundle_becomes_a_valid_iodef_document() -> None:
    unmapped: list[str] = []
    doc = from_stix(FOREIGN.read_text(), unmapped=unmapped)
    data = iodef.dumps(doc)
    assert validate.is_valid(data), list(validate.iter_issues(data))
    (inc,) = doc.incidents
    assert (inc.incident_id.name, inc.incident_id.value) == ("partner-cert.example", "PC-2026-77")
    assert str(inc.restriction.value if hasattr(inc.restriction, "value") else inc.restriction) == "partner"
    assert inc.contacts[0].contact_names[0].value == "Partner CERT"
    assert inc.indicator_data is not None
    assert len(inc.indicator_data.indicators) == 2
    assert sorted(unmapped) == [
        "indicator indicator--3f0e5a6b-7c8d-4e9f-a0b1-c2d3e4f5a6b7: pattern type 'yara' is not STIX",
        "malware malware--2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b: IODEF has no place for it",
    ]


def test_stix_iodef_stix_keeps_every_object_iodef_can_express() -> None:
    original = stix2.parse(FOREIGN.read_text(), allow_custom=False)
    again = to_stix(from_stix(original, unmapped=[]))

    def names(bundle: Any, stix_type: str) -> set[str]:
        return {o.name for o in _objects(bundle, stix_type)}

    for stix_type in ("threat-actor", "campaign", "vulnerability", "attack-pattern"):
        assert names(again, stix_type) == names(original, stix_type), stix_type
    assert names(again, "identity") >= {"Partner CERT"}
    (inc,) = _objects(again, "incident")
    assert inc.description == "Phishing pages and a mail sender seen by a partner."
    values = {o.get("value") for o in again.objects if o.type in ("ipv4-addr", "domain-name")}
    assert values >= {"198.51.100.23", "login-bank.example"}
    hashes = [o.hashes for o in _objects(again, "file")]
    assert {"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"} in hashes
    assert len(_objects(again, "indicator")) == 2
    assert len(_objects(again, "observed-data")) == 1
    assert _objects(again, "malware") == []  # reported as unmapped instead


def test_an_incident_without_the_extension_is_rebuilt_from_its_stix_properties() -> None:
    data = json.loads(to_stix(iodef.parse(FIXTURES / "valid" / "minimal.xml")).serialize())
    inc = next(o for o in data["objects"] if o["type"] == "incident")
    del inc["extensions"][EXTENSION_ID]["iodef_xml"]
    inc["description"] = "Edited in a STIX tool."
    doc = from_stix(data)
    (incident,) = doc.incidents
    assert incident.descriptions[0].value == "Edited in a STIX tool."
    assert incident.incident_id.value == "2026-0001"
    assert validate.is_valid(iodef.dumps(doc))


def test_an_undeclared_custom_object_is_refused() -> None:
    data = json.loads(FOREIGN.read_text())
    data["objects"].append(
        {
            "type": "x-acme-thing",
            "spec_version": "2.1",
            "id": "x-acme-thing--" + "0" * 8 + "-0000-4000-8000-" + "0" * 12,
        }
    )
    with pytest.raises(StixError, match=r"not a valid STIX 2\.1 bundle"):
        from_stix(data)


@pytest.mark.parametrize("junk", ["", "not json", "[]", '{"type": "indicator"}'])
def test_junk_is_a_stix_error(junk: str) -> None:
    with pytest.raises(StixError):
        from_stix(junk)


def test_unmapped_objects_warn_without_a_list() -> None:
    with pytest.warns(iodef.IODEFWarning) as caught:
        from_stix(FOREIGN.read_text())
    assert sorted(str(w.message).split(" ")[0] for w in caught) == ["indicator", "malware"]


def test_objects_added_to_an_exported_bundle_are_reported() -> None:
    data = json.loads(to_stix(iodef.parse(FIXTURES / "valid" / "minimal.xml")).serialize())
    extra = json.loads(FOREIGN.read_text())["objects"][-1]  # a relationship, say
    data["objects"].append(extra)
    unmapped: list[str] = []
    doc = from_stix(data, unmapped=unmapped)
    assert doc.incidents[0].incident_id.value == "2026-0001"
    assert unmapped == [
        f"relationship {extra['id']}: not part of the exported document "
        f"{next(o['id'] for o in data['objects'] if o['type'] == 'report')}; ignored"
    ]


def test_a_bundle_of_indicators_only_becomes_one_incident() -> None:
    data = json.loads(FOREIGN.read_text())
    data["objects"] = [o for o in data["objects"] if o["type"] == "indicator"]
    unmapped: list[str] = []
    doc = from_stix(data, unmapped=unmapped)
    (inc,) = doc.incidents
    assert inc.indicator_data is not None
    assert len(inc.indicator_data.indicators) == 2  # the yara one is reported
    assert inc.contacts[0].contact_names[0].value == "unknown STIX producer"
    assert validate.is_valid(iodef.dumps(doc))
    assert len(unmapped) == 1


def test_unregistered_purpose_and_status_survive_the_stix_properties_alone() -> None:
    source = (
        (FIXTURES / "valid" / "minimal.xml")
        .read_bytes()
        .replace(
            b'purpose="reporting"',
            b'purpose="ext-value" ext-purpose="takedown-request" status="ext-value" ext-status="x"',
        )
    )
    data = json.loads(to_stix(iodef.parse(source)).serialize())
    inc = next(o for o in data["objects"] if o["type"] == "incident")
    assert inc["extensions"][EXTENSION_ID]["purpose"] == "takedown-request"
    del inc["extensions"][EXTENSION_ID]["iodef_xml"]
    (incident,) = from_stix(data).incidents
    assert (incident.ext_purpose, incident.ext_status) == ("takedown-request", "x")
    assert incident.status is not None
    assert validate.is_valid(iodef.dumps(from_stix(data)))
